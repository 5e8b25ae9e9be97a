"""Voices and recording conditions for rendered role-plays (used by :mod:`listening_coach.testing.roleplay`).

- :func:`speak`: one line with espeak-ng or the Piper neural voice, as 16 kHz float32 audio
  trimmed to its speech with peak 0.5 (the same contract as :func:`synth.synthesize`).
- :func:`mix_channels`: per-speaker voice tracks -> channels with level offsets, bleed, noise
  at a fixed SNR (or level) and an optional telephone band.
- :func:`noise_rms`: the RMS of that white noise (before the band); :func:`audible_spans`: where
  one line's voice, as mixed (level offset, band), is louder than the noise in the same band.
- :data:`PIPER_VOICE`: the voice name that selects Piper (``en_US-joe-medium``).

A Piper voice ignores ``word_gap_ms`` and maps espeak-ng's ``-s`` speed to a length scale, so
one script line speaks at a similar pace with either engine (Piper at length scale 1 speaks
about 230 words/min, espeak-ng about 1.25 x its ``-s`` on these scripts).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.live.synth import _resample, measure_spans, synthesize
from listening_coach.types import Span, Speaker

if TYPE_CHECKING:
    from listening_coach.live.piper_voice import Voice

PIPER_VOICE = "piper:en_US-joe-medium"
Band = Literal["wide", "phone"]
PHONE_RATE = 8_000
PHONE_BAND_HZ = (300.0, 3400.0)
_PIPER_WPM = 230.0
_ESPEAK_PACE = 1.25


def engine_of(voice: str) -> str:
    """``"piper"`` for :data:`PIPER_VOICE`, else ``"espeak-ng"``."""
    return "piper" if voice.startswith("piper:") else "espeak-ng"


def piper_length_scale(speed_wpm: int) -> float:
    """The Piper length scale that speaks like espeak-ng at ``-s speed_wpm``."""
    return round(_PIPER_WPM / (_ESPEAK_PACE * speed_wpm), 3)


def speak(
    text: str, *, voice: str, speed_wpm: int, word_gap_ms: int = 0, piper: Voice | None = None
) -> np.ndarray:
    """Say ``text`` with ``voice`` (an espeak-ng voice or :data:`PIPER_VOICE`).

    Args:
      piper: The loaded Piper voice to use (its noise seed decides the audio); None loads the
        cached default.

    Raises:
      MissingExtra: espeak-ng (both engines need it) or the Piper voice package is missing.
      AudioError: nothing to say, or synthesis failed.
    """
    if engine_of(voice) == "espeak-ng":
        return synthesize(text, voice=voice, speed_wpm=speed_wpm, word_gap_ms=word_gap_ms)
    from listening_coach.live.piper_voice import load_voice

    engine = piper or load_voice()
    audio, rate = engine.synthesize(text, length_scale=piper_length_scale(speed_wpm))
    samples = _resample(audio, rate, SAMPLE_RATE)
    spans = measure_spans(samples, threshold_db=-50.0)
    pad = int(0.01 * SAMPLE_RATE)
    first = max(int(spans[0].start * SAMPLE_RATE) - pad, 0) if spans else 0
    last = min(round(spans[-1].end * SAMPLE_RATE) + pad, samples.size) if spans else samples.size
    trimmed = samples[first:last]
    peak = float(np.max(np.abs(trimmed))) or 1.0
    return (trimmed * (0.5 / peak)).astype(np.float32)


def mix_channels(
    tracks: Mapping[Speaker, np.ndarray],
    channels: Sequence[Speaker],
    *,
    levels_db: Mapping[Speaker, float],
    bleed_db: float,
    bleed_delay_ms: float,
    noise_db: float,
    snr_db: float | None,
    band: Band,
    seed: int,
) -> np.ndarray:
    """Mix per-speaker tracks (same length, 16 kHz) into ``channels``; float32 (channels, n).

    Channel ``c`` = its speaker's track * level + every other track * level - ``bleed_db``,
    delayed ``bleed_delay_ms``, + white noise (``snr_db`` below the louder voice's speech RMS
    on every channel when given, else at ``noise_db`` dBFS), then for ``band="phone"`` band-limited to
    300-3400 Hz and resampled to 8 kHz and back (zero-phase: no time shift).
    """
    n = next(iter(tracks.values())).size
    gains = {s: 10 ** (levels_db.get(s, 0.0) / 20) for s in channels}
    bleed = 10 ** (-bleed_db / 20)
    delay = round(bleed_delay_ms / 1000 * SAMPLE_RATE)
    rng = np.random.default_rng(seed)
    noise = noise_rms(tracks, channels, levels_db=levels_db, noise_db=noise_db, snr_db=snr_db)
    out = np.zeros((len(channels), n), dtype=np.float64)
    for c, speaker in enumerate(channels):
        out[c] = tracks[speaker].astype(np.float64) * gains[speaker]
        for other in channels:
            if other != speaker:
                out[c, delay:] += bleed * gains[other] * tracks[other][: n - delay]
        out[c] += rng.normal(0.0, noise, n)
        if band == "phone":
            out[c] = phone_band(out[c])
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def noise_rms(
    tracks: Mapping[Speaker, np.ndarray],
    channels: Sequence[Speaker],
    *,
    levels_db: Mapping[Speaker, float],
    noise_db: float,
    snr_db: float | None,
) -> float:
    """The white noise's RMS in :func:`mix_channels` (full band): ``snr_db`` below the louder
    voice's speech RMS when given (the same floor on every channel: a quieter voice gets less
    SNR), else ``noise_db`` dBFS."""
    if snr_db is None:
        return float(10 ** (noise_db / 20))
    gains = {s: 10 ** (levels_db.get(s, 0.0) / 20) for s in channels}
    loudest = max(_speech_rms(tracks[s].astype(np.float64) * gains[s]) for s in channels)
    return float(loudest * 10 ** (-snr_db / 20))


def audible_spans(
    audio: np.ndarray, *, origin: float, level_db: float, noise: float, band: Band,
    within: Sequence[Span],
) -> tuple[Span, ...]:
    """Where one line's ``audio`` (placed at ``origin`` s), at ``level_db`` and in ``band`` as
    :func:`mix_channels` mixes it, is louder than the white noise of RMS ``noise`` in the same
    band: 10 ms frames whose voice RMS is over the noise RMS, gaps under 0.2 s bridged (as
    :func:`~listening_coach.live.synth.measure_spans` measures a line's spans on clean audio),
    kept inside the line's speech spans ``within``."""
    voice = audio.astype(np.float64) * 10 ** (level_db / 20)
    floor = noise
    if band == "phone":
        pad = np.zeros(round(0.1 * SAMPLE_RATE))
        voice = phone_band(np.concatenate([pad, voice, pad]))[pad.size : pad.size + audio.size]
        floor = noise * _phone_noise_gain()
    frame = round(0.01 * SAMPLE_RATE)
    n = voice.size // frame
    peak = float(np.sqrt(np.mean(voice[: n * frame].reshape(n, frame) ** 2, axis=1)).max()) if n else 0.0
    if peak <= floor:
        return ()
    spans = measure_spans(voice.astype(np.float32), threshold_db=20 * np.log10(floor / peak))
    heard = [Span(round(origin + s.start, 3), round(origin + s.end, 3)) for s in spans]
    return tuple(both for a in heard for b in within if (both := a & b))


@functools.cache
def _phone_noise_gain() -> float:
    """RMS of unit white noise after :func:`phone_band` (about 0.6: 300-3400 Hz of 0-8 kHz)."""
    noise = np.random.default_rng(0).normal(0.0, 1.0, 4 * SAMPLE_RATE)
    return float(np.sqrt(np.mean(phone_band(noise)[SAMPLE_RATE:-SAMPLE_RATE] ** 2)))


def phone_band(x: np.ndarray) -> np.ndarray:
    """Telephone audio: 300-3400 Hz (zero-phase Butterworth), through 8 kHz and back to 16 kHz."""
    from scipy.signal import butter, sosfiltfilt

    sos = butter(6, PHONE_BAND_HZ, btype="bandpass", fs=SAMPLE_RATE, output="sos")
    narrow = _resample(sosfiltfilt(sos, x), SAMPLE_RATE, PHONE_RATE)
    back = _resample(narrow, PHONE_RATE, SAMPLE_RATE).astype(np.float64)
    out = np.zeros_like(x)
    out[: min(back.size, x.size)] = back[: x.size]
    return out


def _speech_rms(x: np.ndarray) -> float:
    """RMS of ``x`` over its speech spans (frame energy), 1e-4 for silence."""
    spans = measure_spans(x.astype(np.float32))
    if not spans:
        return 1e-4
    parts = [x[round(s.start * SAMPLE_RATE) : round(s.end * SAMPLE_RATE)] for s in spans]
    return float(np.sqrt(np.mean(np.concatenate(parts) ** 2)))
