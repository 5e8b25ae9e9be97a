"""Backchannels in reference turns (an RTTM), and how many a diarization finds.

Real recordings come with reference turns but no words or overlap classes (AMI's RTTM), so a
backchannel is read from the turns alone, the way PRODUCT.md tells one from an interruption
or a terminal overlap:

- :func:`reference_backchannels`: a speaker's talk (their segments joined across pauses under
  ``JOIN_GAP_S``) of ``MIN_S``-``MAX_S`` that lies inside another speaker's talk, which starts
  at least ``MARGIN_S`` before it and goes on at least ``MARGIN_S`` after it (the other keeps
  the floor; an onset in their last ``MARGIN_S`` would be a terminal overlap)::

      host        |---------------------------|     talks >= MARGIN_S before and after
      listener          |mm-hm|                      MIN_S..MAX_S, its own talk
      hypothesis        |y--|                        found: y maps to the listener and
                                                     starts within the tolerance

- :func:`score_backchannels`: a reference backchannel is found when a hypothesis segment
  starts within ``tolerance_s`` of it (0.5 s, as the role-play benchmark's backchannel recall,
  ``diarization_roleplays.score_diarization``) and its voice maps to the backchanneling speaker
  under ``mapping`` (the optimal one-to-one mapping DER scores with,
  :func:`listening_coach.evaluation.diarization.optimal_mapping`). ``other_voice`` counts the
  looser hit: a segment starting there of any voice that is not a host's (a voice the mapping
  leaves out counts), which separates "heard a second voice" from "knew whose it was" where
  three or four people talk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from listening_coach.diarization.types import SpeakerSegment
from listening_coach.span import Span, merge_spans

MIN_S = 0.1  # OverlapOptions.min_overlap_s: shorter simultaneous speech is no overlap
MAX_S = 1.5  # backchannels.MAX_S, the longest short reply overlap_words keeps
MARGIN_S = 0.3  # OverlapOptions.terminal_window_s
JOIN_GAP_S = 0.5  # a pause shorter than this does not end a speaker's talk


@dataclass(frozen=True, slots=True)
class ReferenceBackchannel:
    """``speaker``'s short talk from ``start`` to ``end`` inside the talk of ``hosts``."""

    start: float
    end: float
    speaker: str
    hosts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BackchannelResult:
    """Reference backchannels found by the backchanneler's voice (``found``), by any voice but
    a host's (``other_voice``), of ``reference``; ``missed``: those ``found`` does not count."""

    found: int
    other_voice: int
    reference: int
    missed: tuple[ReferenceBackchannel, ...] = ()

    @property
    def recall(self) -> float:
        return self.found / self.reference if self.reference else 1.0


def pooled(results: Sequence[BackchannelResult]) -> BackchannelResult:
    """Several recordings' counts added up (``missed`` joined)."""
    return BackchannelResult(
        found=sum(r.found for r in results),
        other_voice=sum(r.other_voice for r in results),
        reference=sum(r.reference for r in results),
        missed=tuple(m for r in results for m in r.missed),
    )


def speaker_talk(segments: Sequence[SpeakerSegment], join_gap_s: float = JOIN_GAP_S) -> dict[str, list[Span]]:
    """Each speaker's talk: their segments joined where they overlap or pause under ``join_gap_s``."""
    spans: dict[str, list[Span]] = {}
    for s in segments:
        spans.setdefault(s.speaker, []).append(Span(s.start, s.end))
    return {who: merge_spans(v, join_gap_s) for who, v in spans.items()}


def reference_backchannels(
    reference: Sequence[SpeakerSegment],
    *,
    min_s: float = MIN_S,
    max_s: float = MAX_S,
    margin_s: float = MARGIN_S,
    join_gap_s: float = JOIN_GAP_S,
) -> tuple[ReferenceBackchannel, ...]:
    """Every talk of ``min_s``-``max_s`` inside another speaker's talk that starts ``margin_s``
    before it and ends ``margin_s`` after it (see the module docstring), by start time."""
    talk = speaker_talk(reference, join_gap_s)
    out = []
    for who, spans in talk.items():
        for span in spans:
            if not min_s <= span.duration <= max_s:
                continue
            around = Span(span.start - margin_s, span.end + margin_s)
            hosts = tuple(sorted(
                other for other, theirs in talk.items()
                if other != who and any(around in t for t in theirs)
            ))
            if hosts:
                out.append(ReferenceBackchannel(span.start, span.end, who, hosts))
    return tuple(sorted(out, key=lambda b: (b.start, b.speaker)))


def score_backchannels(
    backchannels: Sequence[ReferenceBackchannel],
    hypothesis: Sequence[SpeakerSegment],
    mapping: Mapping[str, str],
    *,
    tolerance_s: float = 0.5,
    uem: Sequence[Span] | None = None,
) -> BackchannelResult:
    """Count ``backchannels`` (those starting inside ``uem``) found by ``hypothesis``, whose
    labels ``mapping`` takes to reference speakers (see the module docstring)."""
    scored = [b for b in backchannels if uem is None or any(b.start in span for span in uem)]
    found = other = 0
    missed = []
    for b in scored:
        near = [mapping.get(s.speaker) for s in hypothesis if abs(s.start - b.start) <= tolerance_s]
        if b.speaker in near:
            found += 1
        else:
            missed.append(b)
        other += any(who not in b.hosts for who in near)
    return BackchannelResult(found=found, other_voice=other, reference=len(scored), missed=tuple(missed))
