"""Speech activity per channel with bleed rejected, bleed cancellation, word snapping."""

from __future__ import annotations

import numpy as np
import pytest

from listening_coach.activity import (
    activity_spans,
    cancel_bleed,
    channels_identical,
    snap_words,
    speech_activity,
)
from listening_coach.audio import SAMPLE_RATE
from listening_coach.testing import silence, syllable_train
from listening_coach.types import Word

RNG = np.random.default_rng(seed=440)


def two_person(bleed_db: float = 20.0, delay_ms: float = 2.0) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Trainee speaks 1-3 s and 5.5-6.5 s, partner 3.5-6 s (overlap 5.5-6)."""
    trainee = np.concatenate(
        [
            silence(1.0),
            syllable_train(2.0, frequency_hz=210),
            silence(2.5),
            syllable_train(1.0, frequency_hz=210),
            silence(1.5),
        ]
    )
    partner = np.concatenate([silence(3.5), syllable_train(2.5, frequency_hz=120), silence(2.0)])
    gain = 10 ** (-bleed_db / 20)
    delay = int(delay_ms / 1000 * SAMPLE_RATE)

    def leak(x: np.ndarray) -> np.ndarray:
        return np.concatenate([np.zeros(delay, np.float32), x[: x.size - delay]]) * gain

    noise = lambda: (RNG.standard_normal(trainee.size) * 10 ** (-66 / 20)).astype(np.float32)  # noqa: E731
    mix = np.stack([trainee + leak(partner) + noise(), partner + leak(trainee) + noise()]).astype(np.float32)
    return mix, [(1.0, 3.0), (5.5, 6.5)]


def spans(active: np.ndarray) -> list[tuple[float, float]]:
    return [(round(a, 1), round(b, 1)) for a, b in activity_spans(active, 0.02)]


@pytest.mark.parametrize("bleed_db", [12.0, 20.0, 30.0], ids=["loud-bleed", "bleed", "faint-bleed"])
def test_bleed_is_not_speech_but_real_overlap_is(bleed_db: float) -> None:
    mix, truth = two_person(bleed_db)
    active = speech_activity(mix)
    assert spans(active[0]) == [(1.0, 3.0), (5.5, 6.5)]
    assert spans(active[1]) == [(3.5, 6.0)]


def test_cancel_bleed_removes_most_of_the_other_voice() -> None:
    mix, _ = two_person(18.0, delay_ms=3.0)
    clean = cancel_bleed(mix)
    partner_only = slice(int(3.6 * SAMPLE_RATE), int(5.4 * SAMPLE_RATE))
    before = 10 * np.log10(np.mean(mix[0, partner_only] ** 2))
    after = 10 * np.log10(np.mean(clean[0, partner_only] ** 2))
    assert before - after > 20  # dB of bleed removed
    both = slice(int(5.6 * SAMPLE_RATE), int(5.9 * SAMPLE_RATE))
    assert np.mean(clean[0, both] ** 2) > 0.5 * np.mean(mix[0, both] ** 2)  # own voice kept


def test_snap_words_clips_stretched_words_and_moves_late_onsets() -> None:
    active = np.zeros(300, bool)  # 6 s of 20 ms frames
    active[50:100] = True  # speech 1.0-2.0 s
    active[200:225] = True  # speech 4.0-4.5 s
    words = [
        Word(1.3, 1.6, " so", "trainee"),  # whisper placed it late: onset moves to 1.0
        Word(1.6, 3.9, " ask", "trainee"),  # stretched over silence: clipped at 2.0
        Word(4.1, 4.4, " mm", "trainee"),
        Word(5.0, 5.5, " ghost", "trainee"),  # no speech under it: bleed or hallucination
    ]
    snapped = snap_words(words, active, frame_s=0.02)
    assert [(w.start, w.end, w.text) for w in snapped] == [
        (1.0, 1.6, " so"),
        (1.6, 2.0, " ask"),
        (4.0, 4.5, " mm"),
    ]
    kept = snap_words(words, active, frame_s=0.02, drop_silent=False)
    assert kept[-1] == words[-1]


def test_identical_channels_are_detected() -> None:
    mono = syllable_train(1.0)
    assert channels_identical(np.stack([mono, mono]))
    mix, _ = two_person()
    assert not channels_identical(mix)


def test_after_cancellation_the_raw_bleed_gain_keeps_residue_out() -> None:
    from listening_coach.audio import frame_db
    from listening_coach.activity import bleed_gain_db

    mix, _ = two_person(20.0, delay_ms=2.0)
    gain = bleed_gain_db(frame_db(mix, frame_s=0.02))
    assert gain[0, 1] == pytest.approx(-20.0, abs=3.0)
    active = speech_activity(cancel_bleed(mix), gain_db=gain)
    assert spans(active[0]) == [(1.0, 3.0), (5.5, 6.5)]
    assert spans(active[1]) == [(3.5, 6.0)]


def test_two_people_on_separate_microphones_talking_at_once_both_count() -> None:
    """No bleed at all (two recordings side by side): the quieter talker is not bleed."""
    loud = np.concatenate([silence(0.5), syllable_train(4.0, frequency_hz=120), silence(0.5)])
    quiet = np.concatenate([silence(1.0), 0.2 * syllable_train(3.0, frequency_hz=220), silence(1.0)])
    noise = (RNG.standard_normal((2, loud.size)) * 1e-4).astype(np.float32)
    active = speech_activity(np.stack([quiet, loud]) + noise)
    assert spans(active[0]) == [(1.0, 4.0)]
    assert spans(active[1]) == [(0.5, 4.5)]
