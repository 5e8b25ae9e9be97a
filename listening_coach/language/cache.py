"""Model files: where the shipped ones live, and one cache per file version.

- :data:`MODEL_DIR`: ``listening_coach/models`` (the linear model, the encoder, the tokenizer).
- :func:`load_cached`: read a model file once per (path, modification time).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from listening_coach.errors import ModelError

MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
_T = TypeVar("_T")


@functools.lru_cache(maxsize=8)
def _cached(reader: Callable[[str], Any], path: str, mtime: float) -> Any:
    return reader(path)


def load_cached(reader: Callable[[str], _T], path: str | None, default: Path, what: str,
                rebuild: str) -> _T:
    """``reader(path)`` (None: ``default``), cached per file version (path and mtime).

    Raises:
      ModelError: the file does not exist (the message names ``what`` and ``rebuild``), or
        whatever ``reader`` raises for a damaged one.
    """
    target = Path(path) if path else default
    try:
        mtime = target.stat().st_mtime
    except OSError:
        raise ModelError(f"{what} {target} does not exist; {rebuild}") from None
    return _cached(reader, str(target), mtime)  # type: ignore[no-any-return]
