"""Word-level speaker assignment from diarization (or imported RTTM/TextGrid) segments.

- :func:`assign_speakers_from_segments`: each word gets the speaker whose segments cover most
  of it; a Whisper segment that spans a speaker change is split word by word.
- :func:`refine_words`: second pass with the audio: a backchannel word ("mm-hm", "yeah") or a
  word in a detected overlap, inside one speaker's segment, whose own voice is clearly closer
  to another speaker moves there (keeps backchannels spoken over the other as their own words).
- :func:`overlap_words`: third pass at diarized overlap onsets: words Whisper took from the
  newcomer move to them and their first word starts at the onset; a backchannel heard but not
  transcribed becomes an untranscribed ``" (mm-hm)"`` word; a short reply between the other's
  words that Whisper dropped becomes ``" (…)"``, one it squeezed takes its diarized span.

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
from listening_coach.turns import TALKED_S
from listening_coach.types import CONTINUED_TEXT, Span, Word

MAX_GAP_S = 1.0  # a word this far from every segment keeps no speaker
FLOOR_S = 3.0  # who talks most within this of a word holds the floor there
GLUE_S = 0.15  # a word this close to the words on both sides is inside a phrase
MIN_OVERLAP_S = 0.15  # less overlap at an onset is a hand-over (diarize.min_speech_s: shortest run)
HELD_S = 1.0  # an unworded backchannel needs the other talking this long before it


def as_segments(segments: Iterable[Any]) -> tuple[SpeakerSegment, ...]:
    """Accept SpeakerSegment, objects with start/end/speaker, or (start, end, speaker) tuples."""
    out = []
    for s in segments:
        if isinstance(s, SpeakerSegment):
            out.append(s)
        elif isinstance(s, tuple):
            out.append(SpeakerSegment(float(s[0]), float(s[1]), str(s[2]), *(s[3:4] or ())))
        else:
            conf = float(getattr(s, "confidence", 1.0))
            out.append(SpeakerSegment(float(s.start), float(s.end), str(s.speaker), conf))
    return tuple(sorted(out, key=lambda s: (s.start, s.end)))


def _vocabulary(lexicon: Sequence[str] | None) -> set[str]:
    """Single-word backchannels ("mm-hm", "yeah"); phrases such as "i see" are left out so
    that "I" or "see" inside a sentence never counts."""
    entries = lexicon if lexicon is not None else TurnOptions().backchannel_words
    return {entry.lower() for entry in entries if len(entry.split()) == 1}


def _talk_near(segs: Sequence[SpeakerSegment], speaker: str, t: float) -> float:
    """Seconds ``speaker`` talks within FLOOR_S of ``t`` (who holds the floor there)."""
    near = Span(t - FLOOR_S, t + FLOOR_S)
    return sum(s.span.overlap(near) for s in segs if s.speaker == speaker)


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
    the one who holds the floor there (Whisper transcribes the dominant voice). A lexicon word
    that Whisper wrote without a pause (< ``GLUE_S``) on both sides is inside a phrase ("make
    sure that"), not said on its own, and counts as any other word.

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
    for i, w in enumerate(words):
        a, b = w.start, max(w.end, w.start + 1e-3)
        cover = np.clip(np.minimum(ends, b) - np.maximum(starts, a), 0.0, None)
        if cover.max() > 0:
            glued = 0 < i < len(words) - 1 and (
                w.start - words[i - 1].end < GLUE_S and words[i + 1].start - w.end < GLUE_S)
            out.append(_covered(w, segs, cover, vocabulary if not glued else set()))
            continue
        gaps = np.maximum(starts - b, a - ends)
        nearest = int(np.argmin(gaps))
        if gaps[nearest] <= max_gap_s:
            conf = round(float(0.5 * segs[nearest].confidence), 3)
            out.append(dataclasses.replace(w, speaker=segs[nearest].speaker, speaker_confidence=conf))
        else:
            out.append(dataclasses.replace(w, speaker=None, speaker_confidence=0.0))
    return tuple(out)


def _covered(
    w: Word, segs: tuple[SpeakerSegment, ...], cover: np.ndarray, vocabulary: set[str]
) -> Word:
    """A word that segments cover (``cover``: seconds of it under each segment): the speaker
    covering clearly most of it, or in a tie the listener (backchannel) or the floor holder."""
    a, b = w.start, max(w.end, w.start + 1e-3)
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
    return dataclasses.replace(w, speaker=who, speaker_confidence=round(float(conf), 3))


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
        return w.speaker in names and w.duration <= max_word_s and w.bare in vocabulary

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


UNTRANSCRIBED = " (mm-hm)"  # text of a backchannel heard by the diarizer but not transcribed
# CONTINUED_TEXT (types.py, Word.continued): a speaker's talk under the other voice Whisper did not write
UNHEARD = " (…)"  # a short reply the diarizer heard between the other's words, not transcribed


def _unheard_reply(words: list[Word], s: SpeakerSegment, max_reply_s: float) -> Word | None:
    """An untranscribed word for segment ``s`` if nobody has a word in it, it lasts 0.4 s to
    ``max_reply_s`` and the words just before and after it are another speaker's."""
    if not 0.4 <= s.duration <= max_reply_s:
        return None
    if any(w.start < s.end and w.end > s.start for w in words):
        return None
    before = [w for w in words if w.end <= s.start]
    after = [w for w in words if w.start >= s.end]
    if not before or not after or before[-1].speaker in (None, s.speaker):
        return None
    if after[0].speaker != before[-1].speaker:
        return None
    return Word(round(s.start, 3), round(s.end, 3), UNHEARD, s.speaker, 0.0, s.confidence)


