"""Train and evaluate the language model on AnnoMI-format CSV files (scikit-learn, seeded).

- :func:`load_annomi`: CSV -> :class:`Example` rows for counsellor utterances, with the
  client's preceding utterance as context and subtypes where the file (or a ``*_full.csv``
  beside it) has them.
- :func:`train`: examples -> :class:`~listening_coach.language.model.LanguageModel`
  (main behaviour + reflection, question and input subtype heads), trained on each text and
  on its ASR-style copy (lower case, no punctuation).
- :func:`grouped_folds`: the grouped k-fold split (by ``video_url``) used everywhere.
- :func:`fold_models`: per fold, a model trained on the other folds (and its fold encoder).
- :func:`cross_validate`: grouped k-fold predictions for every example.
- :func:`score`: macro-F1, per-class F1 and a confusion matrix.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from listening_coach.errors import CoachError
from listening_coach.language.features import QUESTION_SHAPE_NAMES, Featurizer, normalize
from listening_coach.language.model import HEADS, MAIN_CLASSES, LanguageModel, Prediction

if TYPE_CHECKING:
    from listening_coach.language.encoder import Encoder

log = logging.getLogger(__name__)
# One fold: a model trained on the other folds, and the test indices per fold encoder.
FoldModel = tuple[LanguageModel, list[tuple["Encoder | None", list[int]]]]
BEHAVIOURS = ("reflection", "question", "therapist_input")  # AnnoMI-full's *_exists columns
REQUIRED = ("transcript_id", "utterance_id", "interlocutor", "utterance_text",
            "main_therapist_behaviour")


@dataclass(frozen=True, slots=True)
class Example:
    """One counsellor utterance with its labels (subtypes None where not coded)."""

    text: str
    context: str
    label: str
    group: str
    reflection: str | None = None
    question: str | None = None
    input: str | None = None
    # What the coder marked present anywhere in the utterance (AnnoMI-full's ``*_exists``
    # columns; None where the file has none).
    present: frozenset[str] | None = None


def _subtype(value: str | None) -> str | None:
    return value if value and value not in ("n/a", "", "nan") else None


def _annomi_rows(path: Path) -> list[dict[str, str]]:
    """The CSV's rows, refused unless it has AnnoMI's columns."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise CoachError(f"cannot read {path}: {e}; pass an AnnoMI-format CSV file") from None
    missing = [c for c in REQUIRED if rows and c not in rows[0]]
    if not rows or missing:
        raise CoachError(
            f"{path} is not AnnoMI-format: missing columns {missing or list(REQUIRED)}; "
            f"needs {', '.join(REQUIRED)}"
        )
    return rows


def _subtypes(
    path: Path, rows: list[dict[str, str]], full_path: str | Path | None
) -> dict[tuple[str, str], dict[str, str]]:
    """(transcript, utterance) -> the first annotator's subtype row, from ``full_path`` (by
    default ``NAME_full.csv`` beside ``path``, if it exists) or from ``rows`` themselves."""
    if full_path is None:
        candidate = path.with_name(path.stem + "_full" + path.suffix)
        full_path = candidate if candidate.exists() else None
    sub_rows = rows if {"reflection_subtype", "reflection_exists"} & set(rows[0]) else []
    if full_path is not None:
        with Path(full_path).open(newline="", encoding="utf-8") as f:
            sub_rows = list(csv.DictReader(f))
    subtypes: dict[tuple[str, str], dict[str, str]] = {}
    for r in sub_rows:
        subtypes.setdefault((r["transcript_id"], r["utterance_id"]), r)
    return subtypes


def load_annomi(path: str | Path, full_path: str | Path | None = None) -> list[Example]:
    """Read counsellor utterances from an AnnoMI-format CSV.

    Args:
      path: ``dev.csv``-style file (columns of AnnoMI, one row per utterance), or a
        ``*_full.csv`` file with the subtype columns.
      full_path: A ``*_full.csv`` with subtypes for the same utterances; by default the file
        named like ``path`` with ``_full`` appended, if it exists.

    Raises:
      CoachError: the file is missing, unreadable or lacks AnnoMI columns.
    """
    path = Path(path)
    rows = _annomi_rows(path)
    subtypes = _subtypes(path, rows, full_path)
    rows.sort(key=lambda r: (r["transcript_id"], int(r["utterance_id"] or 0)))
    examples: list[Example] = []
    last_client: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for r in rows:
        tid, uid = r["transcript_id"], r["utterance_id"]
        text = r["utterance_text"] or ""
        if r["interlocutor"] == "client":
            last_client[tid] = text
            continue
        if (tid, uid) in seen or r["main_therapist_behaviour"] not in MAIN_CLASSES:
            continue  # *_full files repeat an utterance once per annotator
        seen.add((tid, uid))
        sub = subtypes.get((tid, uid), {})
        label = r["main_therapist_behaviour"]
        examples.append(Example(
            text=text, context=last_client.get(tid, ""), label=label,
            group=r.get("video_url") or tid,
            reflection=_subtype(sub.get("reflection_subtype")) if label == "reflection" else None,
            question=_subtype(sub.get("question_subtype")) if label == "question" else None,
            input=_subtype(sub.get("therapist_input_subtype"))
            if label == "therapist_input" else None,
            present=frozenset(k for k in BEHAVIOURS if sub.get(f"{k}_exists") == "True")
            if "reflection_exists" in sub else None,
        ))
    return examples


