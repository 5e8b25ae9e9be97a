"""Checks on paths given by a user, made before anything opens them.

- :func:`input_problem`: why a path cannot be read (missing, a broken link, a symlink loop, a
  pipe, a device, a socket), or None for a file or folder.
- :func:`readable_file`: a path to a regular file, or a one-line :class:`ConfigError`.

Reading a FIFO or a device would block or never end, so every command-line input that is read
whole goes through :func:`readable_file` first.
"""

from __future__ import annotations

import errno
import stat
from pathlib import Path

from listening_coach.errors import ConfigError


def input_problem(path: Path, what: str = "a recording") -> str | None:
    """Why ``path`` cannot be read as ``what`` (or a folder); None when it is a file or folder.

    Names what it is instead (missing, a broken link, a symlink loop, a pipe, a device, a
    socket) rather than opening it: reading a FIFO or a device would block or never end.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "is a broken symbolic link" if path.is_symlink() else "no such file or folder"
    except RuntimeError:  # Python 3.11 resolve() reports loops so; stat() gives ELOOP below
        return f"is a symbolic link loop; point it at {what}"
    except OSError as e:
        if e.errno == errno.ELOOP:
            return f"is a symbolic link loop; point it at {what}"
        return f"cannot be read ({e.strerror or e})"
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    return f"is {kind}, not {what}; save it to a file and pass that"


def readable_file(name: str | Path, what: str) -> Path:
    """``name`` as a path to a regular file, or a one-line :class:`ConfigError` saying what it is.

    For command-line inputs read whole (``what``: "a session JSON"): an empty name, a folder, a
    pipe or a device is refused before anything opens it (a FIFO would block for ever).
    """
    if str(name).strip() == "":
        raise ConfigError(f"An empty path (\"\") was given; pass {what}")
    path = Path(name)
    problem = input_problem(path, what)
    if problem is None and path.is_dir():
        problem = f"is a folder, not {what}"
    if problem is not None:
        raise ConfigError(f"{path}: {problem}")
    return path


def refuse_special(path: Path, what: str, error: type[ConfigError] = ConfigError) -> None:
    """Raise ``error`` when ``path`` exists but is a pipe, a device or a socket.

    For readers that word their own message for a missing file: reading such a path would
    block (a FIFO) or never end (a device), so it is named before anything opens it.
    """
    if path.exists():
        problem = input_problem(path, what)
        if problem is not None:
            raise error(f"{path}: {problem}")
