"""The benchmark's audible-speech truth: where a line's voice, as mixed, is over the noise."""

from __future__ import annotations

import numpy as np
import pytest

from listening_coach.testing.roleplay_audio import audible_spans, mix_channels, noise_rms
from listening_coach.types import PARTNER, TRAINEE, Span

RATE = 16_000


def _tone(hz: float, amplitude: float, seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_a_line_end_under_the_noise_is_not_audible() -> None:
    # 0.5 s at -9 dBFS RMS, then 0.5 s at -49 dBFS: noise at -40 dBFS hides the soft part
    line = np.concatenate([_tone(500, 0.5, 0.5), _tone(500, 0.005, 0.5)])
    whole = (Span(2.0, 3.0),)
    heard = audible_spans(line, origin=2.0, level_db=0.0, noise=0.01, band="wide", within=whole)
    assert heard == (Span(2.0, 2.5),)
    # the same line 35 dB quieter in the mix (a speaker level offset) is not heard at all
    assert audible_spans(line, origin=2.0, level_db=-35.0, noise=0.01, band="wide", within=whole) == ()
    # in a quiet room all of it is heard, but never outside the line's own spans
    quiet = audible_spans(line, origin=2.0, level_db=0.0, noise=1e-4, band="wide", within=whole)
    assert quiet == whole
    assert audible_spans(line, origin=2.0, level_db=0.0, noise=1e-4, band="wide",
                         within=(Span(2.2, 2.6),)) == (Span(2.2, 2.6),)


def test_the_telephone_band_takes_what_it_cannot_carry() -> None:
    low = _tone(120, 0.1, 0.6)  # below 300 Hz: gone on the phone, clear on a wideband line
    within = (Span(0.0, 0.6),)
    assert audible_spans(low, origin=0.0, level_db=0.0, noise=0.01, band="wide", within=within)
    assert audible_spans(low, origin=0.0, level_db=0.0, noise=0.01, band="phone", within=within) == ()
    mid = _tone(1000, 0.1, 0.6)  # in band: heard on both
    assert audible_spans(mid, origin=0.0, level_db=0.0, noise=0.01, band="phone", within=within)


def test_noise_rms_is_the_noise_the_mix_adds() -> None:
    loud, quiet = _tone(500, 0.5, 1.0), _tone(700, 0.5, 1.0)
    tracks = {TRAINEE: loud, PARTNER: quiet}
    levels = {PARTNER: -10.0}
    kwargs = dict(levels_db=levels, noise_db=-66.0, snr_db=20.0)
    rms = noise_rms(tracks, (TRAINEE, PARTNER), **kwargs)  # type: ignore[arg-type]
    assert rms == pytest.approx(0.5 / np.sqrt(2) / 10, rel=0.02)  # 20 dB under the louder voice
    silent = {TRAINEE: np.zeros(RATE, np.float32), PARTNER: np.zeros(RATE, np.float32)}
    mixed = mix_channels(silent, (TRAINEE, PARTNER), bleed_db=20.0, bleed_delay_ms=0.0, band="wide",
                         seed=1, **kwargs)  # type: ignore[arg-type]
    assert noise_rms(silent, (TRAINEE, PARTNER), **kwargs) == pytest.approx(  # type: ignore[arg-type]
        float(np.sqrt(np.mean(mixed.astype(np.float64) ** 2))), rel=0.02)
    assert noise_rms(tracks, (TRAINEE, PARTNER), levels_db=levels, noise_db=-66.0, snr_db=None) == (
        pytest.approx(10 ** (-66 / 20)))
