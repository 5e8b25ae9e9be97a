"""Weak fricatives at the edges of speech: a run of speech takes a final "s" after a closure."""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.signal import butter, sosfiltfilt

from listening_coach.activity import bleed_gain_db, speech_activity
from listening_coach.attribute import channel_activity
from listening_coach.audio import SAMPLE_RATE, frame_db
from listening_coach.config import DEFAULT_CONFIG, SpeakerOptions
from listening_coach.endpoints import band_db, extend_weak_edges

OPTS = SpeakerOptions()
OFF = dataclasses.replace(OPTS, fricative_reach_s=0.0)
NOISE = 0.01  # white noise RMS before the telephone band (-40 dBFS)
VOWEL_S, CLOSURE_S, S_S = 0.6, 0.16, 0.14


def _band(x: np.ndarray, low: float, high: float) -> np.ndarray:
    sos = butter(6, (low, high), btype="bandpass", fs=SAMPLE_RATE, output="sos")
    return sosfiltfilt(sos, x).astype(np.float32)


def _frames(a: float, b: float) -> slice:
    return slice(round(a / OPTS.frame_s), round(b / OPTS.frame_s))


def _scene(with_s: bool = True, s_at_s: float = CLOSURE_S) -> tuple[np.ndarray, float]:
    """Telephone-band (300-3400 Hz) partner channel: 0.5 s of noise, a vowel (harmonics of
    150 Hz), ``s_at_s`` of closure, an "s" (noise at 2.5-3.4 kHz, as loud as the line's noise),
    3 s of noise, the vowel again; trainee channel: its own noise. Returns the (2, n) signal and
    where the vowel ends."""
    rng = np.random.default_rng(11)
    t = np.arange(round(VOWEL_S * SAMPLE_RATE)) / SAMPLE_RATE
    vowel = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 8)).astype(np.float32) * 0.1
    noise_rms = float(np.sqrt(np.mean(_band(rng.normal(0, NOISE, 4 * SAMPLE_RATE), 300, 3400) ** 2)))
    hiss = _band(rng.normal(0, 1.0, round(S_S * SAMPLE_RATE) + 2000), 2500, 3400)[1000:-1000]
    hiss *= noise_rms / float(np.sqrt(np.mean(hiss**2))) * float(with_s)
    gap = np.zeros(round(s_at_s * SAMPLE_RATE), np.float32)
    lead = np.zeros(SAMPLE_RATE // 2, np.float32)
    partner = np.concatenate([lead, vowel, gap, hiss, np.zeros(3 * SAMPLE_RATE, np.float32), vowel, lead])
    noise = rng.normal(0, NOISE, (2, partner.size))
    samples = np.stack([np.zeros_like(partner), partner]) + np.stack([_band(n, 300, 3400) for n in noise])
    return samples.astype(np.float32), 0.5 + VOWEL_S


def _activity(samples: np.ndarray, options: SpeakerOptions) -> np.ndarray:
    gain = bleed_gain_db(frame_db(samples, frame_s=options.frame_s))
    return extend_weak_edges(samples, speech_activity(samples, options, gain_db=gain), options, gain_db=gain)


def test_the_s_is_under_the_broadband_margins_but_over_its_band_floor() -> None:
    samples, end = _scene()
    s = _frames(end + CLOSURE_S + 0.02, end + CLOSURE_S + S_S - 0.02)
    db = frame_db(samples[1], frame_s=OPTS.frame_s)
    high = band_db(samples[1:], frame_s=OPTS.frame_s, low_hz=OPTS.fricative_hz)[0]
    floor, high_floor = np.percentile(db, 10), np.percentile(high, 10)
    assert np.median(db[s]) - floor < OPTS.edge_margin_db  # the plain hysteresis cannot take it ...
    assert np.median(high[s]) - high_floor > OPTS.edge_margin_db + 1.0  # ... its band can


def test_a_run_of_speech_takes_the_final_s_after_its_closure() -> None:
    samples, end = _scene()
    before = _activity(samples, OFF)
    after = _activity(samples, OPTS)
    s = _frames(end + CLOSURE_S + 0.02, end + OPTS.fricative_reach_s - 0.02)
    assert before[1, _frames(end - 0.1, end - 0.02)].all()  # the vowel is speech either way
    assert not before[1, s].any()  # without the extension the line ends at the closure ...
    assert after[1, _frames(end - 0.1, end + OPTS.fricative_reach_s - 0.02)].all()  # ... with it, at the "s"
    assert not after[1, _frames(end + OPTS.fricative_reach_s + 0.02, end + 3.0)].any()  # no further
    assert not after[0].any()  # the other channel's noise is not speech
    assert (after | before).sum() == after.sum()  # it only adds


def test_channel_activity_extends_the_runs_of_speech_for_timing_only() -> None:
    samples, end = _scene()
    config = dataclasses.replace(DEFAULT_CONFIG, speakers=dataclasses.replace(OPTS, vad_threshold=0.0))
    _, active, heard = channel_activity(samples, config)
    s = _frames(end + CLOSURE_S + 0.02, end + OPTS.fricative_reach_s - 0.02)
    assert active[1, s].all()  # the turn's timing takes the "s" ...
    assert not heard[1, s].any()  # ... Whisper's regions and masking stay as they were
    assert (heard[1] == _activity(samples, OFF)[1]).all()


def test_pure_noise_after_speech_is_not_extended() -> None:
    samples, end = _scene(with_s=False)
    assert (_activity(samples, OPTS) == _activity(samples, OFF)).all()


def test_an_s_beyond_the_reach_is_not_taken() -> None:
    samples, end = _scene(s_at_s=OPTS.fricative_reach_s + 0.1)
    after = _activity(samples, OPTS)
    assert (after == _activity(samples, OFF)).all()
    assert not after[1, _frames(end, end + OPTS.fricative_reach_s + 0.1 + S_S)].any()


def test_a_hiss_just_before_speech_starts_it() -> None:
    samples, end = _scene()
    onset = round(0.5 * SAMPLE_RATE)  # the first vowel's onset, and a weak "s" 0.1 s before it
    hiss = samples[1, round((end + CLOSURE_S) * SAMPLE_RATE) : round((end + CLOSURE_S + S_S) * SAMPLE_RATE)]
    samples[1, onset - round(0.1 * SAMPLE_RATE) - hiss.size : onset - round(0.1 * SAMPLE_RATE)] += hiss
    before, after = _activity(samples, OFF), _activity(samples, OPTS)
    s = _frames(0.5 - 0.1 - S_S + 0.02, 0.5 - 0.1 - 0.02)
    assert not before[1, s].any() and after[1, s.start : _frames(0.5, 0.6).stop].all()
    assert not after[1, : _frames(0.0, 0.5 - 0.1 - S_S - 0.02).stop].any()


def test_reach_zero_turns_it_off() -> None:
    samples, _ = _scene()
    active = speech_activity(samples, OFF)
    assert extend_weak_edges(samples, active, OFF) is active
