"""Benchmark: latency of live drill feedback, from the end of the trainee's speech to the cue.

Usage: python bench/bench_live.py [--quick] [--load N] [--json FILE]   (``make bench-live``)

Everything is replayed in REAL TIME (blocks of 0.1 s, delivered when their last sample would
have been spoken) through the drill engine with the real models (tiny.en, greedy live decode,
Silero VAD, the batch stages via ``analyze_words``):

1. ``live``: the role-plays in ``audio_samples/`` (two channels: trainee, partner) through a
   live role-player drill. The true end of each trainee response is taken from
   ``NAME.truth.json`` (measured from the rendered audio).
2. ``scripted``: the bundled ``angry_customer`` scenario, its lines synthesized with espeak-ng, answered
   by a simulated trainee (:class:`listening_coach.testing.simulate.SimulatedRoom`) with answers of
   about 3, 8, 14 and 19 s (turns up to 20 s), 0.8 s after each prompt. The true end of each
   answer is measured from its audio.

3. ``partner``: the branching ``angry_customer`` drill (partner state, the partner's voice:
   Piper if installed, else espeak-ng) answered by the scripted good listener; also reports
   when the partner's next line started after the trainee's cue, and the voice cache's hits.

``--load N`` runs N busy processes (one core each) alongside, to measure a loaded machine.

Latency = time the cue was ready (``time.monotonic()``) - wall time at which the audio at the
true end of speech was delivered. It includes the VAD's end-of-turn wait (``live.end_silence_s``),
the transcription of the turn's last piece, and the analysis. Prints p50/p95/max per mode and
overall (target: p95 <= 1.0 s on the 2-core development machine) and the final-pass time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from listening_coach.live.capture import ReplaySource  # noqa: E402
from listening_coach.config import DEFAULT_CONFIG, Config  # noqa: E402
from listening_coach.live.drill import Drill  # noqa: E402

RATE = 16_000
LONG_ANSWERS = [  # about 3, 8, 13 and 19 s when spoken by espeak-ng at -s 110
    "It sounds like you are really frustrated.",
    "So you came back yesterday, were told nothing could be done, and had to take a day off work.",
    "You have been a customer here for ten years and right now it feels like nobody is even "
    "listening to you. Tell me what happened on the day it stopped working.",
    "What I am hearing is that you want this solved today, not another promise. I can check "
    "the repair records, call the manager, and write down everything you told me so you "
    "never have to repeat it. Which of those would help you most?",
]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def bench_live_sample(name: str, config: Config, transcriber: Any, out: Path) -> dict[str, Any]:
    from listening_coach.audio import load_audio

    truth = json.loads((ROOT / "audio_samples" / f"{name}.truth.json").read_text())
    samples = load_audio(ROOT / "audio_samples" / f"{name}.opus")
    channels = tuple(truth["channels"])
    source = ReplaySource(samples, block_s=config.live.block_s, realtime=True)
    drill = Drill(source, config=config, out_dir=out, channels=channels,
                  transcriber=transcriber, session_id=f"bench-{name}")
    drill.live.warm_up()
    finish = _timed_run(drill)
    ends = [ex["response"]["end"] for ex in truth["exchanges"] if ex["response"]["lines"]]
    return _latencies(drill, source.wall_start, ends, finish, name)


def bench_scripted(config: Config, transcriber: Any, out: Path) -> dict[str, Any]:
    from listening_coach.live.scenario_file import load_scenario, parse_scenario
    from listening_coach.testing.simulate import SimulatedRoom
    from listening_coach.live.synth import synthesize

    answers = [synthesize(t, voice="en-gb+f3", speed_wpm=110) for t in LONG_ANSWERS]
    base = load_scenario("angry_customer")  # its first four lines, in order (long answers)
    linear = parse_scenario("\n".join(f"[[lines]]\ntext = {json.dumps(ln.text)}"
                                      for ln in base.lines[:4]), ROOT / "linear.toml")
    room = SimulatedRoom(answers, realtime=True, block_s=config.live.block_s, tail_s=3.0)
    drill = Drill(room, scenario=linear, config=config, out_dir=out, hook=room.hook,
                  transcriber=transcriber, session_id="bench-scripted")
    drill.live.warm_up()
    finish = _timed_run(drill)
    result = _latencies(drill, room.wall_start, [s.end for s in room.answer_spans], finish,
                        "scripted")
    result["turn_s"] = [round(s.duration, 1) for s in room.answer_spans]
    return result


def bench_partner(name: str, config: Config, transcriber: Any, out: Path) -> dict[str, Any]:
    """A branching drill with the state engine and the partner's voice (Piper if installed),
    answered by the scripted good listener: cue latency and partner start after the cue."""
    from listening_coach.live.scenario_file import load_scenario
    from listening_coach.testing.simulate import ScriptedTrainee, good_listener

    scenario = load_scenario(name)
    room = ScriptedTrainee(good_listener(scenario), realtime=True, block_s=config.live.block_s,
                           max_s=240)
    drill = Drill(room, scenario=scenario, config=config, out_dir=out, hook=room.hook,
                  transcriber=transcriber, session_id=f"bench-partner-{name}")
    drill.live.warm_up()
    finish = _timed_run(drill)
    result = _latencies(drill, room.wall_start, [s.end for s in room.answer_spans], finish,
                        f"partner {name}")
    assert drill.partner is not None
    cache = drill.partner.cache
    delays = drill.partner.delays
    result.update(outcome=drill.partner.state.outcome, voice=drill.partner.voice_engine,
                  partner_after_cue_s=[round(d, 3) for d in delays],
                  partner_after_cue_p95_s=round(percentile(delays, 95), 3),
                  voice_hits=cache.hits, voice_misses=cache.misses,
                  voice_render_p50_s=round(percentile(cache.render_s, 50), 3))
    return result


def burn(seconds: float) -> None:
    """Keep one core busy (the --load processes)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


