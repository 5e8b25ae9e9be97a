"""Transcribe the bundled role-plays once: audio_samples/NAME.words.json (``make fixtures``).

Usage: python scripts/make_fixtures.py [NAME ...]

Runs the pipeline's transcription and speaker stages (``listening_coach.pipeline.analyze``,
default transcription options, bundled tiny.en) and writes the words each sample yields, so
fast tests run turns, overlaps, pauses, pace and feedback on real ASR output without the model.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from listening_coach.config import DEFAULT_CONFIG
from listening_coach.errors import CoachError
from listening_coach.pipeline import analyze
from listening_coach.testing.roleplay import load_truth, write_words
from listening_coach.testing.sample_scripts import SAMPLES
from listening_coach.transcribe import describe

ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = ROOT / "audio_samples"


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or sorted(SAMPLES)
    config = dataclasses.replace(
        DEFAULT_CONFIG,
        voice=dataclasses.replace(DEFAULT_CONFIG.voice, enabled=False),
        language=dataclasses.replace(DEFAULT_CONFIG.language, use_model=False),
    )
    for name in names:
        if name not in SAMPLES:
            print(f"error: unknown sample {name!r}; choose from {', '.join(SAMPLES)}", file=sys.stderr)
            return 2
        truth = load_truth(SAMPLES_DIR / f"{name}.truth.json")
        try:
            session = analyze(SAMPLES_DIR / truth["audio"], config)
        except CoachError as e:
            print(f"error: {name}: {e}", file=sys.stderr)
            return 1
        out = write_words(
            session.words,
            SAMPLES_DIR / f"{name}.words.json",
            source=truth["audio"],
            model=describe(config.transcribe)[0],
        )
        print(f"{out.relative_to(ROOT)}  {len(session.words)} words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
