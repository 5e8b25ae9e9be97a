"""Command line: ``listening-coach COMMAND ...``. Parses, calls one library function, prints.

Each command lives in ``listening_coach/commands/NAME.py`` with ``register(subparsers)``, which
adds its parser and sets ``func=run`` where ``run(args) -> int`` returns the exit code.

Exit codes: 0 success; 1 an error we explain in one line (bad input, bad config, no device);
2 bad command-line usage; 3 a batch finished but some inputs failed (listed at the end);
130 interrupted with nothing to save.
"""

from __future__ import annotations

import argparse
import importlib
import logging
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


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns (and exits with) the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
    except OSError as e:  # a last resort: stages raise CoachError for what they expect
        where = f" ({e.filename})" if e.filename else ""
        print(f"error: {e.strerror or e}{where}", file=sys.stderr)
        code = EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        code = EXIT_OK
    return code


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
