"""Word-level speaker assignment from diarization (or imported RTTM/TextGrid) segments.

- :func:`assign_speakers_from_segments`: each word gets the speaker whose segments cover most
  of it; a Whisper segment that spans a speaker change is split word by word.
- :func:`refine_words`: second pass with the audio: a backchannel word ("mm-hm", "yeah") or a
  word in a detected overlap, inside one speaker's segment, whose own voice is clearly closer
  to another speaker moves there (keeps backchannels spoken over the other as their own words).

``speaker_confidence`` = share of the word covered by its speaker, times the segment's
confidence; words in no segment take the nearest one within ``max_gap_s`` at half confidence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.config import TurnOptions
from listening_coach.diarization.types import Diarization, SpeakerSegment
from listening_coach.types import Word

MAX_GAP_S = 1.0  # a word this far from every segment keeps no speaker
FLOOR_S = 3.0  # who talks most within this of a word holds the floor there


def as_segments(segments: Iterable[Any]) -> tuple[SpeakerSegment, ...]:
    """Accept SpeakerSegment, objects with start/end/speaker, or (start, end, speaker) tuples."""
    out = []
    for s in segments:
        if isinstance(s, SpeakerSegment):
            out.append(s)
        elif isinstance(s, tuple):
            out.append(SpeakerSegment(float(s[0]), float(s[1]), str(s[2]), *(s[3:4] or ())))
        else:
            out.append(
                SpeakerSegment(
                    float(s.start), float(s.end), str(s.speaker), float(getattr(s, "confidence", 1.0))
                )
            )
    return tuple(sorted(out, key=lambda s: (s.start, s.end)))


def _vocabulary(lexicon: Sequence[str] | None) -> set[str]:
    """Single-word backchannels ("mm-hm", "yeah"); phrases such as "i see" are left out so
    that "I" or "see" inside a sentence never counts."""
    entries = lexicon if lexicon is not None else TurnOptions().backchannel_words
    return {entry.lower() for entry in entries if len(entry.split()) == 1}


def _talk_near(segs: Sequence[SpeakerSegment], speaker: str, t: float) -> float:
    """Seconds ``speaker`` talks within FLOOR_S of ``t`` (who holds the floor there)."""
    return sum(
        max(0.0, min(s.end, t + FLOOR_S) - max(s.start, t - FLOOR_S)) for s in segs if s.speaker == speaker
    )


def assign_speakers_from_segments(
    words: Sequence[Word],
    segments: Iterable[Any],
    *,
    max_gap_s: float = MAX_GAP_S,
    lexicon: Sequence[str] | None = None,
) -> tuple[Word, ...]:
    """Set ``speaker`` and ``speaker_confidence`` on each word from speaker segments.

    ::

        segments  A |-----------|   B |------|
        words        w1  w2  w3 w4     w5  w6      w4 straddles the change: more of it in A

    When two speakers' segments both cover a word (overlap), the one covering clearly more of
    it wins. When both cover it about equally, a backchannel word ("mm-hm", "yeah": the
    ``lexicon``) goes to the speaker who talks less around it (the listener), any other word to
    the one who holds the floor there (Whisper transcribes the dominant voice).

    Args:
      words: Words in time order (speakers, if any, are replaced).
      segments: SpeakerSegment-like records or (start, end, speaker[, confidence]) tuples.
      max_gap_s: Words farther than this from every segment keep their speaker (None).
      lexicon: Backchannel words; default :class:`~listening_coach.config.TurnOptions`'s.
    """
    vocabulary = _vocabulary(lexicon)
    segs = as_segments(segments)
    if not segs:
        return tuple(words)
    starts = np.array([s.start for s in segs])
    ends = np.array([s.end for s in segs])
    out = []
    for w in words:
        a, b = w.start, max(w.end, w.start + 1e-3)
        cover = np.clip(np.minimum(ends, b) - np.maximum(starts, a), 0.0, None)
        if cover.max() > 0:
            per: dict[str, float] = {}
            best: dict[str, SpeakerSegment] = {}
            for i in np.flatnonzero(cover > 0):
                s = segs[i]
                per[s.speaker] = per.get(s.speaker, 0.0) + cover[i]
                if s.speaker not in best or s.duration < best[s.speaker].duration:
                    best[s.speaker] = s
            top = max(per.values())
            tied = [k for k in per if per[k] >= 0.8 * top]
            who = max(per, key=lambda k: per[k])
            if len(tied) > 1:
                mid = (a + b) / 2
                floor = {k: _talk_near(segs, k, mid) for k in tied}
                pick = min if w.bare in vocabulary else max
                who = pick(tied, key=lambda k: floor[k])
            share = min(per[who] / (b - a), 1.0)
            conf = (0.5 + 0.5 * share) * best[who].confidence
            if len(per) > 1:
                conf *= per[who] / sum(per.values())
            out.append(dataclasses.replace(w, speaker=who, speaker_confidence=round(float(conf), 3)))
            continue
        gaps = np.maximum(starts - b, a - ends)
        nearest = int(np.argmin(gaps))
        if gaps[nearest] <= max_gap_s:
            conf = 0.5 * segs[nearest].confidence
            out.append(
                dataclasses.replace(
                    w, speaker=segs[nearest].speaker, speaker_confidence=round(float(conf), 3)
                )
            )
        else:
            out.append(dataclasses.replace(w, speaker=None, speaker_confidence=0.0))
    return tuple(out)


def refine_words(
    words: Sequence[Word],
    samples: np.ndarray,
    diarization: Diarization,
    *,
    margin: float = 0.1,
    max_word_s: float = 1.2,
    lexicon: tuple[str, ...] | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> tuple[Word, ...]:
    """Second pass: move backchannel words whose own voice is closer to another speaker.

    Checked words: up to ``max_word_s`` long and in the backchannel ``lexicon`` ("mm-hm",
    "yeah", "right"; default :class:`~listening_coach.config.TurnOptions`'s). A word moves when
    its embedding (at least 0.5 s of audio around it) is closer to another speaker's voiceprint
    by ``margin`` (cosine similarity). Other words keep their segment's speaker: short windows
    give noisy embeddings (on the AMI excerpts, also checking words inside detected overlaps
    moved 24 words and broke 14 of them).
    """
    from listening_coach.diarization.embed import embed_windows

    prints = diarization.voiceprints
    if len(prints) < 2 or not words:
        return tuple(words)
    names = [p[0] for p in prints]
    matrix = np.stack([p[1] for p in prints])
    vocabulary = _vocabulary(lexicon)

    def candidate(w: Word) -> bool:
        if w.speaker not in names or w.duration > max_word_s:
            return False
        return w.bare in vocabulary

    candidates = [i for i, w in enumerate(words) if candidate(w)]
    if not candidates:
        return tuple(words)
    spans = []
    for i in candidates:
        w = words[i]
        mid = (w.start + w.end) / 2
        half = max(w.duration, 0.5) / 2
        spans.append((int(max(mid - half, 0) * sample_rate), int((mid + half) * sample_rate)))
    sims = embed_windows(samples, spans) @ matrix.T
    out = list(words)
    for row, i in zip(sims, candidates):
        own = names.index(words[i].speaker)  # type: ignore[arg-type]
        other = int(np.argmax(np.where(np.arange(len(names)) == own, -np.inf, row)))
        if row[other] - row[own] > margin:
            conf = float(np.clip(0.5 + (row[other] - row[own]) / 0.3, 0.0, 1.0))
            out[i] = dataclasses.replace(
                words[i], speaker=names[other], speaker_confidence=round(float(conf), 3)
            )
    return tuple(out)
