"""Benchmark: diarization time vs faster-whisper transcription of the same mono audio.

Usage: python bench/bench_diarization.py [FILE ...] [--repeat N] [--long-minutes M]

Without files it uses the ten AMI excerpts in ../shared/data/conversations/ami, concatenated
(300 s). For each input, in this one process and on the same samples:

- ``transcribe``: ``listening_coach.transcribe.transcribe`` with the default options (bundled
  tiny.en, int8 CPU, beam 5, Silero VAD, word timestamps);
- ``diarize``: ``listening_coach.diarization.diarize`` with the default ``DiarizeOptions``.

Both models are loaded and run once on 5 s before the clock starts. Prints wall seconds of each
(best of ``--repeat``), the ratio diarize / transcribe (goal <= 1.0) and the real-time factors.
``--long-minutes M`` also diarizes M minutes (the input repeated) and reports peak RSS growth,
to check memory stays flat on long files.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
AMI = ROOT.parent / "shared" / "data" / "conversations" / "ami"


def _load(paths: list[Path]) -> np.ndarray:
    from listening_coach.audio import load_audio

    return np.concatenate([load_audio(p).mean(axis=0) for p in paths]).astype(np.float32)


def _best(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--long-minutes", type=float, default=0.0)
    args = parser.parse_args(argv)
    from listening_coach.config import DiarizeOptions, TranscribeOptions
    from listening_coach.diarization import diarize
    from listening_coach.transcribe import load_model, transcribe

    paths = args.files or sorted(AMI.glob("trn*.wav"))
    if not paths:
        print("no input: pass audio files or provide ../shared/data", file=sys.stderr)
        return 1
    samples = _load(paths)
    duration = len(samples) / 16000
    t_opts, d_opts = TranscribeOptions(), DiarizeOptions()
    model = load_model(t_opts)
    transcribe(samples[: 5 * 16000], t_opts, model=model)  # warm up both
    diarize(samples[: 5 * 16000], d_opts)
    t_s, words = _best(lambda: transcribe(samples, t_opts, model=model), args.repeat)
    d_s, result = _best(lambda: diarize(samples, d_opts), args.repeat)
    print(f"audio: {len(paths)} file(s), {duration:.1f} s mono")
    print(f"transcribe: {t_s:6.2f} s  (RTF {t_s / duration:.3f}, {len(words)} words)")  # type: ignore[arg-type]
    print(
        f"diarize:    {d_s:6.2f} s  (RTF {d_s / duration:.3f}, "
        f"{result.num_speakers} speakers, {len(result.segments)} segments)"  # type: ignore[union-attr]
    )
    print(f"ratio diarize / transcribe: {d_s / t_s:.2f} (goal <= 1.0)")
    if args.long_minutes:
        reps = int(np.ceil(args.long_minutes * 60 / duration))
        long = np.tile(samples, reps)[: int(args.long_minutes * 60 * 16000)]
        before = _rss_mb()
        started = time.perf_counter()
        result = diarize(long, d_opts)
        took = time.perf_counter() - started
        print(
            f"long: {len(long) / 16000 / 60:.0f} min diarized in {took:.1f} s (RTF "
            f"{took / (len(long) / 16000):.3f}); peak RSS {before:.0f} -> {_rss_mb():.0f} MB "
            f"(input array {long.nbytes / 2**20:.0f} MB); {result.num_speakers} speakers"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
