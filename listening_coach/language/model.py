"""Inference for the trained language model (weights shipped in ``listening_coach/models``).

- :func:`load_model`: path (None: the shipped file) -> :class:`LanguageModel`, cached.
- :meth:`LanguageModel.predict`: (utterance, context) pairs -> (label, subtype, confidence,
  scores) per pair.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL = MODEL_DIR / "language.npz"
REBUILD = "make models (runs models/train_language.py on ../shared/data/annomi)"


class LanguageModel:
    """Placeholder until the trained weights land."""

    def predict(self, items: list[tuple[str, str]]) -> list[object]:
        raise NotImplementedError


def load_model(path: str | None) -> LanguageModel | None:
    """Return the trained model, or None (rules only) while none is shipped."""
    if path is None and not DEFAULT_MODEL.exists():
        log.warning("no trained language model at %s; using rules (%s)", DEFAULT_MODEL, REBUILD)
        return None
    from listening_coach.errors import ModelError

    raise ModelError(f"language model {path or DEFAULT_MODEL} cannot be loaded yet; {REBUILD}")