class Timed:
    """Wraps a transcriber or the analysis and records how long each live call took."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds: list[float] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        out = self.inner(*args, **kwargs)
        if not kwargs.get("final", False):
            self.seconds.append(time.monotonic() - started)
        return out


def _timed_run(drill: Drill) -> float:
    started = time.monotonic()
    drill.live.transcriber = asr = Timed(drill.live.transcriber)
    drill.live._analyze = analysis = Timed(drill.live._analyze)
    drill.timings = (asr.seconds, analysis.seconds)  # type: ignore[attr-defined]
    marks: dict[str, float] = {}
    inner = drill.hook

    def hook(step: str, artifact: object) -> None:
        if step == "drill.state" and artifact == "analysing":
            marks["analysing"] = time.monotonic()
        inner(step, artifact)

    drill.hook = hook
    drill.run()
    return time.monotonic() - marks.get("analysing", started)


def _latencies(drill: Drill, wall_start: float | None, ends: list[float], finish_s: float,
               name: str) -> dict[str, Any]:
    assert wall_start is not None
    latencies, missed = [], 0
    cues = list(drill.live.cues)
    for end in ends:
        cue = min(cues, key=lambda c: abs(c.speech_end_s - end), default=None)
        if cue is None or abs(cue.speech_end_s - end) > 1.0:
            missed += 1
            continue
        latencies.append(cue.produced_at - (wall_start + end))
    asr, analysis = drill.timings  # type: ignore[attr-defined]
    return {"name": name, "turns": len(ends), "cued": len(latencies), "missed": missed,
            "latencies_s": [round(x, 3) for x in latencies], "final_pass_s": round(finish_s, 2),
            "errors": drill.live.errors,
            "piece_transcribe_s": {"n": len(asr), "p50": round(percentile(asr, 50), 3),
                                   "p95": round(percentile(asr, 95), 3)},
            "analyze_words_s": {"n": len(analysis), "p50": round(percentile(analysis, 50), 3),
                                "p95": round(percentile(analysis, 95), 3)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one sample and the scripted drill")
    parser.add_argument("--json", help="write the results here too")
    parser.add_argument("--load", type=int, default=0, metavar="N",
                        help="run N busy processes (one core each) during the benchmark")
    args = parser.parse_args(argv)
    import multiprocessing

    burners = [multiprocessing.Process(target=burn, args=(3600.0,), daemon=True)
               for _ in range(args.load)]
    for b in burners:
        b.start()
    try:
        return _main(args)
    finally:
        for b in burners:
            b.terminate()


def _main(args: argparse.Namespace) -> int:
    from listening_coach.live.speech import WhisperTranscriber

    config = replace(DEFAULT_CONFIG, live=replace(DEFAULT_CONFIG.live, final_pass=True))
    if not (ROOT / "listening_coach" / "models" / "language.npz").exists():
        print("note: no trained language model; language labels come from the rules")
        config = replace(config, language=replace(config.language, use_model=False))
    transcriber = WhisperTranscriber(config.transcribe, live_beam_size=config.live.beam_size)
    load_start = round(os.getloadavg()[0], 1)
    names = sorted(p.name.split(".")[0] for p in (ROOT / "audio_samples").glob("*.truth.json"))
    if args.quick:
        names = names[:1]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        for name in names:
            results.append(bench_live_sample(name, config, transcriber, Path(tmp)))
            _print(results[-1])
        results.append(bench_scripted(config, transcriber, Path(tmp)))
        _print(results[-1])
        results.append(bench_partner("angry_customer", config, transcriber, Path(tmp)))
        _print(results[-1])
    every = [x for r in results for x in r["latencies_s"]]
    summary = {
        "cpu_count": os.cpu_count(), "load_avg_1min_end": round(os.getloadavg()[0], 1),
        "turns": sum(r["turns"] for r in results),
        "cued": len(every), "p50_s": round(percentile(every, 50), 3),
        "p95_s": round(percentile(every, 95), 3), "max_s": round(max(every), 3) if every else None,
        "end_silence_s": config.live.end_silence_s, "beam_size_live": config.live.beam_size,
        "load_processes": args.load, "load_avg_1min_start": load_start,
    }
    print(f"\nALL  turns {summary['turns']}  cued {summary['cued']}  "
          f"p50 {summary['p50_s']:.2f} s  p95 {summary['p95_s']:.2f} s  max {summary['max_s']} s  "
          f"(target p95 <= 1.0 s; cpus {summary['cpu_count']}, "
          f"load average {summary['load_avg_1min_end']})")
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "runs": results}, indent=1))
    return 0


def _print(r: dict[str, Any]) -> None:
    lat = r["latencies_s"]
    print(f"{r['name']:<18} turns {r['turns']:>2}  cued {r['cued']:>2}  "
          f"p50 {percentile(lat, 50):.2f} s  p95 {percentile(lat, 95):.2f} s  "
          f"max {max(lat) if lat else float('nan'):.2f} s  final pass {r['final_pass_s']:.1f} s  "
          f"piece ASR p50 {r['piece_transcribe_s']['p50']:.2f} s  "
          f"analysis p50 {r['analyze_words_s']['p50']:.3f} s"
          + (f"  turn lengths {r['turn_s']}" if "turn_s" in r else "")
          + (f"\n{'':<18} outcome {r['outcome']}  voice {r['voice']}  partner start after cue "
             f"p95 {r['partner_after_cue_p95_s']:.2f} s {r['partner_after_cue_s']}  voice cache "
             f"{r['voice_hits']} hits / {r['voice_misses']} misses, render p50 "
             f"{r['voice_render_p50_s']:.2f} s" if "voice" in r else ""), flush=True)


if __name__ == "__main__":
    sys.exit(main())
