"""Second look at whole turns: each voice's solo turns re-embedded and moved to the closer voice.

- :func:`frame_levels`: samples -> the level in dB of every segmentation frame.
- :func:`recheck_turns`: the frame activity after stitching (n_frames, n_speakers) ->
  the same with two voices' turns split afresh where the windows mixed them up
  (:mod:`.recluster`), solo turns that sound like another voice given to that voice, then two voices
  whose turns sound alike and that never talk at the same time merged into one.

segmentation-3.0 hears 10 s at a time; when two voices are far apart in level (one 10 dB down
over a phone band) it can give both one local label in a window, and the chain of windows then
carries the wrong voice for whole turns. A turn (a run of frames where one voice talks alone,
between pauses or the other voice) is long enough for the voice encoder: each turn of at least
``MIN_TURN_S`` is embedded once (1.6 s partials, averaged), every voice's centroid is the
speech-weighted mean of its turns, and a turn moves when it is closer to another voice's
centroid by ``MARGIN``; centroids are recomputed and this is repeated until nothing moves.

::

    voice A  ████░░░░████░░░░████      turn 2 sounds like B     voice A ████░░░░░░░░░░░░████
    voice B  ░░░░████░░░░░░░░░░░░  -->                      --> voice B ░░░░████░░░░████░░░░
"""

from __future__ import annotations

import numpy as np

from listening_coach.activity import runs
from listening_coach.diarization.embed import EMBEDDING_DIM, embed_mels, mel_frames, normalize_level
from listening_coach.diarization.recluster import centroids, recluster_two, two_means
from listening_coach.diarization.segmentation import FRAME_S, FRAME_STEP, RECEPTIVE
from listening_coach.diarization.stitch import partials

MIN_TURN_S = 1.0  # shorter turns do not shape the voices' centroids
MIN_SHORT_S = 0.5  # turns from here to MIN_TURN_S only move, by the larger SHORT_MARGIN
MARGIN = 0.1  # cosine-distance margin by which another voice must be closer
SHORT_MARGIN = 0.05
MIN_PAUSE_S = 0.25  # a quiet stretch this long inside a run splits it
MAX_ROUNDS = 4
SPLIT_ROUNDS = 5  # two-means rounds when one voice's turns are split in two
# two voices heard together longer than this are two people: one voice the windows split in two
# measured 0.24-0.3 s together (at a label change), two people 0.68 s and more (dev role-plays)
MAX_CONCURRENT_S = 0.5
MAX_MERGE_DISTANCE = 0.2  # turn centroids of two people measure 0.18 and more on the dev role-plays
_OFFSET = (RECEPTIVE - FRAME_STEP) // 2


def frame_levels(samples: np.ndarray, n_frames: int, block: int = 4096) -> np.ndarray:
    """Level in dB of every frame (-100 past the end of the audio); computed ``block`` frames
    at a time, so an hour needs no float64 copy of the recording."""
    n = min(n_frames, len(samples) // FRAME_STEP)
    db = np.full(n_frames, -100.0)
    for a in range(0, n, block):
        b = min(n, a + block)
        frames = samples[a * FRAME_STEP : b * FRAME_STEP].reshape(b - a, FRAME_STEP).astype(np.float64)
        db[a:b] = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-10)
    return db


def _turns(active: np.ndarray, db: np.ndarray) -> list[tuple[int, int, int]]:
    """(first frame, end frame, voice) of every run where one voice talks alone, cut at pauses
    (``MIN_PAUSE_S`` under 30% of the way in dB from the file's floor, its 10th percentile, to
    the run's loud speech, its 90th): the segmentation model bridges short pauses, and a short
    reply of the other voice can sit between two of them. Runs >= MIN_SHORT_S."""
    solo = active.sum(axis=1) == 1
    floor = float(np.percentile(db, 10))
    out = []
    for c in range(active.shape[1]):
        for a, b in runs(solo & active[:, c]):
            level = db[a:b]
            quiet = level < floor + 0.3 * (float(np.percentile(level, 90)) - floor)
            keep = np.ones(b - a, dtype=bool)
            for x, y in runs(quiet):
                if (y - x) * FRAME_S >= MIN_PAUSE_S:
                    keep[x:y] = False
            out += [(a + x, a + y, c) for x, y in runs(keep) if (y - x) * FRAME_S >= MIN_SHORT_S]
    return out


