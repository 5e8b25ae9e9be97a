"""The diarizer: who spoke when in a mono recording, overlaps included.

- :func:`diarize`: samples -> :class:`~listening_coach.diarization.types.Diarization`.

Steps (all offline)::

    samples --Silero VAD + energy--> speech frames (32 ms)
            --1.0 s windows, 0.25 s hop--> resemblyzer embeddings (ONNX)
            --NME-SC spectral clustering--> speakers + count confidence
            --per-frame similarity to each speaker--> segments (smoothed)
            --second-speaker evidence--> overlap stretches (see overlap.py)
"""

from __future__ import annotations

import logging

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.config import DiarizeOptions
from listening_coach.diarization import vad
from listening_coach.diarization.cluster import Clustering, cluster_embeddings
from listening_coach.diarization.embed import embed_windows
from listening_coach.diarization.overlap import find_overlap_regions, frame_average
from listening_coach.diarization.types import Diarization, SpeakerSegment, count_notes
from listening_coach.errors import AudioError, ConfigError
from listening_coach.span import Span

log = logging.getLogger(__name__)

MIN_WINDOW_S = 0.4  # shorter speech bursts are embedded with this much audio around them


def label(index: int) -> str:
    """Diarizer label for speaker ``index``: ``SPEAKER_00``, ``SPEAKER_01`` ..."""
    return f"SPEAKER_{index:02d}"


