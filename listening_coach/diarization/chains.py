"""Linking local speakers across overlapping windows, then clustering the chains.

- :func:`link_windows`: windows overlap (10 s every 2.5 s), so one person's activity shows up
  in both windows' shared frames. Local speakers whose activity agrees there (Hungarian on
  frame IoU) are the same person: chains of (window, local speaker), no embedding needed.
- :func:`split_chains`: a chain whose windows sound like one voice before some window and like
  another after it (a local label that passed to the next speaker at a hand-over) is cut there.
- :func:`cluster_chains`: average-linkage on the chains' mean voice embeddings, never merging
  two chains heard in the same window (the model says they are different people). A chain
  breaks only when its speaker is silent for a whole window overlap (or where it changed
  voice, :func:`split_chains`), so embeddings only have
  to relink a few long chains, and the same-window constraint keeps two close voices apart
  (espeak's en-gb+f3 and en-us are 0.97 cosine apart for resemblyzer).

::

    window 1  a ████░░░██   b ░░░██░░░░          chain A: 1a-2a-3b    chain B: 1b-2c
    window 2    a ░██████   c ██░░░░░          cannot-link: A-B (same window)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from listening_coach.diarization.segmentation import FRAME_S, FRAME_STEP, FRAMES, LOCAL_SPEAKERS, Windows

MIN_LINK_IOU = 0.8  # shared-frame agreement to call two local speakers one person
MIN_LINK_S = 0.3  # seconds of activity each needs in the shared frames
MIN_ALONE_S = 0.5  # a voice never heard alone this long is not confirmed by its embedding
SPLIT_DISTANCE = 0.35  # a chain whose windows before and after a cut sound this far apart is cut
SPLIT_MIN_S = 2.0  # seconds of solo speech each side of a cut needs


@dataclass(frozen=True, slots=True)
class Chains:
    """``chain`` (W, 3): chain id of each local speaker, -1 where not embedded."""

    chain: np.ndarray
    count: int


def link_windows(windows: Windows, embedded: np.ndarray) -> Chains:
    """Union local speakers of consecutive windows whose shared-frame activity agrees."""
    from scipy.optimize import linear_sum_assignment

    n = len(windows.starts)
    parent = np.arange(n * LOCAL_SPEAKERS)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    min_frames = MIN_LINK_S / FRAME_S
    for w in range(n - 1):
        shift = int(round((windows.starts[w + 1] - windows.starts[w]) / FRAME_STEP))
        if shift >= FRAMES:
            continue
        a = windows.activity[w, shift:].astype(bool)
        b = windows.activity[w + 1, : FRAMES - shift].astype(bool)
        m = min(len(a), len(b))
        a, b = a[:m], b[:m]
        inter = a.T.astype(np.float32) @ b.astype(np.float32)  # (3, 3)
        union = a.sum(0)[:, None] + b.sum(0)[None, :] - inter
        iou = inter / np.maximum(union, 1)
        rows, cols = linear_sum_assignment(-iou)
        for i, j in zip(rows, cols):
            ok = iou[i, j] >= MIN_LINK_IOU and a[:, i].sum() >= min_frames and b[:, j].sum() >= min_frames
            if ok and embedded[w, i] and embedded[w + 1, j]:
                parent[find(w * LOCAL_SPEAKERS + i)] = find((w + 1) * LOCAL_SPEAKERS + j)
    roots = np.array([find(i) for i in range(n * LOCAL_SPEAKERS)]).reshape(n, LOCAL_SPEAKERS)
    chain = np.full((n, LOCAL_SPEAKERS), -1, dtype=np.int64)
    ids: dict[int, int] = {}
    for w in range(n):
        for k in range(LOCAL_SPEAKERS):
            if embedded[w, k]:
                chain[w, k] = ids.setdefault(int(roots[w, k]), len(ids))
    return Chains(chain, len(ids))


def split_chains(chains: Chains, embeddings: np.ndarray, clean_s: np.ndarray) -> Chains:
    """Cut chains that changed voice: a local speaker the model gave to the next voice at a
    hand-over links the two voices' windows into one chain, which then sits between the two
    voices and, by the same-window rule, keeps a piece of one of them apart as a third voice.
    A chain is cut where the speech-weighted mean embeddings of its windows before and after
    differ by at least ``SPLIT_DISTANCE`` (cosine; two windows of one voice measure 0.02-0.3),
    each side with ``SPLIT_MIN_S`` of solo speech, and its parts are cut again the same way.

    ::

        chain 3   w11 B ... w28 B   w29 A+B   w30 A  w31 A      mean B | mean A: 0.41 apart
              --> chain 3 (w11-w29)   chain 5 (w30-w31)
    """
    chain = chains.chain.copy()
    count = chains.count
    for c in range(chains.count):
        ws, ks = np.nonzero(chains.chain == c)  # one local speaker per window, in window order
        for first in _cuts(embeddings[ws, ks], clean_s[ws, ks])[1:]:
            chain[ws[first:], ks[first:]] = count
            count += 1
    return Chains(chain, count)


def _cuts(emb: np.ndarray, solo: np.ndarray) -> list[int]:
    """First index of each part of one chain's windows (binary segmentation, see split_chains)."""
    weighted = np.maximum(solo, 0.05)[:, None] * emb
    before, after = np.cumsum(weighted, axis=0)[:-1], weighted.sum(axis=0) - np.cumsum(weighted, axis=0)[:-1]
    gap = 1.0 - np.sum(_norm(before) * _norm(after), axis=1)
    seconds = np.cumsum(solo)[:-1]
    gap[(seconds < SPLIT_MIN_S) | (solo.sum() - seconds < SPLIT_MIN_S)] = -np.inf
    if not len(gap) or gap.max() < SPLIT_DISTANCE:
        return [0]
    cut = int(np.argmax(gap)) + 1
    return _cuts(emb[:cut], solo[:cut]) + [cut + i for i in _cuts(emb[cut:], solo[cut:])]


