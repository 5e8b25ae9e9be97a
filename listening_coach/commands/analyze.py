"""``listening-coach analyze DIR_OR_FILES... [--out DIR]``: analyse recordings in a batch.

Per recording: ``NAME.json`` and ``NAME.html`` in ``--out``; per batch: ``recordings.csv``,
``exchanges.csv``, ``cohort.csv`` and ``index.html``. A rerun skips recordings whose audio and
config are unchanged, so Ctrl-C then the same command again resumes. Failures are listed at
the end; the exit code is 3 when some recordings failed, 1 when all did.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from listening_coach.bounds import parse_channel_map
from listening_coach.config import load_config
from listening_coach.errors import ConfigError
from listening_coach.feedback import clock, counted


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "analyze", help="analyse recorded role-plays (files or folders)",
        description="Analyse recordings; JSON + HTML per recording, CSVs and index.html per "
                    "batch, in --out. Rerunning skips unchanged recordings.")
    p.add_argument("inputs", nargs="*", metavar="DIR_OR_FILE",
                   help="audio/video files or folders (walked recursively)")
    p.add_argument("--out", default="out", help="output folder (default: ./out)")
    p.add_argument("--config", help="TOML config file (see docs/config.toml)")
    p.add_argument("--channels",
                   help="who is on each channel, e.g. partner,trainee ('-' skips one)")
    p.add_argument("--diarize", action="store_true",
                   help="find the voices in a mono recording (speakers.mode = diarize); "
                        "roles by [diarize] role_rule (default auto: who sounds like the listener, "
                        "and talks less)")
    p.add_argument("--num-speakers", type=int, metavar="N",
                   help="mono recordings: this many voices instead of estimating the count")
    p.add_argument("--trainee", metavar="SPEAKER_NN",
                   help="mono recordings: the diarizer label that is the trainee (see the report's note)")
    p.add_argument("--roles", metavar="RULE_OR_MAP",
                   help="mono recordings: role rule (auto, listener, less, first, enrolment) or a map "
                        "such as SPEAKER_00=partner,SPEAKER_01=trainee")
    p.add_argument("--jobs", "-j", type=int, default=0,
                   help="recordings analysed at once (default: chosen for this machine)")
    p.add_argument("--force", action="store_true",
                   help="re-analyse unchanged recordings and overwrite outputs of other inputs")
    p.add_argument("--manifest", help="CSV with path,trainee,date,scenario,channels")
    p.add_argument("--pattern",
                   help="read trainee/date/scenario from file names, e.g. '{trainee}_{date}_{scenario}'")
    p.add_argument("--segmentation",
                   help="RTTM or Praat TextGrid speaker segmentation (a file for one recording, "
                        "or a folder of STEM.rttm / STEM.TextGrid)")
    p.add_argument("--dask", metavar="SCHEDULER",
                   help="run on a dask.distributed cluster, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--quiet", action="store_true", help="print only failures and output paths")
    p.set_defaults(func=run)


def build_config(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Return the config from --config, with --channels applied on top."""
    config = load_config(args.config)
    if args.channels is not None:
        names = parse_channel_map(args.channels, "--channels")
        config = dataclasses.replace(
            config, speakers=dataclasses.replace(config.speakers, channels=names, mode="channels"))
    if getattr(args, "diarize", False):
        if args.channels is not None:
            raise ConfigError("--diarize and --channels exclude each other: pick one")
        config = dataclasses.replace(config, speakers=dataclasses.replace(config.speakers, mode="diarize"))
    return _diarize_overrides(config, args)


