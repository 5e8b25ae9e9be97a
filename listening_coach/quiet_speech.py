"""Quiet speech inside long silences: Silero VAD's second opinion before a pause is reported.

Speech activity (:func:`listening_coach.activity.speech_activity`) starts a run of speech only
where a frame is ``floor_margin_db`` over the channel's noise floor. A quiet speaker's short
word a few dB over the noise never starts one, so the silence around it would be reported as an
effective pause or dead air while that person is talking. :func:`recheck_silences` looks again
at each stretch of at least ``min_gap_s`` where no channel speaks: on each channel, frames that
pass the loose margins (``edge_margin_db`` over the floor and over the predicted bleed) become
speech where the Silero VAD model that faster-whisper ships also hears speech
(``vad_threshold``), for at least ``vad_min_run_s``. The model runs only on those stretches,
and only where the loose margins hold a long enough run, so it adds little to an analysis.

::

    partner  ▇▇▇▇ door ▇▇▁▂ once ▂▁▁▁▁▁▁▁▁▁▁▁▁▇▇▇ they ...   (▂: 4-8 dB over the noise)
    before   PPPPPPPPPPPP.........................PPPPPPP      a 2.7 s "effective pause"
    after    PPPPPPPPPPPP..PPPPPP.................PPPPPPP      the pause starts after "once"
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from listening_coach.activity import edge_frames, noise_floor_db, runs
from listening_coach.audio import SAMPLE_RATE, frame_db
from listening_coach.diarization.vad import FRAME as VAD_WINDOW
from listening_coach.diarization.vad import speech_probabilities
from listening_coach.options import SpeakerOptions

logger = logging.getLogger(__name__)
VAD_CONTEXT_S = 0.3  # audio before a silence given to the model with it

Vad = Callable[[np.ndarray], np.ndarray]  # 16 kHz float32 -> one probability per VAD_WINDOW


def recheck_silences(
    samples: np.ndarray,
    active: np.ndarray,
    options: SpeakerOptions,
    *,
    min_gap_s: float,
    gain_db: np.ndarray | None = None,
    vad: Vad | None = None,
) -> np.ndarray:
    """Return ``active`` with the quiet speech Silero VAD confirms inside long silences.

    Args:
      samples: float32 ``(channels, n)`` at 16 kHz, the signal ``active`` was computed on.
      active: bool ``(channels, frames)`` from :func:`~listening_coach.activity.speech_activity`.
      options: margins, frame length and the VAD settings (``vad_threshold`` 0 turns it off).
      min_gap_s: only silences (no channel speaking) at least this long are looked at.
      gain_db: the bleed gains ``speech_activity`` used (None: no bleed test).
      vad: probabilities per :data:`VAD_WINDOW` samples (default: Silero, as diarization runs it,
        :func:`listening_coach.diarization.vad.speech_probabilities`).

    Returns:
      A new bool array of the same shape (``active`` itself when nothing was looked at).
    """
    if options.vad_threshold <= 0 or active.shape[1] == 0:
        return active
    frame_s = options.frame_s
    hop = round(frame_s * SAMPLE_RATE)
    min_run = max(round(options.vad_min_run_s / frame_s), 1)
    silent = np.logical_not(np.any(active, axis=0))
    gaps = [(a, b) for a, b in runs(silent) if (b - a) * frame_s >= min_gap_s]
    if not gaps:
        return active
    db = frame_db(np.atleast_2d(samples), frame_s=frame_s)
    weak = edge_frames(db, noise_floor_db(db), gain_db, options)
    out = active.copy()
    context = round(VAD_CONTEXT_S * SAMPLE_RATE)
    for a, b in gaps:
        for c in range(active.shape[0]):
            if not any(e - s >= min_run for s, e in runs(weak[c, a:b])):
                continue  # nothing loud enough to be speech: no model call
            start = max(a * hop - context, 0)
            probs = (vad or speech_probabilities)(samples[c, start : b * hop])
            at = (np.arange(a, b) * hop + hop // 2 - start) // VAD_WINDOW  # window of each frame
            heard = weak[c, a:b] & (probs[np.minimum(at, probs.size - 1)] >= options.vad_threshold)
            for s, e in runs(heard):
                if e - s >= min_run:
                    out[c, a + s : a + e] = True
                    logger.debug("quiet speech on channel %d at %.2f-%.2f s", c, (a + s) * frame_s,
                                 (a + e) * frame_s)
    return out
