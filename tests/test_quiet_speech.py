"""Quiet speech in long silences: Silero VAD's second opinion on frames over the loose margins."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from listening_coach.activity import bleed_gain_db, speech_activity
from listening_coach.audio import SAMPLE_RATE, frame_db
from listening_coach.config import SpeakerOptions
from listening_coach.quiet_speech import VAD_WINDOW, recheck_silences
from tests.conftest import require_tool

OPTS = SpeakerOptions()
NOISE = 0.01  # -40 dBFS white noise on both channels


def _frames(a: float, b: float) -> slice:
    return slice(round(a / OPTS.frame_s), round(b / OPTS.frame_s))


def _scene(sentence: np.ndarray, word: np.ndarray, word_over_noise_db: float) -> tuple[np.ndarray, float]:
    """Partner channel: ``sentence`` at 0.5 s, then 0.15 s later ``word`` with its loudest 20 ms
    frame ``word_over_noise_db`` over the noise, then 3 s of silence and the sentence again;
    trainee channel: noise. Returns the (2, n) signal and where the word starts."""
    peak = float(10 ** (frame_db(word, frame_s=OPTS.frame_s).max() / 20))  # loudest frame's RMS
    quiet = word * (NOISE * 10 ** (word_over_noise_db / 20) / peak)
    gap = np.zeros(round(0.15 * SAMPLE_RATE), np.float32)
    silence = np.zeros(3 * SAMPLE_RATE, np.float32)
    lead = np.zeros(SAMPLE_RATE // 2, np.float32)
    partner = np.concatenate([lead, sentence, gap, quiet, silence, sentence, lead])
    rng = np.random.default_rng(7)
    samples = np.stack([np.zeros_like(partner), partner]) + rng.normal(0, NOISE, (2, partner.size))
    return samples.astype(np.float32), 0.5 + (sentence.size + gap.size) / SAMPLE_RATE


def _fake_vad(prob: float, calls: list[int]):  # type: ignore[no-untyped-def]
    def vad(audio: np.ndarray) -> np.ndarray:
        calls.append(audio.size)
        return np.full(-(-audio.size // VAD_WINDOW), prob, np.float32)
    return vad


def _tone_scene() -> tuple[np.ndarray, float]:
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    sentence = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    word = (0.3 * np.sin(2 * np.pi * 500 * t[: SAMPLE_RATE // 4])).astype(np.float32)
    return _scene(sentence, word, 6.0)


def test_frames_over_the_loose_margins_count_only_where_the_vad_hears_speech() -> None:
    samples, at = _tone_scene()
    active = speech_activity(samples, OPTS)
    gain = bleed_gain_db(frame_db(samples, frame_s=OPTS.frame_s))
    assert not active[1, _frames(at, at + 0.25)].any()  # 6 dB over the noise: not speech alone
    calls: list[int] = []
    heard = recheck_silences(samples, active, OPTS, min_gap_s=1.0, gain_db=gain, vad=_fake_vad(0.9, calls))
    word = heard[1, _frames(at, at + 0.25)]
    assert word.mean() > 0.6 and calls  # the quiet word is speech now ...
    assert not heard[0].any() and not heard[1, _frames(at + 0.4, at + 3.0)].any()  # ... noise is not
    assert (heard | active).sum() == heard.sum() and (heard & active).sum() == active.sum()
    unsure = recheck_silences(samples, active, OPTS, min_gap_s=1.0, gain_db=gain, vad=_fake_vad(0.2, []))
    assert (unsure == active).all()  # the VAD does not hear speech: nothing changes
    off = dataclasses.replace(OPTS, vad_threshold=0.0)
    assert recheck_silences(samples, active, off, min_gap_s=1.0, vad=_fake_vad(0.9, [])) is active
    # only silences at least min_gap_s long are looked at, and the model sees only those
    assert recheck_silences(samples, active, OPTS, min_gap_s=10.0, vad=_fake_vad(0.9, [])) is active
    assert sum(calls) <= (0.15 + 0.25 + 3.0 + 0.3 + 0.05) * SAMPLE_RATE  # not the two sentences


def test_a_silence_with_nothing_over_the_loose_margins_costs_no_model_call() -> None:
    samples, _ = _tone_scene()
    samples[1, round(1.6 * SAMPLE_RATE) : round(4.5 * SAMPLE_RATE)] = np.random.default_rng(3).normal(
        0, NOISE, round(4.5 * SAMPLE_RATE) - round(1.6 * SAMPLE_RATE))  # the quiet word removed
    active = speech_activity(samples, OPTS)
    calls: list[int] = []
    same = recheck_silences(samples, active, OPTS, min_gap_s=1.0, vad=_fake_vad(0.9, calls))
    assert same.sum() == active.sum()
    assert calls == []


@pytest.mark.espeak
def test_silero_hears_a_quiet_spoken_word_and_not_the_noise() -> None:
    from listening_coach.live.synth import synthesize

    require_tool("espeak-ng", "apt-get install -y espeak-ng")
    sentence = synthesize("I knocked on their door", voice="en-us", speed_wpm=140)
    word = synthesize("once", voice="en-us", speed_wpm=140)
    samples, at = _scene(sentence, word, 6.0)
    active = speech_activity(samples, OPTS)
    gain = bleed_gain_db(frame_db(samples, frame_s=OPTS.frame_s))
    span = _frames(at, at + word.size / SAMPLE_RATE)
    assert not active[1, span].any()
    heard = recheck_silences(samples, active, OPTS, min_gap_s=1.0, gain_db=gain)
    assert heard[1, span].sum() * OPTS.frame_s >= 0.1
    assert not heard[0].any()
    assert not heard[1, _frames(at + word.size / SAMPLE_RATE + 0.2, at + 3.0)].any()