@dataclass(frozen=True, slots=True)
class ChainClusters:
    """``labels`` per chain, ``centroids`` (k, dim), ``count_confidence``, ``estimated`` count
    (clusters with ``min_speaker_s`` of solo speech where the threshold stopped) before the
    ``max_speakers`` cap, ``weights`` seconds of solo speech per cluster."""

    labels: np.ndarray
    centroids: np.ndarray
    count_confidence: float
    estimated: int
    weights: np.ndarray


def _norm(x: np.ndarray) -> np.ndarray:
    return np.asarray(x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9))


def _fold(
    solo_s: np.ndarray, min_speaker_s: float, masked: np.ndarray, dist: np.ndarray, threshold: float
) -> tuple[int, int] | None:
    """A small cluster (under ``min_speaker_s`` of solo speech) to fold: into its nearest
    allowed cluster; or, when it was only ever heard together with the others, into its
    nearest cluster at all if that is under ``threshold`` or it never speaks alone
    (``unheard``: one voice the model split in two at a join, which no embedding can
    confirm). None: nothing to fold."""
    small = [n for n, s in enumerate(solo_s) if s < min_speaker_s]
    unheard = {n for n, s in enumerate(solo_s) if s < MIN_ALONE_S}
    for n in small:
        if np.isfinite(masked[n].min()):
            return n, int(np.argmin(masked[n]))
        if dist[n].min() < threshold or n in unheard:
            return n, int(np.argmin(dist[n]))
    return None


