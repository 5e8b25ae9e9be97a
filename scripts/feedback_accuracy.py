"""Score only the feedback on the accuracy benchmark: from saved words, or from the script.

Usage: python scripts/feedback_accuracy.py [--out bench_out/accuracy] [--seed 12]
       [--model tiny.en|base] [--scripted]

Without ``--scripted`` it re-runs every stage after transcription on the words
``make bench-accuracy`` saved (``OUT/words-MODEL-seedSEED/``; ``--model base`` for the words of
``bench_accuracy.py --model base``), as ``bench_accuracy.py --words`` does, and prints the
feedback table alone. With ``--scripted`` the words are the script's own, spread evenly over
each line's measured speech spans (no ASR errors, real timing): what the feedback stage does
when transcription is right, separating its own misses from those of the stages before it.
Needs the rendered truth files in ``OUT/audio-seedSEED/``. Also prints praise precision: of the
(exchange, family) praise items shown within the budget, the share the script expected there.
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from listening_coach.evaluation.accuracy import score_session, summarize  # noqa: E402
from listening_coach.config import DEFAULT_CONFIG  # noqa: E402
from listening_coach.testing.families import (  # noqa: E402
    CONCERNS,
    PRAISE,
    exchange_windows,
    family_of_feedback,
    truth_exchange_at,
)
from listening_coach.pipeline import analyze_words  # noqa: E402
from listening_coach.testing.roleplay import load_truth, load_words  # noqa: E402
from listening_coach.types import Session, Word  # noqa: E402


def scripted_words(truth: dict[str, Any]) -> list[Word]:
    """Each line's words spread evenly over its speech spans, in proportion to span length."""
    words: list[Word] = []
    for line in truth["lines"]:
        tokens = line["text"].split()
        spans = line.get("spans") or [[line["start"], line["end"]]]
        total = sum(b - a for a, b in spans)
        k = 0
        for n_span, (a, b) in enumerate(spans):
            last = n_span == len(spans) - 1
            share = max(1, round(len(tokens) * (b - a) / total))
            n = len(tokens) - k if last else min(len(tokens) - k, share)
            for j in range(n):
                start = a + j * (b - a) / n
                words.append(Word(start, start + 0.9 * (b - a) / n, " " + tokens[k], line["speaker"]))
                k += 1
    return words


def praise_shown(truth: dict[str, Any], session: Session) -> tuple[int, int]:
    """(praise items shown, of which expected there): distinct (truth exchange, family) pairs,
    items placed in time as the scorer places them."""
    starts = exchange_windows(truth)
    first = {ex.index: ex.start for ex in session.exchanges}
    shown: set[tuple[int, str]] = set()
    for item in session.feedback:
        family = family_of_feedback(item)
        if item.more or item.exchange is None or family not in PRAISE:
            continue
        t = item.evidence[0].start if item.evidence else first.get(item.exchange)
        if t is not None:
            shown.add((truth_exchange_at(starts, t), family))
    right = sum(family in truth["exchanges"][k].get("feedback", {}).get("praise", ())
                for k, family in shown)
    return len(shown), right


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench_out" / "accuracy")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--model", default="tiny.en", help="whose saved words: tiny.en | base")
    parser.add_argument("--scripted", action="store_true", help="the script's words, not ASR's")
    args = parser.parse_args(argv)
    truths = sorted(glob.glob(str(args.out / f"audio-seed{args.seed}" / "*.truth.json")))
    scores = []
    praised = [0, 0]
    for path in truths:
        truth = load_truth(path)
        words_path = args.out / f"words-{args.model}-seed{args.seed}" / f"{truth['name']}.words.json"
        if args.scripted:
            words: Any = scripted_words(truth)
        elif words_path.exists():
            words = load_words(words_path)
        else:
            continue
        session = analyze_words(words, DEFAULT_CONFIG)
        scores.append(score_session(truth, session, {}))
        shown, right = praise_shown(truth, session)
        praised[0] += shown
        praised[1] += right
    if not scores:
        print(f"nothing to score under {args.out}: run `make bench-accuracy` first", file=sys.stderr)
        return 2
    fb = summarize(scores).feedback
    print("| family | kind | expected | given (recall) | detected |\n| --- | --- | --- | --- | --- |")
    for f in fb.families:
        if f.expected:
            kind = "concern" if f.family in CONCERNS else "praise"
            print(f"| {f.family} | {kind} | {f.expected} | {f.given} ({f.recall:.2f}) | "
                  f"{f.detected} ({f.detected_recall:.2f}) |")
    print(f"\n{len(scores)} role-plays ({'scripted words' if args.scripted else 'saved ASR words'}):"
          f" concerns recall {fb.recall('concerns'):.2f}, praise recall {fb.recall('praise'):.2f};"
          f" on the {fb.clean_exchanges} exchanges with no scripted fault "
          f"{fb.concerns_per_clean_exchange:.2f} concerns and {fb.criticisms_per_clean_exchange:.2f}"
          " criticisms (concerns + tips) per exchange.")
    if praised[0]:
        print(f"Praise precision {praised[1] / praised[0]:.2f} ({praised[1]} of {praised[0]} praise"
              " items shown were expected on that exchange).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
