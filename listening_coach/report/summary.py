"""The numbers a report's summary tiles and the cohort view follow, for one session.

- :data:`PROGRESS_METRICS`: the per-recording numbers, each with the way that is better.
- :func:`summarize_session`: those numbers for one session (the pipeline's session metrics where
  it computed them, else counted from the session's events, labels and turns).
- :func:`format_progress`: one number as the report tiles and the batch index show it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from listening_coach.feedback.text import percent
from listening_coach.metrics.names import Better, MetricName
from listening_coach.types import PARTNER, TRAINEE, Session, Turn


@dataclass(frozen=True, slots=True)
class ProgressMetric:
    """One number the cohort view follows; ``better`` says which way is improvement."""

    key: str
    title: str
    unit: str
    better: Better
    metric: MetricName | None  # the pipeline's session metric, if it computes one


PROGRESS_METRICS: tuple[ProgressMetric, ...] = (
    ProgressMetric("interruptions_per_exchange", "Interruptions / exchange", "ratio", "lower",
                   MetricName.OVERLAP_INTERRUPTIONS_PER_EXCHANGE),
    ProgressMetric("backchannels_per_exchange", "Backchannels / exchange", "ratio", "higher",
                   None),
    ProgressMetric("median_latency_s", "Median response latency", "s", "none",
                   MetricName.TIMING_MEDIAN_LATENCY),
    ProgressMetric("wpm", "Pace", "words/min", "target", MetricName.PACE_WPM),
    ProgressMetric("reflection_question_ratio", "Reflections : questions", "ratio", "higher",
                   MetricName.LANGUAGE_REFLECTION_TO_QUESTION),
    ProgressMetric("open_question_share", "Open questions", "share", "higher", None),
    ProgressMetric("talk_share", "Trainee talk share", "share", "lower", MetricName.TALK_SHARE),
)


def count_events(session: Session, kind: str, speaker: str = TRAINEE) -> int:
    return sum(1 for e in session.events if e.kind == kind and e.speaker == speaker)


def _speaking_s(turns: Sequence[Turn]) -> float:
    return sum(t.duration for t in turns)


def _fallback(session: Session, key: str) -> float | None:
    n = len(session.exchanges)
    labels = [lb for lb in session.labels if lb.label != "other"]
    reflections = sum(1 for lb in labels if lb.label == "reflection")
    questions = [lb for lb in labels if lb.label == "question"]
    if key == "interruptions_per_exchange":
        return count_events(session, "interruption") / n if n else None
    if key == "backchannels_per_exchange":
        return count_events(session, "backchannel") / n if n else None
    if key == "median_latency_s":
        gaps = [e.response_latency for e in session.exchanges if e.response_latency is not None]
        return statistics.median(gaps) if gaps else None
    if key == "wpm":
        turns = [t for t in session.turns if t.speaker == TRAINEE and not t.backchannel]
        seconds = _speaking_s(turns)
        return sum(len(t.words) for t in turns) / seconds * 60 if seconds > 0 else None
    if key == "reflection_question_ratio":
        return reflections / len(questions) if questions else None
    if key == "open_question_share":
        return sum(1 for q in questions if q.subtype == "open") / len(questions) if questions else None
    if key == "talk_share":
        mine = _speaking_s([t for t in session.turns if t.speaker == TRAINEE])
        theirs = _speaking_s([t for t in session.turns if t.speaker == PARTNER])
        return mine / (mine + theirs) if mine + theirs > 0 else None
    raise KeyError(key)


def summarize_session(session: Session) -> dict[str, float | None]:
    """Return ``{metric key: value}`` for :data:`PROGRESS_METRICS` (None: not measurable)."""
    out: dict[str, float | None] = {}
    questions = session.metric(MetricName.LANGUAGE_QUESTIONS)
    for pm in PROGRESS_METRICS:
        if pm.key == "reflection_question_ratio" and questions is not None and not questions.value:
            out[pm.key] = None  # undefined without questions (shown "— (no questions)")
            continue
        m = session.metric(pm.metric) if pm.metric else None
        if m is not None and pm.unit == "share" and m.unit == "%":
            out[pm.key] = m.value / 100.0
        else:
            out[pm.key] = m.value if m is not None else _fallback(session, pm.key)
    return out


def format_progress(value: float | None, unit: str) -> str:
    """A :data:`PROGRESS_METRICS` value as the report tiles and the batch index both show it
    (shares as whole percents of the value rounded to 3 digits, as the CSV stores it).

    Examples:
      >>> format_progress(0.4644, "share"), format_progress(0.4649, "share"), format_progress(None, "s")
      ('46%', '47%', '–')
    """
    if value is None or not math.isfinite(value):
        return "–"
    if unit == "share":
        return percent(value)
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "words/min":
        return f"{value:.0f} wpm"
    return f"{value:.2f}".rstrip("0").rstrip(".")
