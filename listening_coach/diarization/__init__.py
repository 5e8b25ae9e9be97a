"""Offline diarization of mono recordings: who spoke when, overlaps and backchannels kept.

Public API (see docs/diarization.md)::

    from listening_coach.diarization import diarize, assign_speakers_from_segments, choose_roles

    d = diarize(samples, config.diarize)                     # Diarization
    words = assign_speakers_from_segments(words, d.segments)  # word-level speakers
    words = refine_words(words, samples, d)                   # backchannels over the other
    words = overlap_words(words, d)                           # overlap onsets, untranscribed mm-hm
    roles, confidence = choose_roles(d, words, "less")        # {"SPEAKER_01": "trainee", ...}

- :mod:`.segmentation` pyannote segmentation-3.0 (ONNX) windows; :mod:`.stitch`,
  :mod:`.chains`, :mod:`.neural` local speakers -> global voices (the default engine), with
  :mod:`.turns_check`, :mod:`.backchannels` and :mod:`.starts` correcting them;
  :mod:`.listener` the listener role rule; :mod:`.roleplays` the mono role-play benchmark.
- :mod:`.embed` resemblyzer encoder on ONNX (both engines); :mod:`.assign` words -> speakers;
  :mod:`.roles` trainee/partner; :mod:`.eval` RTTM and DER.
- Older ``engine = "embedding"``: :mod:`.vad` Silero + energy speech frames;
  :mod:`.cluster` speaker count and clustering; :mod:`.overlap` two voices at once.
"""

from listening_coach.diarization.assign import assign_speakers_from_segments, overlap_words, refine_words
from listening_coach.diarization.core import diarize
from listening_coach.diarization.roles import LOW_CONFIDENCE as LOW_ROLE_CONFIDENCE
from listening_coach.diarization.roles import choose_roles
from listening_coach.diarization.types import Diarization, SpeakerSegment

__all__ = [
    "LOW_ROLE_CONFIDENCE",
    "Diarization",
    "SpeakerSegment",
    "assign_speakers_from_segments",
    "choose_roles",
    "diarize",
    "overlap_words",
    "refine_words",
]
