"""How numbers, times and words read in every message.

- :func:`clock`: seconds as ``mm:ss``, for messages and every other time a person reads.
- :func:`counted`: ``n`` and the noun, singular or plural.
- :func:`quote`: words as a short quotation.
- :func:`percent`: a share as a whole percent, the same in every report, table and message.
- :func:`latency_phrase`: a response latency in words ("started 1.3 s before the partner
  finished" when negative).
"""

from __future__ import annotations

import math

from listening_coach.types import Word, join_words


def clock(seconds: float | None, *, tenths: bool = False) -> str:
    """Format seconds as ``mm:ss`` (or ``h:mm:ss``), truncated as media players show time.

    Every time a person reads (feedback text, HTML report, batch ETA) goes through here, so
    the same moment reads the same everywhere; ``tenths`` adds a truncated tenth of a second.

    Examples:
      >>> clock(74.6), clock(3725.0), clock(74.66, tenths=True), clock(None)
      ('01:14', '1:02:05', '01:14.6', '–')
    """
    if seconds is None or not math.isfinite(seconds):
        return "–"
    total = int(max(seconds, 0.0))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    text = f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
    if tenths:
        text += f".{int(max(seconds, 0.0) * 10) % 10}"
    return text


def counted(n: float, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun, singular or plural, for messages a person reads.

    Examples:
      >>> counted(1, "time"), counted(3.0, "exchange"), counted(2, "reflection", "reflections")
      ('1 time', '3 exchanges', '2 reflections')
    """
    k = int(round(n))
    return f"{k} {noun if k == 1 else (plural or noun + 's')}"


def quote(words: tuple[Word, ...] | list[Word], max_words: int = 8) -> str:
    """Return the words as a short quotation, with an ellipsis when cut."""
    text = join_words(tuple(words[:max_words]))
    return f"“{text}{'…' if len(words) > max_words else ''}”"


def latency_phrase(seconds: float | None) -> str:
    """A response latency as a trainee reads it.

    Examples:
      >>> latency_phrase(0.84), latency_phrase(-1.26)
      ('answered 0.8 s after the partner finished', 'started 1.3 s before the partner finished')
      >>> latency_phrase(0.0), latency_phrase(None)
      ('answered as the partner finished', '–')
    """
    if seconds is None or not math.isfinite(seconds):
        return "–"
    if seconds < -0.05:
        return f"started {-seconds:.1f} s before the partner finished"
    if seconds < 0.05:
        return "answered as the partner finished"
    return f"answered {seconds:.1f} s after the partner finished"


def percent(share: float) -> str:
    """A share (0-1) as a whole percent, rounded half up after rounding to 3 digits as the
    CSVs store it, so a message, a tile and the batch index always agree.

    Examples:
      >>> percent(0.465), percent(0.4649), percent(0.4644), percent(1.0)
      ('47%', '47%', '46%', '100%')
    """
    return f"{math.floor(round(share, 3) * 100 + 0.5 + 1e-9):.0f}%"
