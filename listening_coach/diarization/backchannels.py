"""Backchannels the segmentation model heard only faintly: a short second voice inside a turn.

- :func:`voice_grid`: the windows' probabilities on one frame grid: that two voices talk at
  once, and that each global voice talks (edge-weighted means over the covering windows).
- :func:`add_backchannels`: frame activity -> the same with a second voice added where, inside
  one voice's solo turn, the windows' mean probability of two voices reaches
  ``BACKCHANNEL_P`` for a backchannel's length.

A quiet "mm-hm" under a louder voice (one voice 10 dB down over a phone band) is rarely the
model's likeliest class: on the generated role-plays its two-voice probability, sampled with
windows at 20 offsets, runs from 0.03 to 0.82, and the mean over the covering windows stays
at 0.17-0.49, so the windows' mean speaker count rounds to one voice. A backchannel is by
definition short and inside the other's turn, so there, and only there, a mean two-voice
probability of ``BACKCHANNEL_P`` is enough::

    voice A  ████████████████████████      A alone >= CONTEXT_S on both sides
    p(two)   ▁▁▁▁▁▁▁▁▁▁▄▅▄▁▁▁▁▁▁▁▁▁▁▁      >= BACKCHANNEL_P for MIN_S..MAX_S
    voice B  ░░░░░░░░░░███░░░░░░░░░░░      B: the other voice the windows hear most there
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


def add_backchannels(active: np.ndarray, two: np.ndarray, heard: np.ndarray) -> np.ndarray:
    """``active`` (n_frames, n_speakers) with a second voice added over every run of
    ``MIN_S``-``MAX_S`` where one voice talks alone, ``two`` >= ``BACKCHANNEL_P``, and that voice
    also talks alone ``CONTEXT_S`` before and after; the voice added is the other voice with
    the highest mean ``heard`` there (none if no window gives it any)."""
    out = active.copy()
    n, k = active.shape
    if k < 2:
        return out
    solo = active.sum(axis=1) == 1
    context = int(round(CONTEXT_S / FRAME_S))
    for a, b in runs(solo & (two >= BACKCHANNEL_P)):
        if not MIN_S <= (b - a) * FRAME_S <= MAX_S or a < context or b + context > n:
            continue
        speaker = int(np.argmax(active[a]))
        own = solo & active[:, speaker]
        if not (own[a - context : a].all() and own[b : b + context].all()):
            continue
        others = heard[a:b].mean(axis=0)
        others[speaker] = -1.0
        second = int(np.argmax(others))
        if others[second] > 0:
            out[a:b, second] = True
    return out
