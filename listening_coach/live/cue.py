"""The one short message a live session shows after an exchange.

- :class:`Cue`: what is shown, for which exchange, and when it was ready.
- :func:`answered_exchange`: the exchange the trainee just answered in a live analysis.
- :func:`cue_feedback`: that exchange's most important shown feedback item (a concern before a
  tip before praise).

:class:`~listening_coach.live.session.LiveSession` calls both after every trainee turn and
remembers what it cued, so an answer that goes on after a pause is cued again.
"""

from __future__ import annotations

from dataclasses import dataclass

from listening_coach.types import TRAINEE, Exchange, Feedback, Session

_LEVEL_ORDER = {"concern": 0, "tip": 1, "praise": 2}

__all__ = ["Cue", "answered_exchange", "cue_feedback"]


@dataclass(frozen=True, slots=True)
class Cue:
    """The one short message shown after an exchange (or none: ``feedback`` None).

    If the trainee goes on after a pause, the exchange is cued again and the new cue replaces
    the old one (same ``exchange``).
    """

    exchange: int
    speech_end_s: float  # when the trainee stopped speaking (audio time)
    feedback: Feedback | None
    produced_at: float  # time.monotonic() when the cue was ready


def answered_exchange(session: Session) -> Exchange | None:
    """The exchange the trainee's last word answers; None while nothing is answered, or when
    that word is a back-channel ("mm-hm" while the partner talks: the exchange is not over)."""
    trainee = [w for w in session.words if w.speaker == TRAINEE]
    if not trainee:
        return None
    last = trainee[-1]
    turn = next((t for t in session.turns if last in t.words), None)
    if turn is not None and turn.backchannel:
        return None
    return next((ex for ex in reversed(session.exchanges) if last in ex.response_words), None)


def cue_feedback(session: Session, exchange: Exchange) -> Feedback | None:
    """One item at most: the exchange's most important shown item ("more" items never cue)."""
    items = [f for f in session.feedback if f.exchange == exchange.index and not f.more]
    items.sort(key=lambda f: _LEVEL_ORDER.get(f.level, 3))
    return items[0] if items else None
