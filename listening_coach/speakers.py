"""Who spoke when, from energy: one channel per person, with channel bleed rejected.

- :func:`speech_activity`: boolean frames ``(channels, frames)``; a channel speaks when it is
  well above its own noise floor *and* not much quieter than the loudest channel at that moment
  (a microphone that only hears the other person, quieter, is bleed, not speech).
- :func:`mask_inactive`: silence a channel outside its own speech, so Whisper never hears bleed.
- :func:`snap_words`: clip each word to the speech frames it covers (Whisper stretches word ends
  over following silence and starts the first word after a pause early); drop words with none.
- :func:`channels_identical`: a "stereo" file whose channels carry the same signal.

::

    trainee mic  ▁▁▇▇▇▇▁▁▁▂▂▂▂▂▁▁      (▂ = partner's voice bleeding in, 20 dB down)
    partner mic  ▁▁▂▂▂▂▁▁▁▇▇▇▇▇▁▁
    activity     ..TTTT...PPPPP..
"""

from __future__ import annotations

import numpy as np

from listening_coach.audio import SAMPLE_RATE, frame_db
from listening_coach.config import SpeakerOptions
from listening_coach.types import Word

FLOOR_PERCENTILE = 10.0  # the quietest 10% of frames estimate a channel's noise floor
MIN_FLOOR_DB = -70.0  # digital silence must not make every whisper of noise "speech"
FILL_GAP_S = 0.15  # close gaps shorter than this inside speech (stops between syllables)
MIN_RUN_S = 0.06  # drop blips of activity shorter than this


def noise_floor_db(db: np.ndarray) -> np.ndarray:
    """Return each channel's noise floor in dB, shape ``(channels,)``."""
    return np.maximum(np.percentile(db, FLOOR_PERCENTILE, axis=-1), MIN_FLOOR_DB)


def speech_activity(
    samples: np.ndarray,
    options: SpeakerOptions | None = None,
    *,
    floor_db: np.ndarray | None = None,
) -> np.ndarray:
    """Return which channel speaks in each frame of ``options.frame_s``.

    Args:
      samples: float32 ``(channels, n)`` at 16 kHz.
      options: margins and frame length.
      floor_db: per-channel noise floor to use (e.g. from earlier blocks); estimated if None.

    Returns:
      bool array ``(channels, frames)``.
    """
    options = options or SpeakerOptions()
    db = frame_db(np.atleast_2d(samples), frame_s=options.frame_s)
    floor = noise_floor_db(db) if floor_db is None else floor_db
    above_floor = db > (floor[:, None] + options.floor_margin_db)
    if db.shape[0] > 1:
        loudest = db.max(axis=0, keepdims=True)
        above_floor &= db >= loudest - options.bleed_margin_db
    frame_s = options.frame_s
    return np.stack([_smooth(row, frame_s) for row in above_floor])


def _smooth(active: np.ndarray, frame_s: float) -> np.ndarray:
    """Fill short gaps, then drop short blips (a closing then opening, in frames)."""
    out = active.copy()
    gap = max(int(round(FILL_GAP_S / frame_s)), 1)
    for start, end in _runs(~out):
        if 0 < start and end < len(out) and end - start <= gap:
            out[start:end] = True
    blip = max(int(round(MIN_RUN_S / frame_s)), 1)
    for start, end in _runs(out):
        if end - start < blip:
            out[start:end] = False
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Return ``[start, end)`` index pairs of the True runs in a 1-D bool array."""
    if not mask.any():
        return []
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def activity_spans(active: np.ndarray, frame_s: float, offset_s: float = 0.0) -> list[tuple[float, float]]:
    """Return the (start_s, end_s) spans of a 1-D activity row."""
    return [(offset_s + s * frame_s, offset_s + e * frame_s) for s, e in _runs(active)]


def mask_inactive(samples: np.ndarray, active: np.ndarray, *, frame_s: float, pad_s: float = 0.2) -> np.ndarray:
    """Return a copy of a 1-D signal silenced outside ``active`` frames (padded by ``pad_s``)."""
    hop = int(round(frame_s * SAMPLE_RATE))
    pad = int(round(pad_s / frame_s))
    keep = active.copy()
    for start, end in _runs(active):
        keep[max(start - pad, 0) : end + pad] = True
    gain = np.repeat(keep.astype(np.float32), hop)[: samples.shape[-1]]
    if gain.shape[0] < samples.shape[-1]:
        gain = np.pad(gain, (0, samples.shape[-1] - gain.shape[0]))
    return (samples * gain).astype(np.float32)


def snap_words(
    words: tuple[Word, ...] | list[Word],
    active: np.ndarray,
    *,
    frame_s: float,
    offset_s: float = 0.0,
    drop_silent: bool = True,
) -> tuple[Word, ...]:
    """Clip each word to the active frames inside its span.

    ::

        whisper   |--- "ask" -------------|        (1.6 s, stretched over silence)
        activity  ....####.................
        snapped       |-|                          (0.2 s)

    Args:
      words: words of the channel ``active`` describes, times absolute.
      active: 1-D bool frames of that channel, the first frame starting at ``offset_s``.
      drop_silent: drop a word whose span holds no active frame (bleed or hallucination);
        otherwise keep it unchanged.
    """
    out: list[Word] = []
    n = active.shape[0]
    for word in words:
        first = max(int(np.floor((word.start - offset_s) / frame_s)), 0)
        last = min(int(np.ceil((word.end - offset_s) / frame_s)), n)
        idx = np.flatnonzero(active[first:last]) if last > first else np.array([], dtype=int)
        if idx.size == 0:
            if not drop_silent:
                out.append(word)
            continue
        start = float(max(word.start, offset_s + (first + int(idx[0])) * frame_s))
        end = float(min(word.end, offset_s + (first + int(idx[-1]) + 1) * frame_s))
        if end <= start:
            end = min(word.end, start + frame_s)
        out.append(
            Word(round(start, 3), round(max(end, start), 3), word.text, word.speaker,
                 word.probability, word.speaker_confidence)
        )
    return tuple(out)


def channels_identical(samples: np.ndarray, *, threshold: float = 0.98) -> bool:
    """Return True when all channels carry (nearly) the same signal, e.g. mono saved as stereo."""
    x = np.atleast_2d(samples)
    if x.shape[0] < 2:
        return True
    ref = x[0] - x[0].mean()
    for other in x[1:]:
        o = other - other.mean()
        denom = float(np.sqrt((ref**2).sum() * (o**2).sum()))
        if denom == 0.0:
            if np.abs(ref).max() > 0 or np.abs(o).max() > 0:
                return False
            continue
        if float((ref * o).sum()) / denom < threshold:
            return False
    return True
