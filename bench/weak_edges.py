"""What the weak-fricative edge extension (``listening_coach.endpoints``) adds to the speech
activity of the hard-conditions benchmark, against its truth.

Usage: python bench/weak_edges.py [--seed 12] [--out bench_out/accuracy] [--reach 0.25] [--verbose]

Needs the cached role-plays of a ``bench/bench_accuracy.py`` run (no ASR: activity only). For
each role-play and channel it computes the speech activity as the pipeline does
(``attribute.channel_activity``) with ``speakers.fricative_reach_s`` 0 and ``--reach``, and
splits the frames the extension adds, after run ends and before run starts, into: inside that
channel's audible truth (``lines[].audible_spans``), inside its strict truth only
(``lines[].spans``: the clean voice, audible or not), and outside both (speech added where the
script has none: the false-positive side).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from listening_coach.activity import runs  # noqa: E402
from listening_coach.attribute import channel_activity  # noqa: E402
from listening_coach.audio import load_audio  # noqa: E402
from listening_coach.config import DEFAULT_CONFIG  # noqa: E402
from listening_coach.testing.roleplay import load_truth  # noqa: E402

KINDS = ("audible", "strict only", "outside")


def truth_mask(truth: dict, speaker: str, key: str, frames: int, frame_s: float) -> np.ndarray:
    """Frames of ``speaker``'s truth spans under ``key`` (``spans`` or ``audible_spans``)."""
    mask = np.zeros(frames, dtype=bool)
    for line in truth["lines"]:
        if line["speaker"] == speaker:
            for a, b in line.get(key) or line["spans"]:
                mask[int(round(a / frame_s)) : int(round(b / frame_s))] = True
    return mask


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--out", type=Path, default=ROOT / "bench_out" / "accuracy")
    parser.add_argument("--reach", type=float, default=DEFAULT_CONFIG.speakers.fricative_reach_s)
    parser.add_argument("--verbose", action="store_true", help="print every extension")
    args = parser.parse_args(argv)
    frame_s = DEFAULT_CONFIG.speakers.frame_s
    off = dataclasses.replace(DEFAULT_CONFIG, speakers=dataclasses.replace(DEFAULT_CONFIG.speakers,
                                                                          fricative_reach_s=0.0))
    on = dataclasses.replace(DEFAULT_CONFIG, speakers=dataclasses.replace(DEFAULT_CONFIG.speakers,
                                                                         fricative_reach_s=args.reach))
    total = {(edge, kind): 0.0 for edge in ("end", "start") for kind in KINDS}
    count = {"end": 0, "start": 0}
    for path in sorted((args.out / f"audio-seed{args.seed}").glob("*.truth.json")):
        truth = load_truth(path)
        samples = load_audio(path.parent / truth["audio"])
        before = channel_activity(samples, off)[1]
        after = channel_activity(samples, on)[1]
        for c, speaker in enumerate(truth["channels"]):
            n = before.shape[1]
            audible = truth_mask(truth, speaker, "audible_spans", n, frame_s)
            strict = truth_mask(truth, speaker, "spans", n, frame_s)
            for s, e in runs(after[c] & ~before[c]):
                edge = "end" if s > 0 and before[c, s - 1] else "start"
                count[edge] += 1
                parts = (audible[s:e].sum(), (strict[s:e] & ~audible[s:e]).sum(), (~strict[s:e]).sum())
                for kind, frames in zip(KINDS, parts):
                    total[(edge, kind)] += float(frames) * frame_s
                if args.verbose:
                    print(f"{truth['name']} {speaker} {edge} {s * frame_s:.2f}-{e * frame_s:.2f} s: "
                          + ", ".join(f"{k} {p * frame_s:.2f}" for k, p in zip(KINDS, parts)))
    for edge in ("end", "start"):
        added = sum(total[(edge, k)] for k in KINDS)
        print(f"after run {edge}s: {count[edge]} extensions, {added:.2f} s: "
              + ", ".join(f"{k} {total[(edge, k)]:.2f} s" for k in KINDS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
