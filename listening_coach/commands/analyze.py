"""``listening-coach analyze FILE... [--out DIR]``: analyse recordings, write JSON, print summaries."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from listening_coach.config import load_config
from listening_coach.errors import CoachError, ConfigError
from listening_coach.pipeline import analyze
from listening_coach.report import render_text, write_json


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("analyze", help="analyse recorded role-plays",
                              description="Analyse recordings; one JSON per recording in --out.")
    p.add_argument("inputs", nargs="+", metavar="FILE", help="audio or video files")
    p.add_argument("--out", default="out", help="output folder (default: ./out)")
    p.add_argument("--config", help="TOML config file (see docs/config.toml)")
    p.add_argument("--channels", help="who is on each channel, e.g. partner,trainee ('-' skips one)")
    p.add_argument("--quiet", action="store_true", help="print only failures and output paths")
    p.set_defaults(func=run)


def build_config(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Return the config from --config, with --channels applied on top."""
    config = load_config(args.config)
    if args.channels:
        names = tuple(n.strip() for n in args.channels.split(","))
        if not any(n in ("trainee", "partner") for n in names):
            raise ConfigError(f"--channels {args.channels!r} names neither trainee nor partner")
        config = dataclasses.replace(
            config, speakers=dataclasses.replace(config.speakers, channels=names, mode="channels"))
    return config


def run(args: argparse.Namespace) -> int:
    config = build_config(args)
    out = Path(args.out)
    failures: list[tuple[str, str]] = []
    for name in args.inputs:
        try:
            session = analyze(name, config)
            path = write_json(session, out / f"{Path(name).stem}.json")
        except CoachError as e:
            failures.append((name, str(e)))
            print(f"error: {e}", file=sys.stderr)
            continue
        if not args.quiet:
            print(render_text(session))
        print(f"wrote {path}")
    if failures:
        print(f"\n{len(failures)} of {len(args.inputs)} recording(s) failed:", file=sys.stderr)
        for name, reason in failures:
            print(f"  {reason if reason.startswith(name) else f'{name}: {reason}'}", file=sys.stderr)
        return 3 if len(failures) < len(args.inputs) else 1
    return 0
