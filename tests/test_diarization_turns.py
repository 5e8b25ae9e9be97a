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


@pytest.mark.shared_data
def test_short_reply_inside_a_bridged_run_moves(dialogue: Dialogue) -> None:
    """A 0.8 s reply of voice 1 between two turns of voice 0, all three in one run of voice 0
    (the segmentation model bridges the 0.4 s pauses): the run is cut at the pauses and the
    reply, embedded whole, goes to voice 1; the turns around it stay."""
    samples, turns = dialogue
    short = 12800  # 0.8 s of voice 1's second turn
    a4, b4, _ = turns[4]
    first = turns[3][0] * FRAME_STEP  # voice 1's second turn starts here in samples
    pieces = [samples[: turns[4][0] * FRAME_STEP], samples[first : first + short]]
    pieces += [np.zeros(GAP, np.float32), samples[turns[4][0] * FRAME_STEP :]]
    mixed = np.concatenate(pieces)
    shift = (short + GAP) // FRAME_STEP
    n_frames = len(mixed) // FRAME_STEP + 1
    labels = [v for _, _, v in turns]
    active = np.zeros((n_frames, 2), dtype=bool)
    for (a, b, _), c in zip(turns, labels):
        if a >= a4:
            a, b = a + shift, b + shift
        active[a:b, c] = True
    reply = (a4 + 2, a4 + short // FRAME_STEP - 2)
    active[turns[2][0] : b4 + shift, 0] = True  # turns 2, the reply and 4 bridged into one run
    active[turns[3][0] : turns[3][1], 0] = False  # voice 1's turn 3 stays voice 1's
    out = recheck_turns(mixed, active)
    assert out[reply[0] : reply[1], 1].all() and not out[reply[0] : reply[1], 0].any()
    assert out[a4 + shift : b4 + shift, 0].all() and out[turns[2][0] : turns[2][1], 0].all()


@pytest.mark.shared_data
def test_pause_inside_a_moved_run_moves_with_it(dialogue: Dialogue) -> None:
    """Voice 1's turn with a 0.3 s pause in its middle, carried by voice 0 as one run (the model
    bridges the pause): the run is cut at the pause, both halves move to voice 1, and the pause
    goes with them instead of staying a short run of voice 0 inside voice 1's turn (which came
    out as a false overlap on the Piper role-plays)."""
    samples, turns = dialogue
    samples = samples.copy()
    a3, b3, _ = turns[3]
    middle = (a3 + b3) // 2
    pause = (middle - 9, middle + 9)  # 18 frames, 0.3 s
    samples[pause[0] * FRAME_STEP : pause[1] * FRAME_STEP] = 0.0
    wrong = [v for _, _, v in turns]
    wrong[3] = 0
    active = _active(len(samples) // FRAME_STEP + 1, turns, wrong)
    out = recheck_turns(samples, active)
    assert out[a3:b3, 1].all() and not out[a3:b3, 0].any()


def _one_voice_as_two(dialogue: Dialogue) -> np.ndarray:
    """(n_frames, 3) activity: voice 0's turns on label 0, voice 1's split between labels 1
    (turns 1, 3) and 2 (turns 5, 7)."""
    samples, turns = dialogue
    active = np.zeros((len(samples) // FRAME_STEP + 1, 3), dtype=bool)
    for i, (a, b, v) in enumerate(turns):
        active[a:b, 0 if v == 0 else 1 + (i >= 4)] = True
    return active


@pytest.mark.shared_data
def test_one_voice_kept_as_two_is_merged(dialogue: Dialogue) -> None:
    """Voice 1's turns split between two labels that never talk at the same time (the
    clustering kept a piece of one voice apart): with ``merge`` they become one voice; voice
    0, as far from them as another person is, stays apart."""
    samples = dialogue[0]
    active = _one_voice_as_two(dialogue)
    merged = recheck_turns(samples, active)
    used = [c for c in range(3) if merged[:, c].any()]
    assert len(used) == 2 and np.array_equal(merged[:, 0], active[:, 0])
    assert np.array_equal(merged[:, used[1]], active[:, 1] | active[:, 2])
    kept = recheck_turns(samples, active, merge=False)
    assert all(kept[:, c].any() for c in range(3))


@pytest.mark.shared_data
def test_voices_heard_together_are_not_merged(dialogue: Dialogue) -> None:
    """The same split, but the two labels also talk at once for 1 s (two people, as the
    model heard them): nothing is merged."""
    samples, turns = dialogue
    active = _one_voice_as_two(dialogue)
    a7 = turns[7][0]
    active[a7 : a7 + 60, 1] = True  # 60 frames (1 s) of label 1 under label 2's turn
    out = recheck_turns(samples, active)
    assert all(out[:, c].any() for c in range(3))


@pytest.mark.shared_data
def test_one_voice_heard_twice_for_a_moment_is_merged(dialogue: Dialogue) -> None:
    """The same split with the two labels heard together for 0.3 s, as segmentation-3.0 does
    where it hands one voice a second local label (0.24-0.3 s on single-speaker tracks): still
    one voice."""
    samples, turns = dialogue
    active = _one_voice_as_two(dialogue)
    a7 = turns[7][0]
    active[a7 : a7 + 18, 1] = True  # 18 frames (0.3 s)
    out = recheck_turns(samples, active)
    assert sum(out[:, c].any() for c in range(3)) == 2 and np.array_equal(out[:, 0], active[:, 0])


def _voices(third: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Voices 0 (near A) and 1 (near B) with four turns each and a third voice with the turn
    embeddings ``third``; every turn 60 frames, one after another, nobody at the same time:
    (active, embeddings, weights, labels)."""
    rng = np.random.default_rng(1)
    a, b = np.eye(2, 256)
    rows = [a + 0.05 * rng.normal(size=256) / 16 for _ in range(4)]
    rows += [b + 0.05 * rng.normal(size=256) / 16 for _ in range(4)]
    emb = np.vstack([rows, third])
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    label = np.array([0] * 4 + [1] * 4 + [2] * len(third))
    active = np.zeros((60 * len(label), 3), dtype=bool)
    for i, c in enumerate(label):
        active[60 * i : 60 * (i + 1), c] = True
    return active, emb, np.full(len(label), 60.0), label


def test_scattered_voice_near_another_is_merged_a_consistent_one_is_not() -> None:
    """A third voice 0.12 from voice 0 whose turns are farther from each other than from voice
    0 (pieces of voice 0 the clustering kept apart) joins voice 0; one 0.15 from it whose turns
    agree with each other (another person who sounds alike) stays."""
    from listening_coach.diarization.turns_check import _merged

    rng = np.random.default_rng(2)
    a = np.eye(1, 256)[0]

    def noise() -> np.ndarray:
        n = rng.normal(size=256)
        n[0] = 0.0  # orthogonal to A
        return n / np.linalg.norm(n)

    scattered = np.array([a + 0.95 * noise() for _ in range(3)])
    active, emb, weight, label = _voices(scattered)
    merged = _merged(active, emb, weight, label)
    assert not merged[:, 2].any() and np.array_equal(merged[:, 0], active[:, 0] | active[:, 2])
    toward = noise()
    alike = np.array([a + 0.62 * toward + 0.03 * noise() for _ in range(3)])
    active, emb, weight, label = _voices(alike)
    assert np.array_equal(_merged(active, emb, weight, label), active)


def test_recluster_two_takes_a_clearly_tighter_split_and_keeps_right_labels() -> None:
    from listening_coach.diarization.recluster import recluster_two

    rng = np.random.default_rng(5)
    u, v = np.eye(16)[0], np.eye(16)[1] * 0.8 + np.eye(16)[0] * 0.6  # voices 0.6 cosine apart
    people = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    emb = np.stack([(u if p == 0 else v) + 0.08 * rng.standard_normal(16) for p in people])
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    weight = np.array([3.0, 2.0, 3.0, 2.0, 2.0, 3.0, 2.0, 3.0])
    right = np.where(people == 0, 4, 7)  # voice ids 4 and 7
    assert np.array_equal(recluster_two(emb, weight, right), right)
    mixed = right.copy()
    mixed[[1, 2]] = mixed[[2, 1]]  # one turn of each person on the other's voice
    mixed[[5, 6]] = mixed[[6, 5]]
    assert np.array_equal(recluster_two(emb, weight, mixed), right) or np.array_equal(
        recluster_two(emb, weight, mixed), np.where(people == 0, 7, 4))
    # one voice only, or too few turns: unchanged
    assert np.array_equal(recluster_two(emb, weight, np.full(8, 4)), np.full(8, 4))
    assert np.array_equal(recluster_two(emb[:3], weight[:3], mixed[:3]), mixed[:3])


def test_third_voice_alike_another_is_folded_even_where_heard_together() -> None:
    """A third voice (the one with least speech) 0.05 from voice 0 that talks at the same time
    as voice 0 for 0.5 s (one person the windows gave two local labels) is folded into voice 0,
    and where the two were heard together the other voice, 1, talks (the model heard two people
    there); one 0.3 from both stays. Only the smallest voice is folded: two big voices alike (as
    one-pitch espeak-ng voices are) stay two, and two voices alone are never folded into one."""
    from listening_coach.diarization.turns_check import fold_alike

    a, b, c = np.eye(3, 16)
    near = (a + 0.33 * c) / np.linalg.norm(a + 0.33 * c)  # 0.05 from a
    active = np.zeros((400, 3), dtype=bool)
    active[0:100, 0] = active[100:200, 1] = active[200:280, 2] = True
    active[250:280, 0] = True  # voice 0 heard with voice 2 for 30 frames
    heard = np.zeros((400, 3), dtype=np.float32)  # the windows gave voice 1 nothing there
    prints = np.stack([a, b, near])
    out = fold_alike(active, prints, prints, heard)
    assert not out[:, 2].any() and np.array_equal(out[:, 0], active[:, 0] | active[:, 2])
    assert out[250:280, 1].all() and out[:, 1].sum() == 130
    far = (a + b) / np.linalg.norm(a + b)  # 0.29 from both
    assert np.array_equal(fold_alike(active, np.stack([a, b, far]), prints, heard), active)
    big_alike = np.stack([a, near, c])  # voices 0 and 1 (100 frames each) 0.05 apart, voice 2 apart
    assert np.array_equal(fold_alike(active, big_alike, big_alike, heard), active)
    two = active[:, [0, 2]]
    assert np.array_equal(fold_alike(two, prints[[0, 2]], prints[[0, 2]], heard[:, [0, 2]]), two)
