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

from dataclasses import replace

import numpy as np

from listening_coach.audio import SAMPLE_RATE, frame_db
from listening_coach.config import SpeakerOptions
from listening_coach.types import Span, Word

FLOOR_PERCENTILE = 10.0  # the quietest 10% of frames estimate a channel's noise floor
MIN_FLOOR_DB = -70.0  # digital silence must not make every whisper of noise "speech"
FILL_GAP_S = 0.15  # close gaps shorter than this inside speech (stops between syllables)
MIN_RUN_S = 0.06  # drop blips of activity shorter than this


def noise_floor_db(db: np.ndarray) -> np.ndarray:
    """Return each channel's noise floor in dB, shape ``(channels,)``."""
    floor: np.ndarray = np.maximum(np.percentile(db, FLOOR_PERCENTILE, axis=-1), MIN_FLOOR_DB)
    return floor


def bleed_gain_db(db: np.ndarray, floor: np.ndarray | None = None) -> np.ndarray:
    """Estimate how loud each channel hears each other channel, ``gain[a, b]`` in dB.

    ``db`` is :func:`frame_db` of the channels, ``(channels, frames)``.

    Among frames where channel b speaks clearly (20 dB over its floor), most have channel a
    silent, so a low percentile of ``db[a] - db[b]`` is the bleed from b into a (when a has no
    bleed at all, its pauses sit at its noise floor and the estimate falls far below any voice).
    """
    floor = noise_floor_db(db) if floor is None else floor
    channels = db.shape[0]
    gain = np.full((channels, channels), -60.0, dtype=np.float32)
    for b in range(channels):
        loud = db[b] > floor[b] + 20.0
        if loud.sum() < 10:
            continue
        for a in range(channels):
            if a != b:
                gain[a, b] = float(np.clip(np.percentile(db[a, loud] - db[b, loud], 5), -60.0, 0.0))
    return gain


def speech_activity(
    samples: np.ndarray,
    options: SpeakerOptions | None = None,
    *,
    floor_db: np.ndarray | None = None,
    gain_db: np.ndarray | None = None,
) -> np.ndarray:
    """Return which channel speaks in each frame of ``options.frame_s``.

    A channel speaks when it is ``floor_margin_db`` over its own noise floor and
    ``bleed_margin_db`` louder than the bleed the other channels would put into it (their
    level plus the measured bleed gain). Two people talking at once both count. Each run then
    grows over neighbouring frames that pass ``edge_margin_db`` for both tests (hysteresis: soft
    onsets and decaying word ends).

    Args:
      samples: float32 ``(channels, n)`` at 16 kHz.
      options: margins and frame length.
      floor_db: per-channel noise floor to use (e.g. from earlier blocks); estimated if None.
      gain_db: bleed gains ``(channels, channels)`` from :func:`bleed_gain_db`; estimated from
        ``samples`` if None. After :func:`cancel_bleed`, pass the gains of the raw channels:
        what is left of the bleed is uneven and would make the estimate too low.

    Returns:
      bool array ``(channels, frames)``.
    """
    options = options or SpeakerOptions()
    db = frame_db(np.atleast_2d(samples), frame_s=options.frame_s)
    floor = noise_floor_db(db) if floor_db is None else floor_db
    gain = bleed_gain_db(db, floor) if gain_db is None and db.shape[0] > 1 else gain_db
    active = over_margins(db, floor, gain, options.floor_margin_db, options.bleed_margin_db)
    edge = edge_frames(db, floor, gain, options)
    return np.stack([_smooth(_grow(row, weak), options.frame_s) for row, weak in zip(active, edge)])


def edge_frames(db: np.ndarray, floor: np.ndarray, gain: np.ndarray | None,
                options: SpeakerOptions) -> np.ndarray:
    """Frames that pass the loose margins (``edge_margin_db``) a run of speech grows over."""
    return over_margins(db, floor, gain, min(options.edge_margin_db, options.floor_margin_db),
                        min(options.edge_margin_db, options.bleed_margin_db))


