"""From per-window local speakers to global speakers (the segmentation-3.0 diarizer).

- :func:`local_embeddings`: one voice embedding per (window, local speaker) from the frames
  where that speaker talks alone (all its frames, marked unfit for clustering, when it only
  talks in overlap, as a backchannel does).
- :func:`aggregate`: overlap-add every window's activity onto one frame grid per global
  speaker, and keep per frame as many speakers as the windows say talk there (pyannote's
  speaker-count trick), which is how overlaps survive the stitching; an overlap starts where
  the windows already find two voices likely (:func:`early_onsets`).

::

    window 1  local0 ████████░░░░ local1 ░░░░░░██░░██      local1 inside local0: a backchannel
    window 2       local0 ░░██░░██████ local2 ███░░░░░░░
              --> global A ████████░░░░░░░░   global B ░░░░░░██░░█████   (count per frame)
"""

from __future__ import annotations

import numpy as np

from listening_coach.activity import runs
from listening_coach.audio import SAMPLE_RATE
from listening_coach.diarization.embed import EMBEDDING_DIM, embed_mels, mel_frames, normalize_level
from listening_coach.diarization.segmentation import (
    FRAME_STEP, FRAMES, LOCAL_SPEAKERS, RECEPTIVE, Windows, edge_weights,
)

BUCKETS_S = (0.5, 1.0, 1.6)  # shorter pieces are cropped to the largest of these that fits
PARTIAL = 25600  # 1.6 s: longer pieces are embedded as 1.6 s partials, 0.8 s apart, averaged
MAX_PARTIALS = 6
# per (window, local speaker): at most two 1.6 s partials side by side. The windows overlap 4x,
# so a chain still averages many; six 0.8 s apart cost 2.3x the encoder time and measured no better
WINDOW_HOP = PARTIAL
WINDOW_PARTIALS = 2
# samples each frame stands for: the FRAME_STEP around the centre of its receptive field
_FRAME_OFFSET = (RECEPTIVE - FRAME_STEP) // 2


def _frame_samples(frames: np.ndarray) -> np.ndarray:
    """Sample indices (inside the window) covered by the given frame indices."""
    if not len(frames):
        return np.zeros(0, dtype=np.int64)
    base = frames.astype(np.int64) * FRAME_STEP + _FRAME_OFFSET
    return (base[:, None] + np.arange(FRAME_STEP)[None, :]).reshape(-1)


