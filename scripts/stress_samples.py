"""Re-render the bundled role-plays under harder conditions and score the pipeline on them.

Usage: python scripts/stress_samples.py [--bleed-db 12] [--noise-db -66] [--out DIR]

Same scripts and truth rules as audio_samples/, with more channel bleed (a smaller
``--bleed-db`` is louder bleed) or more noise. Prints, per sample, the overlap events found vs
scripted, then a summary: exchange counts exact, scripted overlaps classified, phantom overlap
events, latencies off by more than 0.15 s, trainee WPM off by more than 10%. Needs espeak-ng and
the Whisper model; nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

from listening_coach.config import DEFAULT_CONFIG
from listening_coach.metrics.names import MetricName
from listening_coach.pipeline import analyze
from listening_coach.testing.roleplay import load_truth, write_roleplay
from listening_coach.testing.sample_scripts import SAMPLES

KINDS = ("interruption", "backchannel", "terminal_overlap", "overlap")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bleed-db", type=float, default=12.0, help="bleed attenuation (dB)")
    parser.add_argument("--noise-db", type=float, default=-66.0, help="noise RMS (dBFS)")
    parser.add_argument("--out", type=Path, help="keep the rendered files here")
    args = parser.parse_args(argv)
    config = dataclasses.replace(
        DEFAULT_CONFIG,
        voice=dataclasses.replace(DEFAULT_CONFIG.voice, enabled=False),
        language=dataclasses.replace(DEFAULT_CONFIG.language, use_model=False),
    )
    n = dict(
        samples=0,
        exchanges_exact=0,
        overlaps=0,
        classified=0,
        phantoms=0,
        latencies=0,
        latency_off=0,
        paces=0,
        pace_off=0,
    )
    worst_latency = worst_pace = 0.0
    with tempfile.TemporaryDirectory(prefix="lc-stress-") as tmp:
        out = args.out or Path(tmp)
        for name, roleplay in SAMPLES.items():
            stressed = dataclasses.replace(roleplay, bleed_db=args.bleed_db, noise_db=args.noise_db)
            audio, truth_path = write_roleplay(stressed, out)
            truth = load_truth(truth_path)
            session = analyze(audio, config)
            events = [e for e in session.events if e.kind in KINDS]
            n["samples"] += 1
            n["exchanges_exact"] += len(session.exchanges) == len(truth["exchanges"])
            for o in truth["overlaps"]:
                n["overlaps"] += 1
                n["classified"] += any(
                    (e.kind, e.speaker) == (o["kind"], o["speaker"]) and abs(e.start - o["start"]) <= 0.3
                    for e in events
                )
            n["phantoms"] += sum(
                all(abs(e.start - o["start"]) > 0.3 for o in truth["overlaps"]) for e in events
            )
            if len(session.exchanges) == len(truth["exchanges"]):
                for ex, got in zip(truth["exchanges"], session.exchanges):
                    if ex["latency_s"] is not None and got.response_latency is not None:
                        err = abs(got.response_latency - ex["latency_s"])
                        n["latencies"] += 1
                        n["latency_off"] += err > 0.15
                        worst_latency = max(worst_latency, err)
                    metric = session.metric(MetricName.PACE_WPM, got.index)
                    if ex.get("trainee_wpm") and metric:
                        err = abs(metric.value / ex["trainee_wpm"] - 1)
                        n["paces"] += 1
                        n["pace_off"] += err > 0.10
                        worst_pace = max(worst_pace, err)
            found = ", ".join(f"{e.kind} by {e.speaker} at {e.start:.2f}" for e in events)
            scripted = ", ".join(
                f"{o['kind']} by {o['speaker']} at {o['start']:.2f}" for o in truth["overlaps"]
            )
            print(
                f"{name}: {len(session.exchanges)}/{len(truth['exchanges'])} exchanges\n"
                f"  scripted: {scripted}\n  found:    {found or 'nothing'}"
            )
    print(
        f"bleed {args.bleed_db:g} dB, noise {args.noise_db:g} dBFS: exchange count exact "
        f"{n['exchanges_exact']}/{n['samples']}; overlaps classified {n['classified']}/"
        f"{n['overlaps']}; phantom overlaps {n['phantoms']}; latency off > 0.15 s "
        f"{n['latency_off']}/{n['latencies']} (worst {worst_latency:.2f} s); WPM off > 10% "
        f"{n['pace_off']}/{n['paces']} (worst {worst_pace:.0%})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
