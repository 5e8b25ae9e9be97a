"""Factories for tests and notebooks, shipped in the package (as lhotse.testing does).

- :func:`script`: scripted words, ``"partner 0.0 I keep missing deadlines"`` per line.
- :func:`tone` / :func:`silence`: synthetic float32 signals at 16 kHz with known answers.
- :func:`syllable_train`: a speech-like amplitude-modulated tone (for energy/VAD tests).
"""

from __future__ import annotations

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.types import Word


def script(*lines: str, wpm: float = 150.0, gap_s: float = 0.0) -> tuple[Word, ...]:
    """Turn scripted lines into words with evenly spread timestamps.

    Each line is ``"SPEAKER START TEXT"``; an optional ``@WPM`` after START sets that line's
    pace. Words of one line follow each other at ``wpm`` with ``gap_s`` silence in between.

    Examples:
      >>> [(w.speaker, w.start, w.text) for w in script("partner 0.0 hi there", wpm=120)]
      [('partner', 0.0, ' hi'), ('partner', 0.5, ' there')]
    """
    words: list[Word] = []
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            raise ValueError(f"Script line {line!r} needs SPEAKER START TEXT")
        speaker, start = parts[0], float(parts[1])
        rest = parts[2:]
        line_wpm = wpm
        if rest[0].startswith("@"):
            line_wpm = float(rest[0][1:])
            rest = rest[1:]
        step = 60.0 / line_wpm
        t = start
        for token in rest:
            duration = max(step - gap_s, 0.05)
            words.append(Word(round(t, 6), round(t + duration, 6), " " + token, speaker))
            t += step
    return tuple(sorted(words, key=lambda w: (w.start, w.end)))


def silence(duration_s: float, *, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Return ``duration_s`` seconds of zeros, float32, shape (n,)."""
    return np.zeros(int(round(duration_s * sample_rate)), dtype=np.float32)


def tone(
    duration_s: float,
    *,
    frequency_hz: float = 220.0,
    amplitude: float = 0.3,
    sample_rate: int = SAMPLE_RATE,
) -> np.ndarray:
    """Return a sine tone, float32, shape (n,)."""
    t = np.arange(int(round(duration_s * sample_rate))) / sample_rate
    return (amplitude * np.sin(2 * np.pi * frequency_hz * t)).astype(np.float32)


def syllable_train(
    duration_s: float,
    *,
    syllables_per_s: float = 4.0,
    frequency_hz: float = 150.0,
    amplitude: float = 0.3,
    sample_rate: int = SAMPLE_RATE,
) -> np.ndarray:
    """Return a voiced, amplitude-modulated tone that looks like speech to an energy detector."""
    t = np.arange(int(round(duration_s * sample_rate))) / sample_rate
    envelope = 0.5 * (1 - np.cos(2 * np.pi * syllables_per_s * t))
    carrier = np.sin(2 * np.pi * frequency_hz * t) + 0.3 * np.sin(4 * np.pi * frequency_hz * t)
    return (amplitude * envelope * carrier / 1.3).astype(np.float32)
