"""Regenerate the bundled role-plays: audio_samples/NAME.flac and NAME.truth.json.

Usage: python scripts/make_samples.py [--out DIR] [NAME ...]   (``make samples``)

Needs espeak-ng (apt-get install -y espeak-ng). The output is deterministic for a given
espeak-ng version: the noise is seeded and every time in the truth is measured from the audio.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from listening_coach.errors import CoachError
from listening_coach.testing.roleplay import load_truth, write_roleplay
from listening_coach.testing.sample_scripts import SAMPLES

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", help=f"which samples (default all: {', '.join(SAMPLES)})"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "audio_samples", help="output folder")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(SAMPLES))
    if unknown:
        parser.error(f"unknown sample(s) {unknown}; choose from {', '.join(SAMPLES)}")
    for name in args.names or list(SAMPLES):
        try:
            audio, truth_path = write_roleplay(SAMPLES[name], args.out)
        except (CoachError, ValueError) as e:
            print(f"error: {name}: {e}", file=sys.stderr)
            return 1
        truth = load_truth(truth_path)
        kinds = ", ".join(f"{o['kind']} by {o['speaker']}" for o in truth["overlaps"])
        print(
            f"{audio.relative_to(args.out.parent) if args.out.parent in audio.parents else audio}"
            f"  {truth['duration_s']:.1f} s  {audio.stat().st_size // 1024} kB  "
            f"{len(truth['exchanges'])} exchanges  overlaps: {kinds or 'none'}  "
            f"effective pauses: {len(truth['effective_pauses'])}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
