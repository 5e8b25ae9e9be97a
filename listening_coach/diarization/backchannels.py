"""Backchannels the segmentation model heard only faintly: a short second voice inside a turn.

- :func:`voice_grid`: the windows' probabilities on one frame grid: that two voices talk at
  once, and that each global voice talks (edge-weighted means over the covering windows).
- :func:`voice_levels`: each voice's loud speech level (dB) over the frames it talks alone.
- :func:`add_backchannels`: frame activity -> the same with a much quieter voice added where,
  inside the other voice's turn, the windows' mean probability of two voices reaches
  ``BACKCHANNEL_P`` (``FAINT_P`` with more support) for a backchannel's length.

A quiet "mm-hm" under a louder voice (one voice 10 dB down over a phone band) is rarely the
model's likeliest class: on the generated role-plays its two-voice probability, sampled with
windows at 20 offsets, runs from 0.03 to 0.82, and the mean over the covering windows stays
at 0.17-0.49, so the windows' mean speaker count rounds to one voice. A backchannel is by
definition short and inside the other's turn, so there, and only there, a mean two-voice
probability of ``BACKCHANNEL_P`` is enough::

    voice A  ████████████████████████      A alone >= CONTEXT_S on both sides
    p(two)   ▁▁▁▁▁▁▁▁▁▁▄▅▄▁▁▁▁▁▁▁▁▁▁▁      >= BACKCHANNEL_P for MIN_S..MAX_S
    voice B  ░░░░░░░░░░███░░░░░░░░░░░      B: the other voice the windows hear most there

Only where masking explains the faintness: B must be much quieter than A (its loud speech
``QUIETER_DB`` under A's, as a trainee 10 dB down). A voice as loud as the turn's or louder is
heard plainly when it talks (the found backchannels of such voices reach 0.86-0.96; the
stitched activity already holds them), so a two-voice probability of 0.3-0.5 there is the
model's confusion (on the generated role-plays: a quiet trainee's turn heard as the loud partner
cutting in). A voice never heard alone has no level, so no evidence that it is quieter. Under a
louder voice a much quieter voice's "mm-hm" can reach a mean two-voice probability of only
0.17-0.2: ``FAINT_P`` is enough where the windows also hold the turn's voice on throughout
(``HELD``) and give the quiet voice itself most of the two-voice probability (``GIVEN``);
elsewhere a probability that low is the model's noise. Frames where the stitched activity
already has another voice belong to the run (a sliver of the backchannel found there must not
cut it in two).
"""

from __future__ import annotations

import numpy as np

from listening_coach.activity import runs
from listening_coach.diarization.segmentation import (
    FRAME_S, FRAME_STEP, FRAMES, LOCAL_SPEAKERS, Windows, edge_weights,
)

BACKCHANNEL_P = 0.3  # mean probability of two voices (the value chosen on AMI for overlap onsets)
CONTEXT_S = 1.0  # the other voice talks alone at least this long before and after
MIN_S = 0.15  # the segments' shortest run (DiarizeOptions.min_speech_s)
MAX_S = 1.5  # longer is not a backchannel
# a voice whose loud speech (90th percentile of its solo frames' dB, as turns_check's) is at
# least QUIETER_DB under the turn's voice: FAINT_P is enough where the windows' mean probability
# of the turn's voice stays >= HELD and the quiet voice gets >= GIVEN of the two-voice probability
QUIETER_DB = 5.0
FAINT_P = 0.15
HELD = 0.99
GIVEN = 0.9


def voice_grid(
    windows: Windows, assigned: np.ndarray, n_speakers: int, n_frames: int
) -> tuple[np.ndarray, np.ndarray]:
    """(n_frames,) mean probability of two voices at once and (n_frames, n_speakers) mean
    probability of each global voice, over the windows covering each frame (weighted by
    :func:`~listening_coach.diarization.segmentation.edge_weights`, as in
    :func:`~listening_coach.diarization.stitch.aggregate`). Zeros without
    ``windows.voices``."""
    two = np.zeros(n_frames, dtype=np.float32)
    heard = np.zeros((n_frames, max(n_speakers, 1)), dtype=np.float32)
    if windows.voices is None:
        return two, heard[:, :n_speakers]
    weight = edge_weights()
    cover = np.zeros(n_frames, dtype=np.float32)
    for w, start in enumerate(windows.starts):
        first = int(round(start / FRAME_STEP))
        m = max(0, min(FRAMES, n_frames - first))
        if not m:
            continue
        probs = windows.voices[w, :m].astype(np.float32)
        cover[first : first + m] += weight[:m]
        two[first : first + m] += weight[:m] * np.clip(probs.sum(axis=1) - windows.speech[w, :m], 0.0, 1.0)
        for k in range(LOCAL_SPEAKERS):
            if assigned[w, k] >= 0:
                heard[first : first + m, assigned[w, k]] += weight[:m] * probs[:, k]
    covered = np.maximum(cover, 1e-6)
    return two / covered, heard[:, :n_speakers] / covered[:, None]