def _fit_head(x: object, y: list[str], classes: tuple[str, ...], c: float, seed: int,
              ) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced", random_state=seed)
    clf.fit(x, y)
    order = [list(clf.classes_).index(k) for k in classes]
    coef = clf.coef_
    intercept = clf.intercept_
    if len(clf.classes_) == 2:  # binary: one row for classes_[1]; expand to two rows
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return coef[order].astype(np.float32), intercept[order].astype(np.float32)


HEAD_C: dict[str, float] = {"main": 1.0, "reflection": 1.0, "question": 1.0, "input": 1.0}
# Heads that see the question-shape cues; the others get zero weights there (measured in
# grouped CV: open/closed accuracy 0.786 -> 0.799, while 4-class macro-F1 went 0.733 -> 0.730
# and simple/complex 0.614 -> 0.609 when those heads used them too).
SHAPE_HEADS = frozenset({"question"})


def train(examples: list[Example], *, seed: int = 0, augment: bool = True) -> LanguageModel:
    """Fit the featurizer and every head; ``augment`` adds ASR-style copies of each text."""
    variants = [False, True] if augment else [False]
    texts, contexts, raw, raw_ctx, rows = [], [], [], [], []
    for asr in variants:
        for ex in examples:
            texts.append(normalize(ex.text, asr_style=asr))
            contexts.append(normalize(ex.context, asr_style=True))
            raw.append(texts[-1] if asr else ex.text)
            raw_ctx.append(ex.context)
            rows.append(ex)
    featurizer = Featurizer.fit(texts, contexts)
    x = featurizer.transform(texts, contexts, raw, raw_ctx)
    heads: dict[str, tuple[tuple[str, ...], np.ndarray, np.ndarray]] = {}
    for head, classes in HEADS.items():
        if head == "main":
            idx = list(range(len(rows)))
            y = [r.label for r in rows]
        else:
            idx = [i for i, r in enumerate(rows) if getattr(r, head) in classes]
            y = [getattr(rows[i], head) for i in idx]
        present = tuple(k for k in classes if k in set(y))
        if len(present) < 2:
            log.warning("head %s: fewer than two classes in the data; skipped", head)
            continue
        n_used = x.shape[1] - (0 if head in SHAPE_HEADS else len(QUESTION_SHAPE_NAMES))
        coef, intercept = _fit_head(x[idx][:, :n_used], y, present, HEAD_C[head], seed)
        coef = np.hstack([coef, np.zeros((len(present), x.shape[1] - n_used), np.float32)])
        heads[head] = (present, coef, intercept)
    if "main" not in heads:
        raise CoachError(
            f"{len(examples)} utterances hold fewer than two behaviours; training needs "
            f"examples of at least two of {', '.join(MAIN_CLASSES)}"
        )
    return LanguageModel(featurizer, heads)


def predict_examples(
    model: LanguageModel, examples: list[Example], *, asr_style: bool = False,
    encoder: Encoder | None = None, encoder_below: float = 1.0,
) -> list[Prediction]:
    """Model predictions (AnnoMI label names) for examples, ASR-styled when asked.

    ``encoder`` and ``encoder_below`` as in :meth:`LanguageModel.predict`.
    """
    items = [
        (normalize(ex.text, asr_style=True) if asr_style else ex.text, ex.context)
        for ex in examples
    ]
    out: list[Prediction] = []
    for start in range(0, len(items), 256):
        out += model.predict(items[start : start + 256], raw_labels=True, encoder=encoder,
                             encoder_below=encoder_below)
    return out


def _held_out(encoders: list[Encoder], group: str) -> int:
    hits = [k for k, e in enumerate(encoders) if group in e.meta.get("test_groups", ())]
    if len(hits) != 1:
        raise CoachError(
            f"video {group} is held out by {len(hits)} of the {len(encoders)} fold encoders "
            "(needs exactly one); rebuild them from this data with `make encoder-cv`"
        )
    return hits[0]


