"""The default diarizer: pyannote's segmentation-3.0 windows stitched into global speakers.

- :func:`diarize_segmentation`: checked 16 kHz mono samples -> Diarization.

Steps (all offline; docs/diarization.md)::

    samples --10 s windows every seg_step_s--> segmentation-3.0 (ONNX): 3 local speakers, <= 2 at once
            --solo frames of each local speaker--> voice embedding (resemblyzer, ONNX)
            --windows' shared frames--> chains of local speakers, cut where they change voice
            --average linkage, never two chains of one window--> global voices + count (chains)
            --overlap-add, keep per frame the windows' speaker count (an overlap from where
              two voices are already likely)--> frame activity
            --solo turns re-embedded (two voices' turns split afresh where the chains mixed
              them up: recluster), moved to the voice they sound like with the rest of their
              run; two voices that sound alike and never talk at once merged, a third voice
              within the margin of another folded into it (turns_check)-->
            --a short faint second voice inside a turn kept as a backchannel (backchannels)-->
            --a short second voice in the first second of another's segment that sounds like
              it dropped (starts)--> segments, overlaps

numpy's BLAS runs on one thread throughout (small matrices; threads only contend).
"""

from __future__ import annotations

import logging

import numpy as np

from listening_coach.activity import runs
from listening_coach.audio import SAMPLE_RATE
from listening_coach.config import DiarizeOptions
from listening_coach.diarization.backchannels import add_backchannels, voice_grid, voice_levels
from listening_coach.diarization.chains import cluster_chains, link_windows, split_chains
from listening_coach.diarization.sessions import one_blas_thread
from listening_coach.diarization.starts import drop_false_starts
from listening_coach.diarization.segmentation import FRAME_S, FRAME_STEP, segment_windows
from listening_coach.diarization.stitch import aggregate, local_embeddings
from listening_coach.diarization.turns_check import (
    fold_alike, fold_unconfirmed, frame_levels, recheck_turns, turn_voiceprints,
)
from listening_coach.diarization.types import Diarization, SpeakerSegment, count_notes, overlap_regions

log = logging.getLogger(__name__)


def diarize_segmentation(samples: np.ndarray, options: DiarizeOptions) -> Diarization:
    """Diarize checked mono 16 kHz float32 ``samples`` with the segmentation model."""
    with one_blas_thread():  # small matrices: a second BLAS thread only contends
        return _diarize(samples, options)


def _diarize(samples: np.ndarray, options: DiarizeOptions) -> Diarization:
    duration = len(samples) / SAMPLE_RATE
    windows = segment_windows(samples, options.seg_step_s)
    embeddings, clean_s, embedded = local_embeddings(
        samples, windows, min_clean_s=options.min_clean_s, min_active_s=options.min_speech_s
    )
    if not embedded.any():
        return Diarization((), (), 0, 1.0, duration, ("no speech found",))
    speech_s = _speech_seconds(windows.activity, windows.starts, len(samples))
    chains = split_chains(link_windows(windows, embedded), embeddings, clean_s)
    min_speaker_s = min(options.min_speaker_s, 0.25 * speech_s)
    clustering = cluster_chains(
        chains,
        embeddings,
        clean_s,
        threshold=options.seg_cluster_threshold,
        num_speakers=options.num_speakers,
        max_speakers=options.max_speakers,
        min_speaker_s=min_speaker_s,
    )
    notes, count_confidence = count_notes(
        clustering.estimated, clustering.count_confidence, speech_s, min_speech_s=3.0,
        num_speakers=options.num_speakers, max_speakers=options.max_speakers,
    )
    centroids = clustering.centroids
    assigned = np.where(chains.chain >= 0, clustering.labels[np.maximum(chains.chain, 0)], -1)
    n_frames = int(np.ceil(len(samples) / FRAME_STEP))
    grid = voice_grid(windows, assigned, len(centroids), n_frames)
    active, score = aggregate(
        windows, assigned, len(centroids), n_frames, grid=grid, onset_overlap=options.seg_onset_overlap,
        min_early=int(round(options.min_speech_s / FRAME_S)),
    )
    db = frame_levels(samples, n_frames)
    active = recheck_turns(samples, active, db, merge=not options.num_speakers)
    two, heard = grid
    if not options.num_speakers:
        active = fold_unconfirmed(active, db, min_speaker_s)
        if active.any(axis=0).sum() > 2:
            active = fold_alike(active, turn_voiceprints(samples, active, db), centroids, heard)
    heard = heard * active.any(axis=0)  # a voice merged away is not brought back
    active = add_backchannels(active, two, heard, voice_levels(active, db))
    prints = turn_voiceprints(samples, active, db).astype(np.float32)  # the final voices, not the clusters'
    prints = np.where(np.any(prints, axis=1, keepdims=True), prints, centroids)
    segments = drop_false_starts(_segments(active, score, options), samples, prints)
    if not segments:
        return Diarization((), (), 0, 1.0, duration, (*notes, "no speech found"))
    names: dict[int, str] = {}
    for s in sorted(segments, key=lambda s: s.start):
        names.setdefault(int(s.speaker), f"SPEAKER_{len(names):02d}")
    renamed = tuple(
        SpeakerSegment(s.start, s.end, names[int(s.speaker)], s.confidence)
        for s in sorted(segments, key=lambda s: (s.start, s.end))
    )
    voiceprints = tuple((names[i], prints[i]) for i in sorted(names))
    return Diarization(
        renamed, overlap_regions(renamed), len(names), count_confidence, duration, tuple(notes), voiceprints
    )


def _speech_seconds(activity: np.ndarray, starts: np.ndarray, n_samples: int) -> float:
    """Seconds in which any window hears speech (union over windows)."""
    heard = np.zeros(int(np.ceil(n_samples / FRAME_STEP)) + 1, dtype=bool)
    any_active = np.asarray(activity.any(axis=2))
    for w, start in enumerate(starts):
        first = int(round(start / FRAME_STEP))
        part = any_active[w, : max(0, len(heard) - first)]
        heard[first : first + len(part)] |= part
    return float(heard.sum() * FRAME_S)


def _segments(active: np.ndarray, score: np.ndarray, options: DiarizeOptions) -> list[SpeakerSegment]:
    """Per speaker: bridge gaps under ``min_silence_s`` (and under ``merge_gap_s`` when nobody
    else talks in them), drop runs under ``min_speech_s``; speaker stored as its index."""
    out = []
    short_gap = int(round(options.min_silence_s / FRAME_S))
    long_gap = int(round(options.merge_gap_s / FRAME_S))
    min_len = int(round(options.min_speech_s / FRAME_S))
    for c in range(active.shape[1]):
        mask = active[:, c].copy()
        others = np.asarray(np.delete(active, c, axis=1).any(axis=1))
        for a, b in runs(~mask):
            if a == 0 or b == len(mask):
                continue
            if b - a <= short_gap or (b - a <= long_gap and not others[a:b].any()):
                mask[a:b] = True
        for a, b in runs(mask):
            if b - a < min_len:
                continue
            conf = float(np.clip(score[a:b, c].mean(), 0.0, 1.0))
            out.append(SpeakerSegment(a * FRAME_S, b * FRAME_S, str(c), round(conf, 3)))
    return out