def _squeezed_reply(words: list[Word], s: SpeakerSegment, segs: list[SpeakerSegment],
                    max_reply_s: float) -> list[Word] | None:
    """``words`` with a short reply given back its span, or None when segment ``s`` is not one.

    A reply is squeezed when ``s`` (0.4 s to ``max_reply_s``, nobody else diarized in it) holds
    words of its speaker that cover under half of it, right between words of one other speaker
    (Whisper wrote "Policy." as 0.1 s and stretched the other's "day." over the rest). Its
    words then span ``s`` and the other's words that run into ``s`` stop at its edges.
    """
    if not 0.4 <= s.duration <= max_reply_s:
        return None
    if any(o.speaker != s.speaker and o.start < s.end and o.end > s.start for o in segs):
        return None
    inside = [i for i, w in enumerate(words)
              if w.speaker == s.speaker and s.start <= (w.start + w.end) / 2 < s.end]
    if not inside or inside != list(range(inside[0], inside[-1] + 1)):
        return None
    if sum(min(words[i].end, s.end) - max(words[i].start, s.start) for i in inside) >= 0.5 * s.duration:
        return None
    a, b = inside[0] - 1, inside[-1] + 1
    if a < 0 or b >= len(words) or words[a].speaker in (None, s.speaker):
        return None
    if words[b].speaker != words[a].speaker:
        return None
    out = list(words)
    out[inside[0]] = dataclasses.replace(out[inside[0]], start=round(s.start, 3))
    out[inside[-1]] = dataclasses.replace(out[inside[-1]], end=round(s.end, 3))
    for i, w in enumerate(words):
        if w.speaker != s.speaker and w.start < s.start < w.end:
            out[i] = dataclasses.replace(w, end=round(s.start, 3))
        elif w.speaker != s.speaker and w.start < s.end < w.end:
            out[i] = dataclasses.replace(w, start=round(s.end, 3))
    return sorted(out)