def grouped_folds(examples: list[Example], folds: int = 5,
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index arrays of a k-fold split grouped by ``Example.group`` (the video).

    Deterministic (scikit-learn's GroupKFold), so ``cross_validate`` and the encoder's build
    script (``models/train_encoder.py prepare``) split the same way.

    Raises:
      CoachError: fewer videos than folds.
    """
    from sklearn.model_selection import GroupKFold

    groups = [ex.group for ex in examples]
    if len(set(groups)) < folds:
        raise CoachError(
            f"{len(set(groups))} videos cannot be split into {folds} folds; pass fewer --folds"
        )
    return list(GroupKFold(n_splits=folds).split(examples, groups=groups))


def cross_validate(
    examples: list[Example], *, folds: int = 5, seed: int = 0, asr_style: bool = False,
    encoders: list[Encoder] | None = None, encoder_below: float = 1.0,
    trained: list[FoldModel] | None = None,
) -> list[Prediction]:
    """Grouped k-fold predictions for every example, in order.

    Folds group by ``Example.group`` (the video), so no video is on both sides; test texts
    are ASR-styled when ``asr_style`` is set (training always sees both styles).
    ``encoders``: fine-tuned encoders, one per fold (``make encoder-cv``), each naming the
    videos it was trained without; every test utterance is blended with the one that never
    saw its video (where the linear model's confidence is below ``encoder_below``).
    ``trained``: the folds of :func:`fold_models`, reused instead of training them again
    (``folds``, ``seed`` and ``encoders`` are then not used).

    Raises:
      CoachError: too few videos for the folds, or a video not held out by exactly one
        encoder.
    """
    out: list[Prediction] = [("other", None, 0.0, ())] * len(examples)
    folds_ = trained if trained is not None else fold_models(
        examples, folds=folds, seed=seed, encoders=encoders)
    for model, parts in folds_:
        for encoder, idx in parts:
            for i, prediction in zip(idx, predict_examples(
                model, [examples[i] for i in idx], asr_style=asr_style, encoder=encoder,
                encoder_below=encoder_below,
            )):
                out[i] = prediction
    return out


def fold_models(
    examples: list[Example], *, folds: int = 5, seed: int = 0,
    encoders: list[Encoder] | None = None,
) -> Iterator[FoldModel]:
    """Per grouped fold: a linear model trained on the other folds, and the fold's test
    indices grouped by the encoder that never saw their video (None without ``encoders``).

    Raises:
      CoachError: as :func:`cross_validate`.
    """
    for tr, te in grouped_folds(examples, folds):
        model = train([examples[i] for i in tr], seed=seed)
        by_encoder: dict[int, list[int]] = {}
        for i in te:
            by_encoder.setdefault(-1 if encoders is None else _held_out(
                encoders, examples[i].group), []).append(i)
        yield model, [(None if encoders is None else encoders[k], idx)
                      for k, idx in by_encoder.items()]


def evaluate(examples: list[Example], predictions: list[Prediction]) -> dict[str, object]:
    """Score predictions: main behaviour, and the subtype heads on gold-labelled utterances.

    Returns:
      ``{"main": score(...), "reflection": ..., "question": ..., "input": ...}``; subtype
      scores use the head's choice for every utterance whose gold label has that subtype.
    """
    result: dict[str, object] = {
        "main": score([ex.label for ex in examples], [p[0] for p in predictions], MAIN_CLASSES)
    }
    for head, classes in HEADS.items():
        if head == "main":
            continue
        gold, guess = [], []
        for ex, (_, _, _, scores) in zip(examples, predictions):
            value = getattr(ex, head)
            probs = {k.split(".", 1)[1]: v for k, v in scores if k.startswith(head + ".")}
            if value in classes and probs:
                gold.append(value)
                guess.append(max(probs, key=probs.__getitem__))
        if gold:
            result[head] = score(gold, guess, tuple(k for k in classes if k in set(gold)))
    return result


def score(gold: list[str], predicted: list[str], classes: tuple[str, ...] | None = None,
          ) -> dict[str, object]:
    """Macro-F1, accuracy, per-class precision/recall/F1 and the confusion matrix."""
    classes = classes or tuple(sorted(set(gold) | set(predicted)))
    per_class = {}
    matrix = [[sum(1 for g, p in zip(gold, predicted) if g == a and p == b) for b in classes]
              for a in classes]
    for i, k in enumerate(classes):
        tp = matrix[i][i]
        fp = sum(matrix[j][i] for j in range(len(classes))) - tp
        fn = sum(matrix[i]) - tp
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[k] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    macro = sum(v["f1"] for v in per_class.values()) / len(classes) if classes else 0.0
    accuracy = sum(g == p for g, p in zip(gold, predicted)) / len(gold) if gold else 0.0
    return {"classes": classes, "macro_f1": macro, "accuracy": accuracy,
            "per_class": per_class, "confusion": matrix, "n": len(gold)}
