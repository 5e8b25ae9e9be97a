"""Weak fricatives at the edges of speech: Rabiner-Sambur endpoint search on high-band energy.

Speech activity (:func:`listening_coach.activity.speech_activity`) grows a run of speech over
neighbouring frames while they stay ``edge_margin_db`` over the channel's noise floor. A
word-final "s" after a stop ("once", "its") is separated from the run by a closure under the
noise, and its energy sits above 2-4 kHz, where broadband noise drowns it: through a telephone
band (300-3400 Hz) it is a few dB over the noise. The run stops before it, and the silence
after the line is reported as an effective pause or dead air while the last word is still
being said.

:func:`extend_weak_edges` is the second pass of Rabiner and Sambur's endpoint detector (1975):
it looks up to ``fricative_reach_s`` past each end of a run of speech (and before each start),
and where frames there hold, for at least :data:`~listening_coach.activity.MIN_RUN_S`, energy
above ``fricative_hz`` that is ``edge_margin_db`` over *that band's* noise floor and over the
bleed the other channels would put into that band, the run is extended to the last such frame
within the reach (the first, before a start). Their detector uses the zero-crossing rate for
the same purpose; in a telephone band white noise crosses zero about as often as an "s"
(both near the band's top), while the energy above 2 kHz still rises over its own floor.
Before a start the same energy can also be an in-breath (docs/accuracy.md: 0.24 s on a
LibriSpeech reader), which shortens that response's latency by as much; leaving starts alone
lost a weak "that" opening an interruption on the benchmark, so both edges are searched.

::

    partner  ▇▇▇ once ▇▇▁▁▁▁▁▂▂▂▂▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁    (▂: the final "s", 4-8 dB over the 2 kHz+ floor)
    before   PPPPPPPPPPP.......................     the pause starts at the closure
    after    PPPPPPPPPPPPPPPPPPPP..............     ... and after the "s" (reach: 0.25 s)
"""

from __future__ import annotations

import numpy as np

from listening_coach.activity import MIN_RUN_S, noise_floor_db, over_margins, runs
from listening_coach.audio import SAMPLE_RATE
from listening_coach.options import SpeakerOptions


def band_db(samples: np.ndarray, *, frame_s: float, low_hz: float) -> np.ndarray:
    """Energy above ``low_hz`` of each non-overlapping frame in dB, ``(channels, frames)``.

    Frames as :func:`~listening_coach.audio.frame_db` cuts them (a trailing partial frame is
    zero-padded), Hann-windowed; the level is comparable only with itself (a band's floor).
    """
    x = np.atleast_2d(samples).astype(np.float32)
    hop = max(int(round(frame_s * SAMPLE_RATE)), 1)
    frames = -(-x.shape[1] // hop)
    padded = np.zeros((x.shape[0], frames * hop), dtype=np.float32)
    padded[:, : x.shape[1]] = x
    spectrum = np.fft.rfft(padded.reshape(x.shape[0], frames, hop) * np.hanning(hop), axis=-1)
    high = np.fft.rfftfreq(hop, 1.0 / SAMPLE_RATE) >= low_hz
    power = np.mean(np.abs(spectrum[..., high]) ** 2, axis=-1) if high.any() else np.zeros(padded.shape[:2])
    db: np.ndarray = (10.0 * np.log10(power + 1e-10)).astype(np.float32)
    return db


def extend_weak_edges(
    samples: np.ndarray,
    active: np.ndarray,
    options: SpeakerOptions,
    *,
    gain_db: np.ndarray | None = None,
) -> np.ndarray:
    """Return ``active`` with each run of speech extended over a weak fricative at its edges.

    Args:
      samples: float32 ``(channels, n)`` at 16 kHz, the signal ``active`` was computed on.
      active: bool ``(channels, frames)`` from :func:`~listening_coach.activity.speech_activity`.
      options: ``fricative_reach_s`` (0 turns it off), ``fricative_hz``, ``edge_margin_db``
        (and ``bleed_margin_db``, the smaller of the two for the bleed test), ``frame_s``.
      gain_db: the bleed gains ``speech_activity`` used (None: no bleed test).

    Returns:
      A new bool array of the same shape (``active`` itself when the reach is 0).
    """
    frame_s = options.frame_s
    reach = int(round(options.fricative_reach_s / frame_s))
    if reach <= 0 or active.shape[1] == 0:
        return active
    high = band_db(samples, frame_s=frame_s, low_hz=options.fricative_hz)[:, : active.shape[1]]
    weak = over_margins(high, noise_floor_db(high), gain_db,
                        min(options.edge_margin_db, options.floor_margin_db),
                        min(options.edge_margin_db, options.bleed_margin_db))
    min_run = max(int(round(MIN_RUN_S / frame_s)), 1)
    out = active.copy()
    for c in range(active.shape[0]):
        tail = np.zeros(active.shape[1], dtype=bool)  # fricative-like runs outside speech
        for s, e in runs(weak[c] & ~active[c]):
            if e - s >= min_run:
                tail[s:e] = True
        speech = runs(active[c])
        for k, (s, e) in enumerate(speech):
            after = min(e + reach, speech[k + 1][0] if k + 1 < len(speech) else active.shape[1])
            hits = np.flatnonzero(tail[e:after])
            if hits.size:
                out[c, e : e + int(hits[-1]) + 1] = True
            before = max(s - reach, speech[k - 1][1] if k else 0)
            hits = np.flatnonzero(tail[before:s])
            if hits.size:
                out[c, before + int(hits[0]) : s] = True
    return out
