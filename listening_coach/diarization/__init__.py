"""Offline diarization of mono recordings: who spoke when, overlaps and backchannels kept.

Public API (see docs/diarization.md)::

    from listening_coach.diarization import diarize, assign_speakers_from_segments, choose_roles

    d = diarize(samples, config.diarize)                     # Diarization
    words = assign_speakers_from_segments(words, d.segments)  # word-level speakers
    words = refine_words(words, samples, d)                   # backchannels over the other
    roles, confidence = choose_roles(d, words, "less")        # {"SPEAKER_01": "trainee", ...}

- :mod:`.vad` Silero + energy speech frames; :mod:`.embed` resemblyzer encoder on ONNX;
  :mod:`.cluster` speaker count and clustering; :mod:`.overlap` two voices at once;
  :mod:`.assign` words -> speakers; :mod:`.roles` trainee/partner; :mod:`.eval` RTTM and DER.
"""

from listening_coach.diarization.assign import assign_speakers_from_segments, refine_words
from listening_coach.diarization.core import diarize
from listening_coach.diarization.roles import choose_roles
from listening_coach.diarization.types import Diarization, SpeakerSegment

__all__ = [
    "Diarization",
    "SpeakerSegment",
    "assign_speakers_from_segments",
    "choose_roles",
    "diarize",
    "refine_words",
]
