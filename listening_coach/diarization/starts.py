"""A second voice in the first second of another's talk that sounds like that talk: dropped.

- :func:`drop_false_starts`: the diarized segments (speaker = voice index) -> the same without
  the short runs of a second voice that start within ``ONSET_S`` of another voice's segment,
  lie inside it, and whose audio sounds more like that voice than like their own.

segmentation-3.0 is least sure who talks at a speech onset: where one voice starts after a
silence (a new turn, or its own talk resuming after a pause) the windows often give its first
syllables a second local speaker, usually the voice that spoke last, for 0.2-0.6 s; that is an
overlap nobody made, and on the generated role-plays every such run within the first second
of a segment was false (25 of 25 on the Piper voice, the phone calls and dev seeds 12, 31, 13,
14), while every scripted backchannel and interruption started at least 2.5 s into the other's
talk. An overlap can start there all the same (AMI's trn08: three people start within 0.3 s of
each other after a silence), so the run is dropped only when its own audio, which holds the
other voice too, is closer to the voice whose talk it is inside (cosine to the final
voiceprints): the false runs measured 0.19-0.31 from that voice and 0.31-0.42 from their
own, the AMI overlap 0.42 and 0.24. Backchannels are never at stake: the faint-backchannel rule
and ``overlap_words`` (an untranscribed ``(mm-hm)``) already want the other voice talking for
a second before one::

    voice A   ░░░░░░░░░░████████████████████     A starts after a silence
    voice B   ████░░░░░░░░███░░░░░░░░░░░░░░░     B 0.1 s into it, 0.5 s, sounds like A: dropped
"""

from __future__ import annotations

import bisect

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.diarization.backchannels import CONTEXT_S, MAX_S
from listening_coach.diarization.embed import embed_windows
from listening_coach.diarization.types import SpeakerSegment

ONSET_S = CONTEXT_S  # the backchannel rules want the other voice talking this long first
MIN_EMBED_S = 0.5  # a shorter run is embedded from its start over this much audio


def drop_false_starts(
    segments: list[SpeakerSegment], samples: np.ndarray, prints: np.ndarray
) -> list[SpeakerSegment]:
    """``segments`` (speaker = voice index as text) without the false starts (module docstring).

    Args:
      segments: per-voice segments, overlapping where two voices talk.
      samples: the mono 16 kHz recording.
      prints: (n_voices, dim) L2-normalised voiceprints of the voices.
    """
    by_voice: dict[str, list[SpeakerSegment]] = {}
    for s in sorted(segments, key=lambda s: s.start):
        by_voice.setdefault(s.speaker, []).append(s)
    starts = {v: [s.start for s in segs] for v, segs in by_voice.items()}
    candidates = []
    for s in segments:
        if s.duration > MAX_S:
            continue
        around = []  # one voice's segments never overlap: only its last one before s can hold s
        for voice, segs in by_voice.items():
            i = bisect.bisect_left(starts[voice], s.start) - 1
            if voice != s.speaker and i >= 0 and segs[i].end >= s.end:
                around.append(segs[i])
        host = min(around, key=lambda h: h.start, default=None)  # the talk under way longest
        if host is not None and s.start - host.start < ONSET_S:
            candidates.append((s, int(host.speaker)))
    if not candidates:
        return segments
    spans = [(s.start, max(s.end, s.start + MIN_EMBED_S)) for s, _ in candidates]
    emb = embed_windows(samples, [(int(a * SAMPLE_RATE), int(b * SAMPLE_RATE)) for a, b in spans])
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)
    drop = {id(s) for (s, host), e in zip(candidates, emb) if e @ prints[host] > e @ prints[int(s.speaker)]}
    return [s for s in segments if id(s) not in drop]
