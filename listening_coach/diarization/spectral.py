"""Spectral clustering with the normalised maximum eigengap (NME-SC, Park et al. 2019).

- :func:`nme_spectral`: L2-normalised embeddings -> labels, speaker count and how clearly
  the eigengap picked that count. No threshold to tune: the pruning level ``p`` and the count
  ``k`` are chosen together from the affinity graph itself.

Steps::

    cosine affinity A (n, n)
      --keep each row's p largest entries (binary), symmetrise--> graph A_p
      --Laplacian L = D - A_p, eigenvalues l_1 <= l_2 <= ...-->
      gaps e_i = l_(i+1) - l_i (i <= max_k); g_p = max(e) / l_max   (normalised max eigengap)
      p* = argmin_p p / g_p;  k = argmax_i e_i at p*
      --first k eigenvectors, rows normalised, k-means--> labels

A small ``p`` keeps the graph sparse (clear speaker blocks) but can cut one speaker apart;
the ``p / g`` ratio trades the two off per recording.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from listening_coach.diarization.sessions import one_blas_thread

MAX_P_FRACTION = 0.25  # p is searched up to this share of the windows
P_STEPS = 16  # at most this many p values are tried (long files)


@dataclass(frozen=True, slots=True)
class SpectralResult:
    """``labels`` per embedding, the count ``k`` (capped), pruning ``p``, eigengap margin.

    ``estimated`` is the count the eigengap gave before the cap (it looks two further).
    """

    labels: np.ndarray
    k: int
    p: int
    confidence: float
    estimated: int = 0


def _pruned_laplacian(affinity: np.ndarray, p: int) -> np.ndarray:
    n = len(affinity)
    keep = np.argpartition(-affinity, min(p, n - 1), axis=1)[:, :p]
    graph = np.zeros_like(affinity)
    np.put_along_axis(graph, keep, 1.0, axis=1)
    graph = 0.5 * (graph + graph.T)
    np.fill_diagonal(graph, 0.0)
    return np.asarray(np.diag(graph.sum(axis=1)) - graph)


def _gaps(laplacian: np.ndarray, max_k: int) -> tuple[np.ndarray, float]:
    """Eigenvalues (ascending; no eigenvectors: 3-4x cheaper) and the normalised max eigengap."""
    from scipy.linalg import eigvalsh

    values = eigvalsh(laplacian)
    gaps = np.diff(values[: max_k + 1])
    normalised = float(gaps.max() / max(values[-1], 1e-9)) if len(gaps) else 0.0
    return values, normalised


def _kmeans(x: np.ndarray, k: int, iterations: int = 30) -> np.ndarray:
    """Deterministic k-means: farthest-point start, Lloyd iterations."""
    centers = [x[int(np.argmax(np.linalg.norm(x - x.mean(axis=0), axis=1)))]]
    while len(centers) < k:
        dist = np.min([np.linalg.norm(x - c, axis=1) for c in centers], axis=0)
        centers.append(x[int(np.argmax(dist))])
    c = np.stack(centers)
    labels = np.zeros(len(x), dtype=int)
    for _ in range(iterations):
        new = np.argmin(((x[:, None, :] - c[None]) ** 2).sum(axis=2), axis=1)
        if (new == labels).all() and _ > 0:
            break
        labels = new
        for j in range(k):
            if (labels == j).any():
                c[j] = x[labels == j].mean(axis=0)
    return labels


def nme_spectral(
    embeddings: np.ndarray, *, min_k: int = 1, max_k: int = 4, fixed_k: int = 0
) -> SpectralResult:
    """Cluster L2-normalised ``embeddings`` (n, dim) by NME-SC.

    Args:
      embeddings: One row per window.
      min_k, max_k: Allowed speaker counts (the eigengap is searched in this range).
      fixed_k: A known count (0: estimate).

    Returns:
      Labels 0..k-1, the count, the chosen ``p`` and a confidence in [0, 1]: how much the
      chosen eigengap exceeds the runner-up gap.
    """
    n = len(embeddings)
    if n <= 2:
        return SpectralResult(np.zeros(n, dtype=int), 1, 1, 0.5, 1)
    affinity = np.clip(embeddings @ embeddings.T, -1.0, 1.0)
    cap = min(max_k, n - 1)
    max_k = min(max_k + 2, n - 1)
    p_max = max(2, int(MAX_P_FRACTION * n))
    candidates = np.unique(np.linspace(2, p_max, min(P_STEPS, p_max - 1)).astype(int))
    best: tuple[float, int, np.ndarray] | None = None
    with one_blas_thread():  # small matrices: threads only contend (2-5x slower when shared)
        for p in candidates:
            values, g = _gaps(_pruned_laplacian(affinity, int(p)), max_k)
            ratio = p / max(g, 1e-9)
            if best is None or ratio < best[0]:
                best = (ratio, int(p), values)
    assert best is not None
    _, p, values = best
    gaps = np.diff(values[: max_k + 1])
    lo = max(min_k, 1)
    if fixed_k:
        k = min(fixed_k, n)
    else:
        k = lo + int(np.argmax(gaps[lo - 1 : max_k]))
    estimated, k = k, min(k, cap)
    ordered = np.sort(gaps[lo - 1 : max_k])[::-1]
    confidence = 1.0 - ordered[1] / ordered[0] if len(ordered) > 1 and ordered[0] > 0 else 0.5
    if k == 1:
        return SpectralResult(np.zeros(n, dtype=int), 1, p, float(confidence), estimated)
    from scipy.linalg import eigh

    _, spectral = eigh(_pruned_laplacian(affinity, p), subset_by_index=[0, k - 1])
    spectral = spectral / np.maximum(np.linalg.norm(spectral, axis=1, keepdims=True), 1e-9)
    return SpectralResult(_kmeans(spectral, k), k, p, float(np.clip(confidence, 0.0, 1.0)), estimated)
