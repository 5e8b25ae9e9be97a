"""The turn re-check of the segmentation diarizer (diarization/turns_check.py): whole solo turns
given to the wrong voice by the window chaining move to the voice they sound like."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from listening_coach.diarization.segmentation import FRAME_STEP
from listening_coach.diarization.turns_check import recheck_turns

TURN = 40000  # 2.5 s
GAP = 6400  # 0.4 s
Dialogue = tuple[np.ndarray, list[tuple[int, int, int]]]


@pytest.fixture(scope="module")
def dialogue(shared_data: Path) -> Dialogue:
    """Eight 2.5 s turns of two real read voices (LibriSpeech, CMU ARCTIC) in turn, 0.4 s apart,
    level-matched: samples and [(first frame, end frame, true voice)]."""
    from listening_coach.audio import load_audio

    files = ("2412-153948-0000.flac", "arctic_a0024.wav")
    voices = [load_audio(shared_data / "speech" / f).mean(axis=0) for f in files]
    parts, turns, pos = [], [], 0
    for i in range(8):
        x = voices[i % 2]
        start = (i // 2) * TURN % max(1, len(x) - TURN)
        piece = x[start : start + TURN]
        parts += [0.05 * piece / (np.sqrt(np.mean(piece**2)) + 1e-9), np.zeros(GAP, np.float32)]
        turns.append((pos // FRAME_STEP + 2, (pos + len(piece)) // FRAME_STEP - 2, i % 2))
        pos += len(piece) + GAP
    return np.concatenate(parts).astype(np.float32), turns


def _active(n_frames: int, turns: list[tuple[int, int, int]], labels: list[int]) -> np.ndarray:
    active = np.zeros((n_frames, 2), dtype=bool)
    for (a, b, _), c in zip(turns, labels):
        active[a:b, c] = True
    return active


def _labels(active: np.ndarray, turns: list[tuple[int, int, int]]) -> list[int]:
    return [int(np.argmax(active[a:b].sum(axis=0))) for a, b, _ in turns]


@pytest.mark.shared_data
def test_right_turns_stay(dialogue: Dialogue) -> None:
    samples, turns = dialogue
    truth = [v for _, _, v in turns]
    active = _active(len(samples) // FRAME_STEP + 1, turns, truth)
    assert np.array_equal(recheck_turns(samples, active), active)


@pytest.mark.shared_data
def test_one_wrong_turn_moves(dialogue: Dialogue) -> None:
    samples, turns = dialogue
    truth = [v for _, _, v in turns]
    wrong = list(truth)
    wrong[3] = 0  # a turn of voice 1 carried by voice 0's chain
    active = _active(len(samples) // FRAME_STEP + 1, turns, wrong)
    assert _labels(recheck_turns(samples, active), turns) == truth


@pytest.mark.shared_data
def test_voice_holding_most_of_the_other_is_split(dialogue: Dialogue) -> None:
    """As in a role-play with one voice 10 dB down over a phone band: the chain of one voice
    carries three of the other's four turns, so its centroid is a mix that no single turn is
    clearly further from; the two-way split of its turns finds them."""
    samples, turns = dialogue
    truth = [v for _, _, v in turns]
    wrong = [0, 1, 0, 0, 0, 0, 0, 0]
    active = _active(len(samples) // FRAME_STEP + 1, turns, wrong)
    assert _labels(recheck_turns(samples, active), turns) == truth
