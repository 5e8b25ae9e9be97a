"""Clustering window embeddings into speakers, with an estimated speaker count.

- :func:`cluster_embeddings`: two methods, then tiny clusters folded into their nearest
  neighbour and two rounds of centroid refinement. Returns labels, centroids and a count
  confidence.

  ``nme-sc`` (default): spectral clustering whose count comes from the normalised maximum
  eigengap (spectral.py); clusters whose average cosine distance is under ``threshold`` are
  then merged (one voice split by a changing room). Confidence: the smaller of the eigengap
  margin and the average-linkage margin below, at most 0.3 when the two counts disagree.

  ``ahc``: average-linkage agglomerative clustering on cosine distance, cut at ``threshold``.

The average-linkage count confidence measures how far the cut sits from the merges either
side of it::

    merge distances  0.12 0.15 0.18 | 0.52 0.61     threshold 0.30
                                ^ last merge kept, first merge refused: both far -> confident
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPECTRAL_WINDOWS = 500  # NME-SC runs on at most this many windows; the rest join the nearest


@dataclass(frozen=True, slots=True)
class Clustering:
    """``labels`` per embedding (0..k-1), ``centroids`` (k, dim) L2-normalised.

    ``estimated`` is the count the threshold gave before clamping to the allowed range.
    """

    labels: np.ndarray
    centroids: np.ndarray
    count_confidence: float
    estimated: int = 0


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.asarray(x / np.maximum(norms, 1e-9))


def _centroids(embeddings: np.ndarray, labels: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((k, embeddings.shape[1]), dtype=np.float32)
    for c in range(k):
        members = labels == c
        if members.any():
            out[c] = (embeddings[members] * weights[members, None]).sum(axis=0)
    return _normalise(out)


def cluster_embeddings(
    embeddings: np.ndarray,
    weights: np.ndarray,
    *,
    threshold: float,
    num_speakers: int = 0,
    min_speakers: int = 1,
    max_speakers: int = 4,
    min_weight: float = 0.0,
    method: str = "ahc",
) -> Clustering:
    """Cluster L2-normalised ``embeddings`` (n, dim).

    Args:
      embeddings: One row per window.
      weights: Seconds of speech each window stands for (used for centroids and ``min_weight``).
      threshold: Cosine distance at which average-linkage merging stops (count estimate).
      num_speakers: A fixed count; 0 estimates it within [min_speakers, max_speakers].
      min_weight: Clusters with less total weight are merged into the nearest other cluster.
      method: ``ahc`` (average linkage cut at ``threshold``) or ``nme-sc`` (spectral clustering,
        count from the normalised maximum eigengap; ``threshold`` unused; see spectral.py).

    Returns:
      Labels ordered by first appearance, centroids, and a count confidence in [0, 1].
    """
    n = len(embeddings)
    if n == 0:
        return Clustering(np.zeros(0, dtype=int), np.zeros((0, embeddings.shape[1])), 0.0)
    if n == 1:
        return Clustering(np.zeros(1, dtype=int), _normalise(embeddings[:1]), 0.5)
    if method == "nme-sc":
        return _spectral(embeddings, weights, num_speakers, min_speakers, max_speakers, min_weight, threshold)
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(embeddings, method="average", metric="cosine")
    heights = np.sort(tree[:, 2])
    if num_speakers:
        labels = fcluster(tree, t=min(num_speakers, n), criterion="maxclust") - 1
    else:
        labels = fcluster(tree, t=threshold, criterion="distance") - 1
    labels = _fold_small(embeddings, labels, weights, min_weight)
    k = estimated = len(np.unique(labels))
    lo, hi = (num_speakers, num_speakers) if num_speakers else (min_speakers, max_speakers)
    if k > hi or k < lo:
        target = int(np.clip(k, lo, min(hi, n)))
        labels = fcluster(tree, t=target, criterion="maxclust") - 1
    labels, centroids = _refined(embeddings, labels, weights)
    k = len(centroids)
    confidence = _count_confidence(heights, k, threshold) if not num_speakers else 1.0
    return Clustering(labels, centroids, confidence, estimated)


def _refined(
    embeddings: np.ndarray, labels: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two rounds of moving every window to its nearest centroid; (labels, centroids)."""
    labels = _relabel(labels)
    k = int(labels.max()) + 1
    for _ in range(2):
        centroids = _centroids(embeddings, labels, weights, k)
        new = np.argmax(embeddings @ centroids.T, axis=1)
        if len(np.unique(new)) < k:
            break
        labels = new
    labels = _relabel(labels)
    return labels, _centroids(embeddings, labels, weights, int(labels.max()) + 1)