def over_margins(db: np.ndarray, floor: np.ndarray, gain: np.ndarray | None,
                 floor_margin_db: float, bleed_margin_db: float) -> np.ndarray:
    """Frames ``floor_margin_db`` over each channel's floor and ``bleed_margin_db`` over the
    bleed the other channels would put into it (their level plus ``gain[a, b]``)."""
    out: np.ndarray = db > (floor[:, None] + floor_margin_db)
    if db.shape[0] > 1 and gain is not None:
        for a in range(db.shape[0]):
            predicted = np.max([db[b] + gain[a, b] for b in range(db.shape[0]) if b != a], axis=0)
            out[a] &= db[a] > predicted + bleed_margin_db
    return out


def _grow(active: np.ndarray, weak: np.ndarray) -> np.ndarray:
    """Hysteresis: extend each run of ``active`` over the ``weak`` frames touching it.

    Onsets and decaying word ends are quieter than the middle of a word; a run found with the
    strict margins is widened while the signal stays above the looser ones.
    """
    out = active.copy()
    for start, end in runs(weak | active):
        if active[start:end].any():
            out[start:end] = True
    return out


def cancel_bleed(samples: np.ndarray, *, max_lag_s: float = 0.02, taps: int = 9) -> np.ndarray:
    """Subtract from each channel the other channels' voices leaking into its microphone.

    For each pair, a short FIR filter (``taps`` around the best cross-correlation lag, up to
    ``max_lag_s``) is fitted by least squares on frames where only the other channel speaks,
    and its output subtracted. A fit that does not lower the bleed by 3 dB is not applied.

    Args:
      samples: float32 ``(channels, n)`` at 16 kHz.

    Returns:
      float32 ``(channels, n)``, a new array.
    """
    x = np.atleast_2d(samples).astype(np.float32)
    if x.shape[0] < 2 or x.shape[1] < SAMPLE_RATE:
        return x.copy()
    frame_s = 0.02
    hop = int(frame_s * SAMPLE_RATE)
    db = frame_db(x, frame_s=frame_s)
    floor = noise_floor_db(db)
    out = x.copy()
    for a in range(x.shape[0]):
        for b in range(x.shape[0]):
            if a == b:
                continue
            only_b = (db[b] > floor[b] + 20.0) & (db[a] < db[b] - 10.0)
            if only_b.sum() < 25:  # half a second of the other person alone
                continue
            idx = np.flatnonzero(np.repeat(only_b, hop)[: x.shape[1]])[: 30 * SAMPLE_RATE]
            h, lag = _fit_fir(x[a], x[b], idx, int(max_lag_s * SAMPLE_RATE), taps)
            leak = _apply_fir(x[b], h, lag)
            before = float(np.mean(out[a, idx] ** 2))
            after = float(np.mean((out[a, idx] - leak[idx]) ** 2))
            if after < before * 0.5:
                out[a] -= leak
    return out


