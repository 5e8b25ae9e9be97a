"""``listening-coach eval FOLDER``: model-vs-coach agreement over all corrections collected.

Walks FOLDER for ``NAME.corrections.toml`` next to ``NAME.json`` and prints, per label type
(main label, reflection simple/complex, question open/closed, events), the number of
judgements, accuracy and Cohen's kappa, with the most frequent disagreements.
"""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("eval", help="agreement between the model and coach corrections",
                              description="Model-vs-coach agreement over every "
                                          "NAME.corrections.toml under FOLDER.")
    p.add_argument("folder", metavar="CORRECTIONS_DIR", help="folder of reports and corrections")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from listening_coach.coach.agreement import evaluate_folder, render_agreement

    results, files = evaluate_folder(args.folder)
    if args.json:
        print(json.dumps({
            "files": [str(f) for f in files],
            "agreement": {k: {"n": a.n, "accuracy": a.accuracy, "kappa": a.kappa,
                              "disagreements": [list(c) for c in a.confusions]}
                          for k, a in results.items()},
        }, indent=1))
    else:
        print(render_agreement(results, files))
    return 0
