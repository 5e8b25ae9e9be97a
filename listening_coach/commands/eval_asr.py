"""``listening-coach eval-asr DIR [--model PATH] [--json FILE]``: word error rate per clip.

Runs the full pipeline on every audio file in DIR that has a reference transcript next to it
(``NAME.txt``, ``NAME.segments.tsv``, or ``NAME.left.txt`` + ``NAME.right.txt`` for one speaker
per channel) and prints a per-clip table and the overall WER. Normalisation rules:
:func:`listening_coach.evaluation.asr.normalize_words`. Exit code 3 when some clips could not be
read (listed as ``failed:``), 1 when the folder holds no clip with a reference.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from listening_coach.config import load_config
from listening_coach.errors import OutputError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "eval-asr",
        help="word error rate of the transcription on clips with reference transcripts",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    p.add_argument("folder", metavar="DIR", help="clips + reference transcripts, e.g. ../shared/data/speech")
    p.add_argument("--model", help="CTranslate2 Whisper model folder (default: bundled tiny.en)")
    p.add_argument("--config", help="TOML config file (transcription options are used)")
    p.add_argument("--json", metavar="FILE", help="also write every score as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from listening_coach.evaluation.asr import evaluate_asr, render_table

    config = load_config(args.config)
    if args.model:
        config = dataclasses.replace(
            config, transcribe=dataclasses.replace(config.transcribe, model=args.model)
        )
    report = evaluate_asr(args.folder, config)
    print(render_table(report))
    if args.json:
        data = {
            "model": report.model,
            "wer": report.wer,
            "errors": report.errors,
            "reference_words": report.reference_words,
            "failures": [list(f) for f in report.failures],
            "clips": [dict(dataclasses.asdict(s), wer=s.wer) for s in report.scores],
        }
        try:
            Path(args.json).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        except OSError as e:
            raise OutputError(f"Cannot write {args.json}: {e.strerror}; pick a writable path") from None
    return 3 if report.failures else 0