def _fit_fir(
    a: np.ndarray, b: np.ndarray, idx: np.ndarray, max_lag: int, taps: int
) -> tuple[np.ndarray, int]:
    """Least-squares FIR from b to a on sample indices ``idx``, centred on the best lag."""
    lags = np.arange(-max_lag, max_lag + 1)
    valid = idx[(idx >= max_lag + taps) & (idx < a.shape[0] - max_lag - taps)]
    if valid.size == 0:
        return np.zeros(taps, np.float32), 0
    sub = valid[:: max(valid.size // 20000, 1)]
    corr = [float(np.dot(a[sub], b[sub - lag])) for lag in lags]
    lag = int(lags[int(np.argmax(np.abs(corr)))])
    half = taps // 2
    cols = np.stack([b[valid - lag - k] for k in range(-half, half + 1)], axis=1)
    h, *_ = np.linalg.lstsq(cols, a[valid], rcond=None)
    return h.astype(np.float32), lag


def _apply_fir(b: np.ndarray, h: np.ndarray, lag: int) -> np.ndarray:
    """Return ``sum_k h[k] * b[t - lag - (k - half)]`` for every t (zeros past the edges)."""
    half = h.shape[0] // 2
    out = np.zeros_like(b)
    for k, coef in enumerate(h):
        shift = lag + k - half
        if shift >= 0:
            out[shift:] += coef * b[: b.shape[0] - shift]
        else:
            out[:shift] += coef * b[-shift:]
    return out


def _smooth(active: np.ndarray, frame_s: float) -> np.ndarray:
    """Fill short gaps, then drop short blips (a closing then opening, in frames)."""
    out = active.copy()
    gap = max(int(round(FILL_GAP_S / frame_s)), 1)
    for start, end in runs(~out):
        if 0 < start and end < len(out) and end - start <= gap:
            out[start:end] = True
    blip = max(int(round(MIN_RUN_S / frame_s)), 1)
    for start, end in runs(out):
        if end - start < blip:
            out[start:end] = False
    return out


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Return ``[start, end)`` index pairs of the True runs in a 1-D bool array."""
    if not mask.any():
        return []
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def activity_spans(active: np.ndarray, frame_s: float, offset_s: float = 0.0) -> list[Span]:
    """Return the spans (seconds) of the active runs of a 1-D activity row."""
    return [Span(offset_s + s * frame_s, offset_s + e * frame_s) for s, e in runs(active)]


def mask_inactive(
    samples: np.ndarray, active: np.ndarray, *, frame_s: float, pad_s: float = 0.2
) -> np.ndarray:
    """Return a copy of a 1-D signal silenced outside ``active`` frames (padded by ``pad_s``)."""
    hop = int(round(frame_s * SAMPLE_RATE))
    pad = int(round(pad_s / frame_s))
    keep = active.copy()
    for start, end in runs(active):
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
    reach_s: float = 1.0,
) -> tuple[Word, ...]:
    """Move word boundaries onto the channel's speech activity.

    ::

        whisper       |--- "ask" -------------|   (1.6 s, stretched over silence)
        activity   .....#####..................
        snapped        |---|                      (clipped to the run, and its start moved
                                                   back to the run's onset)

    A word is clipped to the active frames inside it. The first word of a run of speech starts
    where the run starts (Whisper often places it late), and the last word of a run ends where
    the run ends, each by at most ``reach_s`` and never across a neighbouring word.

    Args:
      words: words of the channel ``active`` describes, times absolute, in time order.
      active: 1-D bool frames of that channel, the first frame starting at ``offset_s``.
      drop_silent: drop a word whose span holds no active frame (bleed or hallucination);
        otherwise keep it unchanged.
    """
    speech = activity_spans(active, frame_s, offset_s)
    n = active.shape[0]
    clipped: list[Word] = []
    for word in words:
        first = max(int(np.floor((word.start - offset_s) / frame_s)), 0)
        last = min(int(np.ceil((word.end - offset_s) / frame_s)), n)
        idx = np.flatnonzero(active[first:last]) if last > first else np.array([], dtype=int)
        if idx.size == 0:
            if not drop_silent:
                clipped.append(word)
            continue
        start = float(max(word.start, offset_s + (first + int(idx[0])) * frame_s))
        end = float(min(word.end, offset_s + (first + int(idx[-1]) + 1) * frame_s))
        clipped.append(replace(word, start=start, end=max(end, start)))
    out: list[Word] = []
    for i, word in enumerate(clipped):
        start, end = word.start, word.end
        run = next((r for r in speech if r.start <= start < r.end + 1e-9), None)
        if run is not None:
            prev_end = clipped[i - 1].end if i else -np.inf
            next_start = clipped[i + 1].start if i + 1 < len(clipped) else np.inf
            if run.start < start and prev_end <= run.start and start - run.start <= reach_s:
                start = run.start
            if end < run.end and next_start >= run.end and run.end - end <= reach_s and run.end > start:
                end = run.end
        out.append(replace(word, start=round(start, 3), end=round(max(end, start), 3)))
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
