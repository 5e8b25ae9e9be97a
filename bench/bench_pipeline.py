"""Benchmark: full analysis vs bare faster-whisper on the same long two-channel recording.

Usage: python bench/bench_pipeline.py [--minutes 30] [--model tiny.en|base|DIR] [--keep DIR]
[--json FILE]   (``make bench``; ``make bench BENCH_ARGS="--minutes 3"`` for a quick check;
``--model base`` runs both sides on Whisper base from ``make whisper-base``)

1. Builds a recording of at least ``--minutes`` minutes by concatenating the role-plays in
   ``audio_samples/`` (1 s of low noise between them), written as 16-bit FLAC to a temporary
   folder (never committed).
2. Runs each side in its own subprocess, so peak memory (``ru_maxrss``) is that side's alone:
   - ``bare``: ``faster_whisper.decode_audio(split_stereo=True)`` and ``WhisperModel.transcribe``
     on each channel with the pipeline's options (same model, int8 CPU, beam 5, VAD on with
     500 ms minimum silence, word timestamps, no conditioning on previous text);
   - ``analyze``: ``listening_coach.pipeline.analyze`` with the default config.
   Both sides load their models and transcribe the first 5 s of the recording before the clock
   starts (model load is reported separately), so the timed part is the same work plus, on our
   side, everything the pipeline adds.
3. Prints a table: wall and CPU seconds, real-time factor (wall / audio duration), peak RSS
   (and RSS once models are loaded and warmed up, so the run's own growth shows),
   words found, the ratio analyze / bare (goal <= 1.2), and where the pipeline's time went.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "audio_samples"
WARMUP_S = 5.0
MODEL_ENV = "LISTENING_COACH_BENCH_MODEL"  # --model, passed to the child processes
GAP_S = 1.0


def build_recording(minutes: float, path: Path, *, seed: int = 7) -> float:
    """Concatenate the samples into ``path`` until it lasts >= ``minutes``; return seconds.

    Whole samples only, so the length is rounded up to the next sample boundary.
    """
    import soundfile as sf

    clips = []
    for truth_path in sorted(SAMPLES.glob("*.truth.json")):
        audio = SAMPLES / json.loads(truth_path.read_text())["audio"]
        data, rate = sf.read(str(audio), dtype="float32", always_2d=True)
        if rate != 16000 or data.shape[1] != 2:
            raise SystemExit(f"{audio}: expected 2-channel 16 kHz audio, got {data.shape[1]} ch")
        clips.append(data)
    if not clips:
        raise SystemExit(f"no samples in {SAMPLES}; run `make samples` first")
    rng = np.random.default_rng(seed)
    target = int(minutes * 60 * 16000)
    written = 0
    with sf.SoundFile(str(path), "w", 16000, 2, subtype="PCM_16", format="FLAC") as out:
        while written < target:
            for clip in clips:
                gap = rng.normal(0.0, 10 ** (-66 / 20), (int(GAP_S * 16000), 2)).astype(np.float32)
                out.write(clip)
                out.write(gap)
                written += clip.shape[0] + gap.shape[0]
                if written >= target:
                    break
    return written / 16000


def warmup_samples() -> np.ndarray:
    """The first WARMUP_S seconds of one sample's trainee channel (both sides warm up on it)."""
    import soundfile as sf

    first = sorted(SAMPLES.glob("*.opus"))[0]
    data, _ = sf.read(str(first), frames=int(WARMUP_S * 16000), dtype="float32", always_2d=True)
    return np.ascontiguousarray(data[:, 0])


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_bare(path: Path) -> dict[str, Any]:
    """Bare faster-whisper on each channel, with the pipeline's transcription options."""
    from faster_whisper import WhisperModel, decode_audio

    from listening_coach.config import TranscribeOptions
    from listening_coach.transcribe import model_path

    opts = TranscribeOptions(model=os.environ.get(MODEL_ENV) or None)
    t = time.perf_counter()
    model = WhisperModel(
        model_path(opts),
        device=opts.device,
        compute_type=opts.compute_type,
        cpu_threads=opts.cpu_threads,
    )
    load_s = time.perf_counter() - t
    kwargs = dict(
        language=opts.language,
        beam_size=opts.beam_size,
        word_timestamps=True,
        vad_filter=opts.vad_filter,
        vad_parameters={"min_silence_duration_ms": opts.vad_min_silence_ms},
        condition_on_previous_text=False,
        no_speech_threshold=opts.no_speech_threshold,
        log_prob_threshold=opts.log_prob_threshold,
        hallucination_silence_threshold=2.0,  # as listening_coach.transcribe passes it
    )
    list(model.transcribe(warmup_samples(), **kwargs)[0])
    ready_mb = _peak_rss_mb()
    cpu0, t0 = _cpu_s(), time.perf_counter()
    channels = decode_audio(str(path), split_stereo=True)
    decode_s = time.perf_counter() - t0
    words = 0
    for channel in channels:
        segments, _ = model.transcribe(channel, **kwargs)
        words += sum(len(s.words or ()) for s in segments)
    return {
        "load_s": load_s,
        "wall_s": time.perf_counter() - t0,
        "cpu_s": _cpu_s() - cpu0,
        "peak_rss_mb": _peak_rss_mb(),
        "ready_rss_mb": ready_mb,
        "words": words,
        "steps": {"decode": decode_s},
    }