def overlap_words(
    words: Sequence[Word],
    diarization: Diarization,
    *,
    max_backchannel_s: float = 1.2,
    join_s: float = 0.15,
    max_extend_s: float = 2.0,
    max_reply_s: float = 1.5,
) -> tuple[Word, ...]:
    """Third pass: put back what a one-stream transcript loses where two people speak at once.

    Whisper writes one voice at a time, so words never overlap. For each diarized segment of
    speaker B that starts while speaker A talks (an overlap onset):

    - a run of words just after the onset that runs on without a pause (< ``join_s``) into B's
      own words goes to B (Whisper followed the newcomer), and B's first word starts at the
      onset, so the turns overlap as the voices did (interruptions, terminal overlaps); when A's
      segment runs on under ``MIN_OVERLAP_S`` past it (a hand-over), from A's last word's end;
    - a short segment (<= ``max_backchannel_s``) inside A's talk with no word of B in it becomes
      one untranscribed backchannel word, ``" (mm-hm)"`` with probability 0, so the turns keep
      it as B's backchannel like a two-channel recording would;
    - after the last word before another speaker's words, an untranscribed ``" …"`` word runs
      to where its speaker's diarized segment ends (at most ``max_extend_s`` later) when the
      other's words start 0.3 s or more before that: what Whisper dropped under the other
      voice still counts as that speaker's turn;
    - a segment of 0.4 s to ``max_reply_s`` in which nobody has a word, between two words of
      another speaker (a short reply, "Whatever.", that Whisper dropped), becomes one
      untranscribed word ``" (…)"`` with probability 0, so the other's talk around it is two
      turns, as it was;
    - a segment like that in which Whisper did write the reply but squeezed it under half the
      segment's length (and stretched the other's words over the rest) gets the reply back:
      its words span the segment and the other's words stop at its edges.
    """
    out = sorted(words)
    segs = sorted(diarization.segments, key=lambda s: s.start)
    added: list[Word] = []
    for s in segs:
        floor = [o for o in segs if o.speaker != s.speaker and o.start < s.start - 0.05 < o.end]
        if not floor:
            if (squeezed := _squeezed_reply(out, s, segs, max_reply_s)) is not None:
                out = squeezed
            elif (reply := _unheard_reply(out, s, max_reply_s)) is not None:
                added.append(reply)
            continue
        holder = floor[0]
        mine = [i for i, w in enumerate(out) if s.start - 0.1 <= w.start < s.end and w.speaker == s.speaker]
        if mine:
            _take_onset(out, mine[0], s, holder, join_s)
        elif s.duration <= max_backchannel_s and _backchannel_room(s, holder, segs):
            heard = Word(round(s.start, 3), round(s.end, 3), UNTRANSCRIBED, s.speaker, 0.0, s.confidence)
            added.append(heard)
    return _extend_into_overlap(tuple(sorted(out + added)), segs, max_extend_s)


def _backchannel_room(s: SpeakerSegment, holder: SpeakerSegment, segs: list[SpeakerSegment]) -> bool:
    """Can wordless ``s`` be a backchannel: ``TALKED_S`` long (less is not talk), inside ``holder``,
    who talks ``HELD_S`` before it, its own voice silent ``HELD_S`` before (else it trails off)."""
    own = max((o.end for o in segs if o.speaker == s.speaker and o.start < s.start), default=-HELD_S)
    return (s.duration >= TALKED_S and s.end < holder.end
            and min(s.start - holder.start, s.start - own) >= HELD_S)


def _take_onset(out: list[Word], first: int, s: SpeakerSegment, holder: SpeakerSegment,
                join_s: float) -> None:
    """In place: words running on from B's onset into B's first word ``out[first]`` go to B, whose
    turn starts at the onset (in a hand-over, where the holder's last word ends)."""
    k = first
    while k > 0 and out[k - 1].start >= s.start - 0.1 and out[k].start - out[k - 1].end < join_s:
        k -= 1
    for i in range(k, first):
        out[i] = dataclasses.replace(out[i], speaker=s.speaker)
    onset = s.start
    if holder.end - s.start < MIN_OVERLAP_S:  # a hand-over: no overlap with their words
        onset = max(onset, max((w.end for w in out[:k] if w.speaker != s.speaker), default=onset))
    if out[k].start > onset:
        out[k] = dataclasses.replace(out[k], start=round(onset, 3))


def _extend_into_overlap(
    words: tuple[Word, ...], segs: list[SpeakerSegment], max_extend_s: float
) -> tuple[Word, ...]:
    """After the last word of each run of one speaker's words, an untranscribed ``" …"`` word
    up to where their diarized segment ends, when someone else's words start at least 0.3 s
    before that and the speaker says nothing more before it (they talked over each other)."""
    out = list(words)
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        if w.speaker is None or nxt is None or nxt.speaker == w.speaker:
            continue
        own = [s for s in segs if s.speaker == w.speaker and s.start <= w.end <= s.end]
        if not own:
            continue
        end = min(own[0].end, w.end + max_extend_s)
        resumes = any(v.speaker == w.speaker and w.end <= v.start < end for v in words[i + 1 :])
        if end > w.end + 0.1 and nxt.start < end - 0.3 and not resumes:
            out.append(Word(w.end, round(end, 3), CONTINUED_TEXT, w.speaker, 0.0, own[0].confidence))
    return tuple(sorted(out))
