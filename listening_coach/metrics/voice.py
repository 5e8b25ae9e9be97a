"""Voice per turn: loudness and pitch, relative to the partner and to the trainee's baseline.

- :func:`voice_metrics`: per exchange ``voice.loudness_db``, ``voice.pitch_median_hz``,
  ``voice.pitch_range_st`` for the trainee's response, the same for the partner's prompt, the
  differences (``voice.loudness_vs_partner_db``, ``voice.pitch_vs_partner_st``), the change
  against the trainee's baseline. How the partner's voice changes from one prompt to the next
  is :func:`listening_coach.metrics.effect.partner_changes`.

A calm voice stays level or drops when the partner escalates (PRODUCT.md, Voice).
"""

from __future__ import annotations

import math

import numpy as np

from listening_coach.config import PaceOptions, VoiceOptions
from listening_coach.metrics.names import MetricName
from listening_coach.types import Exchange, Metric, Turn, VoiceFrames


def _frames(voice: VoiceFrames, turns: tuple[Turn, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Loudness over the turns' word frames, and voiced pitch, for the turns' speaker."""
    if not turns:
        return np.zeros(0), np.zeros(0)
    loud, pitch = voice.loudness(turns[0].speaker), voice.pitch(turns[0].speaker)
    if loud is None or pitch is None:
        return np.zeros(0), np.zeros(0)
    idx: list[np.ndarray] = []
    for w in (w for t in turns for w in t.words):
        a, b = int(w.start / voice.hop_s), int(math.ceil(w.end / voice.hop_s))
        idx.append(np.arange(a, min(b, loud.shape[0])))
    sel = np.concatenate(idx) if idx else np.zeros(0, dtype=int)
    return loud[sel], pitch[sel]


def _stats(loud: np.ndarray, pitch: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """Return (loudness dB, median pitch Hz, pitch range in semitones p10..p90)."""
    loudness = None
    if loud.size:
        # loudness of speech: the mean power of the louder half of the frames, in dB
        top = np.sort(loud)[loud.size // 2 :]
        loudness = float(10 * np.log10(np.mean(10 ** (top / 10))))
    voiced = pitch[np.isfinite(pitch)]
    if voiced.size < 10:
        return loudness, None, None
    p10, p50, p90 = np.percentile(voiced, [10, 50, 90])
    return loudness, float(p50), float(12 * np.log2(p90 / p10))


def _semitones(a: float, b: float) -> float:
    return 12 * math.log2(a / b)


def voice_metrics(
    exchanges: tuple[Exchange, ...],
    voice: VoiceFrames | None,
    options: VoiceOptions,
    *,
    baseline_exchanges: int = PaceOptions().baseline_exchanges,
) -> tuple[Metric, ...]:
    """Return the ``voice.*`` metrics; nothing when ``voice`` is None.

    ``baseline_exchanges`` is ``[pace]``'s: the trainee's first exchanges set their baseline.
    """
    if voice is None or not options.enabled:
        return ()
    metrics: list[Metric] = []
    baseline: list[float] = []
    for ex in exchanges:
        t_loud, t_pitch, t_range = _stats(*_frames(voice, ex.response))
        p_loud, p_pitch, _ = _stats(*_frames(voice, ex.prompt))
        i = ex.index
        if t_loud is not None:
            metrics.append(MetricName.VOICE_LOUDNESS_DB.at(round(t_loud, 1), i))
            if len(baseline) >= baseline_exchanges:
                base = sum(baseline[:baseline_exchanges]) / baseline_exchanges
                metrics.append(MetricName.VOICE_LOUDNESS_VS_BASELINE_DB.at(round(t_loud - base, 1), i))
            baseline.append(t_loud)
        if t_pitch is not None and t_range is not None:
            metrics.append(MetricName.VOICE_PITCH_MEDIAN_HZ.at(round(t_pitch, 1), i))
            metrics.append(MetricName.VOICE_PITCH_RANGE_ST.at(round(t_range, 2), i))
        if p_loud is not None:
            metrics.append(MetricName.VOICE_PARTNER_LOUDNESS_DB.at(round(p_loud, 1), i))
            if t_loud is not None:
                metrics.append(MetricName.VOICE_LOUDNESS_VS_PARTNER_DB.at(round(t_loud - p_loud, 1), i))
        if p_pitch is not None:
            metrics.append(MetricName.VOICE_PARTNER_PITCH_MEDIAN_HZ.at(round(p_pitch, 1), i))
            if t_pitch is not None:
                semitones = round(_semitones(t_pitch, p_pitch), 2)
                metrics.append(MetricName.VOICE_PITCH_VS_PARTNER_ST.at(semitones, i))
    return tuple(metrics)
