"""Inference for the trained language model (weights shipped in ``listening_coach/models``).

- :class:`LanguageModel`: a :class:`~listening_coach.language.features.Featurizer` and
  linear heads: ``main`` (AnnoMI's reflection / question / therapist_input / other),
  ``reflection`` (simple / complex), ``question`` (open / closed), ``input`` (information /
  advice / negotiation / options).
- :meth:`LanguageModel.predict`: (utterance, context) pairs -> (label, subtype, confidence,
  scores); ``therapist_input`` becomes ``information`` or ``advice``.
- :meth:`LanguageModel.save` / :func:`read_model`: one ``.npz`` of plain arrays (no pickle).
- :func:`load_language_model`: path (None: the shipped ``language.npz``) -> cached model.

The model is trained by ``make models`` (``models/train_language.py``); see ``models/README.md``.
"""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from listening_coach.errors import ModelError
from listening_coach.language.cache import MODEL_DIR, load_cached
from listening_coach.language.encoder import Encoder, blend


log = logging.getLogger(__name__)

DEFAULT_MODEL = MODEL_DIR / "language.npz"
REBUILD = "rebuild it with `make models` (models/train_language.py, needs ../shared/data/annomi)"
FORMAT_VERSION = 1
MAIN_CLASSES: tuple[str, ...] = ("reflection", "question", "therapist_input", "other")
HEADS: dict[str, tuple[str, ...]] = {
    "main": MAIN_CLASSES,
    "reflection": ("simple", "complex"),
    "question": ("open", "closed"),
    "input": ("information", "advice", "negotiation", "options"),
}
_INPUT_LABEL = {"information": "information", "advice": "advice", "negotiation": "advice",
                "options": "advice"}

Prediction = tuple[str, str | None, float, tuple[tuple[str, float], ...]]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


class LanguageModel:
    """Featurizer plus linear heads; build with ``training.train`` or :func:`read_model`."""

    def __init__(self, featurizer: Any, heads: dict[str, tuple[tuple[str, ...], np.ndarray,
                                                               np.ndarray]],
                 meta: dict[str, Any] | None = None) -> None:
        self.featurizer = featurizer
        self.heads = heads
        self.meta = meta or {}

    def probabilities(self, items: list[tuple[str, str]]) -> dict[str, np.ndarray]:
        """Per-head class probabilities, shape (len(items), classes)."""
        from listening_coach.language.features import normalize

        texts = [normalize(t) for t, _ in items]
        contexts = [normalize(c, asr_style=True) for _, c in items]
        raw = [t for t, _ in items]
        raw_ctx = [c for _, c in items]
        x = self.featurizer.transform(texts, contexts, raw, raw_ctx)
        return {
            head: _softmax(np.asarray(x @ coef.T.astype(np.float32)) + intercept)
            for head, (_, coef, intercept) in self.heads.items()
        }

    def predict(self, items: list[tuple[str, str]], *, raw_labels: bool = False,
                encoder: Encoder | None = None, encoder_below: float = 1.0,
                ) -> list[Prediction]:
        """Label (utterance, context) pairs.

        Args:
          items: The trainee's utterance and the partner's preceding words.
          raw_labels: Keep AnnoMI's ``therapist_input`` instead of information/advice.
          encoder: The fine-tuned encoder, blended into the main and subtype heads
            (:func:`listening_coach.language.encoder.blend`); None: the linear model alone.
          encoder_below: Consult the encoder only for items whose linear main-class
            confidence is below this (1.0: every item).

        Returns:
          (label, subtype, confidence of the main label, scores) per item; scores hold the
          main-class probabilities and ``head.subtype`` probabilities.
        """
        if not items:
            return []
        probs = self.probabilities(items)
        unsure = np.flatnonzero(probs["main"].max(axis=1) < encoder_below)
        if encoder is not None and len(unsure):
            order = {head: spec[0] for head, spec in self.heads.items()}
            mixed = blend({head: p[unsure] for head, p in probs.items()}, order, encoder,
                          encoder.log_probs([items[i] for i in unsure]))
            for head, p in mixed.items():
                probs[head] = probs[head].copy()
                probs[head][unsure] = p
        main_classes = self.heads["main"][0]
        out: list[Prediction] = []
        for i in range(len(items)):
            p_main = probs["main"][i]
            label = main_classes[int(p_main.argmax())]
            scores = [(k, round(float(p), 4)) for k, p in zip(main_classes, p_main)]
            subtype = None
            wanted = {"reflection": "reflection", "question": "question",
                      "therapist_input": "input"}.get(label)
            for head in ("reflection", "question", "input"):
                if head not in probs:
                    continue
                classes = self.heads[head][0]
                p_sub = probs[head][i]
                scores += [(f"{head}.{k}", round(float(p), 4)) for k, p in zip(classes, p_sub)]
                if head == wanted:
                    subtype = classes[int(p_sub.argmax())]
            if label == "therapist_input" and not raw_labels:
                label, subtype = _INPUT_LABEL.get(subtype or "", "information"), None
            out.append((label, subtype, float(p_main.max()), tuple(scores)))
        return out

    def save(self, path: str | Path) -> None:
        """Write one compressed ``.npz`` of plain arrays."""
        arrays = dict(self.featurizer.to_arrays())
        for head, (classes, coef, intercept) in self.heads.items():
            arrays[f"head_{head}_classes"] = np.asarray(classes, dtype=str)
            arrays[f"head_{head}_coef"] = coef.astype(np.float16)
            arrays[f"head_{head}_intercept"] = intercept.astype(np.float32)
        meta = {"format": FORMAT_VERSION, "heads": list(self.heads), **self.meta}
        arrays["meta_json"] = np.asarray(json.dumps(meta, sort_keys=True))
        np.savez_compressed(Path(path), **arrays)


def read_model(path: str | Path) -> LanguageModel:
    """Read a model written by :meth:`LanguageModel.save`.

    Raises:
      ModelError: the file is missing, not a model, or damaged (names the rebuild command).
    """
    from listening_coach.language.features import Featurizer

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"language model {path} does not exist; {REBUILD}")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            meta = json.loads(str(arrays["meta_json"]))
            if meta.get("format") != FORMAT_VERSION:
                raise ValueError(f"format {meta.get('format')}, expected {FORMAT_VERSION}")
            featurizer = Featurizer.from_arrays(arrays)
            heads = {}
            for head in meta["heads"]:
                classes = tuple(str(c) for c in arrays[f"head_{head}_classes"])
                coef = np.asarray(arrays[f"head_{head}_coef"], dtype=np.float32)
                intercept = np.asarray(arrays[f"head_{head}_intercept"], dtype=np.float32)
                if coef.shape != (len(classes), featurizer.n_features):
                    raise ValueError(f"head {head}: weights of shape {coef.shape}")
                heads[head] = (classes, coef, intercept)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError,
            json.JSONDecodeError) as e:
        raise ModelError(f"language model {path} is corrupt ({e}); {REBUILD}") from None
    if "main" not in heads:
        raise ModelError(f"language model {path} has no main head; {REBUILD}")
    return LanguageModel(featurizer, heads, meta)


def load_language_model(path: str | None) -> LanguageModel:
    """Return the model at ``path`` (None: the shipped one), cached per file version.

    Raises:
      ModelError: missing or corrupt file.
    """
    return load_cached(read_model, path, DEFAULT_MODEL, "language model", REBUILD)