def child_analyze(path: Path) -> dict[str, Any]:
    """``analyze()`` with the default config, timing its stages through wrappers and the hook."""
    import dataclasses

    import listening_coach.activity as speakers
    import listening_coach.attribute as attribute
    import listening_coach.pipeline as pipeline
    import listening_coach.regions as regions
    from listening_coach.config import DEFAULT_CONFIG
    from listening_coach.errors import ModelError
    from listening_coach.transcribe import load_whisper, transcribe

    config = dataclasses.replace(DEFAULT_CONFIG, transcribe=dataclasses.replace(
        DEFAULT_CONFIG.transcribe, model=os.environ.get(MODEL_ENV) or None))
    notes = []
    t = time.perf_counter()
    load_whisper(config.transcribe)
    if config.language.use_model:
        from listening_coach.language.model import load_language_model

        try:
            load_language_model(config.language.model_path)
        except ModelError as e:
            notes.append(f"language model missing, rules used: {e}")
            config = dataclasses.replace(
                config, language=dataclasses.replace(config.language, use_model=False)
            )
    load_s = time.perf_counter() - t
    transcribe(warmup_samples(), config.transcribe)
    ready_mb = _peak_rss_mb()

    steps: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                steps[name] = steps.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    def timed_blocks(fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            it = fn(*args, **kwargs)
            while True:
                start = time.perf_counter()
                try:
                    item = next(it)
                except StopIteration:
                    return
                finally:
                    steps["decode"] = steps.get("decode", 0.0) + time.perf_counter() - start
                yield item

        return wrapper

    # stage functions as the pipeline module looks them up; a renamed one is just not timed
    for module, attr, label in (
        (attribute, "transcribe", "whisper"),  # one channel
        (regions, "transcribe", "whisper"),  # one channel per person: region by region
        (pipeline, "voice_frames", "voice"),
        (speakers, "speech_activity", "speech_activity"),
        (speakers, "cancel_bleed", "cancel_bleed"),
        (speakers, "mask_inactive", "mask"),
        (speakers, "snap_words", "snap"),
        (attribute, "recheck_silences", "quiet_speech"),  # the Silero second opinion in long silences
    ):
        if hasattr(module, attr):
            setattr(module, attr, timed(label, getattr(module, attr)))
        else:
            notes.append(f"{module.__name__} has no {attr}: not timed")
    if hasattr(pipeline, "_quiet_blocks"):
        pipeline._quiet_blocks = timed_blocks(pipeline._quiet_blocks)
    marks: list[tuple[str, float]] = []
    cpu0, t0 = _cpu_s(), time.perf_counter()
    session = pipeline.analyze(path, config, hook=lambda step, _: marks.append((step, time.perf_counter())))
    wall = time.perf_counter() - t0
    after = {step: at for step, at in marks}  # last time each step was reported
    if "transcribe" in after and "turns" in after:
        steps["turns"] = after["turns"] - after["transcribe"]
    if "turns" in after and "metrics" in after:
        steps["events+metrics+language"] = after["metrics"] - after["turns"]
    if "metrics" in after and "feedback" in after:
        steps["feedback"] = after["feedback"] - after["metrics"]
    return {
        "load_s": load_s,
        "wall_s": wall,
        "cpu_s": _cpu_s() - cpu0,
        "peak_rss_mb": _peak_rss_mb(),
        "ready_rss_mb": ready_mb,
        "words": len(session.words),
        "exchanges": len(session.exchanges),
        "steps": steps,
        "notes": notes,
    }


def run_child(side: str, path: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", side, str(path)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"{side} run failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def render(duration_s: float, bare: dict[str, Any] | None, ours: dict[str, Any] | None) -> str:
    rows = [
        f"recording: {duration_s / 60:.1f} min, 2 channels, 16 kHz "
        f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end)",
        f"{'side':<22}{'load s':>8}{'wall s':>9}{'cpu s':>9}{'RTF':>8}"
        f"{'peak MB':>9}{'ready MB':>9}{'words':>8}",
    ]
    for name, r in (("bare faster-whisper", bare), ("listening-coach", ours)):
        if r is None:
            continue
        rows.append(
            f"{name:<22}{r['load_s']:>8.1f}{r['wall_s']:>9.1f}{r['cpu_s']:>9.1f}"
            f"{r['wall_s'] / duration_s:>8.3f}{r['peak_rss_mb']:>9.0f}"
            f"{r['ready_rss_mb']:>9.0f}{r['words']:>8}"
        )
    if bare and ours:
        rows.append(
            f"ratio analyze / bare (wall): {ours['wall_s'] / bare['wall_s']:.2f}  "
            f"(cpu: {ours['cpu_s'] / bare['cpu_s']:.2f}; goal <= 1.2)"
        )
    if ours:
        steps = sorted(ours["steps"].items(), key=lambda kv: -kv[1])
        rows.append("where listening-coach's time went (s): " + ", ".join(f"{k} {v:.1f}" for k, v in steps))
        rows.extend(f"note: {n}" for n in ours.get("notes", []))
    if bare:
        rows.append(f"bare decode: {bare['steps']['decode']:.1f} s")
    rows.append("'ready MB': peak RSS after model load and warm-up, before the timed run")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=30.0, help="recording length (default 30)")
    parser.add_argument("--keep", type=Path, help="write the recording here and keep it")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument(
        "--side",
        choices=("both", "bare", "analyze"),
        default="both",
        help="run one side only (no ratio), e.g. to check memory at several lengths",
    )
    parser.add_argument("--model", default="tiny.en",
                        help="tiny.en (bundled) | base (build/whisper-base) | a CTranslate2 folder")
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.child and args.model != "tiny.en":
        path = ROOT / "build" / "whisper-base" if args.model == "base" else Path(args.model)
        if not (path / "model.bin").is_file():
            parser.error(f"{path} has no model.bin (Whisper base: `make whisper-base`)")
        os.environ[MODEL_ENV] = str(path)
    if args.child:
        side, path = args.child
        result = child_bare(Path(path)) if side == "bare" else child_analyze(Path(path))
        print(json.dumps(result))
        return 0
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    with tempfile.TemporaryDirectory(prefix="lc-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"bench_{args.minutes:g}min.flac"
        print(f"building {path} ...", flush=True)
        duration = build_recording(args.minutes, path)
        bare = ours = None
        if args.side in ("both", "bare"):
            print("running bare faster-whisper ...", flush=True)
            bare = run_child("bare", path)
            print(f"  {bare['wall_s']:.1f} s", flush=True)
        if args.side in ("both", "analyze"):
            print("running listening-coach analyze ...", flush=True)
            ours = run_child("analyze", path)
    print(f"model: {args.model}")
    print(render(duration, bare, ours))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "duration_s": duration,
                    "bare": bare,
                    "analyze": ours,
                    "ratio": ours["wall_s"] / bare["wall_s"] if bare and ours else None,
                },
                indent=1,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