def partials(piece: np.ndarray, hop: int = PARTIAL // 2, most: int = MAX_PARTIALS) -> list[np.ndarray]:
    """Equal-length pieces to embed and average (resemblyzer's partials, ``hop`` samples apart,
    at most ``most``, centred); [] if too short."""
    if len(piece) >= PARTIAL:
        n = min(most, 1 + (len(piece) - PARTIAL) // hop)
        first = (len(piece) - PARTIAL - (n - 1) * hop) // 2
        return [piece[first + i * hop : first + i * hop + PARTIAL] for i in range(n)]
    cropped = _crop(piece)
    return [] if cropped is None else [cropped]


def _crop(piece: np.ndarray) -> np.ndarray | None:
    """Crop to the largest bucket length that fits (from the middle); None if too short."""
    fits = [b for b in BUCKETS_S if b * SAMPLE_RATE <= len(piece)]
    if not fits:
        return None
    n = int(fits[-1] * SAMPLE_RATE)
    start = (len(piece) - n) // 2
    return piece[start : start + n]


def local_embeddings(
    samples: np.ndarray, windows: Windows, *, min_clean_s: float, min_active_s: float, batch: int = 64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Embed every (window, local speaker) that talks at least ``min_active_s``.

    Returns:
      ``embeddings`` (W, 3, 256) L2-normalised (zeros where not embedded), ``clean_s`` (W, 3)
      seconds of solo speech, ``embedded`` (W, 3) bool. Rows with ``clean_s >= min_clean_s``
      were embedded from solo frames only; the others from all their frames (overlap
      included), or from the 0.5 s around their activity when that is shorter.
    """
    n_windows = len(windows.starts)
    embeddings = np.zeros((n_windows, LOCAL_SPEAKERS, EMBEDDING_DIM), dtype=np.float32)
    activity = windows.activity.astype(bool)
    alone = activity & (activity.sum(axis=2, keepdims=True) == 1)
    clean_s = alone.sum(axis=1) * FRAME_STEP / SAMPLE_RATE
    active_s = activity.sum(axis=1) * FRAME_STEP / SAMPLE_RATE
    embedded = active_s >= min_active_s
    pending: dict[int, list[tuple[int, int, np.ndarray]]] = {}
    for w, start in enumerate(windows.starts):
        window = samples[start : start + FRAMES * FRAME_STEP + RECEPTIVE]
        for k in np.flatnonzero(embedded[w]):
            source = alone[w, :, k] if clean_s[w, k] >= min_clean_s else activity[w, :, k]
            index = _frame_samples(np.flatnonzero(source))
            piece = window[index[index < len(window)]]
            parts = partials(piece, WINDOW_HOP, WINDOW_PARTIALS)
            if not parts:  # short activity: embed the half second around it
                frames = np.flatnonzero(activity[w, :, k])
                mid = int((frames[0] + frames[-1]) // 2) * FRAME_STEP + RECEPTIVE // 2
                a = max(0, min(mid - SAMPLE_RATE // 4, len(window) - SAMPLE_RATE // 2))
                parts = [window[a : a + SAMPLE_RATE // 2]]
                if len(parts[0]) < SAMPLE_RATE // 2:
                    embedded[w, k] = False
                    continue
            for part in parts:
                bucket = pending.setdefault(len(part), [])
                bucket.append((w, int(k), part.copy()))
                if len(bucket) >= batch:  # embed as we go: memory stays flat on long files
                    _embed_into(embeddings, bucket)
                    bucket.clear()
    for items in pending.values():
        if items:
            _embed_into(embeddings, items)
    norms = np.linalg.norm(embeddings, axis=2, keepdims=True)
    return embeddings / np.maximum(norms, 1e-9), clean_s, embedded


def _embed_into(embeddings: np.ndarray, items: list[tuple[int, int, np.ndarray]]) -> None:
    """Add the embedding of each equal-length piece to ``embeddings[window, local speaker]``."""
    mels = np.stack([mel_frames(normalize_level(piece)) for _, _, piece in items])
    for (row, col, _), e in zip(items, embed_mels(mels)):
        embeddings[row, col] += e


def aggregate(
    windows: Windows, assigned: np.ndarray, n_speakers: int, n_frames: int, *,
    grid: tuple[np.ndarray, np.ndarray] | None = None, onset_overlap: float = 1.0, min_early: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Overlap-add the windows onto a global frame grid (FRAME_STEP samples apart).

    Per frame, the round(mean local speaker count) most active global speakers are kept. With
    ``grid`` (:func:`~listening_coach.diarization.backchannels.voice_grid`: the windows' mean
    probability of two voices, and of each global voice), an overlap starts earlier than that
    where, just before it, the probability of two voices stays at least ``onset_overlap`` for
    at least ``min_early`` frames (:func:`early_onsets`); there the second voice is the one the
    windows give the most probability.

    Returns:
      ``active`` (n_frames, n_speakers) bool; ``score`` (n_frames, n_speakers) in [0, 1], the
      weighted share of covering windows that hear that speaker.
    """
    weight = edge_weights()
    score = np.zeros((n_frames, max(n_speakers, 1)), dtype=np.float32)
    count = np.zeros(n_frames, dtype=np.float32)
    cover = np.zeros(n_frames, dtype=np.float32)
    for w, start in enumerate(windows.starts):
        first = int(round(start / FRAME_STEP))
        idx = np.arange(first, min(first + FRAMES, n_frames))
        if not len(idx):
            continue
        m = len(idx)
        act = windows.activity[w, :m].astype(np.float32)
        cover[idx] += weight[:m]
        count[idx] += weight[:m] * act.sum(axis=1)
        for k in range(LOCAL_SPEAKERS):
            c = assigned[w, k]
            if c >= 0:
                score[idx, c] += weight[:m] * act[:, k]
    covered = np.maximum(cover, 1e-6)
    score /= covered[:, None]
    speakers = np.round(count / covered).astype(int)
    heard = np.zeros_like(score)
    early = np.zeros(n_frames, dtype=bool)
    if grid is not None:
        heard[:, :n_speakers] = grid[1]
        early = early_onsets(speakers, grid[0], onset_overlap, min_early)
        speakers[early] = 2
    order = np.lexsort((-heard, -score))  # largest share of windows first, then most probable
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(score.shape[1])[None, :], axis=1)
    active = (rank < speakers[:, None]) & ((score > 0) | (early[:, None] & (heard > 0)))
    return active[:, :n_speakers], score[:, :n_speakers]


def early_onsets(speakers: np.ndarray, two: np.ndarray, threshold: float, min_frames: int = 0) -> np.ndarray:
    """Frames just before each run of two or more speakers in which one speaker is kept but
    the probability of two voices ``two`` is already at least ``threshold``, back to the first
    frame where it is not (the windows agree on an overlap only some way into it: a quiet
    interjection starts under the louder voice). Stretches under ``min_frames`` are left out:
    at a clear onset the probability passes ``threshold`` a few frames before the most likely
    class changes, which is the model's smear, not a voice heard early. ``threshold`` >= 1: none."""
    early = np.zeros(len(speakers), dtype=bool)
    if threshold >= 1.0:
        return early
    grow = (two >= threshold) & (speakers == 1)
    for a, _ in runs(speakers >= 2):
        b = a
        while b > 0 and grow[b - 1]:
            b -= 1
        if a - b >= min_frames:
            early[b:a] = True
    return early
