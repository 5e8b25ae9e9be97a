"""How well a session's timing, overlaps and words match a rendered role-play's truth.

- :func:`score_session`: one role-play: a :class:`RolePlayScore` (exchange count, overlap
  events matched by kind and direction, latency and trainee WPM errors, scripted speech in no
  turn, word errors, dead air or effective pauses reported while someone speaks, feedback
  families via :func:`listening_coach.testing.families.score_feedback`).
- :func:`summarize`: pooled over role-plays: an :class:`AccuracySummary`.
- :func:`speech_missing`: seconds of scripted speech no turn of that speaker covers.

Matching rules (also in docs/accuracy.md):

- An overlap event matches a scripted overlap of the same ``kind`` (interruption, backchannel,
  terminal overlap) by the same speaker starting within :data:`OVERLAP_TOLERANCE_S`; each
  event matches at most one scripted overlap. Neutral ``overlap`` events are not claims.
- A truth exchange with a latency is matched to the session exchange with a prompt whose
  response starts nearest the truth response start, within :data:`EXCHANGE_TOLERANCE_S`;
  unmatched exchanges count in ``latency_unmatched`` (and give no WPM error).
- A turn covers its speaker's scripted speech from its start to its end, widened by
  :data:`TURN_PAD_S` on each side (word timestamps sit slightly inside the energy).
- A dead-air or effective-pause event is "while someone speaks" when it overlaps scripted
  speech of either speaker by more than :data:`SILENCE_TOLERANCE_S` (strict: each line's
  ``spans``, measured on its clean wideband audio, audible or not), and "over audible speech"
  when it overlaps the lines' ``audible_spans`` (the voice as mixed over the recording's noise)
  by more than that; role-plays whose truth has no ``audible_spans`` score None there.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from listening_coach.evaluation.asr import align_errors, normalize_words
from listening_coach.metrics.names import MetricName
from listening_coach.span import merge_spans
from listening_coach.testing.families import FeedbackScore, empty_score, score_feedback
from listening_coach.types import Session, Span

OVERLAP_KINDS = ("interruption", "backchannel", "terminal_overlap")
OVERLAP_TOLERANCE_S = 0.5
EXCHANGE_TOLERANCE_S = 0.75
TURN_PAD_S = 0.2
SILENCE_TOLERANCE_S = 0.2


@dataclass(frozen=True, slots=True)
class RolePlayScore:
    """One role-play scored against its truth (times in seconds)."""

    name: str
    conditions: tuple[tuple[str, str], ...]
    exchanges_truth: int
    exchanges_found: int
    overlap_tp: int
    overlap_fp: int
    overlap_fn: int
    overlap_by_kind: tuple[tuple[str, int, int, int], ...]  # ("interruption by trainee", tp, fp, fn)
    latency_errors: tuple[float, ...]  # |session - truth| per matched exchange
    latency_unmatched: int
    wpm_errors: tuple[float, ...]  # |session / truth - 1| per matched exchange with a pace
    speech_s: float  # scripted speech time (union of each speaker's spans)
    missing_s: float  # of which no turn of that speaker covers
    ref_words: int
    word_errors: int
    silence_in_speech_s: float  # dead air / effective pause reported over scripted speech
    silence_in_speech_events: int
    feedback: FeedbackScore = field(default_factory=empty_score)
    silence_over_audible_s: float | None = None  # the same events over audible speech only
    silence_over_audible_events: int | None = None

    @property
    def exchanges_exact(self) -> bool:
        return self.exchanges_truth == self.exchanges_found


@dataclass(frozen=True, slots=True)
class AccuracySummary:
    """Role-play scores pooled (the benchmark's table row)."""

    roleplays: int
    exchanges_exact: float  # share of role-plays with the exact exchange count
    overlap_precision: float | None
    overlap_recall: float | None
    overlap_f1: float | None
    latency_median: float | None
    latency_p90: float | None
    latency_matched: str  # "matched/total"
    wpm_median: float | None
    missing_s: float
    missing_share: float
    wer: float
    silence_in_speech_s: float
    silence_in_speech_events: int
    feedback: FeedbackScore
    overlap_by_kind: tuple[tuple[str, int, int, int], ...] = ()
    silence_over_audible_s: float | None = None  # None: some role-play has no audible truth
    silence_over_audible_events: int | None = None


def score_session(truth: dict[str, Any], session: Session,
                  conditions: dict[str, str] | None = None) -> RolePlayScore:
    """Score ``session`` (the pipeline's analysis of the role-play's audio) against ``truth``."""
    by_kind = match_overlaps(truth["overlaps"], session)
    tp = sum(row[1] for row in by_kind)
    fp = sum(row[2] for row in by_kind)
    fn = sum(row[3] for row in by_kind)
    lat, unmatched, wpm = _exchange_errors(truth, session)
    speech = {s: _spans_of(truth, s) for s in truth["channels"]}
    missing = speech_missing(truth, session)
    ref_words = errors = 0
    for speaker in truth["channels"]:
        ref = normalize_words(" ".join(ln["text"] for ln in truth["lines"] if ln["speaker"] == speaker))
        hyp = normalize_words(" ".join(w.text for w in session.words if w.speaker == speaker))
        ref_words += len(ref)
        errors += sum(align_errors(ref, hyp))
    silent_s, silent_n = silence_over(session, merge_spans(sp for v in speech.values() for sp in v))
    audible = None
    if all("audible_spans" in ln for ln in truth["lines"]):
        audible = silence_over(session, merge_spans(
            Span(float(a), float(b)) for ln in truth["lines"] for a, b in ln["audible_spans"]))
    return RolePlayScore(
        name=truth["name"],
        conditions=tuple(sorted((conditions or {}).items())),
        exchanges_truth=len(truth["exchanges"]),
        exchanges_found=len(session.exchanges),
        overlap_tp=tp, overlap_fp=fp, overlap_fn=fn, overlap_by_kind=by_kind,
        latency_errors=tuple(lat), latency_unmatched=unmatched, wpm_errors=tuple(wpm),
        speech_s=round(sum(sp.duration for spans in speech.values() for sp in spans), 3),
        missing_s=round(missing, 3),
        ref_words=ref_words, word_errors=errors,
        silence_in_speech_s=round(silent_s, 3), silence_in_speech_events=silent_n,
        feedback=score_feedback(truth, session.feedback, session.exchanges, session.labels,
                                session.events),
        silence_over_audible_s=None if audible is None else round(audible[0], 3),
        silence_over_audible_events=None if audible is None else audible[1],
    )


def silence_over(session: Session, speech: Sequence[Span]) -> tuple[float, int]:
    """Seconds and count of dead-air / effective-pause events overlapping ``speech`` (sorted,
    disjoint) by more than :data:`SILENCE_TOLERANCE_S`."""
    total, count = 0.0, 0
    for e in session.events:
        if e.kind in ("dead_air", "effective_pause"):
            s = _overlap_s([e.span], speech)
            if s > SILENCE_TOLERANCE_S:
                total += s
                count += 1
    return total, count


def match_overlaps(
    scripted: Sequence[dict[str, Any]], session: Session
) -> tuple[tuple[str, int, int, int], ...]:
    """Per ``"KIND by SPEAKER"``: (label, true positives, false positives, false negatives)."""
    found = [e for e in session.events if e.kind in OVERLAP_KINDS]
    used: set[int] = set()
    hits: list[str] = []
    for o in scripted:
        best = None
        for j, e in enumerate(found):
            if j in used or e.kind != o["kind"] or e.speaker != o["speaker"]:
                continue
            d = abs(e.start - o["start"])
            if d <= OVERLAP_TOLERANCE_S and (best is None or d < best[0]):
                best = (d, j)
        if best is not None:
            used.add(best[1])
            hits.append(_kind(o["kind"], o["speaker"]))
    wanted = [_kind(o["kind"], o["speaker"]) for o in scripted]
    claimed = [_kind(e.kind, e.speaker) for j, e in enumerate(found) if j not in used]
    return tuple(
        (label, hits.count(label), claimed.count(label), wanted.count(label) - hits.count(label))
        for label in sorted(set(wanted) | set(claimed))
    )


def _kind(kind: str, speaker: str | None) -> str:
    return f"{kind} by {speaker}"


def speech_missing(truth: dict[str, Any], session: Session) -> float:
    """Seconds of each speaker's scripted speech that none of their turns covers."""
    total = 0.0
    for speaker in truth["channels"]:
        spans = _spans_of(truth, speaker)
        turns = merge_spans(Span(t.start - TURN_PAD_S, t.end + TURN_PAD_S)
                            for t in session.turns if t.speaker == speaker)
        total += sum(sp.duration for sp in spans) - _overlap_s(spans, turns)
    return total


def summarize(scores: Sequence[RolePlayScore]) -> AccuracySummary:
    """Pool role-play scores: ratios of sums, medians over all matched exchanges."""
    tp = sum(s.overlap_tp for s in scores)
    fp = sum(s.overlap_fp for s in scores)
    fn = sum(s.overlap_fn for s in scores)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (2 * precision * recall / (precision + recall)
          if precision is not None and recall is not None and precision + recall else None)
    lat = sorted(e for s in scores for e in s.latency_errors)
    wpm = [e for s in scores for e in s.wpm_errors]
    speech = sum(s.speech_s for s in scores)
    missing = sum(s.missing_s for s in scores)
    feedback = empty_score()
    for s in scores:
        feedback = feedback + s.feedback
    total_lat = sum(len(s.latency_errors) + s.latency_unmatched for s in scores)
    audible = [(s.silence_over_audible_s, s.silence_over_audible_events) for s in scores]
    audible_known = all(a is not None and n is not None for a, n in audible)
    kinds: dict[str, list[int]] = {}
    for s in scores:
        for label, *counts in s.overlap_by_kind:
            kinds[label] = [a + b for a, b in zip(kinds.get(label, [0, 0, 0]), counts)]
    return AccuracySummary(
        roleplays=len(scores),
        exchanges_exact=sum(s.exchanges_exact for s in scores) / max(len(scores), 1),
        overlap_precision=precision, overlap_recall=recall, overlap_f1=f1,
        latency_median=statistics.median(lat) if lat else None,
        latency_p90=_quantile(lat, 0.9),
        latency_matched=f"{len(lat)}/{total_lat}",
        wpm_median=statistics.median(wpm) if wpm else None,
        missing_s=round(missing, 2),
        missing_share=missing / speech if speech else 0.0,
        wer=sum(s.word_errors for s in scores) / max(sum(s.ref_words for s in scores), 1),
        silence_in_speech_s=round(sum(s.silence_in_speech_s for s in scores), 2),
        silence_in_speech_events=sum(s.silence_in_speech_events for s in scores),
        feedback=feedback,
        overlap_by_kind=tuple((k, v[0], v[1], v[2]) for k, v in sorted(kinds.items())),
        silence_over_audible_s=round(sum(a or 0.0 for a, _ in audible), 2) if audible_known else None,
        silence_over_audible_events=sum(n or 0 for _, n in audible) if audible_known else None,
    )


def _exchange_errors(truth: dict[str, Any], session: Session) -> tuple[list[float], int, list[float]]:
    lat: list[float] = []
    wpm: list[float] = []
    unmatched = 0
    candidates = [ex for ex in session.exchanges if ex.prompt and ex.response]
    for ex in truth["exchanges"]:
        if ex["latency_s"] is None:
            continue
        start = ex["response"]["start"]
        near = [(abs(c.response[0].start - start), c) for c in candidates]
        near = [(d, c) for d, c in near if d <= EXCHANGE_TOLERANCE_S]
        if not near:
            unmatched += 1
            continue
        got = min(near, key=lambda dc: dc[0])[1]
        latency = got.response_latency
        if latency is not None:
            lat.append(round(abs(latency - ex["latency_s"]), 3))
        metric = session.metric(MetricName.PACE_WPM, got.index)
        if metric is not None and ex.get("trainee_wpm"):
            wpm.append(round(abs(metric.value / ex["trainee_wpm"] - 1), 4))
    return lat, unmatched, wpm


def _spans_of(truth: dict[str, Any], speaker: str) -> list[Span]:
    """The union of ``speaker``'s scripted speech spans."""
    return merge_spans(Span(float(a), float(b)) for ln in truth["lines"] if ln["speaker"] == speaker
                       for a, b in ln["spans"])


def _overlap_s(a: Sequence[Span], b: Sequence[Span]) -> float:
    """Total time in both unions ``a`` and ``b`` (each sorted and disjoint)."""
    total, j = 0.0, 0
    for span in a:
        while j < len(b) and b[j].end <= span.start:
            j += 1
        k = j
        while k < len(b) and b[k].start < span.end:
            total += span.overlap(b[k])
            k += 1
    return total


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]

