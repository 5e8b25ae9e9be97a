"""Shared by the drill tests: a transcriber that knows what the simulated trainee said."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from listening_coach.config import DEFAULT_CONFIG
from listening_coach.simulate import SimulatedRoom
from listening_coach.types import Word

RATE = 16_000
CONFIG = replace(DEFAULT_CONFIG, language=replace(DEFAULT_CONFIG.language, use_model=False))


class ScriptedWords:
    """Fake transcriber: the words of the answer whose audio the piece overlaps, spread over
    the answer's measured speech (as a played partner line is), those starting in the piece."""

    def __init__(self, room: SimulatedRoom, texts: Sequence[str] | None = None) -> None:
        self.room = room
        self.texts = texts
        self.final_calls = 0

    def __call__(self, samples: np.ndarray, /, *, offset_s: float, speaker: str,
                 final: bool) -> Sequence[Word]:
        from listening_coach.synth import partner_words

        self.final_calls += final
        end_s = offset_s + samples.size / RATE
        texts = self.texts if self.texts is not None else getattr(self.room, "texts", [])
        for spans, text in zip(self.room.speech_spans, texts, strict=False):
            if spans[0][0] < end_s and offset_s < spans[-1][1]:
                start = spans[0][0]
                words = partner_words(text, [(a - start, b - start) for a, b in spans], start)
                return tuple(replace(w, speaker=speaker) for w in words
                             if offset_s <= w.start < end_s)
        return ()


def tone_voice(text: str, band: str) -> np.ndarray:
    """A partner 'voice' without synthesis: a voiced tone, 0.25 s per word (at least 1.5 s)."""
    from listening_coach.testing import syllable_train

    return syllable_train(max(1.5, 0.25 * len(text.split())))
