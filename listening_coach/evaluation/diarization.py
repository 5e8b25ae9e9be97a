"""RTTM/UEM files and diarization scores: DER, speaker count, overlap onsets.

- :func:`read_rttm_files` / :func:`write_rttm` / :func:`read_uem` / :func:`file_key`: the
  benchmark's reference files, from :mod:`listening_coach.evaluation.rttm_files` (re-exported).
- :func:`score_der`: diarization error rate on a 10 ms grid with optimal (Hungarian) speaker
  mapping, a forgiveness collar around reference boundaries, optionally skipping overlap.
- :func:`evaluate_directory`: diarize every recording an RTTM file names and score it.
- :func:`score_onsets`: how well the onsets of stretches where 2+ speakers talk
  (:func:`~listening_coach.diarization.types.overlap_regions`, re-exported here) are found
  (one-to-one matches within a tolerance).
- :func:`optimal_mapping`: the hypothesis -> reference speaker mapping DER scores with; the
  clips' backchannel recall (:mod:`listening_coach.evaluation.backchannel_recall`) uses it.

DER = (missed speech + false alarm + speaker confusion) / reference speech, per md-eval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.diarization.types import Diarization, SpeakerSegment
from listening_coach.diarization.types import overlap_regions as overlap_regions  # re-exported
from listening_coach.errors import AudioError
from listening_coach.evaluation.backchannel_recall import BackchannelResult, reference_backchannels
from listening_coach.evaluation.backchannel_recall import pooled as pooled  # re-exported
from listening_coach.evaluation.backchannel_recall import score_backchannels
from listening_coach.evaluation.rttm_files import AUDIO_SUFFIXES as AUDIO_SUFFIXES  # re-exported
from listening_coach.evaluation.rttm_files import file_key, find_audio, read_rttm_files, read_uem
from listening_coach.evaluation.rttm_files import write_rttm as write_rttm  # re-exported
from listening_coach.span import Span

RESOLUTION_S = 0.01


@dataclass(frozen=True, slots=True)
class DerResult:
    """Error times in seconds over the scored region; ``der`` is their sum over ``total``."""

    total: float
    missed: float
    false_alarm: float
    confusion: float

    @property
    def der(self) -> float:
        return (self.missed + self.false_alarm + self.confusion) / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class OnsetResult:
    """Overlap onsets: hits, reference onsets, hypothesis onsets."""

    hits: int
    reference: int
    hypothesis: int

    @property
    def precision(self) -> float:
        return self.hits / self.hypothesis if self.hypothesis else 1.0 if not self.reference else 0.0

    @property
    def recall(self) -> float:
        return self.hits / self.reference if self.reference else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _activity(segments: Sequence[SpeakerSegment], n_frames: int) -> tuple[list[str], np.ndarray]:
    speakers = sorted({s.speaker for s in segments})
    index = {s: i for i, s in enumerate(speakers)}
    matrix = np.zeros((n_frames, len(speakers)), dtype=bool)
    for s in segments:
        a, b = int(round(s.start / RESOLUTION_S)), int(round(s.end / RESOLUTION_S))
        matrix[max(a, 0) : max(min(b, n_frames), 0), index[s.speaker]] = True
    return speakers, matrix


def _scored_mask(
    reference: Sequence[SpeakerSegment],
    uem: Sequence[Span] | None,
    n_frames: int,
    collar_s: float,
) -> np.ndarray:
    mask = np.zeros(n_frames, dtype=bool)
    for start, end in uem or [Span(0.0, n_frames * RESOLUTION_S)]:
        mask[int(round(start / RESOLUTION_S)) : int(round(end / RESOLUTION_S))] = True
    c = int(round(collar_s / RESOLUTION_S))
    if c:
        for s in reference:
            for t in (s.start, s.end):
                f = int(round(t / RESOLUTION_S))
                mask[max(f - c, 0) : max(f + c, 0)] = False
    return mask


def _masked_activity(
    reference: Sequence[SpeakerSegment],
    hypothesis: Sequence[SpeakerSegment],
    uem: Sequence[Span] | None,
    collar_s: float,
    skip_overlap: bool,
) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """Reference and hypothesis speaker names and (frames, speakers) activity on the scored
    frames (``uem`` less the collar, less reference overlap with ``skip_overlap``)."""
    end = max([s.end for s in (*reference, *hypothesis)] + [span.end for span in uem or []] + [0.0])
    n = int(round(end / RESOLUTION_S)) + 1
    ref_names, ref = _activity(reference, n)
    hyp_names, hyp = _activity(hypothesis, n)
    mask = _scored_mask(reference, uem, n, collar_s)
    if skip_overlap:
        mask &= ref.sum(axis=1) < 2
    return ref_names, ref[mask], hyp_names, hyp[mask]


def _pairs(ref: np.ndarray, hyp: np.ndarray) -> list[tuple[int, int]]:
    """(reference, hypothesis) column pairs sharing the most frames in all (Hungarian)."""
    from scipy.optimize import linear_sum_assignment

    if not ref.shape[1] or not hyp.shape[1]:
        return []
    joint = ref.T.astype(np.int64) @ hyp.astype(np.int64)  # (ref, hyp) co-active frames
    rows, cols = linear_sum_assignment(-joint)
    return [(int(r), int(c)) for r, c in zip(rows, cols)]


def optimal_mapping(
    reference: Sequence[SpeakerSegment],
    hypothesis: Sequence[SpeakerSegment],
    *,
    uem: Sequence[Span] | None = None,
    collar_s: float = 0.25,
) -> dict[str, str]:
    """Hypothesis label -> reference speaker, the one-to-one mapping :func:`score_der` scores
    with (most co-active scored frames in all); a label left over maps to nothing."""
    ref_names, ref, hyp_names, hyp = _masked_activity(reference, hypothesis, uem, collar_s, False)
    return {hyp_names[c]: ref_names[r] for r, c in _pairs(ref, hyp)}


def score_der(
    reference: Sequence[SpeakerSegment],
    hypothesis: Sequence[SpeakerSegment],
    *,
    uem: Sequence[Span] | None = None,
    collar_s: float = 0.25,
    skip_overlap: bool = False,
) -> DerResult:
    """Score ``hypothesis`` against ``reference`` speaker segments.

    ::

        ref   A |--------|      B |------|
        hyp   x |------|    y |-----------|     x->A, y->B (optimal mapping)
                       ^miss ^false alarm

    Args:
      reference, hypothesis: Speaker segments; labels need not agree (mapped optimally).
      uem: Scored regions; None scores from 0 to the last segment end.
      collar_s: Time either side of each reference boundary that is not scored.
      skip_overlap: Leave out time where the reference has two or more speakers.
    """
    _, ref, _, hyp = _masked_activity(reference, hypothesis, uem, collar_s, skip_overlap)
    n_ref, n_hyp = ref.sum(axis=1), hyp.sum(axis=1)
    correct = np.zeros(len(ref))
    for r, c in _pairs(ref, hyp):
        correct += ref[:, r] & hyp[:, c]
    missed = np.maximum(n_ref - n_hyp, 0).sum()
    false_alarm = np.maximum(n_hyp - n_ref, 0).sum()
    confusion = (np.minimum(n_ref, n_hyp) - correct).sum()
    return DerResult(
        total=float(n_ref.sum() * RESOLUTION_S),
        missed=float(missed * RESOLUTION_S),
        false_alarm=float(false_alarm * RESOLUTION_S),
        confusion=float(confusion * RESOLUTION_S),
    )


def score_onsets(
    reference: Sequence[Span],
    hypothesis: Sequence[Span],
    *,
    tolerance_s: float = 0.5,
    uem: Sequence[Span] | None = None,
) -> OnsetResult:
    """Match overlap onsets one-to-one (closest first) when within ``tolerance_s``.

    Onsets outside ``uem`` are not counted.
    """

    def inside(t: float) -> bool:
        return uem is None or any(t in span for span in uem)

    ref = [span.start for span in reference if inside(span.start)]
    hyp = [span.start for span in hypothesis if inside(span.start)]
    pairs = sorted(
        (abs(r - h), i, j) for i, r in enumerate(ref) for j, h in enumerate(hyp) if abs(r - h) <= tolerance_s
    )
    used_r: set[int] = set()
    used_h: set[int] = set()
    for _, i, j in pairs:
        if i not in used_r and j not in used_h:
            used_r.add(i)
            used_h.add(j)
    return OnsetResult(hits=len(used_r), reference=len(ref), hypothesis=len(hyp))


@dataclass(frozen=True, slots=True)
class ClipScore:
    """Scores of one recording: DER with and without overlap, count, overlap onsets,
    backchannels, time."""

    file_id: str
    der: DerResult
    der_no_overlap: DerResult
    ref_speakers: int
    hyp_speakers: int
    onsets: OnsetResult
    backchannels: BackchannelResult
    seconds: float
    audio_s: float
    hypothesis: tuple[SpeakerSegment, ...] = ()


def evaluate_directory(
    rttm: str | Path,
    audio_dir: str | Path,
    options: object = None,
    *,
    uem: str | Path | None = None,
    collar_s: float = 0.25,
    onset_tolerance_s: float = 0.5,
    min_overlap_s: float = 0.0,
    on_clip: object = None,
) -> tuple[list[ClipScore], list[str]]:
    """Diarize every recording named in ``rttm`` (found in ``audio_dir``) and score it.

    Args:
      rttm: Reference RTTM; file ids are matched to audio names by :func:`file_key`.
      audio_dir: Folder with the recordings (any FFmpeg-readable format; channels mixed).
      options: :class:`~listening_coach.config.DiarizeOptions` (None: defaults).
      uem: Scored regions per file; without it each file is scored over its whole length.
      collar_s, onset_tolerance_s: Forgiveness collar for DER; onset and backchannel matching window.
      min_overlap_s: Reference overlaps shorter than this are not counted as onsets.
      on_clip: Called with each :class:`ClipScore` as it is done (progress output).

    Returns:
      Per-clip scores, and the file ids that had no audio.

    Raises:
      AudioError: unreadable RTTM/UEM, a missing folder, or no recording found at all.
    """
    if not Path(audio_dir).is_dir():
        raise AudioError(f"Audio folder {audio_dir} does not exist; pass the folder with the recordings")
    reference = read_rttm_files(rttm)
    regions = {file_key(k): v for k, v in read_uem(uem).items()} if uem else {}
    scores: list[ClipScore] = []
    missing: list[str] = []
    for file_id in sorted(reference, key=file_key):
        path = find_audio(file_id, audio_dir)
        if path is None:
            missing.append(file_id)
            continue
        hyp, elapsed, audio_s = _diarize_file(path, options)
        scored = regions.get(file_key(file_id)) or (Span(0.0, audio_s),)
        score = _score_clip(file_id, reference[file_id], hyp, scored, seconds=elapsed,
                            audio_s=audio_s, collar_s=collar_s,
                            onset_tolerance_s=onset_tolerance_s, min_overlap_s=min_overlap_s)
        scores.append(score)
        if callable(on_clip):
            on_clip(score)
    if not scores:
        raise AudioError(
            f"No recording in {audio_dir} matches a file id of {rttm} "
            f"(ids: {', '.join(sorted(reference)[:5])}...); name files after the ids"
        )
    return scores, missing


def _diarize_file(path: Path, options: object) -> tuple[Diarization, float, float]:
    """Diarize one recording (channels mixed): the result, the seconds it took, its length."""
    import time

    from listening_coach.audio import load_audio
    from listening_coach.diarization.core import diarize

    samples = load_audio(path)
    mono = samples.mean(axis=0) if samples.ndim == 2 else samples
    started = time.perf_counter()
    hyp = diarize(mono, options)  # type: ignore[arg-type]
    return hyp, time.perf_counter() - started, len(mono) / SAMPLE_RATE


def _score_clip(
    file_id: str,
    ref: tuple[SpeakerSegment, ...],
    hyp: Diarization,
    scored: tuple[Span, ...],
    *,
    seconds: float,
    audio_s: float,
    collar_s: float,
    onset_tolerance_s: float,
    min_overlap_s: float,
) -> ClipScore:
    """One recording's scores over its ``scored`` regions (``seconds``: time to diarize it)."""
    ref_in = {s.speaker for s in ref if any(s.start < r.end and s.end > r.start for r in scored)}
    return ClipScore(
        file_id=file_id,
        der=score_der(ref, hyp.segments, uem=scored, collar_s=collar_s),
        der_no_overlap=score_der(ref, hyp.segments, uem=scored, collar_s=collar_s, skip_overlap=True),
        ref_speakers=len(ref_in),
        hyp_speakers=hyp.num_speakers,
        onsets=score_onsets(
            overlap_regions(ref, min_duration_s=min_overlap_s),
            hyp.overlaps,
            tolerance_s=onset_tolerance_s,
            uem=scored,
        ),
        backchannels=score_backchannels(
            reference_backchannels(ref),
            hyp.segments,
            optimal_mapping(ref, hyp.segments, uem=scored, collar_s=collar_s),
            tolerance_s=onset_tolerance_s,
            uem=scored,
        ),
        seconds=seconds,
        audio_s=audio_s,
        hypothesis=hyp.segments,
    )


def total(results: Sequence[DerResult]) -> DerResult:
    """Pool several DER results (time-weighted)."""
    return DerResult(
        total=sum(r.total for r in results),
        missed=sum(r.missed for r in results),
        false_alarm=sum(r.false_alarm for r in results),
        confusion=sum(r.confusion for r in results),
    )
