"""The one atomic file writer: a crash or Ctrl-C never leaves half a file under the real name.

- :func:`atomic_write_text`: write through a temporary file in the same folder, then
  ``os.replace``; the temporary file is removed whatever happens.
- :func:`remove_stale_temp_files`: delete what a killed process left behind (``.*.partial``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

from listening_coach.errors import OutputError

TEMP_SUFFIX = ".partial"


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path``, creating its folder; returns the path.

    A file name that is not UTF-8 reaches us with surrogates (``\\udcff``); they are written as
    that escape, which keeps the file valid UTF-8 and reads back as the same name in JSON.

    Raises:
      OutputError: the folder cannot be created or the file cannot be written.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}{TEMP_SUFFIX}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(text.encode("utf-8", errors="backslashreplace"))
        os.replace(tmp, path)
    except OSError as e:
        raise OutputError(f"Cannot write {path}: {e.strerror or e}; choose a writable --out "
                          "folder") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return path


def remove_stale_temp_files(out_dir: Path) -> int:
    """Delete temporary files an interrupted run left behind; returns how many."""
    removed = 0
    for tmp in out_dir.glob(f".*{TEMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed
