"""Train the reflective-language model shipped as listening_coach/models/language.npz.

Usage (from the project root; ``make models`` runs it)::

    .venv/bin/python models/train_language.py [--data ../shared/data/annomi/dev.csv]
                                              [--out listening_coach/models/language.npz]
                                              [--seed 0]

Reads AnnoMI's dev.csv (+ dev_full.csv beside it for the simple/complex and open/closed
subtypes), trains on every counsellor utterance and its ASR-style copy (seeded, deterministic:
scikit-learn's lbfgs logistic regression), and writes one .npz of plain arrays. The scores
in models/README.md come from ``listening-coach eval-language DATA --cv [--asr-style]``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    from listening_coach.language.model import DEFAULT_MODEL, read_model
    from listening_coach.evaluation.language_training import load_annomi, train

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared/data/annomi/dev.csv"))
    parser.add_argument("--out", default=str(DEFAULT_MODEL))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not Path(args.data).is_file():
        print(f"error: {args.data} not found; pass --data PATH/TO/annomi/dev.csv", file=sys.stderr)
        return 1
    started = time.time()
    examples = load_annomi(args.data)
    data_sha = hashlib.sha256(Path(args.data).read_bytes()).hexdigest()[:16]
    model = train(examples, seed=args.seed)
    model.meta.update({
        "data": Path(args.data).name, "data_sha256_16": data_sha, "seed": args.seed,
        "utterances": len(examples),
    })
    model.save(args.out)
    read_model(args.out)  # fail now, not at run time, if the file does not read back
    size = Path(args.out).stat().st_size / 1e6
    print(f"wrote {args.out} ({size:.1f} MB) from {len(examples)} utterances "
          f"in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
