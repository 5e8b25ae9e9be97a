"""Print suggested reflections the feedback gave on the accuracy benchmark, as they are.

Usage: python scripts/sample_suggestions.py [--out bench_out/accuracy] [--seed 12] [--n 30]
       [--pick 0]

Runs every stage after transcription on the benchmark's saved words (``make bench-accuracy``
writes them to ``OUT/words-tiny.en-seedSEED/``) and, for every partner turn, the suggested
reflection the engine would offer for it (``build_suggestion`` with the ``[feedback]`` gates;
feedback carries it on a concern about that exchange: "given"). Each is re-checked with
``listening_coach.language.suggest.check_sentence``; a random sample of ``--n`` (the ``--pick``
seed) is printed as a markdown table, as they are, then the counts.
"""

from __future__ import annotations

import argparse
import glob
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from listening_coach.config import DEFAULT_CONFIG  # noqa: E402
from listening_coach.feedback import clock  # noqa: E402
from listening_coach.language.suggest import build_suggestion, check_sentence  # noqa: E402
from listening_coach.pipeline import analyze_words  # noqa: E402
from listening_coach.testing.roleplay import load_words  # noqa: E402
from listening_coach.types import join_words  # noqa: E402

SUGGESTED = re.compile(r"(?:for example|it could have sounded like) “([^”]+)”")
GENERIC = ("try reflecting what they said and how they feel", "name what they feel before")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench_out" / "accuracy")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--pick", type=int, default=0, help="seed of the random sample")
    args = parser.parse_args(argv)
    paths = sorted(glob.glob(str(args.out / f"words-tiny.en-seed{args.seed}" / "*.words.json")))
    if not paths:
        print(f"no saved words under {args.out}: run `make bench-accuracy` first", file=sys.stderr)
        return 2
    rows, turns, generic = [], 0, 0
    fb = DEFAULT_CONFIG.feedback
    for path in paths:
        session = analyze_words(load_words(path), DEFAULT_CONFIG)
        given = {m.group(1) for f in session.feedback if (m := SUGGESTED.search(f.message))}
        generic += sum(any(g in f.message for g in GENERIC) for f in session.feedback)
        for ex in session.exchanges:
            if not ex.prompt:
                continue
            turns += 1
            made = build_suggestion(ex.prompt_words, min_probability=fb.suggestion_min_probability,
                                    check_grammar=fb.suggestion_check_grammar)
            if made is None:
                continue
            rows.append((Path(path).name.split(".")[0], clock(ex.start),
                         "given" if made.text in given else "-", join_words(ex.prompt_words),
                         made.text, check_sentence(made.text)))
    failing = [r for r in rows if r[5]]
    sample = random.Random(args.pick).sample(rows, min(args.n, len(rows)))
    print("| role-play | at | in feedback | partner (as transcribed) | suggested | check |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, at, code, partner, text, problems in sample:
        cell = partner.replace("|", "/")
        print(f"| {name} | {at} | {code} | {cell} | {text} | {'; '.join(problems) or 'ok'} |")
    print(f"\n{len(rows)} suggestions for {turns} partner turns in {len(paths)} role-plays (the "
          f"rest: nothing trustworthy to say back); {sum(r[2] == 'given' for r in rows)} given in "
          f"feedback; {len(failing)} fail the well-formedness check; {generic} feedback items gave "
          "generic advice instead of a sentence.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
