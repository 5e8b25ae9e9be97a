"""Command line: ``listening-coach COMMAND ...``. Parses, calls one library function, prints.

Each command lives in ``listening_coach/commands/NAME.py`` with ``register(subparsers)``, which
adds its parser and sets ``func=run`` where ``run(args) -> int`` returns the exit code.

Exit codes: 0 success; 1 an error we explain in one line (bad input, bad config, no device);
2 bad command-line usage; 3 a batch finished but some inputs failed (listed at the end);
4 an internal error (a bug: one line, the traceback with ``-vv``); 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from listening_coach.errors import CoachError

COMMANDS: tuple[str, ...] = (
    "analyze",
    "devices",
    "drill",
    "render",
    "eval_corrections",
    "export",
    "eval_diarization",
    "eval_asr",
    "eval_language",
)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every command in :data:`COMMANDS` registered."""
    parser = argparse.ArgumentParser(
        prog="listening-coach",
        description="Measure active listening in role-play recordings and live drills, offline.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"listening_coach.commands.{name}")
        module.register(subparsers)
    return parser


# Options whose value may start with "-" ("--channels -,trainee" skips channel 0).
DASH_VALUE_OPTIONS = ("--channels",)


def _join_dash_values(argv: list[str]) -> list[str]:
    """Write ``--channels -,trainee`` as ``--channels=-,trainee`` so argparse takes the value.

    argparse reads a word that starts with "-" as an option; a channel map may start with the
    skip mark "-". A following word that is a real option (``--out``) is left alone.
    """
    out: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        following = argv[i + 1] if i + 1 < len(argv) else None
        if (word in DASH_VALUE_OPTIONS and following is not None and following.startswith("-")
                and not following.lstrip("-")[:1].isalpha()):
            out.append(f"{word}={following}")
            i += 2
            continue
        out.append(word)
        i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns (and exits with) the exit code."""
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 must not crash a print
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(_join_dash_values(sys.argv[1:] if argv is None else list(argv)))
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.func(args)
    except CoachError as e:
        print(f"error: {e}", file=sys.stderr)
        code = EXIT_ERROR
    except BrokenPipeError:  # the reader of our output went away (`... | head`)
        _drop_stdout()
        code = EXIT_OK
    except OSError as e:  # a last resort: stages raise CoachError for what they expect
        where = f" ({e.filename})" if e.filename else ""
        print(f"error: {e.strerror or e}{where}", file=sys.stderr)
        code = EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except Exception as e:  # noqa: BLE001 - a bug: one line, the traceback only with -vv
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        print(f"error: internal error {type(e).__name__}: {e} (please report it; run with -vv "
              "for the traceback)", file=sys.stderr)
        code = EXIT_INTERNAL
    return code


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit cannot fail again on a closed pipe."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (tests capture stdout): nothing to flush
        pass


def entry() -> None:
    code = main()
    try:  # output still buffered is written now; its reader may have gone (`... | head -1`)
        sys.stdout.flush()
    except BrokenPipeError:
        _drop_stdout()
    sys.exit(code)


if __name__ == "__main__":
    entry()
