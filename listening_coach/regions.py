"""Region-wise transcription of one channel, and the speech Whisper heard no words in.

- :func:`speech_regions`: a channel's speech activity -> regions (runs merged across short
  gaps, padded, at most ``max_region_s`` long), whisperX-style.
- :func:`transcribe_regions`: transcribe the regions packed into buffers of at most Whisper's
  30 s window (silence between them), map word times back; regions that yield no words are
  retried once on the fallback signal (the channel before bleed cancellation, wider padding).
- :func:`unclear_words`: placeholder words (:data:`~listening_coach.types.UNCLEAR_TEXT`) for
  stretches of speech activity that no word covers, so they stay in turns and timing.

::

    activity   ..####.###.........#####...............##....
    regions     [--------]      [-------]            [---]      padded, merged over short gaps
    buffer     [--------]~[-------]~[---]                       one Whisper call (~ = silence)
    words        I  hear  you    so  what               ?       region 3: no words -> retried
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.config import TranscribeOptions
from listening_coach.activity import runs
from listening_coach.transcribe import WHISPER_WINDOW_S, transcribe
from listening_coach.span import Span, Timed
from listening_coach.types import UNCLEAR_TEXT, Speaker, Word

logger = logging.getLogger(__name__)
SEPARATOR_S = 0.4  # silence between packed regions
PACK_S = WHISPER_WINDOW_S - 2.0  # a packed buffer stays inside one Whisper window


@dataclass(frozen=True, slots=True)
class Region(Timed):
    """A stretch of one channel to transcribe, in seconds from the signal's first sample."""

    start: float
    end: float
    speech_s: float  # active time inside it

    @property
    def duration(self) -> float:
        return self.end - self.start


def speech_regions(
    active: np.ndarray,
    frame_s: float,
    *,
    merge_gap_s: float = 0.5,
    pad_s: float = 0.2,
    max_region_s: float = PACK_S,
    total_s: float | None = None,
) -> list[Region]:
    """Merge activity runs closer than ``merge_gap_s`` into padded regions.

    A region never exceeds ``max_region_s``: a longer stretch of speech is cut at its gaps (or,
    without any, every ``max_region_s``).
    """
    total = total_s if total_s is not None else active.shape[0] * frame_s
    longest = max_region_s - 2 * pad_s
    pieces: list[tuple[Span, float]] = []  # (stretch, speech inside it)
    for a, b in runs(active):
        start, end = a * frame_s, b * frame_s
        while end - start > longest:  # one very long run
            cut = start + longest
            pieces.append((Span(start, cut), cut - start))
            start = cut
        if pieces and start - pieces[-1][0].end < merge_gap_s and end - pieces[-1][0].start <= longest:
            last, speech = pieces[-1]
            pieces[-1] = (Span(last.start, end), speech + (end - start))
        else:
            pieces.append((Span(start, end), end - start))
    return [
        Region(round(max(sp.start - pad_s, 0.0), 3), round(min(sp.end + pad_s, total), 3), round(speech, 3))
        for sp, speech in pieces
    ]


def _pack(regions: Sequence[Region], max_s: float) -> list[list[Region]]:
    """Group consecutive regions so each group (with separators) fits in ``max_s``."""
    groups: list[list[Region]] = []
    length = 0.0
    for region in regions:
        if groups and length + SEPARATOR_S + region.duration <= max_s:
            groups[-1].append(region)
            length += SEPARATOR_S + region.duration
        else:
            groups.append([region])
            length = region.duration
    return groups


def _transcribe_group(
    signal: np.ndarray,
    group: list[Region],
    options: TranscribeOptions,
    *,
    offset_s: float,
    speaker: Speaker | None,
    model: Any,
) -> list[Word]:
    """Transcribe one packed group and map its words back to the signal's timeline."""
    sep = np.zeros(int(SEPARATOR_S * SAMPLE_RATE), dtype=np.float32)
    pieces: list[np.ndarray] = []
    table: list[tuple[Span, Region]] = []  # (where in the buffer, region)
    at = 0.0
    for region in group:
        if pieces:
            pieces.append(sep)
            at += sep.size / SAMPLE_RATE
        piece = signal[int(region.start * SAMPLE_RATE) : int(region.end * SAMPLE_RATE)]
        pieces.append(piece)
        table.append((Span(at, at + piece.size / SAMPLE_RATE), region))
        at += piece.size / SAMPLE_RATE
    buffer = np.concatenate(pieces).astype(np.float32)
    found = transcribe(buffer, options, speaker=speaker, model=model)
    out: list[Word] = []
    for word in found:
        middle = word.span.middle
        held, region = min(table, key=lambda t: abs(middle - t[0].clamp(middle)))
        shift = region.start - held.start + offset_s
        start = held.clamp(word.start) + shift
        end = held.clamp(word.end) + shift
        out.append(replace(word, start=round(start, 3), end=round(max(end, start), 3)))
    return out


