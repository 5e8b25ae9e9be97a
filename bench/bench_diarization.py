"""Benchmark: diarization time vs faster-whisper transcription of the same mono audio.

Usage: python bench/bench_diarization.py [FILE ...] [--repeat N] [--long-minutes M]
       python bench/bench_diarization.py --roleplays [--hard 0-11] [--seed 12] [--hard-only]
           [--no-pipeline] [--json F]
       python bench/bench_diarization.py --roleplays --piper [--no-pipeline] [--json F]

Without files it uses the ten AMI excerpts in ../shared/data/conversations/ami, concatenated
(300 s). For each input, in this one process and on the same samples:

- ``transcribe``: ``listening_coach.transcribe.transcribe`` with the default options (bundled
  tiny.en, int8 CPU, beam 5, Silero VAD, word timestamps);
- ``diarize``: ``listening_coach.diarization.diarize`` with the default ``DiarizeOptions``.

Both models are loaded and run once on 5 s before the clock starts. Prints wall seconds of each
(best of ``--repeat``), the ratio diarize / transcribe (goal <= 0.5) and the real-time factors.
``--long-minutes M`` also diarizes M minutes (the input repeated) and reports peak RSS growth,
to check memory stays flat on long files.

``--roleplays``: the mono role-play benchmark (``listening_coach.evaluation.diarization_roleplays``): the
bundled scripts under the voice conditions of ``CONDITIONS`` and the hard-conditions role-plays
``--hard`` (``listening_coach.evaluation.bench_scripts``), each rendered without channel bleed and summed
to one channel. Per role-play and pooled: DER (0.25 s collar) against the clean tracks' spans,
overlap-onset precision/recall/F1 (0.5 s), backchannel recall; then (unless
``--no-pipeline``) the whole pipeline on the mono file (``speakers.mode = "diarize"``): roles
right, and the two-channel benchmark's exchange/overlap/latency scores
(``listening_coach.evaluation.accuracy``). Role-plays whose two voices are espeak-ng voices at one pitch
(en-gb+f3 with en-us, en-us+Alex or en-us+Andy) are pooled separately: no voice model here
tells them apart. ``--piper``: instead, the bundled scripts with the Piper neural voice on one
side (``PIPER``: phone band, two male voices, noise 25-30 dB under the louder voice).
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
    parser.add_argument("--roleplays", action="store_true", help="the mono role-play benchmark")
    parser.add_argument("--hard", default="0-11", help="hard-conditions role-plays, e.g. 0-11 or 0,3")
    parser.add_argument("--seed", type=int, default=12, help="seed of the hard-conditions role-plays")
    parser.add_argument("--hard-only", action="store_true", help="skip the bundled scripts")
    parser.add_argument("--piper", action="store_true", help="the bundled scripts with the Piper voice only")
    parser.add_argument("--no-pipeline", action="store_true", help="diarization scores only")
    parser.add_argument("--json", type=Path, help="write per-role-play scores here")
    args = parser.parse_args(argv)
    if args.roleplays:
        hard = hard_cases(_indices(args.hard), args.seed, args.hard_only, args.piper)
        return roleplay_benchmark(hard, not args.no_pipeline, args.json)
    from listening_coach.config import DiarizeOptions, TranscribeOptions
    from listening_coach.diarization import diarize
    from listening_coach.transcribe import load_whisper, transcribe

    paths = args.files or sorted(AMI.glob("trn*.wav"))
    if not paths:
        print("no input: pass audio files or provide ../shared/data", file=sys.stderr)
        return 1
    samples = _load(paths)
    duration = len(samples) / 16000
    t_opts, d_opts = TranscribeOptions(), DiarizeOptions()
    model = load_whisper(t_opts)
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
    print(f"ratio diarize / transcribe: {d_s / t_s:.2f} (goal <= 0.5)")
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


def _indices(text: str) -> list[int]:
    out: list[int] = []
    for part in filter(None, text.split(",")):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


# espeak-ng pairs at one pitch (YIN medians 99-105 Hz) that no voice model here tells apart:
# the bundled pair and two of the condition pairs
SAME_VOICES = ({"en-gb+f3", "en-us"}, {"en-gb+f3", "en-us+Alex"}, {"en-gb+f3", "en-us+Andy"})


def hard_cases(indices: list[int], seed: int, hard_only: bool, piper: bool = False):  # type: ignore[no-untyped-def]
    """The mono cases: the bundled scripts under ``CONDITIONS`` (unless ``hard_only``), then the
    hard-conditions role-plays ``indices`` of ``seed`` (another seed = role-plays never tuned on);
    with ``piper`` only the bundled scripts under ``PIPER``."""
    import itertools

    from listening_coach.evaluation.diarization_roleplays import PIPER
    from listening_coach.evaluation.diarization_roleplays import SAME_VOICE as SAME_CONDITIONS
    from listening_coach.evaluation.diarization_roleplays import hard_roleplays, mono_roleplays

    if piper:
        return mono_roleplays(PIPER)
    hard = hard_roleplays(indices, seed)
    if hard_only:
        return hard
    return itertools.chain(mono_roleplays(), mono_roleplays(SAME_CONDITIONS), hard)


def roleplay_benchmark(cases, pipeline: bool, json_path: Path | None) -> int:  # type: ignore[no-untyped-def]
    import dataclasses
    import json
    import tempfile

    import soundfile as sf

    from listening_coach.evaluation.accuracy import score_session, summarize
    from listening_coach.config import DEFAULT_CONFIG
    from listening_coach.diarization import diarize
    from listening_coach.evaluation.diarization_roleplays import roles_right, score_diarization
    from listening_coach.pipeline import analyze

    config = dataclasses.replace(
        DEFAULT_CONFIG, speakers=dataclasses.replace(DEFAULT_CONFIG.speakers, mode="diarize")
    )
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="lc-mono-") as tmp:
        for case in cases:
            started = time.perf_counter()
            result = diarize(case.samples)
            row: dict[str, object] = dict(score_diarization(case, result), name=case.name)
            row["diarize_s"] = time.perf_counter() - started
            row["same_voice"] = set(case.truth["voices"].values()) in SAME_VOICES
            if pipeline:
                path = Path(tmp) / "mono.wav"
                sf.write(str(path), case.samples, 16000, subtype="PCM_16")
                session = analyze(path, config)
                row["roles_right"] = roles_right(case, session.words)
                row["accuracy"] = score_session(case.truth, session)
                row["notes"] = list(session.transcript.notes) if session.transcript else []
            rows.append(row)
            print(_row_line(row), flush=True)
    for label, group in (("distinct voices", False), ("one espeak-ng voice, one pitch", True)):
        chosen = [r for r in rows if r["same_voice"] is group]
        if chosen:
            print(f"\n{label}: {_pooled(chosen)}")
            if pipeline:
                acc = summarize([r["accuracy"] for r in chosen])  # type: ignore[misc]
                roles = sum(bool(r["roles_right"]) for r in chosen)
                print(
                    f"  pipeline: roles right {roles}/{len(chosen)}; exchanges exact "
                    f"{acc.exchanges_exact:.0%}; overlap events P {_f(acc.overlap_precision)} "
                    f"R {_f(acc.overlap_recall)} F1 {_f(acc.overlap_f1)}; latency error median "
                    f"{_f(acc.latency_median)} s, p90 {_f(acc.latency_p90)} s "
                    f"({acc.latency_matched} matched); speech in no turn {acc.missing_share:.1%}; "
                    f"WER {acc.wer:.1%}"
                )
    if json_path:
        for r in rows:
            r.pop("accuracy", None)
        json_path.write_text(json.dumps(rows, indent=1, default=str) + "\n")
    return 0


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _row_line(r: dict[str, object]) -> str:
    der = float(r["error_s"]) / max(float(r["total_s"]), 1e-9)  # type: ignore[arg-type]
    extra = ""
    if "accuracy" in r:
        a = r["accuracy"]
        extra = (
            f"  roles {'ok' if r['roles_right'] else 'SWAPPED'}  exchanges "
            f"{a.exchanges_found}/{a.exchanges_truth}  overlap events {a.overlap_tp}/"  # type: ignore[attr-defined]
            f"{a.overlap_tp + a.overlap_fn} (+{a.overlap_fp})"  # type: ignore[attr-defined]
        )
    return (
        f"{r['name']:<44} DER {100 * der:5.1f}%  onsets {r['onset_hits']}/{r['onset_ref']} "
        f"found {r['onset_found']}  backchannels {r['bc_hits']}/{r['bc_ref']}  spk {r['speakers']}"
        f"  {r['diarize_s']:.1f} s{extra}"
    )


def _pooled(rows: list[dict[str, object]]) -> str:
    def total(key: str) -> float:
        return sum(float(r[key]) for r in rows)  # type: ignore[arg-type]

    hits, ref, found = total("onset_hits"), total("onset_ref"), total("onset_found")
    p, r = hits / max(found, 1), hits / max(ref, 1)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return (
        f"{len(rows)} role-plays, DER {100 * total('error_s') / total('total_s'):.1f}%; overlap "
        f"onsets P {p:.2f} R {r:.2f} F1 {f1:.2f} ({hits:.0f}/{ref:.0f}, {found:.0f} found); "
        f"backchannels {total('bc_hits'):.0f}/{total('bc_ref'):.0f}"
    )


if __name__ == "__main__":
    sys.exit(main())
