"""``listening-coach export JSON... --format vtt|srt|rttm``: subtitles or RTTM from a session.

Writes ``NAME.vtt`` / ``NAME.srt`` / ``NAME.rttm`` next to each JSON (or into ``--out``);
``--out -`` prints to standard output.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from listening_coach.errors import ConfigError, OutputError

FORMATS = ("vtt", "srt", "rttm")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("export", help="export WebVTT/SRT subtitles or RTTM",
                              description="Export sessions as WebVTT or SRT (with speakers) "
                                          "or RTTM.")
    p.add_argument("inputs", nargs="+", metavar="JSON", help="session JSON files")
    p.add_argument("--format", "-f", choices=FORMATS, default="vtt")
    p.add_argument("--out", help="output folder, or - for standard output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from listening_coach.report.interchange import to_rttm, to_srt, to_webvtt
    from listening_coach.report.atomic import atomic_write_text
    from listening_coach.paths import readable_file
    from listening_coach.report.json import session_from_dict

    writers = {"vtt": to_webvtt, "srt": to_srt, "rttm": to_rttm}
    for name in args.inputs:
        path = readable_file(name, "a session JSON (NAME.json)")
        try:
            session = session_from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ConfigError(f"{path} does not exist") from None
        except (OSError, OutputError, ValueError, KeyError, TypeError) as e:
            raise ConfigError(f"{path} is not a session JSON: {e}") from None
        text = writers[args.format](session)
        if args.out == "-":
            sys.stdout.write(text)
            continue
        folder = Path(args.out) if args.out else path.parent
        folder.mkdir(parents=True, exist_ok=True)
        stem = path.name[: -len(".json")] if path.name.endswith(".json") else path.stem
        target = folder / f"{stem}.{args.format}"
        atomic_write_text(target, text)
        print(f"wrote {target}")
    return 0
