"""Pauses: four different things that most tools lump together (PRODUCT.md).

- :func:`find_pauses`: events for effective pauses, hesitations and dead air.
- :func:`timing_metrics`: response latency per exchange, pause counts, session medians.

::

    partner  |-- it's been awful --|      |-- and then he left --|
    trainee                                                         |-- that must hurt --|
                                   <1.4 s> effective pause: the trainee let the partner go on
                                                                 <0.6> response latency
    trainee  |-- I think -- ......... -- you should --|   hesitation: pause inside own turn
    nobody   ............ 6 s ............               dead air
"""

from __future__ import annotations

import statistics

from listening_coach.config import PauseOptions
from listening_coach.metrics.names import MetricName
from listening_coach.types import TRAINEE, Event, Exchange, Metric, Turn, Word


def _floor_words(turns: tuple[Turn, ...], speaker_is_trainee: bool) -> list[Word]:
    return sorted(
        w
        for t in turns
        if not t.backchannel and (t.speaker == TRAINEE) == speaker_is_trainee
        for w in t.words
    )


def find_pauses(
    exchanges: tuple[Exchange, ...], turns: tuple[Turn, ...], options: PauseOptions | None = None
) -> tuple[Event, ...]:
    """Return effective-pause, hesitation and dead-air events.

    An effective pause is a gap of at least ``effective_pause_s`` inside the partner's prompt
    during which the trainee does not take the floor (a backchannel is fine), and after which
    the partner goes on. Evidence: the partner's words just before the pause.
    """
    options = options or PauseOptions()
    trainee_floor = _floor_words(turns, True)
    events: list[Event] = []
    for ex in exchanges:
        partner_words = ex.prompt_words
        for before, after in zip(partner_words, partner_words[1:]):
            gap = after.start - before.end
            if gap < options.effective_pause_s:
                continue
            if any(w.start < after.start and w.end > before.end for w in trainee_floor):
                continue
            lead_in = tuple(w for w in partner_words if before.end - 3.0 <= w.end <= before.end)
            events.append(
                Event(
                    "effective_pause",
                    before.end,
                    after.start,
                    TRAINEE,
                    ex.prompt[0].speaker,
                    ex.index,
                    lead_in,
                )
            )
        response = ex.response_words
        for before, after in zip(response, response[1:]):
            if after.start - before.end >= options.hesitation_s:
                events.append(
                    Event("hesitation", before.end, after.start, TRAINEE, None, ex.index, (before, after))
                )
    everything = sorted((w for t in turns for w in t.words), key=lambda w: w.start)
    reach = everything[0].end if everything else 0.0
    for word, nxt in zip(everything, everything[1:]):
        reach = max(reach, word.end)
        if nxt.start - reach >= options.dead_air_s:
            index = max((ex.index for ex in exchanges if ex.start <= reach), default=None)
            events.append(Event("dead_air", reach, nxt.start, None, None, index, (word, nxt)))
    return tuple(sorted(events, key=lambda e: e.start))


def timing_metrics(exchanges: tuple[Exchange, ...], events: tuple[Event, ...]) -> tuple[Metric, ...]:
    """Return latency and pause metrics.

    Per exchange: ``timing.response_latency`` (s, negative = overlap), ``timing.effective_pauses``,
    ``timing.hesitations``, ``timing.longest_hesitation`` (s), ``timing.dead_air`` (s).
    Session: ``timing.median_latency``, counts of the same events, ``timing.dead_air``.
    """
    metrics: list[Metric] = []
    latencies: list[float] = []
    for ex in exchanges:
        latency = ex.response_latency
        if latency is not None:
            latencies.append(latency)
            evidence = (ex.prompt_words[-1], ex.response_words[0])
            metrics.append(MetricName.TIMING_RESPONSE_LATENCY.at(round(latency, 3), ex.index, evidence))
        metrics.extend(_pause_counts([e for e in events if e.exchange == ex.index], ex.index))
    metrics.extend(_pause_counts(list(events), None))
    if latencies:
        metrics.append(MetricName.TIMING_MEDIAN_LATENCY.at(round(statistics.median(latencies), 3)))
    return tuple(metrics)


def _pause_counts(events: list[Event], exchange: int | None) -> list[Metric]:
    effective = [e for e in events if e.kind == "effective_pause"]
    hesitations = [e for e in events if e.kind == "hesitation"]
    dead = [e for e in events if e.kind == "dead_air"]
    return [
        MetricName.TIMING_EFFECTIVE_PAUSES.at(
            float(len(effective)), exchange, tuple(w for e in effective for w in e.evidence[-3:])
        ),
        MetricName.TIMING_HESITATIONS.at(
            float(len(hesitations)), exchange, tuple(w for e in hesitations for w in e.evidence)
        ),
        MetricName.TIMING_LONGEST_HESITATION.at(
            round(max((e.duration for e in hesitations), default=0.0), 3), exchange
        ),
        MetricName.TIMING_DEAD_AIR.at(round(sum(e.duration for e in dead), 3), exchange),
    ]
