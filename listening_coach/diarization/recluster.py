"""Two voices' turns split afresh when the windows mixed them up.

- :func:`recluster_two`: turn embeddings with their voice labels (two voices) -> the labels of
  a fresh two-way split of the turns, where that split is clearly tighter.
- :func:`two_means`, :func:`centroids`: the split and the voices' centroids it is scored with
  (the turn check splits one voice's turns with them too).

segmentation-3.0 can give both voices one local label in several windows in a row (espeak-ng
against the Piper voice through a phone band and Opus, for one): every window's embedding of
that label is then a mix, the chains and clusters carry both people, and each voice's centroid
sits between them, so :func:`~listening_coach.diarization.turns_check.recheck_turns`, which
moves a turn only when it is ``MARGIN`` closer to the other centroid, moves nothing. Turns are
embedded one by one, so they still fall into two tight groups: a weighted spherical two-means
from the two most different turns finds them. The fresh split replaces the labels only when
its mean cosine to its own centroid beats the current labels' by ``MIN_GAIN``; it is then
named so that it keeps as much of each voice's speech as it can::

    turns  A A B A B B      labels mixed: mean cosine 0.90
    fresh  A A A B B B      tighter by >= MIN_GAIN: 0.94, taken
"""

from __future__ import annotations

import numpy as np

MIN_GAIN = 0.02  # mean cosine; mixed labels measured 0.90 -> 0.94, right ones gain <= 0.017
ROUNDS = 20


def centroids(emb: np.ndarray, weight: np.ndarray, label: np.ndarray, k: int = 2) -> np.ndarray:
    """(k, dim) L2-normalised ``weight``-weighted sum of the turns ``emb`` of each ``label``
    0..k-1 (a row of zeros for a label with no turns)."""
    sums = np.zeros((k, emb.shape[1]))
    np.add.at(sums, label, weight[:, None] * emb)
    return np.asarray(sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9))


def _tightness(emb: np.ndarray, weight: np.ndarray, label: np.ndarray) -> float:
    """Speech-weighted mean cosine of each turn to its own group's centroid."""
    cent = centroids(emb, weight, label)
    return float((weight * np.sum(emb * cent[label], axis=1)).sum() / weight.sum())


def two_means(emb: np.ndarray, weight: np.ndarray, rounds: int = ROUNDS) -> np.ndarray:
    """Spherical two-means of the turns ``emb`` (L2-normalised) seeded by the turn farthest
    from the centroid of all the turns and the turn farthest from that one: (n,) labels, 0 for
    the first seed's side. Stops when nothing changes, one side is empty, or after ``rounds``."""
    whole = centroids(emb, weight, np.zeros(len(emb), dtype=np.int64), 1)[0]
    a = int(np.argmin(emb @ whole))
    b = int(np.argmin(emb @ emb[a]))
    cent = emb[[a, b]]
    label = np.zeros(len(emb), dtype=np.int64)
    for step in range(rounds):
        new = np.argmax(emb @ cent.T, axis=1)
        if step and (new == label).all():
            break
        label = new
        if label.min() == label.max():
            break
        cent = centroids(emb, weight, label)
    return label


def recluster_two(emb: np.ndarray, weight: np.ndarray, label: np.ndarray) -> np.ndarray:
    """``label`` (two distinct voice ids) or a fresh split of the turns named with those ids.

    Args:
      emb: (n, dim) L2-normalised turn embeddings.
      weight: (n,) turn lengths (any unit).
      label: (n,) voice id of each turn; exactly two distinct ids.
    """
    ids = np.unique(label)
    if len(ids) != 2 or len(label) < 4:
        return label
    current = (label == ids[1]).astype(np.int64)
    fresh = two_means(emb, weight)
    if fresh.min() == fresh.max():
        return label
    if _tightness(emb, weight, fresh) < _tightness(emb, weight, current) + MIN_GAIN:
        return label
    same = weight[fresh == current].sum()
    if same < weight.sum() - same:  # name the groups so that most speech keeps its voice
        fresh = 1 - fresh
    return np.asarray(ids[fresh])