def voice_levels(active: np.ndarray, db: np.ndarray) -> np.ndarray:
    """(n_speakers,) each voice's loud speech level: the 90th percentile of ``db`` ((n_frames,)
    frame levels, :func:`~listening_coach.diarization.turns_check.frame_levels`) over the frames
    where it talks alone; NaN (unknown) for a voice that never does for ``MIN_S``."""
    solo = active.sum(axis=1) == 1
    out = np.full(active.shape[1], np.nan)
    for c in range(active.shape[1]):
        own = db[solo & active[:, c]]
        if len(own) * FRAME_S >= MIN_S:
            out[c] = float(np.percentile(own, 90))
    return out


def add_backchannels(
    active: np.ndarray, two: np.ndarray, heard: np.ndarray, levels: np.ndarray
) -> np.ndarray:
    """``active`` (n_frames, n_speakers) with a second voice added over every run of
    ``MIN_S``-``MAX_S`` inside one voice's talk where ``two`` >= ``BACKCHANNEL_P`` (frames where
    another voice is already found count as part of the run) and that voice talks alone
    ``CONTEXT_S`` before and after. The voice added is the other voice with the highest mean
    ``heard`` there (none if no window gives it any), and only when it is ``QUIETER_DB``
    quieter than the turn's voice by ``levels`` (:func:`voice_levels`; NaN, a voice never heard
    alone, is no evidence). Also over such runs of ``two`` >= ``FAINT_P`` where ``heard``
    holds the turn's voice >= ``HELD`` and gives the quiet voice >= ``GIVEN`` of the mean
    ``two``."""
    out = active.copy()
    if active.shape[1] < 2:
        return out
    for threshold in (BACKCHANNEL_P, FAINT_P):
        for a, b, speaker in _inside_turns(active, two >= threshold):
            second = _most_heard_other(heard[a:b], speaker)
            if second is None or not levels[speaker] - levels[second] >= QUIETER_DB:  # NaN: False
                continue
            mean = heard[a:b].mean(axis=0)
            faint = threshold < BACKCHANNEL_P
            if faint and not (mean[speaker] >= HELD and mean[second] >= GIVEN * float(two[a:b].mean())):
                continue
            out[a:b, second] = True
    return out


def _inside_turns(active: np.ndarray, likely: np.ndarray) -> list[tuple[int, int, int]]:
    """(first, end, voice) of every run of ``MIN_S``-``MAX_S`` frames inside one voice's talk
    where ``likely`` holds or another voice is already found (at least ``MIN_S`` of ``likely``),
    with that voice alone ``CONTEXT_S`` before and after."""
    n, k = active.shape
    context = int(round(CONTEXT_S / FRAME_S))
    out = []
    for speaker in range(k):
        others = np.delete(active, speaker, axis=1).any(axis=1)
        alone = active[:, speaker] & ~others
        for a, b in runs(active[:, speaker] & (likely | others)):
            if not MIN_S <= (b - a) * FRAME_S <= MAX_S or a < context or b + context > n:
                continue
            held = alone[a - context : a].all() and alone[b : b + context].all()
            if held and likely[a:b].sum() * FRAME_S >= MIN_S:
                out.append((a, b, speaker))
    return out


def _most_heard_other(heard: np.ndarray, speaker: int) -> int | None:
    """The voice other than ``speaker`` with the highest mean ``heard`` (None if it is 0)."""
    others = heard.mean(axis=0)
    others[speaker] = -1.0
    second = int(np.argmax(others))
    return second if others[second] > 0 else None
