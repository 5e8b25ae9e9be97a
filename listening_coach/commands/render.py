"""``listening-coach render JSON...``: rebuild HTML reports, applying the coach's corrections.

For each ``NAME.json`` the corrections in ``NAME.corrections.toml`` (if any) are applied, the
scores recomputed, and ``NAME.html`` written next to it (or into ``--out``). Trainee, date and
scenario come from the batch's ``NAME.stamp.json``; the audio from the session's source.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from listening_coach.errors import CoachError, ConfigError, OutputError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("render", help="rebuild HTML reports from JSON, with corrections",
                              description="Re-render NAME.html from NAME.json, applying "
                                          "NAME.corrections.toml when present.")
    p.add_argument("inputs", nargs="+", metavar="JSON_OR_DIR",
                   help="session JSON files, or folders of them")
    p.add_argument("--out", help="folder for the HTML files (default: next to each JSON)")
    p.add_argument("--audio", help="recording to embed (default: the session's source file)")
    p.add_argument("--no-audio", action="store_true", help="do not embed the recording")
    p.add_argument("--save-json", action="store_true",
                   help="also write NAME.corrected.json with the corrected labels and scores")
    p.set_defaults(func=run)


def render_one(json_path: Path, args: argparse.Namespace) -> Path:
    """Render one JSON into HTML; returns the HTML path."""
    import dataclasses

    from listening_coach.coach.corrections import apply_corrections, describe, find_corrections
    from listening_coach.report.html import write_report
    from listening_coach.coach.manifest import parse_channels, parse_date
    from listening_coach.types import RecordingInfo
    from listening_coach.report.atomic import atomic_write_text
    from listening_coach.report.json import session_from_dict, to_dict

    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{json_path} does not exist") from None
    except (OSError, ValueError) as e:
        raise ConfigError(f"{json_path} is not a session JSON: {e}") from None
    if not isinstance(data, dict) or "words" not in data:
        raise ConfigError(f"{json_path} is not a session JSON written by listening-coach")
    try:
        session = session_from_dict(data)
    except (OutputError, KeyError, TypeError, ValueError, IndexError) as e:
        raise ConfigError(f"{json_path} is not a complete session JSON ({type(e).__name__}: "
                          f"{e}); re-run the analysis to rebuild it") from None
    stem = json_path.name[: -len(".json")] if json_path.name.endswith(".json") else json_path.stem
    info = RecordingInfo()
    stamp = json_path.with_name(f"{stem}.stamp.json")
    if stamp.is_file():
        row = json.loads(stamp.read_text(encoding="utf-8")).get("info", {})
        info = RecordingInfo(
            trainee=row.get("trainee") or None,
            date=parse_date(row["date"], where=stamp.name) if row.get("date") else None,
            scenario=row.get("scenario") or None,
            channels=parse_channels(row["channels"], where=stamp.name) if row.get("channels") else None)
    corrections = find_corrections(json_path)
    note = None
    if corrections is not None:
        session = apply_corrections(session, corrections)
        note = describe(corrections)
    if args.no_audio:
        session = dataclasses.replace(session, config=dataclasses.replace(
            session.config, report=dataclasses.replace(session.config.report, embed_audio=False)))
    out_dir = Path(args.out) if args.out else json_path.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.save_json and corrections is not None:
        atomic_write_text(out_dir / f"{stem}.corrected.json",
                          json.dumps(to_dict(session), ensure_ascii=False, indent=1))
    return write_report(session, out_dir / f"{stem}.html", audio=args.audio, info=info,
                        title=stem, corrections_note=note)


def session_files(inputs: list[str]) -> list[Path]:
    """Session JSONs among ``inputs``; folders give their ``*.json`` (stamps and
    ``*.corrected.json`` left out)."""
    found: list[Path] = []
    from listening_coach.paths import readable_file

    for name in inputs:
        path = Path(name)
        candidates = (sorted(path.glob("*.json")) if name and path.is_dir()
                      else [readable_file(name, "a session JSON (NAME.json) or a folder of them")])
        found += [p for p in candidates
                  if not p.name.endswith((".stamp.json", ".corrected.json"))]
    return found


def run(args: argparse.Namespace) -> int:
    failures = 0
    files = session_files(args.inputs)
    if not files:
        raise ConfigError(f"No session JSON in {', '.join(args.inputs)}")
    for json_path in files:
        try:
            path = render_one(json_path, args)
        except CoachError as e:
            failures += 1
            print(f"error: {e}", file=sys.stderr)
            continue
        print(f"wrote {path}")
    if failures:
        return 3 if failures < len(files) else 1
    return 0
