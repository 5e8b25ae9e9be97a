"""Print the pipeline's results next to the ground truth of every bundled role-play.

Usage: python scripts/check_samples.py [--words] [NAME ...]

Per exchange: response latency and trainee WPM, truth vs pipeline, and the error; per scripted
overlap and effective pause: what the pipeline found. ``--words`` runs from the committed
``NAME.words.json`` (no model) instead of the audio. The pass/fail version is
tests/test_samples_accuracy.py; this script shows the margins behind it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from listening_coach.config import DEFAULT_CONFIG
from listening_coach.metrics.names import MetricName
from listening_coach.pipeline import analyze, analyze_words
from listening_coach.span import Span
from listening_coach.testing.roleplay import load_truth, load_words
from listening_coach.testing.sample_scripts import SAMPLES

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "audio_samples"
KINDS = ("interruption", "backchannel", "terminal_overlap", "overlap")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=sorted(SAMPLES))
    parser.add_argument("--words", action="store_true", help="start from NAME.words.json")
    args = parser.parse_args(argv)
    config = dataclasses.replace(
        DEFAULT_CONFIG, language=dataclasses.replace(DEFAULT_CONFIG.language, use_model=False)
    )
    worst_latency, worst_wpm = 0.0, 0.0
    for name in args.names:
        truth = load_truth(SAMPLES_DIR / f"{name}.truth.json")
        if args.words:
            session = analyze_words(load_words(SAMPLES_DIR / f"{name}.words.json"), config)
        else:
            session = analyze(SAMPLES_DIR / truth["audio"], config)
        print(f"{name}: {len(session.exchanges)} exchanges (truth {len(truth['exchanges'])})")
        print(f"  {'ex':>2} {'latency':>8} {'got':>7} {'err':>6}   {'WPM':>6} {'got':>6} {'err':>6}")
        for ex, got in zip(truth["exchanges"], session.exchanges):
            lat = got.response_latency
            metric = session.metric(MetricName.PACE_WPM, got.index)
            wpm = metric.value if metric else None
            lat_err = None if lat is None or ex["latency_s"] is None else lat - ex["latency_s"]
            wpm_err = None if wpm is None or not ex.get("trainee_wpm") else wpm / ex["trainee_wpm"] - 1
            worst_latency = max(worst_latency, abs(lat_err or 0.0))
            worst_wpm = max(worst_wpm, abs(wpm_err or 0.0))
            print(
                f"  {ex['index']:>2} {ex['latency_s'] if ex['latency_s'] is not None else '-':>8} "
                f"{f'{lat:.2f}' if lat is not None else '-':>7} "
                f"{f'{lat_err:+.2f}' if lat_err is not None else '-':>6}   "
                f"{ex.get('trainee_wpm') or '-':>6} {f'{wpm:.1f}' if wpm else '-':>6} "
                f"{f'{wpm_err:+.1%}' if wpm_err is not None else '-':>6}"
            )
        for o in truth["overlaps"]:
            near = [e for e in session.events if e.kind in KINDS and abs(e.start - o["start"]) <= 0.3]
            found = ", ".join(f"{e.kind} by {e.speaker} at {e.start:.2f}" for e in near) or "nothing"
            print(f"  overlap {o['kind']} by {o['speaker']} at {o['start']:.2f}: got {found}")
        for p in truth["effective_pauses"]:
            near = [
                e
                for e in session.events
                if e.kind == "effective_pause" and e.span.overlaps(Span(p["start"], p["end"]))
            ]
            found = ", ".join(f"{e.start:.2f}-{e.end:.2f}" for e in near) or "nothing"
            print(f"  effective pause {p['start']:.2f}-{p['end']:.2f}: got {found}")
    print(f"worst latency error {worst_latency:.2f} s; worst WPM error {worst_wpm:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
