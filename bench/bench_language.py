"""Benchmark: language-model utterances per second on this machine (target >= 200/s on 2 cores).

Usage::

    .venv/bin/python bench/bench_language.py [--data ../shared/data/annomi/dev.csv] [--n 2000]

Labels AnnoMI counsellor utterances (with their client context) through the public
``label_text``-equivalent path: the shipped model plus the rules, in batches as
``label_exchanges`` runs them. Without the data file it labels synthetic drill sentences.
Measures the default (linear model blended with the fine-tuned encoder) and the linear model
alone (``language.use_encoder = false``) side by side, alternating ``--rounds`` times so both
see the same machine load. Prints utterances/s per round, mean words per utterance and the
CPU count.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DRILL = [
    ("It sounds like you're really frustrated with the wait.",
     "I've been waiting three hours and nobody told me anything!"),
    ("What happened when you called the first time?", "They just hung up on me."),
    ("Calm down, it's company policy.", "This is ridiculous, I want my money back."),
    ("So you feel like nobody is listening to you.", "Nobody here cares about my son."),
    ("Did you bring the form?", "I don't have time for this."),
]


def main() -> None:
    from listening_coach.config import LanguageOptions
    from listening_coach.language.labelling import _label_batch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared/data/annomi/dev.csv"))
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=64, help="utterances per call")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of the two setups")
    args = parser.parse_args()
    if Path(args.data).is_file():
        from listening_coach.evaluation.language_training import load_annomi

        items = [(ex.text, ex.context) for ex in load_annomi(args.data)]
        source = args.data
    else:
        items, source = DRILL, "synthetic drill sentences"
    items = (items * (args.n // len(items) + 1))[: args.n]
    words = sum(len(t.split()) for t, _ in items) / len(items)
    print(f"{len(items)} utterances from {source}, mean {words:.1f} words, batch {args.batch}, "
          f"{os.cpu_count()} CPUs")
    setups = {"linear + encoder (default)": LanguageOptions(),
              "linear alone": LanguageOptions(use_encoder=False)}
    for options in setups.values():  # load both models outside the timing
        _label_batch(items[:10], options, [(0.0, 0.0, None)] * 10)
    rates: dict[str, list[float]] = {name: [] for name in setups}
    for _ in range(args.rounds):
        for name, options in setups.items():
            started = time.perf_counter()
            for k in range(0, len(items), args.batch):
                chunk = items[k : k + args.batch]
                _label_batch(chunk, options, [(0.0, 0.0, None)] * len(chunk))
            rates[name].append(len(items) / (time.perf_counter() - started))
    for name, values in rates.items():
        print(f"{name}: {' / '.join(f'{v:.0f}' for v in values)} utterances/s "
              f"(median {sorted(values)[len(values) // 2]:.0f})")


if __name__ == "__main__":
    main()
