"""Overlap detection in mono: stretches where a second voice is present (placeholder v0)."""

from __future__ import annotations

import numpy as np

from listening_coach.config import DiarizeOptions
from listening_coach.diarization.types import SpeakerSegment


def find_overlaps(
    frame_scores: np.ndarray, frame_labels: np.ndarray, options: DiarizeOptions
) -> tuple[tuple[tuple[float, float], ...], tuple[SpeakerSegment, ...]]:
    return (), ()
