"""``listening-coach eval-language DATA.csv [--cv] [--asr-style]``: score the language model.

Without ``--cv`` the shipped model (or ``--model``), blended with the shipped fine-tuned
encoder (or ``--encoder``; ``--no-encoder``: the linear model alone), labels every counsellor
utterance of an AnnoMI-format CSV (the client's preceding utterance is the context). With
``--cv`` a fresh linear model is trained and tested in k folds grouped by ``video_url`` (no
video on both sides); ``--encoder-folds DIR`` blends in the fold encoders that
``make encoder-cv`` writes there, each used only on the videos it was trained without.
``--asr-style`` lower-cases the test texts and strips their punctuation (what ASR output may
look like). Prints macro-F1, per-class precision/recall/F1, the confusion matrix, and the
subtype scores (simple/complex, open/closed) where the file codes them. ``--presence`` also
scores the run-time path, one label per sentence, against AnnoMI-full's marks of every
behaviour present in a turn (``listening_coach.evaluation.language_presence``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from listening_coach.errors import ModelError, OutputError

if TYPE_CHECKING:
    from listening_coach.language.encoder import Encoder
    from listening_coach.evaluation.language_training import Example, FoldModel


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "eval-language",
        help="macro-F1, per-class F1 and confusion matrix of the language model on AnnoMI CSV",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    p.add_argument("data", metavar="DATA.csv", help="AnnoMI-format CSV (e.g. annomi/dev.csv)")
    p.add_argument("--full", metavar="FULL.csv",
                   help="AnnoMI-full CSV with subtypes (default: DATA_full.csv if present)")
    p.add_argument("--model", help="model .npz (default: the shipped one)")
    p.add_argument("--encoder", help="fine-tuned encoder .onnx (default: the shipped one)")
    p.add_argument("--no-encoder", action="store_true",
                   help="score the linear model alone, without the fine-tuned encoder")
    p.add_argument("--encoder-below", type=float, metavar="P",
                   help="consult the encoder only below this linear confidence "
                        "(default: language.encoder_below)")
    p.add_argument("--encoder-folds", metavar="DIR",
                   help="with --cv: blend the fold encoders DIR/fold*.onnx (make encoder-cv)")
    p.add_argument("--cv", action="store_true",
                   help="cross-validate: train per fold, grouped by video_url")
    p.add_argument("--folds", type=int, default=5, help="folds for --cv (default 5)")
    p.add_argument("--seed", type=int, default=0, help="training seed for --cv")
    p.add_argument("--asr-style", action="store_true",
                   help="lower-case test texts and strip punctuation")
    p.add_argument("--presence", action="store_true",
                   help="also score behaviours found per sentence (as the pipeline labels) "
                        "against the *_exists columns of the AnnoMI-full file")
    p.add_argument("--json", metavar="FILE", help="also write every score as JSON")
    p.set_defaults(func=run)


def render(result: dict[str, Any], title: str) -> str:
    """Format :func:`listening_coach.evaluation.language_training.evaluate` output as text."""
    lines = [title]
    names = {"main": "main behaviour", "reflection": "reflection simple/complex",
             "question": "question open/closed", "input": "therapist input subtype"}
    for head, scores in result.items():
        classes = scores["classes"]
        lines.append("")
        lines.append(f"{names.get(head, head)}: n={scores['n']}  macro-F1 "
                     f"{scores['macro_f1']:.4f}  accuracy {scores['accuracy']:.4f}")
        lines.append(f"  {'class':<16}{'precision':>10}{'recall':>8}{'F1':>8}{'support':>9}")
        for k in classes:
            c = scores["per_class"][k]
            lines.append(f"  {k:<16}{c['precision']:>10.3f}{c['recall']:>8.3f}{c['f1']:>8.3f}"
                         f"{c['support']:>9}")
        width = max(8, max(len(k) for k in classes) + 1)
        lines.append("  confusion (rows gold, columns predicted):")
        lines.append("  " + " " * 16 + "".join(f"{k[:width - 1]:>{width}}" for k in classes))
        for k, row in zip(classes, scores["confusion"]):
            lines.append(f"  {k:<16}" + "".join(f"{v:>{width}}" for v in row))
    return "\n".join(lines)


def render_presence(result: dict[str, dict[str, Any]]) -> str:
    """Format :func:`listening_coach.evaluation.language_presence.score_presence` output as text."""
    first = next(iter(result["sentences"].values()))
    lines = ["", f"behaviours present in a turn (coder's *_exists marks, n={first['n']}):",
             f"  {'behaviour':<16}{'labelled per':<14}{'precision':>10}{'recall':>8}{'F1':>8}"
             f"{'support':>9}"]
    for b in result["sentences"]:
        for way, name in (("sentences", "sentence"), ("turn", "whole turn")):
            c = result[way][b]
            lines.append(f"  {b:<16}{name:<14}{c['precision']:>10.3f}{c['recall']:>8.3f}"
                         f"{c['f1']:>8.3f}{c['support']:>9}")
    return "\n".join(lines)


def _presence(args: argparse.Namespace, examples: list[Example], below: float,
              trained: list[FoldModel]) -> dict[str, dict[str, Any]]:
    """Presence scores: the shipped model, or with ``--cv`` the models of each fold."""
    from listening_coach.evaluation.language_presence import found_behaviours, score_presence

    options = {"model_path": args.model, "encoder_path": args.encoder,
               "use_encoder": not args.no_encoder, "encoder_below": below}
    if not args.cv:
        return score_presence(examples, found_behaviours(examples, options,
                                                         asr_style=args.asr_style))
    found: list[Any] = [None] * len(examples)
    for model, parts in trained:
        for encoder, idx in parts:
            subset = [examples[i] for i in idx]
            for i, f in zip(idx, found_behaviours(subset, options, model=model, encoder=encoder,
                                                  asr_style=args.asr_style)):
                found[i] = f
    return score_presence(examples, found)


def _fold_encoders(folder: str) -> list[Encoder]:
    from listening_coach.language.encoder import read_encoder

    paths = sorted(Path(folder).glob("fold*.onnx"))
    if not paths:
        raise ModelError(f"no fold*.onnx in {folder}; build them with `make encoder-cv`")
    return [read_encoder(p) for p in paths]


def run(args: argparse.Namespace) -> int:
    from listening_coach.config import LanguageOptions
    from listening_coach.language.encoder import load_encoder
    from listening_coach.language.model import load_language_model
    from listening_coach.evaluation.language_training import (
        cross_validate, evaluate, fold_models, load_annomi, predict_examples,
    )

    from listening_coach.paths import readable_file

    readable_file(args.data, "an AnnoMI CSV")
    if args.full:
        readable_file(args.full, "an AnnoMI full CSV")
    examples = load_annomi(args.data, args.full)
    if args.presence and all(ex.present is None for ex in examples):
        raise ModelError(f"{args.data} has no *_exists columns (AnnoMI-full); pass --full "
                         "FULL.csv for --presence")
    below = LanguageOptions().encoder_below if args.encoder_below is None else args.encoder_below
    encoders = _fold_encoders(args.encoder_folds) if args.cv and args.encoder_folds else None
    trained: list[FoldModel] = []  # with --cv: each fold's models, for the scores and presence
    if args.cv:
        for fold in fold_models(examples, folds=args.folds, seed=args.seed, encoders=encoders):
            trained.append(fold)
            print(f"fold {len(trained)}/{args.folds} trained", file=sys.stderr)
        predictions = cross_validate(examples, asr_style=args.asr_style, encoder_below=below,
                                     trained=trained)
        title = f"{args.folds}-fold cross-validation grouped by video"
        title += (f", fold encoders from {args.encoder_folds} below confidence {below}"
                  if encoders else ", linear model")
    else:
        encoder = None if args.no_encoder else load_encoder(args.encoder)
        predictions = predict_examples(load_language_model(args.model), examples,
                                       asr_style=args.asr_style, encoder=encoder,
                                       encoder_below=below)
        title = f"model {args.model or 'shipped'}"
        title += (f" + encoder {args.encoder or 'shipped'} below confidence {below}"
                  if encoder else " (linear alone)")
    title += f" on {args.data} ({len(examples)} counsellor utterances"
    title += ", ASR-style text)" if args.asr_style else ")"
    result = evaluate(examples, predictions)
    print(render(result, title))
    if args.presence:
        presence = _presence(args, examples, below, trained)
        result["presence"] = presence
        print(render_presence(presence))
    if args.json:
        try:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        except OSError as e:
            raise OutputError(f"cannot write {args.json}: {e.strerror}") from None
    return 0