def cluster_chains(
    chains: Chains,
    embeddings: np.ndarray,
    clean_s: np.ndarray,
    *,
    threshold: float,
    num_speakers: int = 0,
    max_speakers: int = 4,
    min_speaker_s: float = 2.0,
) -> ChainClusters:
    """Constrained average-linkage of chains (cosine distance on weighted mean embeddings).

    Merges the closest allowed pair while its distance is under ``threshold``; then keeps
    merging (closest allowed pair, or any pair when none is allowed) while there are more
    clusters than ``num_speakers`` / ``max_speakers``, or a cluster with under
    ``min_speaker_s`` of solo speech that may join another (:func:`_fold`; not with
    ``num_speakers``, so a voice heard only in overlap survives when the count is given).
    """
    k = chains.count
    dim = embeddings.shape[-1]
    sums, weight, together = _chain_stats(chains, embeddings, clean_s)
    alive = np.ones(k, dtype=bool)
    members = {i: [i] for i in range(k)}
    centroids = _norm(sums)
    dist = 1.0 - centroids @ centroids.T
    np.fill_diagonal(dist, np.inf)
    refused: list[float] = []
    last_merge = 0.0
    estimated = 0
    limit = num_speakers or max_speakers
    while alive.sum() > 1:
        live = np.flatnonzero(alive)
        sub = dist[np.ix_(live, live)]
        masked = np.where(together[np.ix_(live, live)], np.inf, sub)
        i, j = (int(x) for x in np.unravel_index(int(np.argmin(masked)), masked.shape))
        best = masked[i, j]
        if best < threshold:
            last_merge = float(best)
        else:
            estimated = estimated or max(1, int((weight[live] >= min_speaker_s).sum()))  # smaller: folded
            if len(live) > limit:
                if not np.isfinite(best):
                    i, j = (int(x) for x in np.unravel_index(int(np.argmin(sub)), sub.shape))
            elif not num_speakers and (pick := _fold(weight[live], min_speaker_s, masked, sub, threshold)):
                i, j = pick
            else:
                refused.append(float(best))
                break
        a, b = int(live[i]), int(live[j])
        _merge(a, b, sums, weight, together, centroids, dist)
        members[a] += members.pop(b)
        alive[b] = False
    estimated = max(estimated, int(alive.sum()))
    keys = sorted(members, key=lambda key: min(members[key]))
    labels = np.zeros(k, dtype=np.int64)
    for n, key in enumerate(keys):
        labels[members[key]] = n
    out = centroids[keys].astype(np.float32) if keys else np.zeros((0, dim), dtype=np.float32)
    confidence = 1.0 if num_speakers else _count_confidence(refused, threshold, last_merge, len(keys))
    return ChainClusters(labels, out, confidence, estimated, np.array([weight[key] for key in keys]))


def _chain_stats(
    chains: Chains, embeddings: np.ndarray, clean_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per chain: embeddings summed weighted by solo seconds, solo seconds, and which chains
    were heard in the same window (cannot-link)."""
    k = chains.count
    sums = np.zeros((k, embeddings.shape[-1]), dtype=np.float64)
    weight = np.zeros(k)
    together = np.zeros((k, k), dtype=bool)
    for w in range(len(chains.chain)):
        ids = [int(c) for c in chains.chain[w] if c >= 0]
        for kk, c in enumerate(chains.chain[w]):
            if c >= 0:
                wt = max(float(clean_s[w, kk]), 0.05)
                sums[c] += wt * embeddings[w, kk]
                weight[c] += float(clean_s[w, kk])
        for i in ids:
            for j in ids:
                if i != j:
                    together[i, j] = True
    return sums, weight, together


def _merge(
    a: int, b: int, sums: np.ndarray, weight: np.ndarray, together: np.ndarray,
    centroids: np.ndarray, dist: np.ndarray,
) -> None:
    """Fold cluster ``b`` into ``a`` in place: embedding sums, solo seconds, cannot-links, the
    centroid and its distances to every other cluster."""
    sums[a] += sums[b]
    weight[a] += weight[b]
    together[a] |= together[b]
    together[:, a] |= together[:, b]
    centroids[a] = _norm(sums[a])
    dist[a] = dist[:, a] = 1.0 - centroids @ centroids[a]
    dist[a, a] = np.inf


def _count_confidence(refused: list[float], threshold: float, last_merge: float, count: int) -> float:
    """How sure the speaker count is: the margin of the last merge and the first refused one
    from ``threshold``."""
    if refused and np.isfinite(refused[0]):
        margin = min(refused[0] - threshold, threshold - last_merge)
        return float(np.clip(margin / (0.5 * threshold), 0, 1))
    # stopped by the same-window constraint: the model heard these voices together
    return 0.9 if count > 1 else 0.5