def _embed_turns(samples: np.ndarray, turns: list[tuple[int, int, int]], batch: int = 64) -> np.ndarray:
    """One L2-normalised embedding per turn: the mean of its partials, or, under MIN_TURN_S,
    of the whole turn (cropping 0.7 s to the 0.5 s bucket loses what little voice there is)."""
    out = np.zeros((len(turns), EMBEDDING_DIM), dtype=np.float32)
    pending: dict[int, list[tuple[int, np.ndarray]]] = {}

    def flush(items: list[tuple[int, np.ndarray]]) -> None:
        mels = np.stack([mel_frames(normalize_level(p)) for _, p in items])
        for (i, _), e in zip(items, embed_mels(mels)):
            out[i] += e

    for i, (a, b, _) in enumerate(turns):
        piece = samples[a * FRAME_STEP + _OFFSET : b * FRAME_STEP + _OFFSET]
        parts = partials(piece) if (b - a) * FRAME_S >= MIN_TURN_S else [piece]
        for part in parts:
            bucket = pending.setdefault(len(part), [])
            bucket.append((i, part))
            if len(bucket) >= batch:
                flush(bucket)
                bucket.clear()
    for items in pending.values():
        if items:
            flush(items)
    return np.asarray(out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9))


def _split(emb: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Two-means (cosine) of one voice's turns, seeded by its two most different turns: bool
    (n,), True for the group of the turn farthest from the voice's centroid."""
    return np.asarray(two_means(emb, weight, SPLIT_ROUNDS) == 0)


def _regroup(emb: np.ndarray, weight: np.ndarray, label: np.ndarray, k: int) -> np.ndarray:
    """Split each voice in two; a half that sounds more like another voice than like its other
    half (by MARGIN) moves there."""
    label = label.copy()
    for c in range(k):
        mine = np.flatnonzero(label == c)
        if len(mine) < 2:
            continue
        group = _split(emb[mine], weight[mine])
        if group.all() or not group.any():
            continue
        halves = centroids(emb[mine], weight[mine], (~group).astype(np.int64), 2)
        rest = label != c
        others = centroids(emb[rest], weight[rest], label[rest], k)
        present = np.isin(np.arange(k), label[rest])
        for h, members in ((0, group), (1, ~group)):
            d_other = np.where(present, 1.0 - others @ halves[h], np.inf)
            v = int(np.argmin(d_other))
            if d_other[v] + MARGIN < 1.0 - float(halves[0] @ halves[1]):
                label[mine[members]] = v
                break
    return label


def recheck_turns(
    samples: np.ndarray, active: np.ndarray, db: np.ndarray | None = None, *, merge: bool = True
) -> np.ndarray:
    """Split two voices' turns afresh where they are mixed up (:func:`.recluster.recluster_two`),
    move solo turns to the voice whose turns they sound like (see the module docstring);
    ``db``: :func:`frame_levels` of ``samples``, if already computed; with ``merge``, then fold
    voices that are one voice (:func:`_merged`)."""
    n_speakers = active.shape[1]
    if n_speakers < 2:
        return active
    turns = _turns(active, frame_levels(samples, len(active)) if db is None else db)
    if len(turns) < 2:
        return active
    emb = _embed_turns(samples, turns)
    label = np.array([c for _, _, c in turns])
    weight = np.array([b - a for a, b, _ in turns], dtype=np.float64)
    long = weight * FRAME_S >= MIN_TURN_S
    label[long] = recluster_two(emb[long], weight[long], label[long])  # two voices mixed up
    rows = np.arange(len(turns))
    for _ in range(MAX_ROUNDS):
        before = label.copy()
        label[long] = _regroup(emb[long], weight[long], label[long], n_speakers)
        cent = centroids(emb[long], weight[long], label[long], n_speakers)
        dist = 1.0 - emb @ cent.T
        dist[:, ~np.isin(np.arange(n_speakers), label[long])] = np.inf
        best = np.argmin(dist, axis=1)
        margin = np.where(long, MARGIN, SHORT_MARGIN)
        move = (best != label) & (dist[rows, label] - dist[rows, best] > margin)
        label = np.where(move, best, label)
        if (label == before).all():
            break
    out = _moved(active, turns, label)
    return _merged(out, emb[long], weight[long], label[long]) if merge else out


def _moved(active: np.ndarray, turns: list[tuple[int, int, int]], label: np.ndarray) -> np.ndarray:
    """``active`` with every turn given to its new voice, and with it the rest of its solo run
    (the pauses it was cut at and pieces under ``MIN_SHORT_S``): each such frame follows the
    nearest turn of its run. Left with the old voice, a pause between two turns that both moved
    came out as a short run of the old voice inside the new one's turn (a false overlap)."""
    out = active.copy()
    solo = active.sum(axis=1) == 1
    for c in np.unique([t[2] for t in turns]):
        mine = [(a, b, int(new)) for (a, b, cc), new in zip(turns, label) if cc == c]
        if all(new == c for _, _, new in mine):
            continue
        for a, b in runs(solo & active[:, c]):
            pieces = [t for t in mine if a <= t[0] and t[1] <= b]
            if not any(new != c for _, _, new in pieces):
                continue
            frames = np.arange(a, b)
            gap = np.stack([np.maximum(np.maximum(x - frames, frames - (y - 1)), 0) for x, y, _ in pieces])
            new_voice = np.array([new for _, _, new in pieces])[np.argmin(gap, axis=0)]
            out[frames, c] = False
            out[frames, new_voice] = True
    return out


def _merged(active: np.ndarray, emb: np.ndarray, weight: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Fold a voice into another while the two never talk at the same time (at most
    ``MAX_CONCURRENT_S``), their turns' centroids are under ``MAX_MERGE_DISTANCE`` apart and
    the smaller one's turns sound about as much like the other voice as like each other
    (:func:`_alike`): one person the clustering kept as two (a chain that changed voice at a
    hand-over, heard in the same window as the other part, keeps its part apart)."""
    active, label = active.copy(), label.copy()
    k = active.shape[1]
    while True:
        cent = centroids(emb, weight, label, k)
        size = np.bincount(label, weights=weight, minlength=k)
        together = active.T.astype(np.int64) @ active.astype(np.int64) * FRAME_S
        dist = 1.0 - cent @ cent.T
        pairs = [
            (float(dist[a, b]), a, b) for a in range(k) for b in range(k)
            if a != b and size[b] > 0 and size[b] <= size[a] and together[a, b] <= MAX_CONCURRENT_S
            and dist[a, b] < MAX_MERGE_DISTANCE
        ]
        pick = next(((a, b) for _, a, b in sorted(pairs) if _alike(emb, weight, label, a, b, cent)), None)
        if pick is None:
            return active
        keep, gone = pick
        active[:, keep] |= active[:, gone]
        active[:, gone] = False
        label[label == gone] = keep


def _alike(emb: np.ndarray, weight: np.ndarray, label: np.ndarray, a: int, b: int, cent: np.ndarray) -> bool:
    """Whether voice ``b``'s turns are, on average, less than ``MARGIN`` closer to the rest of
    ``b``'s turns (its centroid without the turn) than to voice ``a``'s centroid; a voice of
    one turn: whether it is within ``MARGIN`` of ``a``."""
    mine = label == b
    if mine.sum() < 2:
        return bool(1.0 - cent[a] @ cent[b] < MARGIN)
    e, w = emb[mine], weight[mine]
    rest = (w[:, None] * e).sum(axis=0)[None, :] - w[:, None] * e
    rest /= np.maximum(np.linalg.norm(rest, axis=1, keepdims=True), 1e-9)
    gap = (1.0 - e @ cent[a]) - (1.0 - np.sum(e * rest, axis=1))
    return bool(gap.mean() < MARGIN)


def turn_voiceprints(samples: np.ndarray, active: np.ndarray, db: np.ndarray) -> np.ndarray:
    """(n_speakers, dim) each voice's voiceprint from its final solo turns of at least
    ``MIN_TURN_S`` (speech-weighted mean of the turn embeddings; zeros for a voice with none):
    the clusters' centroids describe the voices before the turns were moved, re-split or
    merged."""
    k = active.shape[1]
    turns = [t for t in _turns(active, db) if (t[1] - t[0]) * FRAME_S >= MIN_TURN_S]
    if not turns:
        return np.zeros((k, EMBEDDING_DIM))
    emb = _embed_turns(samples, turns)
    weight = np.array([b - a for a, b, _ in turns], dtype=np.float64)
    return centroids(emb, weight, np.array([c for _, _, c in turns]), k)


def fold_alike(
    active: np.ndarray, prints: np.ndarray, centroids: np.ndarray, heard: np.ndarray
) -> np.ndarray:
    """Fold a third voice into another whose voiceprint is under ``MARGIN`` from its own, even
    where the two are heard together (which :func:`_merged` does not allow): one person the
    windows gave two local labels, so that both labels' chains hold them in the same window
    (the Piper voice against espeak-ng on a phone line). ``prints``: :func:`turn_voiceprints`;
    a voice with no solo turn of ``MIN_TURN_S`` (heard only in short runs or in overlap) is
    compared by its clusters' centroid (``centroids``). Only the voice with the least speech
    is folded (into the nearest): with one-pitch espeak-ng voices the two people themselves are
    under ``MARGIN`` apart.
    Where the two were heard together the model heard two people, the second of them another
    voice: the one the windows' probabilities ``heard`` (n_frames, n_voices) favour there, or
    the only other one (the windows may have given its local label to the folded pair).
    Two voices stay two, however alike."""
    active = active.copy()
    turned = np.any(prints, axis=1)
    while True:
        size = active.sum(axis=0)
        alive = [int(c) for c in np.flatnonzero(size > 0)]
        if len(alive) < 3:
            return active
        gone = min(alive, key=lambda c: size[c])  # only the smallest: two big voices stay two
        own = prints[gone] if turned[gone] else centroids[gone] / max(np.linalg.norm(centroids[gone]), 1e-9)
        others = [a for a in alive if a != gone and turned[a]]
        dist = [1.0 - float(own @ prints[a]) for a in others]
        if not others or min(dist) >= MARGIN:
            return active
        keep = others[int(np.argmin(dist))]
        rest = [c for c in alive if c not in (keep, gone)]
        for a, b in runs(active[:, keep] & active[:, gone]):
            mean = heard[a:b, rest].mean(axis=0)
            if mean.max() > 0 or len(rest) == 1:
                active[a:b, rest[int(np.argmax(mean))]] = True
        active[:, keep] |= active[:, gone]
        active[:, gone] = False


def fold_unconfirmed(active: np.ndarray, db: np.ndarray, min_speech_s: float) -> np.ndarray:
    """Fold a voice that is not confirmed as a person into the voice heard most around it
    (within ``MIN_TURN_S`` of its runs): one with no solo turn of ``MIN_TURN_S`` (its shorter
    solo turns were given to the voice they sound like, or were too short to embed) and under
    ``min_speech_s`` of speech in all (``diarize.min_speaker_s``). Nothing then says it is
    somebody else but the windows' labels, and segmentation-3.0 gives one voice a second local
    label for a moment (a few tenths of a second, often heard together with it): on
    single-speaker tracks of the generated role-plays, 0.2-1.6 s. A voice heard only over
    another for longer (a listener's backchannels) or with a turn of its own stays.
    ``db``: :func:`frame_levels`. Smallest voice first, until every voice left is confirmed."""
    active = active.copy()
    pad = int(round(MIN_TURN_S / FRAME_S))
    while True:
        size = active.sum(axis=0)
        alive = [int(c) for c in np.flatnonzero(size > 0)]
        turned = {c for a, b, c in _turns(active, db) if (b - a) * FRAME_S >= MIN_TURN_S}
        small = [c for c in alive if c not in turned and size[c] * FRAME_S < min_speech_s]
        if len(alive) < 2 or not small:
            return active
        gone = min(small, key=lambda c: size[c])
        near = np.zeros(len(active), dtype=bool)
        for a, b in runs(active[:, gone]):
            near[max(0, a - pad) : b + pad] = True
        keep = max((c for c in alive if c != gone), key=lambda c: int(active[near, c].sum()))
        active[:, keep] |= active[:, gone]
        active[:, gone] = False