def transcribe_regions(
    signal: np.ndarray,
    regions: Sequence[Region],
    options: TranscribeOptions,
    *,
    fallback: np.ndarray | None = None,
    offset_s: float = 0.0,
    speaker: Speaker | None = None,
    model: Any = None,
    retry_min_s: float = 0.25,
    retry_pad_s: float = 0.5,
) -> tuple[Word, ...]:
    """Transcribe ``regions`` of a 1-D 16 kHz signal; retry silent regions once on ``fallback``.

    Args:
      signal: the channel to transcribe (bleed-cancelled).
      regions: from :func:`speech_regions`, times relative to ``signal[0]``.
      fallback: the same channel as recorded (None: ``signal``); a region with at least
        ``retry_min_s`` of speech that yields no words is transcribed again from it, alone, with
        ``retry_pad_s`` of context either side.
      offset_s: absolute time of ``signal[0]``.

    Returns:
      Words in time order with absolute times (not yet snapped to speech activity).
    """
    words: list[Word] = []
    where = {"offset_s": offset_s, "speaker": speaker, "model": model}
    for group in _pack(regions, PACK_S):
        words.extend(_transcribe_group(signal, group, options, **where))
    empty = [r for r in regions if r.speech_s >= retry_min_s and not _covered(words, r, offset_s)]
    if empty:
        source = signal if fallback is None else fallback
        total = source.shape[-1] / SAMPLE_RATE
        for region in empty:
            wide = Region(
                max(region.start - retry_pad_s, 0.0), min(region.end + retry_pad_s, total), region.speech_s
            )
            kept = [
                w for w in _transcribe_group(source, [wide], options, **where) if _inside(w, region, offset_s)
            ]
            logger.debug("retried region at %.2f s: %d words", region.start + offset_s, len(kept))
            words.extend(kept)
    return tuple(sorted(words))


def _inside(word: Word, region: Region, offset_s: float) -> bool:
    return word.span.middle - offset_s in region.span


def _covered(words: Sequence[Word], region: Region, offset_s: float) -> bool:
    return any(_inside(w, region, offset_s) for w in words)


def unclear_words(
    words: Sequence[Word],
    active: np.ndarray,
    frame_s: float,
    *,
    offset_s: float = 0.0,
    speaker: Speaker | None = None,
    min_s: float = 0.25,
    part_min_s: float = 0.6,
    join_gap_s: float = 0.3,
) -> tuple[Word, ...]:
    """Return placeholder words for the speech in ``active`` that no word covers.

    Activity runs closer than ``join_gap_s`` form one stretch. A stretch no word touches
    becomes one placeholder when it holds ``min_s`` of speech; in a stretch with words, an
    uncovered part of at least ``part_min_s`` does (Whisper heard the start of a line, not the rest).

    Args:
      words: the channel's words, snapped to ``active``, absolute times.
      active: 1-D bool frames, the first at ``offset_s``.
    """
    stretches: list[tuple[Span, float]] = []  # (stretch, speech inside it)
    for a, b in runs(active):
        run = Span(offset_s + a * frame_s, offset_s + b * frame_s)
        if stretches and run.start - stretches[-1][0].end < join_gap_s:
            joined, speech = stretches[-1]
            stretches[-1] = (Span(joined.start, run.end), speech + run.duration)
        else:
            stretches.append((run, run.duration))
    spans = sorted(w.span for w in words)
    out: list[Word] = []
    for stretch, speech in stretches:
        start, end = stretch
        # touching counts: a zero-length word inside the stretch still moves the cursor
        inside = [sp & stretch for sp in spans if sp.end > start and sp.start < end]
        if not inside:
            if speech >= min_s:
                out.append(Word(round(start, 3), round(end, 3), UNCLEAR_TEXT, speaker, 0.0))
            continue
        cursor = start
        for s, e in inside + [Span(end, end)]:
            if s - cursor >= part_min_s:
                out.append(Word(round(cursor, 3), round(s, 3), UNCLEAR_TEXT, speaker, 0.0))
            cursor = max(cursor, e)
    return tuple(out)
