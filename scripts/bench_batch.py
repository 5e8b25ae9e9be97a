"""Measure batch throughput: worker processes vs CTranslate2 threads on this machine.

Usage: python scripts/bench_batch.py [--copies N] [--rounds R] [--jobs 1,2]

Copies the bundled role-plays (audio_samples/*.opus) N times into a temporary folder and runs
the real batch (Whisper tiny.en, --force) once per setting per round, alternating settings so
background load hits all of them alike. Each job gets cores // jobs transcription threads.
Prints one line per run (wall and CPU seconds, workers included), then the median and best
(least disturbed) wall time per setting.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from listening_coach.coach.batch import run_batch
from listening_coach.config import DEFAULT_CONFIG

ROOT = Path(__file__).resolve().parents[1]


def _cpu_s() -> float:
    """User + system CPU seconds of this process and its finished worker processes."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--samples", type=int, default=0, help="use only the first N samples")
    args = parser.parse_args(argv)
    samples = sorted((ROOT / "audio_samples").glob("*.opus"))
    if args.samples:
        samples = samples[: args.samples]
    if not samples:
        print("no audio_samples/*.opus; run `make samples`", file=sys.stderr)
        return 1
    settings = [int(j) for j in args.jobs.split(",")]
    # The trained language model is not what we measure; rules keep the run independent of it.
    config = replace(DEFAULT_CONFIG, language=replace(DEFAULT_CONFIG.language, use_model=False),
                     report=replace(DEFAULT_CONFIG.report, embed_audio=True))
    times: dict[int, list[float]] = {j: [] for j in settings}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for c in range(args.copies):
            for s in samples:
                shutil.copy(s, folder / f"{s.stem}_{c}{s.suffix}")
        audio_s = 0.0
        from listening_coach.audio import probe

        audio_s = sum(probe(p).duration_s for p in folder.iterdir())
        n = len(list(folder.iterdir()))
        print(f"{n} recordings, {audio_s:.0f} s of audio, {os.cpu_count()} cores")
        for r in range(args.rounds):
            for jobs in settings:
                cpu_before = _cpu_s()
                started = time.perf_counter()
                result = run_batch([folder], Path(tmp) / f"out{jobs}", config, jobs=jobs,
                                   force=True)
                wall = time.perf_counter() - started
                cpu = _cpu_s() - cpu_before
                assert not result.failed, [f.error for f in result.failed]
                times[jobs].append(wall)
                threads = max(1, (os.cpu_count() or 1) // jobs)
                print(f"round {r + 1}: jobs={jobs} threads/job={threads}: {wall:.1f} s "
                      f"({audio_s / wall:.1f}x real time), CPU {cpu:.1f} s", flush=True)
    for jobs in settings:
        med, best = statistics.median(times[jobs]), min(times[jobs])
        print(f"jobs={jobs}: median {med:.1f} s, best {best:.1f} s for {n} recordings "
              f"({audio_s / best:.1f}x real time at best)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
