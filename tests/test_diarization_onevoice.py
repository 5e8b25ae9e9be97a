"""One voice stays one voice (issue 14's bad input): segmentation-3.0 hands a single speaker a
second local label for a moment, and the diarizer must not make a second person of it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from listening_coach.diarization.segmentation import FRAME_S
from listening_coach.diarization.turns_check import fold_unconfirmed

SECOND = int(round(1 / FRAME_S))
TURN, PAUSE = 3 * SECOND, SECOND // 2
N_TURNS = 9  # voice 0 talks from 0 to about 31 s; the activity runs to 40 s


def _monologue() -> np.ndarray:
    """(frames, 2) activity: voice 0 in nine 3 s turns 0.5 s apart; nothing of voice 1 yet."""
    active = np.zeros((40 * SECOND, 2), dtype=bool)
    for i in range(N_TURNS):
        active[i * (TURN + PAUSE) : i * (TURN + PAUSE) + TURN, 0] = True
    return active


def _pause(i: int) -> int:
    """First frame of the pause after voice 0's turn ``i``."""
    return i * (TURN + PAUSE) + TURN


DB = np.full(40 * SECOND, -20.0)  # an even level: no turn is cut at a pause


def test_a_moment_of_a_second_label_is_folded_into_the_voice() -> None:
    """Voice 1 heard 0.3 s over voice 0 and 0.4 s alone in one of its pauses: no turn of its
    own and under min_speaker_s of speech, so it is voice 0."""
    active = _monologue()
    active[SECOND : SECOND + 18, 1] = True  # 0.3 s over voice 0
    active[_pause(2) + 2 : _pause(2) + 26, 1] = True  # 0.4 s in voice 0's pause
    out = fold_unconfirmed(active, DB, min_speech_s=2.0)
    assert not out[:, 1].any() and np.array_equal(out[:, 0], active[:, 0] | active[:, 1])


def test_a_voice_with_a_turn_or_enough_speech_stays() -> None:
    """A voice with one solo turn of 1.2 s (AMI's trn03 has a second person who says one 1.1 s
    sentence), or heard only over the other but for 2.5 s in all (a listener's backchannels),
    is a person; so is a short voice when it is the only one."""
    turn = _monologue()
    turn[_pause(0) : _pause(0) + PAUSE, 1] = True  # 0.5 s in a pause ...
    turn[33 * SECOND : 33 * SECOND + int(1.2 * SECOND), 1] = True  # ... and a 1.2 s turn after the talk
    assert np.array_equal(fold_unconfirmed(turn, DB, min_speech_s=2.0), turn)
    over = _monologue()
    for i in range(5):
        first = i * (TURN + PAUSE) + SECOND
        over[first : first + PAUSE, 1] = True  # 5 x 0.5 s over voice 0's turns
    assert not (over[:, 1] & ~over[:, 0]).any()
    assert np.array_equal(fold_unconfirmed(over, DB, min_speech_s=2.0), over)
    alone = np.zeros_like(turn)
    alone[SECOND : SECOND + 18, 1] = True
    assert np.array_equal(fold_unconfirmed(alone, DB, min_speech_s=2.0), alone)


@pytest.mark.espeak
def test_a_rendered_monologue_is_one_voice() -> None:
    """The trainee's track of the bundled angry-customer role-play alone (espeak-ng en-gb+f3,
    59 s): segmentation-3.0 gives it a second local label for 0.2 s, which before the fold
    came out as a second voice."""
    from listening_coach.config import DiarizeOptions
    from listening_coach.diarization import diarize
    from listening_coach.testing.roleplay import render
    from listening_coach.testing.sample_scripts import SAMPLES
    from tests.conftest import require_tool

    require_tool("espeak-ng", "apt-get install espeak-ng")
    rendered = render(dataclasses.replace(SAMPLES["angry_customer"], bleed_db=120.0))
    result = diarize(rendered.samples[0].astype(np.float32), DiarizeOptions())
    assert result.num_speakers == 1
