"""Overlapping speech, classified by conversation-analysis rules, in both directions.

- :func:`find_overlaps`: one :class:`Event` per turn that starts while another speaker talks.
- :func:`overlap_metrics`: counts per exchange and per session.

::

    partner  |------ I want my money back today ------|
    trainee        |mm-hm|                                      backchannel (partner keeps floor)
    trainee                                      |-- I hear you --|  terminal overlap (last 300 ms)
    trainee              |--- calm down sir, listen ---|         interruption (partner stops < 1.5 s)

A backchannel is a short lexicon turn while the other keeps the floor (a skill). A floor turn
that starts within the other's last word or last ``terminal_window_s`` is a terminal overlap
(neutral); when the other's turn ends in talk Whisper did not write (one microphone: the
untranscribed ``" …"``, so their last word is unknown), within its last
``interruption_min_overlap_s``. Any other floor turn that starts inside the other's speech is
an interruption when the other yields within ``yield_within_s``, or when it talks over them for
at least ``interruption_min_overlap_s`` with ``interruption_min_words`` words; otherwise it is
an ``overlap``.
"""

from __future__ import annotations

from listening_coach.config import OverlapOptions
from listening_coach.metrics.names import MetricName
from listening_coach.types import PARTNER, TRAINEE, Event, EventKind, Exchange, Metric, Turn


def _exchange_of(time: float, exchanges: tuple[Exchange, ...]) -> int | None:
    index = None
    for ex in exchanges:
        if ex.start <= time + 1e-6:
            index = ex.index
    return index


def _classify(turn: Turn, other: Turn, options: OverlapOptions) -> EventKind | None:
    """How ``turn``, starting while ``other`` runs, overlaps it (None: too short to count)."""
    shared = (turn.span & other.span).duration
    if shared < options.min_overlap_s and not turn.backchannel:
        return None
    if turn.backchannel:
        return "backchannel"
    last_word = other.words[-1]
    if last_word.continued:
        # one microphone: the other's words under the overlap were not written, so where their
        # last word starts is unknown; an overlap shorter than an interruption's may lie within it
        terminal_from = other.end - options.interruption_min_overlap_s
    else:
        terminal_from = min(last_word.start, other.end - options.terminal_window_s)
    if turn.start >= terminal_from:
        return "terminal_overlap"
    if other.end - turn.start <= options.yield_within_s:
        return "interruption"
    overlapping_words = [w for w in turn.words if w.start < other.end]
    if (
        shared >= options.interruption_min_overlap_s
        and len(overlapping_words) >= options.interruption_min_words
    ):
        return "interruption"
    return "overlap"


def find_overlaps(
    turns: tuple[Turn, ...],
    exchanges: tuple[Exchange, ...] = (),
    options: OverlapOptions | None = None,
) -> tuple[Event, ...]:
    """Return an event for every turn that starts while another speaker's floor turn runs.

    ``speaker`` is who started speaking; ``other`` is who was talking. Evidence: the starting
    turn's words spoken during the overlap (all of them for a backchannel).
    """
    options = options or OverlapOptions()
    floor = [t for t in turns if not t.backchannel]
    events: list[Event] = []
    for turn in turns:
        running = [o for o in floor if o.speaker != turn.speaker and o.start < turn.start < o.end]
        if not running:
            continue
        other = max(running, key=lambda o: o.end)
        kind = _classify(turn, other, options)
        if kind is None:
            continue
        shared = turn.span & other.span  # starts at turn.start: ``other`` was already running
        evidence = (
            turn.words
            if kind == "backchannel"
            else tuple(w for w in turn.words if w.start < max(other.end, turn.words[0].end))
        )
        events.append(
            Event(
                kind,
                shared.start,
                shared.end,
                turn.speaker,
                other.speaker,
                _exchange_of(turn.start, exchanges),
                evidence,
            )
        )
    return tuple(sorted(events, key=lambda e: e.start))


def _select(
    events: tuple[Event, ...], kind: str, speaker: str | None, exchange: int | None
) -> tuple[Event, ...]:
    """Events of ``kind`` by ``speaker`` (PARTNER: anyone but the trainee) in ``exchange``."""

    def by(e: Event) -> bool:
        if speaker is None:
            return True
        return e.speaker == TRAINEE if speaker == TRAINEE else e.speaker != TRAINEE

    return tuple(
        e for e in events if e.kind == kind and by(e) and (exchange is None or e.exchange == exchange)
    )


def overlap_metrics(events: tuple[Event, ...], exchanges: tuple[Exchange, ...]) -> tuple[Metric, ...]:
    """Count overlaps per exchange and per session.

    Names: ``overlap.interruptions`` (trainee interrupting), ``overlap.interrupted_by_partner``,
    ``overlap.backchannels`` (trainee's), ``overlap.partner_backchannels``,
    ``overlap.terminal_overlaps``, ``overlap.other``, and session-only
    ``overlap.interruptions_per_exchange``.
    """
    names = (
        (MetricName.OVERLAP_INTERRUPTIONS, "interruption", TRAINEE),
        (MetricName.OVERLAP_INTERRUPTED_BY_PARTNER, "interruption", PARTNER),
        (MetricName.OVERLAP_BACKCHANNELS, "backchannel", TRAINEE),
        (MetricName.OVERLAP_PARTNER_BACKCHANNELS, "backchannel", PARTNER),
        (MetricName.OVERLAP_TERMINAL_OVERLAPS, "terminal_overlap", None),
        (MetricName.OVERLAP_OTHER, "overlap", None),
    )
    metrics: list[Metric] = []
    for exchange in [ex.index for ex in exchanges] + [None]:
        for name, kind, speaker in names:
            chosen = _select(events, kind, speaker, exchange)
            evidence = tuple(w for e in chosen for w in e.evidence)
            metrics.append(name.at(float(len(chosen)), exchange, evidence))
    if exchanges:
        total = sum(1 for e in events if e.kind == "interruption" and e.speaker == TRAINEE)
        metrics.append(MetricName.OVERLAP_INTERRUPTIONS_PER_EXCHANGE.at(total / len(exchanges)))
    return tuple(metrics)