def _diarize_overrides(config, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Apply --num-speakers, --trainee and --roles to the [diarize] options."""
    changes: dict[str, Any] = {}
    if getattr(args, "num_speakers", None) is not None:
        if args.num_speakers < 1:
            raise ConfigError(f"--num-speakers must be 1 or more, got {args.num_speakers}")
        changes["num_speakers"] = args.num_speakers
    roles = getattr(args, "roles", None)
    trainee = getattr(args, "trainee", None)
    if roles and "=" in roles:
        pairs = dict(part.split("=", 1) for part in roles.split(",") if "=" in part)
        named = [label.strip() for label, role in pairs.items() if role.strip() == "trainee"]
        if len(named) != 1:
            raise ConfigError(f"--roles {roles!r} must name exactly one trainee, e.g. SPEAKER_01=trainee")
        trainee = named[0]
    elif roles:
        changes["role_rule"] = roles
    if trainee:
        changes.update(role_rule="manual", trainee_speaker=trainee)
    if not changes:
        return config
    return dataclasses.replace(config, diarize=dataclasses.replace(config.diarize, **changes))


class _Progress:
    """Progress display: a rich bar with ETA on a terminal, one line per recording otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, step: str, artifact: object) -> None:
        from listening_coach.coach.batch import BatchPlan, BatchProgress

        if step == "batch.start" and isinstance(artifact, BatchPlan):
            for note in artifact.notes:
                print(f"note: {note}", file=sys.stderr)
            total = len(artifact.tasks) + len(artifact.missing)
            if sys.stderr.isatty() and not self.quiet:
                from rich.console import Console
                from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                           TimeElapsedColumn)

                self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                    MofNCompleteColumn(), TimeElapsedColumn(),
                                    TextColumn("eta {task.fields[eta]}"),
                                    console=Console(stderr=True), transient=False)
                self.bar.start()
                self.task = self.bar.add_task("analysing", total=total, eta="?")
        elif step == "batch.item" and isinstance(artifact, BatchProgress):
            item = artifact.result
            eta = "?" if artifact.eta_s is None else clock(artifact.eta_s)
            what = item.status if item.status != "done" else f"done ({item.seconds:.1f} s)"
            if self.bar is not None:
                self.bar.update(self.task, advance=1, eta=eta,
                                description=f"{item.name[:30]:<30} {item.status}")
            elif not self.quiet or item.status == "failed":
                print(f"[{artifact.done}/{artifact.total}] {item.name}: {what}; eta {eta}",
                      file=sys.stderr)
        elif step == "batch.done" and self.bar is not None:
            self.bar.stop()


def run(args: argparse.Namespace) -> int:
    from listening_coach.coach.batch import run_batch

    config = build_config(args)
    if args.jobs < 0:
        raise ConfigError(f"--jobs must be 0 (automatic) or more, got {args.jobs}")
    progress = _Progress(args.quiet)
    try:
        result = run_batch(args.inputs, args.out, config, jobs=args.jobs, force=args.force,
                           manifest=args.manifest, pattern=args.pattern,
                           segmentation=args.segmentation, dask=args.dask, hook=progress)
    except KeyboardInterrupt:
        if progress.bar is not None:
            progress.bar.stop()
        print(f"interrupted: finished recordings are kept in {args.out}; run the same command "
              "again to resume", file=sys.stderr)
        return 130
    if len(result.items) == 1 and result.items[0].status != "failed" and not args.quiet:
        _print_summary(result.out_dir / f"{result.items[0].name}.json")
    print(f"{len(result.analysed)} analysed, {len(result.skipped)} unchanged (skipped), "
          f"{len(result.failed)} failed in {result.seconds:.1f} s; index: "
          f"{result.out_dir / 'index.html'}")
    if result.failed:
        print(f"\n{len(result.failed)} of {counted(len(result.items), 'recording')} failed:",
              file=sys.stderr)
        for item in result.failed:
            reason = item.error or "unknown reason"
            where = "" if reason.startswith(str(item.path)) else f"{item.path}: "
            print(f"  {where}{reason}", file=sys.stderr)
        return 3 if len(result.failed) < len(result.items) else 1
    return 0


def _print_summary(json_path: Path) -> None:
    import json

    from listening_coach.report.json import session_from_dict
    from listening_coach.report.text import render_text

    session = session_from_dict(json.loads(json_path.read_text(encoding="utf-8")))
    print(render_text(session))
