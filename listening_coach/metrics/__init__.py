"""Metrics: pure functions from turns, exchanges and events to :class:`Metric` values.

- :func:`find_events`: overlaps (interruption / backchannel / terminal) and pauses.
- :func:`compute_metrics`: every timing, pace, talk and voice metric, per exchange and session.
- :mod:`listening_coach.metrics.names`: every metric's name, unit, scope and meaning, defined once
  (``docs/metrics.md`` is generated from it), and :class:`MetricIndex` for repeated lookups.

Language metrics come from :mod:`listening_coach.language`; the pipeline adds them. These two
compose the metric stages and take the whole config; each stage function gets only its own
section (``overlap``, ``pauses``, ``pace``, ``voice``) and, by name, the odd value it borrows.
"""

from __future__ import annotations

from listening_coach.config import Config
from listening_coach.metrics.effect import partner_changes
from listening_coach.metrics.overlap import find_overlaps, overlap_metrics
from listening_coach.metrics.pace import pace_metrics, talk_metrics
from listening_coach.metrics.pauses import find_pauses, timing_metrics
from listening_coach.metrics.voice import voice_metrics
from listening_coach.types import Event, Exchange, Metric, Turn, VoiceFrames

__all__ = ["compute_metrics", "find_events"]


def find_events(
    turns: tuple[Turn, ...], exchanges: tuple[Exchange, ...], config: Config
) -> tuple[Event, ...]:
    """Return overlap and pause events in time order."""
    events = find_overlaps(turns, exchanges, config.overlap) + find_pauses(exchanges, turns, config.pauses)
    return tuple(sorted(events, key=lambda e: (e.start, e.kind)))


def compute_metrics(
    turns: tuple[Turn, ...],
    exchanges: tuple[Exchange, ...],
    events: tuple[Event, ...],
    config: Config,
    voice: VoiceFrames | None = None,
) -> tuple[Metric, ...]:
    """Return every non-language metric, per exchange then per session."""
    metrics = (
        timing_metrics(exchanges, events)
        + overlap_metrics(events, exchanges)
        + pace_metrics(exchanges, config.pace, articulation_pause_s=config.pauses.articulation_pause_s)
        + talk_metrics(exchanges, turns)
        + voice_metrics(exchanges, voice, config.voice, baseline_exchanges=config.pace.baseline_exchanges)
    )
    return metrics + partner_changes(exchanges, metrics)
