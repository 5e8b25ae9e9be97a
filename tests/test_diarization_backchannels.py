"""A faint short second voice inside a turn is kept as a backchannel (diarization.backchannels)."""

from __future__ import annotations

import numpy as np
import pytest

from listening_coach.diarization.backchannels import (
    BACKCHANNEL_P, FAINT_P, GIVEN, HELD, QUIETER_DB, add_backchannels, voice_grid, voice_levels,
)
from listening_coach.diarization.segmentation import FRAME_S, FRAMES, Windows

TURN = (50, 550)  # voice 0 talks alone over these frames of the one window (8.4 s)
LEVELS_APART = np.array([-20.0, -20.0 - QUIETER_DB - 1.0])  # voice 1 much quieter than voice 0
FAINT = (FAINT_P + BACKCHANNEL_P) / 2  # under BACKCHANNEL_P, over FAINT_P


def _case(
    p_second: float, first: int, end: int, *, p_first: float = 1.0, p_other: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One window: local speaker 0 (voice 0) talks over TURN, and the model gives local speaker 1
    (voice 1) probability ``p_second`` of talking at once over frames ``first..end``; the
    likeliest class is voice 0 alone throughout, so the stitched activity has voice 0 only.
    ``p_first``: voice 0's probability over ``first..end``; ``p_other``: that of local speaker 2,
    which no voice was given (probability of two voices the windows give to nobody known)."""
    activity = np.zeros((1, FRAMES, 3), np.uint8)
    activity[0, TURN[0] : TURN[1], 0] = 1
    voices = np.zeros((1, FRAMES, 3), np.float16)
    voices[0, TURN[0] : TURN[1], 0] = 1.0
    voices[0, first:end, 1] = p_second
    voices[0, first:end, 0] = p_first
    voices[0, first:end, 2] = p_other
    speech = np.zeros((1, FRAMES), np.float32)
    speech[0, TURN[0] : TURN[1]] = 1.0
    windows = Windows(np.zeros(1, np.int64), activity, speech, voices)
    assigned = np.array([[0, 1, -1]])
    two, heard = voice_grid(windows, assigned, 2, FRAMES)
    active = np.zeros((FRAMES, 2), bool)
    active[TURN[0] : TURN[1], 0] = True
    return active, two, heard


def test_faint_second_voice_inside_a_turn_becomes_a_backchannel() -> None:
    active, two, heard = _case(0.4, 280, 310)
    assert two[290] == pytest.approx(0.4, abs=0.01) and heard[290, 1] == pytest.approx(0.4, abs=0.01)
    out = add_backchannels(active, two, heard, LEVELS_APART)
    assert out[280:310, 1].all() and not out[:280, 1].any() and not out[310:, 1].any()
    assert out[:, 0].tolist() == active[:, 0].tolist()  # the turn itself is kept


@pytest.mark.parametrize(
    ("p_second", "first", "end", "why"),
    [
        (0.4, TURN[0] + 20, TURN[0] + 50, "at the start of the turn: no second of it before"),
        (0.4, TURN[1] - 50, TURN[1] - 20, "at the end of the turn"),
        (0.4, 200, 200 + int(2.0 / FRAME_S), "2 s long: not a backchannel"),
        (0.4, 280, 285, "under 0.15 s"),
    ],
)
def test_no_backchannel_where_the_rule_does_not_hold(p_second: float, first: int, end: int, why: str) -> None:
    active, two, heard = _case(p_second, first, end)
    assert not add_backchannels(active, two, heard, LEVELS_APART)[:, 1].any(), why


@pytest.mark.parametrize(
    ("levels", "why"),
    [
        (np.array([-20.0, -20.0]), "as loud as the turn's voice: the model would hear it plainly"),
        (np.array([-26.0, -20.0]), "louder than the turn's voice"),
        (np.array([-20.0, np.nan]), "never heard alone: its level is unknown"),
    ],
)
def test_no_backchannel_for_a_voice_not_much_quieter(levels: np.ndarray, why: str) -> None:
    """Sub-threshold evidence of a second voice is believed only where masking explains it."""
    active, two, heard = _case(0.4, 280, 310)
    assert add_backchannels(active, two, heard, LEVELS_APART)[280:310, 1].all()
    assert not add_backchannels(active, two, heard, levels)[:, 1].any(), why


def test_a_piece_of_the_second_voice_already_found_does_not_split_the_backchannel() -> None:
    """The stitched activity may already hold a sliver of the backchannel; the run around it
    is still one backchannel (before, the sliver broke the turn's voice's solo run in two, and
    neither half had a second of solo talk on both sides)."""
    active, two, heard = _case(0.4, 280, 320)
    active[298:302, 1] = True
    out = add_backchannels(active, two, heard, LEVELS_APART)
    assert out[280:320, 1].all() and not out[:280, 1].any() and not out[320:, 1].any()


def test_no_probabilities_no_change() -> None:
    active, _, _ = _case(0.4, 280, 310)
    silent = np.zeros((1, FRAMES, 3), np.uint8)
    windows = Windows(np.zeros(1, np.int64), silent, np.zeros((1, FRAMES), np.float32))
    two, heard = voice_grid(windows, np.array([[0, 1, -1]]), 2, FRAMES)
    assert not two.any() and heard.shape == (FRAMES, 2)
    assert (add_backchannels(active, two, heard, LEVELS_APART) == active).all()


def test_a_much_quieter_voice_is_kept_at_a_fainter_probability() -> None:
    active, two, heard = _case(FAINT, 280, 310)
    out = add_backchannels(active, two, heard, LEVELS_APART)
    assert out[280:310, 1].all() and not out[:280, 1].any() and not out[310:, 1].any()


@pytest.mark.parametrize(
    ("levels", "p_first", "p_other", "why"),
    [
        (np.array([-20.0, -20.0 - QUIETER_DB + 1.0]), 1.0, 0.0, "the voices' levels are close"),
        (np.array([-26.0, -20.0]), 1.0, 0.0, "the faint voice is the louder one"),
        (np.array([-20.0, np.nan]), 1.0, 0.0, "the faint voice is never heard alone"),
        (LEVELS_APART, HELD - 0.05, 0.0, "the windows doubt the turn's voice goes on"),
        (LEVELS_APART, 1.0, FAINT * (1 - GIVEN) * 3, "the two-voice probability goes to nobody known"),
    ],
)
def test_no_faint_backchannel_where_the_rule_does_not_hold(
    levels: np.ndarray, p_first: float, p_other: float, why: str
) -> None:
    active, two, heard = _case(FAINT, 280, 310, p_first=p_first, p_other=p_other)
    assert not add_backchannels(active, two, heard, levels)[:, 1].any(), why


def test_no_faint_backchannel_under_the_faint_probability() -> None:
    active, two, heard = _case(FAINT_P - 0.03, 280, 310)
    assert not add_backchannels(active, two, heard, LEVELS_APART)[:, 1].any()


def test_voice_levels_are_each_voices_loud_solo_speech() -> None:
    active = np.zeros((400, 3), bool)
    active[:200, 0] = True
    active[200:, 1] = True
    active[150:200, 1] = True  # overlap: left out of both voices' levels
    db = np.concatenate([np.full(150, -20.0), np.full(50, 0.0), np.linspace(-40.0, -30.0, 200)])
    levels = voice_levels(active, db)
    assert levels[0] == pytest.approx(-20.0)
    assert levels[1] == pytest.approx(-31.0, abs=0.1)  # the 90th percentile of -40..-30
    assert np.isnan(levels[2])  # never talks alone: unknown, not quieter