def _check(samples: np.ndarray, options: DiarizeOptions, sample_rate: int) -> np.ndarray:
    samples = np.asarray(samples)
    if samples.ndim == 2 and 1 in samples.shape:
        samples = samples.reshape(-1)
    if samples.ndim != 1:
        raise AudioError(
            f"diarize() needs mono samples of shape (n,), got {samples.shape}; mix channels "
            "with samples.mean(axis=0) first"
        )
    if not np.issubdtype(samples.dtype, np.floating):
        raise AudioError(f"diarize() needs float samples in [-1, 1], got dtype {samples.dtype}")
    if options.min_speakers < 1 or options.max_speakers < options.min_speakers:
        raise ConfigError(
            f"diarize.min_speakers ({options.min_speakers}) must be >= 1 and <= "
            f"diarize.max_speakers ({options.max_speakers})"
        )
    if options.num_speakers < 0:
        raise ConfigError(f"diarize.num_speakers must be 0 (estimate) or more, got {options.num_speakers}")
    if options.engine not in ("segmentation", "embedding"):
        raise ConfigError(f"diarize.engine must be 'segmentation' or 'embedding', got {options.engine!r}")
    if options.seg_step_s <= 0 or options.seg_step_s > 10:
        raise ConfigError(f"diarize.seg_step_s must be in (0, 10], got {options.seg_step_s}")
    if options.cluster_method not in ("nme-sc", "ahc"):
        raise ConfigError(f"diarize.cluster_method must be 'nme-sc' or 'ahc', got {options.cluster_method!r}")
    if options.window_s < MIN_WINDOW_S or options.step_s <= 0:
        raise ConfigError(
            f"diarize.window_s must be >= {MIN_WINDOW_S} and step_s > 0, got "
            f"{options.window_s} and {options.step_s}"
        )
    samples = samples.astype(np.float32, copy=False)
    if not np.isfinite(samples).all():
        samples = np.nan_to_num(samples)
    if sample_rate != SAMPLE_RATE:
        from scipy.signal import resample_poly

        g = np.gcd(sample_rate, SAMPLE_RATE)
        samples = resample_poly(samples, SAMPLE_RATE // g, sample_rate // g).astype(np.float32)
    return samples


def _windows(
    regions: list[Span], options: DiarizeOptions, duration: float
) -> tuple[np.ndarray, np.ndarray]:
    """Embedding windows inside speech regions, as a (windows, 2) array of start/end seconds
    (the form the frame arithmetic needs), and the speech each covers."""
    spans: list[tuple[float, float]] = []
    weights: list[float] = []
    for start, end in regions:
        length = end - start
        if length >= options.window_s:
            n = int(np.ceil((length - options.window_s) / options.step_s)) + 1
            starts = np.linspace(start, end - options.window_s, n) if n > 1 else [start]
            for s in starts:
                spans.append((float(s), float(s) + options.window_s))
                weights.append(min(options.step_s, length / n))
        else:
            mid = (start + end) / 2
            half = max(length, MIN_WINDOW_S) / 2
            a, b = max(0.0, mid - half), min(duration, mid + half)
            spans.append((a, b))
            weights.append(length)
    return np.array(spans, dtype=np.float64).reshape(-1, 2), np.array(weights)


def diarize(
    samples: np.ndarray, options: DiarizeOptions | None = None, *, sample_rate: int = SAMPLE_RATE
) -> Diarization:
    """Find who spoke when in mono ``samples``.

    Args:
      samples: float32 mono audio, shape (n,), in [-1, 1].
      options: Diarization settings; None uses the defaults.
      sample_rate: Of ``samples``; other rates than 16 kHz are resampled.

    Returns:
      Segments labelled ``SPEAKER_00``.. in order of first speech (overlapping where two
      people speak at once), overlap stretches, the speaker count and its confidence. No
      speech gives no segments and ``num_speakers == 0`` with a note.

    Raises:
      AudioError: samples that are not mono floats.
      ConfigError: inconsistent speaker-count options.
    """
    options = options or DiarizeOptions()
    samples = _check(samples, options, sample_rate)
    if options.engine == "segmentation":
        from listening_coach.diarization.neural import diarize_segmentation

        return diarize_segmentation(samples, options)
    duration = len(samples) / SAMPLE_RATE
    notes: list[str] = []
    mask = _speech_frames(samples, options)
    regions = vad.mask_to_regions(mask)
    if not regions:
        return Diarization((), (), 0, 1.0, duration, ("no speech found",))
    spans, weights = _windows(regions, options, duration)
    sample_spans = np.round(spans * SAMPLE_RATE).astype(int)
    embeddings = embed_windows(samples, sample_spans)
    speech_s = float(mask.sum() * vad.FRAME_S)
    clustering = _cluster(embeddings, weights, options, speech_s)
    centroids = clustering.centroids
    more_notes, count_confidence = count_notes(
        clustering.estimated, clustering.count_confidence, speech_s, min_speech_s=2 * options.window_s,
        num_speakers=options.num_speakers, max_speakers=options.max_speakers,
    )
    notes.extend(more_notes)
    similarity = embeddings @ centroids.T  # (windows, speakers)
    frame_scores = frame_average(spans, similarity, len(mask))
    frame_labels = np.where(mask, np.argmax(frame_scores, axis=1), -1)
    frame_labels = _smooth(frame_labels, int(round(options.smoothing_s / vad.FRAME_S)))
    segments = _merge(_segments(frame_labels, frame_scores), options.merge_gap_s)
    overlaps: tuple[Span, ...] = ()
    if options.overlap and len(centroids) > 1:
        overlaps, extra = find_overlap_regions(spans, embeddings, centroids, frame_labels, options)
        segments = tuple(sorted(segments + extra, key=lambda s: (s.start, s.end)))
    segments, names = _rename(segments)
    voiceprints = tuple((names[f"#{i}"], centroids[i]) for i in range(len(centroids)) if f"#{i}" in names)
    return Diarization(segments, overlaps, len(names), count_confidence, duration, tuple(notes), voiceprints)


def _speech_frames(samples: np.ndarray, options: DiarizeOptions) -> np.ndarray:
    """Which 32 ms frames hold speech: Silero VAD probability and frame energy."""
    probs = vad.speech_probabilities(samples)
    dbfs = vad.frame_dbfs(samples)
    return vad.speech_mask(
        probs,
        dbfs,
        threshold=options.vad_threshold,
        min_speech_s=options.min_speech_s,
        min_silence_s=options.min_silence_s,
    )


def _cluster(
    embeddings: np.ndarray, weights: np.ndarray, options: DiarizeOptions, speech_s: float
) -> Clustering:
    """Speakers from the window embeddings; long files cluster a spread-out subsample."""
    fit = np.arange(len(embeddings))
    if len(fit) > options.max_cluster_windows:
        fit = np.linspace(0, len(embeddings) - 1, options.max_cluster_windows).astype(int)
    return cluster_embeddings(
        embeddings[fit],
        weights[fit],
        threshold=options.cluster_threshold,
        num_speakers=options.num_speakers,
        min_speakers=options.min_speakers,
        max_speakers=options.max_speakers,
        min_weight=min(options.min_speaker_s, 0.25 * speech_s),
        method=options.cluster_method,
    )


def _smooth(labels: np.ndarray, min_frames: int) -> np.ndarray:
    """Give short speaker runs inside speech to the longer neighbouring run."""
    labels = labels.copy()
    for _ in range(3):
        runs = _label_runs(labels)
        changed = False
        for i, (start, end, who) in enumerate(runs):
            if who < 0 or end - start >= min_frames:
                continue
            left = runs[i - 1] if i > 0 and runs[i - 1][1] == start else None
            right = runs[i + 1] if i + 1 < len(runs) and runs[i + 1][0] == end else None
            options = [r for r in (left, right) if r is not None and r[2] >= 0]
            if options:
                labels[start:end] = max(options, key=lambda r: r[1] - r[0])[2]
                changed = True
        if not changed:
            break
    return labels


def _label_runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    if not len(labels):
        return []
    edges = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [len(labels)]])
    return [(int(a), int(b), int(labels[a])) for a, b in zip(starts, ends)]


