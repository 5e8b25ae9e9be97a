"""Records the diarizer returns: :class:`SpeakerSegment` and :class:`Diarization`.

:func:`overlap_regions`: the stretches where two or more segments overlap (used by the
diarizer and by its scores in :mod:`listening_coach.evaluation.diarization`).

Times are float seconds from the start of the samples given to
:func:`listening_coach.diarization.diarize`. Labels are ``SPEAKER_00`` ... in order of first
speech, so the first speaker is always ``SPEAKER_00``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from listening_coach.span import Span, Timed
from listening_coach.types import Seconds, Speaker


@dataclass(frozen=True, slots=True)
class SpeakerSegment(Timed):
    """One speaker talking from ``start`` to ``end``; ``confidence`` in [0, 1]."""

    start: Seconds
    end: Seconds
    speaker: Speaker
    confidence: float = 1.0

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"Segment of {self.speaker!r} ends before it starts: {self.start} > {self.end}")

    @property
    def duration(self) -> Seconds:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Diarization:
    """Who spoke when in a mono recording.

    ``segments`` may overlap in time (two people at once); ``overlaps`` lists those stretches
    as spans. ``num_speakers`` is the estimated count and ``count_confidence`` how sure that
    estimate is (0..1). ``duration_s`` is the audio length. ``voiceprints`` holds each speaker's
    mean embedding (256-d, L2-normalised), for word-level checks and enrolment matching.
    """

    segments: tuple[SpeakerSegment, ...]
    overlaps: tuple[Span, ...]
    num_speakers: int
    count_confidence: float
    duration_s: Seconds = 0.0
    notes: tuple[str, ...] = ()
    voiceprints: tuple[tuple[Speaker, np.ndarray], ...] = field(default=(), compare=False)

    @property
    def speakers(self) -> tuple[Speaker, ...]:
        """Speaker labels in order of first speech."""
        seen: dict[Speaker, None] = {}
        for s in sorted(self.segments, key=lambda s: s.start):
            seen.setdefault(s.speaker, None)
        return tuple(seen)

    def talk_time(self, speaker: Speaker) -> Seconds:
        """Seconds of speech attributed to ``speaker``."""
        return sum(s.duration for s in self.segments if s.speaker == speaker)

    def voiceprint(self, speaker: Speaker) -> np.ndarray | None:
        """The mean embedding of ``speaker``, if known."""
        return dict(self.voiceprints).get(speaker)


def overlap_regions(
    segments: Sequence[SpeakerSegment], *, min_duration_s: float = 0.0
) -> tuple[Span, ...]:
    """Return the stretches where two or more speakers' segments overlap, merged.

    Examples:
      >>> overlap_regions([SpeakerSegment(0.0, 2.0, "A"), SpeakerSegment(1.5, 3.0, "B")])
      (Span(start=1.5, end=2.0),)
    """
    events = sorted([(s.start, 1) for s in segments] + [(s.end, -1) for s in segments])
    regions: list[Span] = []
    active, opened = 0, 0.0
    for t, delta in events:
        before = active
        active += delta
        if before < 2 <= active:
            opened = t
        elif before >= 2 > active and t > opened:
            if regions and opened - regions[-1].end < 1e-9:
                regions[-1] = Span(regions[-1].start, t)
            else:
                regions.append(Span(opened, t))
    return tuple(r for r in regions if r.duration >= min_duration_s)


def count_notes(
    estimated: int, confidence: float, speech_s: float, *, min_speech_s: float, num_speakers: int,
    max_speakers: int,
) -> tuple[list[str], float]:
    """Notes on the speaker count and the confidence they leave, for either diarization engine.

    More voices than ``max_speakers`` (when the count was not given) or under ``min_speech_s``
    of speech each add a note and cap the confidence at 0.3.

    >>> count_notes(5, 0.9, 60.0, min_speech_s=3.0, num_speakers=0, max_speakers=4)[1]
    0.3
    """
    notes: list[str] = []
    if not num_speakers and estimated > max_speakers:
        notes.append(
            f"about {estimated} voices found, more than diarize.max_speakers = "
            f"{max_speakers}: the quietest were merged into the nearest voices"
        )
        confidence = min(confidence, 0.3)
    if speech_s < min_speech_s:
        notes.append(f"only {speech_s:.1f} s of speech: too little to tell voices apart reliably")
        confidence = min(confidence, 0.3)
    return notes, confidence
