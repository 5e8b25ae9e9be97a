"""Metrics and events -> a few short messages per exchange, each with its evidence.

- :func:`give_feedback`: every item per exchange, ranked: the worst problem, then the best
  praise, up to ``feedback.max_items_per_exchange``; the rest are kept with ``more=True`` (a
  report's "more" list). Then a session summary of at most ``feedback.max_session_items``
  shown items, ordered by what matters for de-escalation.
- :func:`clock`, :func:`counted`, :func:`quote`, :func:`latency_phrase`, :func:`percent`:
  how times, counts, shares
  and words read (:mod:`listening_coach.feedback.text`).
- :data:`FAMILIES`, :data:`IMPORTANCE`: code -> family / weight
  (:mod:`listening_coach.feedback.budget`).

Every message quotes the words and time that triggered it and names the number behind it, so a
score explains itself (PRODUCT.md: what users ask for). Thresholds come from the
``[feedback]`` options; the pace targets the messages quote come in as :class:`PaceTargets`
(from ``[pace]``, passed by the pipeline). The rules are in
:mod:`listening_coach.feedback.exchange` and :mod:`listening_coach.feedback.session`.
"""

from __future__ import annotations

import statistics

from listening_coach.config import FeedbackOptions
from listening_coach.feedback.budget import FAMILIES, IMPORTANCE, budget, budget_session
from listening_coach.feedback.exchange import (
    DEFAULT_PACE_TARGETS,
    ExchangeContext,
    PaceTargets,
    exchange_feedback,
    repeats_itself,
    stretches,
    syllable_rate,
)
from listening_coach.feedback.session import session_feedback
from listening_coach.feedback.text import clock, counted, latency_phrase, percent, quote
from listening_coach.metrics.names import MetricIndex
from listening_coach.types import PARTNER, Event, Exchange, Feedback, Metric

__all__ = [
    "FAMILIES", "IMPORTANCE", "PaceTargets", "clock", "counted", "give_feedback", "latency_phrase",
    "percent", "quote",
]


def give_feedback(
    exchanges: tuple[Exchange, ...],
    events: tuple[Event, ...],
    metrics: tuple[Metric, ...],
    options: FeedbackOptions,
    *,
    pace: PaceTargets = DEFAULT_PACE_TARGETS,
    extra: tuple[Feedback, ...] = (),
) -> tuple[Feedback, ...]:
    """Return per-exchange feedback (in exchange order, shown items first) then the session
    summary (shown items first).

    ``extra`` holds items from other stages (language); they compete for the same per-exchange
    slots and the same summary.
    """
    get = MetricIndex(metrics).get
    fb = options
    partner_overlaps = tuple(e.start for e in events if e.speaker == PARTNER
                             and e.kind in ("interruption", "overlap", "terminal_overlap"))
    cut_ins = tuple(e.start for e in events if e.speaker != PARTNER and e.kind == "interruption")
    said = [t for t in stretches(tuple(t for ex in exchanges for t in ex.response), fb.pace_stretch_gap_s)
            if not repeats_itself(t)]
    paces = [syllable_rate(t) for t in said
             if len(t.words) >= fb.fast_min_words and t.duration > 0
             and not any(t.start <= at <= t.end for at in partner_overlaps + cut_ins)]
    own_pace = statistics.median(paces) if len(paces) >= 3 else None
    out: list[Feedback] = []
    for ex in exchanges:
        own = tuple(e for e in events if e.exchange == ex.index)
        context = ExchangeContext(ex, own, get, fb, pace, exchanges, own_pace, partner_overlaps,
                                  trainee_speech_s=sum(t.duration for t in said))
        items = exchange_feedback(context)
        items += [f for f in extra if f.exchange == ex.index]
        out.extend(budget(items, fb.max_items_per_exchange, ex.response))
    summary = session_feedback(exchanges, get, fb, pace, out)
    summary += [f for f in extra if f.exchange is None]
    out.extend(budget_session(summary, fb.max_session_items))
    return tuple(out)
