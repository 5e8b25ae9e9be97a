"""Hard-conditions benchmark: seeded role-plays analysed by the pipeline, scored against truth.

Usage: python bench/bench_accuracy.py [--count 24] [--seed 12] [--model tiny.en|base|DIR]
       [--only 0,3,5] [--words] [--json FILE] [--out bench_out/accuracy]    (``make bench-accuracy``)

1. Generates role-play ``i`` (``listening_coach.evaluation.bench_scripts.render_bench``) as 16-bit FLAC +
   ``NAME.truth.json`` under ``OUT/audio-seedN/``, unless a render of the same script by the
   same renderer source is cached there (their hash is in ``OUT/audio-seedN/index.json``).
2. Analyses each with ``listening_coach.pipeline.analyze`` (default config; ``--model`` picks
   the Whisper model: ``tiny.en`` the bundled default, ``base`` = ``build/whisper-base`` from
   ``make whisper-base``, or any CTranslate2 folder). The words each run transcribed are saved
   to ``OUT/words-MODEL/``; ``--words`` re-runs only the stages after transcription on them
   (fast, for iterating on turns or feedback; the audio-based voice stage is skipped).
3. Scores every role-play (``listening_coach.evaluation.accuracy.score_session``) and prints, overall and
   per condition: exchange count exact, overlap-event precision/recall/F1 (kind and
   direction), response-latency error (median, p90), trainee WPM error (median), scripted
   speech in no turn (s, % of speech time), WER, dead air / effective pauses reported while
   someone speaks (strict: over any scripted speech; audible: over speech louder than the
   recording's noise, the truth's ``audible_spans``); overlap events per kind and direction;
   then the feedback families (expected, given on the right exchange, detected) and
   criticisms on exchanges with no scripted fault; and the real-time factor.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from listening_coach.evaluation.accuracy import AccuracySummary, RolePlayScore, score_session, summarize  # noqa: E402
from listening_coach.testing.families import CONCERNS  # noqa: E402

CONDITION_KEYS = ("engine", "band", "snr", "bleed", "levels")
BASE_DIR = ROOT / "build" / "whisper-base"
# a change to any of these re-renders the cached role-plays
RENDERER = ("testing/roleplay.py", "testing/roleplay_truth.py", "testing/roleplay_audio.py",
            "live/piper_voice.py", "live/synth.py")


def model_dir(name: str) -> str | None:
    """``--model`` value -> ``transcribe.model`` (None: the bundled tiny.en)."""
    if name in ("tiny.en", "tiny", ""):
        return None
    if name == "base":
        if not (BASE_DIR / "model.bin").is_file():
            raise SystemExit(f"error: {BASE_DIR} is missing; build it with `make whisper-base`")
        return str(BASE_DIR)
    return name


def generate(indices: list[int], seed: int, folder: Path) -> list[Path]:
    """Render (or reuse) each role-play; return the truth paths."""
    import soundfile as sf

    from listening_coach.evaluation.bench_scripts import bench_roleplay, render_bench
    from listening_coach.live.synth import SAMPLE_RATE

    folder.mkdir(parents=True, exist_ok=True)
    index_path = folder / "index.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {}
    renderer = b"".join((ROOT / "listening_coach" / f).read_bytes() for f in RENDERER)
    out = []
    for i in indices:
        script = bench_roleplay(i, seed)
        key = hashlib.sha256(repr(script).encode() + renderer).hexdigest()[:16]
        truth_path = folder / f"{script.name}.truth.json"
        if index.get(script.name) != key or not truth_path.exists():
            t0 = time.perf_counter()
            rendered = render_bench(i, seed)
            audio = folder / f"{script.name}.flac"
            sf.write(str(audio), rendered.samples.T, SAMPLE_RATE, subtype="PCM_16")
            truth = dict(rendered.truth, audio=audio.name)
            truth_path.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
            index[script.name] = key
            index_path.write_text(json.dumps(index, indent=1) + "\n")
            print(f"  rendered {script.name} ({truth['duration_s']:.0f} s) in "
                  f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
        out.append(truth_path)
    return out


def analyse(truth_paths: list[Path], model: str | None, words_dir: Path, use_words: bool
            ) -> tuple[list[RolePlayScore], float, float]:
    """Analyse and score every role-play; return scores, audio seconds, analysis seconds."""
    from listening_coach.evaluation.bench_scripts import condition_of
    from listening_coach.config import DEFAULT_CONFIG
    from listening_coach.pipeline import analyze, analyze_words
    from listening_coach.testing.roleplay import load_truth, load_words, write_words

    config = dataclasses.replace(
        DEFAULT_CONFIG, transcribe=dataclasses.replace(DEFAULT_CONFIG.transcribe, model=model)
    )
    words_dir.mkdir(parents=True, exist_ok=True)
    scores, audio_s, wall_s = [], 0.0, 0.0
    for path in truth_paths:
        truth = load_truth(path)
        words_path = words_dir / f"{truth['name']}.words.json"
        t0 = time.perf_counter()
        if use_words:
            if not words_path.exists():
                raise SystemExit(f"error: {words_path} is missing; run once without --words")
            session = analyze_words(load_words(words_path), config)
        else:
            session = analyze(path.parent / truth["audio"], config)
            write_words(session.words, words_path, source=truth["audio"], model=model or "tiny.en")
        wall_s += time.perf_counter() - t0
        audio_s += truth["duration_s"]
        score = score_session(truth, session, condition_of(truth))
        scores.append(score)
        print(f"  {truth['name']}: exchanges {score.exchanges_found}/{score.exchanges_truth}, "
              f"overlaps {score.overlap_tp}/{score.overlap_tp + score.overlap_fn} "
              f"(+{score.overlap_fp} false), missing {score.missing_s:.1f} s, "
              f"WER {score.word_errors / max(score.ref_words, 1):.1%}", file=sys.stderr)
    return scores, audio_s, wall_s


def _f(x: float | None, fmt: str = ".2f") -> str:
    return "-" if x is None else format(x, fmt)


def _silence(events: int | None, seconds: float | None) -> str:
    return "-" if events is None or seconds is None else f"{events} ({seconds:.2f} s)"


def table(scores: list[RolePlayScore]) -> str:
    """The markdown accuracy table: all role-plays, then each condition value."""
    head = ("| condition | n | exchanges exact | overlap P / R / F1 | latency err median / p90 (s) "
            "| matched | WPM err median | speech in no turn | WER | silence over speech "
            "| silence over audible speech |")
    rows = [head, "|" + " --- |" * 11]

    def row(label: str, s: AccuracySummary) -> str:
        return (f"| {label} | {s.roleplays} | {s.exchanges_exact:.0%} | "
                f"{_f(s.overlap_precision)} / {_f(s.overlap_recall)} / {_f(s.overlap_f1)} | "
                f"{_f(s.latency_median)} / {_f(s.latency_p90)} | {s.latency_matched} | "
                f"{_f(s.wpm_median, '.1%')} | {s.missing_s:.1f} s ({s.missing_share:.1%}) | "
                f"{s.wer:.1%} | {s.silence_in_speech_events} ({s.silence_in_speech_s:.2f} s) | "
                f"{_silence(s.silence_over_audible_events, s.silence_over_audible_s)} |")

    rows.append(row("**all**", summarize(scores)))
    for key in CONDITION_KEYS:
        values = sorted({dict(s.conditions).get(key, "-") for s in scores})
        for value in values:
            subset = [s for s in scores if dict(s.conditions).get(key) == value]
            rows.append(row(f"{key}: {value}", summarize(subset)))
    return "\n".join(rows)


def overlap_table(scores: list[RolePlayScore]) -> str:
    """Overlap events per kind and direction: scripted, found, false, recall, precision."""
    rows = ["| overlap | scripted | found (recall) | false (precision) |", "|" + " --- |" * 4]
    for label, tp, fp, fn in summarize(scores).overlap_by_kind:
        recall = tp / (tp + fn) if tp + fn else None
        precision = tp / (tp + fp) if tp + fp else None
        rows.append(f"| {label} | {tp + fn} | {tp} ({_f(recall)}) | {fp} ({_f(precision)}) |")
    return "\n".join(rows)


def feedback_table(scores: list[RolePlayScore]) -> str:
    """Per family: expected, given on the right exchange (recall), detected; criticisms."""
    fb = summarize(scores).feedback
    rows = ["| family | kind | expected | given (recall) | detected |", "|" + " --- |" * 5]
    for f in fb.families:
        if not f.expected:
            continue
        kind = "concern" if f.family in CONCERNS else "praise"
        rows.append(f"| {f.family} | {kind} | {f.expected} | {f.given} ({_f(f.recall)}) | "
                    f"{f.detected} ({_f(f.detected_recall)}) |")
    rows.append(
        f"\nConcerns recall {_f(fb.recall('concerns'))}, praise recall {_f(fb.recall('praise'))}; "
        f"on the {fb.clean_exchanges} exchanges with no scripted fault: "
        f"{_f(fb.concerns_per_clean_exchange)} concerns and "
        f"{_f(fb.criticisms_per_clean_exchange)} criticisms (concerns + tips) per exchange."
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=24, help="role-plays (default 24)")
    parser.add_argument("--only", default="", help="comma-separated role-play numbers")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--model", default="tiny.en", help="tiny.en | base | a CTranslate2 folder")
    parser.add_argument("--words", action="store_true", help="reuse the saved words (no ASR)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench_out" / "accuracy")
    parser.add_argument("--json", type=Path, help="also write every score to this file")
    args = parser.parse_args(argv)
    indices = [int(x) for x in args.only.split(",")] if args.only else list(range(args.count))
    model = model_dir(args.model)
    print(f"generating {len(indices)} role-plays (seed {args.seed}) in {args.out}", file=sys.stderr)
    truths = generate(indices, args.seed, args.out / f"audio-seed{args.seed}")
    tag = Path(args.model).name if model else "tiny.en"
    scores, audio_s, wall_s = analyse(truths, model, args.out / f"words-{tag}-seed{args.seed}",
                                      args.words)
    print(f"\nModel {tag}{' (saved words)' if args.words else ''}: {len(scores)} role-plays, "
          f"{audio_s / 60:.1f} min of audio analysed in {wall_s:.0f} s "
          f"({audio_s / max(wall_s, 1e-9):.1f}x real time)\n")
    print(table(scores))
    print()
    print(overlap_table(scores))
    print()
    print(feedback_table(scores))
    if args.json:
        payload: dict[str, Any] = {
            "model": tag, "seed": args.seed, "audio_s": audio_s, "analysis_s": wall_s,
            "scores": [dataclasses.asdict(s) for s in scores],
        }
        args.json.write_text(json.dumps(payload, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