def _spectral(
    embeddings: np.ndarray,
    weights: np.ndarray,
    num_speakers: int,
    min_speakers: int,
    max_speakers: int,
    min_weight: float,
    threshold: float,
) -> Clustering:
    """NME-SC proposes the clusters; folding and the average-linkage merge clean them up.

    The eigengap tends to split one voice in a changing room (a crowd, a laugh) into two or
    three; any two clusters whose average cosine distance is under ``threshold`` are merged.
    """
    from listening_coach.diarization.spectral import nme_spectral

    fit = np.arange(len(embeddings))
    if len(fit) > SPECTRAL_WINDOWS:  # eigendecompositions are cubic: a spread-out subsample
        fit = np.linspace(0, len(embeddings) - 1, SPECTRAL_WINDOWS).astype(int)
    result = nme_spectral(embeddings[fit], min_k=min_speakers, max_k=max_speakers, fixed_k=num_speakers)
    labels = result.labels
    if len(fit) < len(embeddings):
        k = int(labels.max()) + 1
        labels = np.argmax(embeddings @ _centroids(embeddings[fit], labels, weights[fit], k).T, axis=1)
    if not num_speakers:
        labels = _fold_small(embeddings, labels, weights, min_weight)
        labels = _merge_close(embeddings, labels, threshold, min_speakers)
    labels, centroids = _refined(embeddings, labels, weights)
    if num_speakers:
        return Clustering(labels, centroids, 1.0, num_speakers)
    # second opinion: the average-linkage count at the same threshold; disagreement -> unsure
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(embeddings, method="average", metric="cosine")
    ahc = _fold_small(embeddings, fcluster(tree, t=threshold, criterion="distance") - 1, weights, min_weight)
    ahc_k = int(ahc.max()) + 1
    k = int(labels.max()) + 1
    margin = _count_confidence(np.sort(tree[:, 2]), k, threshold)
    confidence = min(result.confidence, margin) if ahc_k == k else min(result.confidence, margin, 0.3)
    return Clustering(labels, centroids, confidence, max(result.estimated, ahc_k))


def _merge_close(embeddings: np.ndarray, labels: np.ndarray, threshold: float, min_k: int) -> np.ndarray:
    """Merge the closest two clusters (average cosine distance) while under ``threshold``."""
    labels = _relabel(labels)
    while int(labels.max()) + 1 > max(min_k, 1):
        k = int(labels.max()) + 1
        sums = np.stack([embeddings[labels == c].sum(axis=0) for c in range(k)])
        counts = np.bincount(labels, minlength=k)
        best, pair = threshold, None
        for a in range(k):
            for b in range(a + 1, k):
                d = 1.0 - float(sums[a] @ sums[b]) / (counts[a] * counts[b])
                if d < best:
                    best, pair = d, (a, b)
        if pair is None:
            return labels
        labels = _relabel(np.where(labels == pair[1], pair[0], labels))
    return labels


def _fold_small(
    embeddings: np.ndarray, labels: np.ndarray, weights: np.ndarray, min_weight: float
) -> np.ndarray:
    labels = _relabel(labels)
    while True:
        k = int(labels.max()) + 1
        mass = np.bincount(labels, weights=weights, minlength=k)
        small = int(np.argmin(mass))
        if k <= 1 or mass[small] >= min_weight:
            return labels
        centroids = _centroids(embeddings, labels, weights, k)
        sims = centroids @ centroids[small]
        sims[small] = -np.inf
        labels = _relabel(np.where(labels == small, int(np.argmax(sims)), labels))


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 0..k-1 in order of first appearance."""
    order: dict[int, int] = {}
    for x in labels:
        order.setdefault(int(x), len(order))
    return np.array([order[int(x)] for x in labels], dtype=int)


def _count_confidence(heights: np.ndarray, k: int, threshold: float) -> float:
    """How clearly the merge heights separate at the cut that gave ``k`` clusters."""
    n = len(heights) + 1
    kept = heights[n - k - 1] if n - k - 1 >= 0 else 0.0  # last merge performed
    refused = heights[n - k] if n - k < len(heights) else 2.0  # first merge refused
    margin = min(threshold - kept, refused - threshold)
    return float(np.clip(0.5 + margin / 0.2, 0.0, 1.0))
