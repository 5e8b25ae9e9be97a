"""A faint short second voice inside a turn is kept as a backchannel (diarization.backchannels)."""

from __future__ import annotations

import numpy as np
import pytest

from listening_coach.diarization.backchannels import add_backchannels, voice_grid
from listening_coach.diarization.segmentation import FRAME_S, FRAMES, Windows

TURN = (50, 550)  # voice 0 talks alone over these frames of the one window (8.4 s)


def _case(p_second: float, first: int, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One window: local speaker 0 (voice 0) talks over TURN, and the model gives local speaker 1
    (voice 1) probability ``p_second`` of talking at once over frames ``first..end``; the
    likeliest class is voice 0 alone throughout, so the stitched activity has voice 0 only."""
    activity = np.zeros((1, FRAMES, 3), np.uint8)
    activity[0, TURN[0] : TURN[1], 0] = 1
    voices = np.zeros((1, FRAMES, 3), np.float16)
    voices[0, TURN[0] : TURN[1], 0] = 1.0
    voices[0, first:end, 1] = p_second
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
    out = add_backchannels(active, two, heard)
    assert out[280:310, 1].all() and not out[:280, 1].any() and not out[310:, 1].any()
    assert out[:, 0].tolist() == active[:, 0].tolist()  # the turn itself is kept


@pytest.mark.parametrize(
    ("p_second", "first", "end", "why"),
    [
        (0.2, 280, 310, "too faint"),
        (0.4, TURN[0] + 20, TURN[0] + 50, "at the start of the turn: no second of it before"),
        (0.4, TURN[1] - 50, TURN[1] - 20, "at the end of the turn"),
        (0.4, 200, 200 + int(2.0 / FRAME_S), "2 s long: not a backchannel"),
        (0.4, 280, 285, "under 0.15 s"),
    ],
)
def test_no_backchannel_where_the_rule_does_not_hold(p_second: float, first: int, end: int, why: str) -> None:
    active, two, heard = _case(p_second, first, end)
    assert not add_backchannels(active, two, heard)[:, 1].any(), why


def test_no_probabilities_no_change() -> None:
    active, _, _ = _case(0.4, 280, 310)
    silent = np.zeros((1, FRAMES, 3), np.uint8)
    windows = Windows(np.zeros(1, np.int64), silent, np.zeros((1, FRAMES), np.float32))
    two, heard = voice_grid(windows, np.array([[0, 1, -1]]), 2, FRAMES)
    assert not two.any() and heard.shape == (FRAMES, 2)
    assert (add_backchannels(active, two, heard) == active).all()