def _segments(labels: np.ndarray, scores: np.ndarray) -> tuple[SpeakerSegment, ...]:
    out = []
    for start, end, who in _label_runs(labels):
        if who < 0:
            continue
        conf = _confidence(scores[start:end], who)
        out.append(SpeakerSegment(start * vad.FRAME_S, end * vad.FRAME_S, f"#{who}", conf))
    return tuple(out)


def _merge(segments: tuple[SpeakerSegment, ...], gap_s: float) -> tuple[SpeakerSegment, ...]:
    """Join consecutive segments of one speaker separated by less than ``gap_s`` of silence.

    Only when nobody else speaks in between, so pauses between two people stay.
    """
    out: list[SpeakerSegment] = []
    for s in segments:
        last = out[-1] if out else None
        if last is not None and last.speaker == s.speaker and s.start - last.end < gap_s:
            conf = (last.confidence * last.duration + s.confidence * s.duration) / max(
                last.duration + s.duration, 1e-9
            )
            out[-1] = SpeakerSegment(last.start, s.end, s.speaker, conf)
        else:
            out.append(s)
    return tuple(out)


def _confidence(scores: np.ndarray, who: int) -> float:
    """Margin of the chosen speaker over the runner-up, mapped to [0, 1]."""
    if scores.shape[1] < 2:
        return 1.0
    own = scores[:, who].mean()
    other = np.delete(scores, who, axis=1).max(axis=1).mean()
    return float(np.clip(0.5 + (own - other) / 0.3, 0.0, 1.0))


def _rename(
    segments: tuple[SpeakerSegment, ...],
) -> tuple[tuple[SpeakerSegment, ...], dict[str, str]]:
    """``#k`` -> ``SPEAKER_NN`` in order of first speech; returns the segments and the map."""
    names: dict[str, str] = {}
    for s in sorted(segments, key=lambda s: s.start):
        names.setdefault(s.speaker, label(len(names)))
    renamed = tuple(SpeakerSegment(s.start, s.end, names[s.speaker], s.confidence) for s in segments)
    return renamed, names
