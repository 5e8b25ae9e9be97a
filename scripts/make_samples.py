"""Regenerate the bundled role-plays: audio_samples/NAME.opus and NAME.truth.json.

Usage: python scripts/make_samples.py [--out DIR] [NAME ...]   (``make samples``)

The two-channel samples (``sample_scripts.SAMPLES``) go to ``DIR``; the mono ones
(``MONO_SAMPLES``: one phone, two people, the Piper neural voice for the partner) to
``DIR/mono``, with ``DIR/mono/truth.rttm``, their reference speaker turns (each voice's rendered
speech spans), for ``listening-coach eval-diarization``.

Needs espeak-ng (apt-get install -y espeak-ng) and, for the mono samples, the Piper voice
package. The output is deterministic for given espeak-ng and Piper voice versions: the noise is
seeded and every time in the truth is measured from the audio.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from listening_coach.errors import CoachError
from listening_coach.evaluation.diarization_roleplays import truth_segments
from listening_coach.evaluation.rttm_files import write_rttm
from listening_coach.testing.roleplay import load_truth, write_roleplay
from listening_coach.testing.sample_scripts import MONO_SAMPLES, SAMPLES

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    every = [*SAMPLES, *MONO_SAMPLES]
    parser.add_argument("names", nargs="*", help=f"which samples (default all: {', '.join(every)})")
    parser.add_argument("--out", type=Path, default=ROOT / "audio_samples", help="output folder")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(every))
    if unknown:
        parser.error(f"unknown sample(s) {unknown}; choose from {', '.join(every)}")
    for name in args.names or every:
        mono = name in MONO_SAMPLES
        try:
            audio, truth_path = write_roleplay(
                MONO_SAMPLES[name] if mono else SAMPLES[name], args.out / "mono" if mono else args.out,
                mono=mono,
            )
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
    _write_rttm(args.out / "mono")
    return 0


def _write_rttm(folder: Path) -> None:
    """``folder/truth.rttm``: the reference turns of every mono sample there."""
    truths = sorted(folder.glob("*.truth.json"))
    if truths:
        text = "".join(
            write_rttm(truth_segments(load_truth(t)), t.name.removesuffix(".truth.json")) for t in truths
        )
        (folder / "truth.rttm").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
