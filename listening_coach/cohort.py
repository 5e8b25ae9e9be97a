"""Cohort table and progress per trainee over time, against each trainee's own baseline.

- :data:`PROGRESS_METRICS`: the per-recording numbers the cohort view follows.
- :func:`summarize_session`: those numbers for one session (the pipeline's session metrics where
  it computed them, else counted from the session's events, labels and turns).
- :func:`recording_row` / :func:`exchange_rows`: CSV rows (one per recording / per exchange).
- :func:`progress`: each trainee's recordings by date with the change from their baseline
  (their first recording), and whether it went the good way.

The batch writes these rows with :func:`listening_coach.batch_index.write_batch_outputs`.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from listening_coach.feedback.text import percent
from listening_coach.manifest import RecordingInfo
from listening_coach.types import PARTNER, TRAINEE, Session, Turn

Better = Literal["lower", "higher", "target", "none"]


@dataclass(frozen=True, slots=True)
class ProgressMetric:
    """One number the cohort view follows; ``better`` says which way is improvement."""

    key: str
    title: str
    unit: str
    better: Better
    metric: str | None  # the pipeline's session metric, if it computes one


PROGRESS_METRICS: tuple[ProgressMetric, ...] = (
    ProgressMetric("interruptions_per_exchange", "Interruptions / exchange", "ratio", "lower",
                   "overlap.interruptions_per_exchange"),
    ProgressMetric("backchannels_per_exchange", "Backchannels / exchange", "ratio", "higher",
                   None),
    ProgressMetric("median_latency_s", "Median response latency", "s", "none",
                   "timing.median_latency"),
    ProgressMetric("wpm", "Pace", "words/min", "target", "pace.wpm"),
    ProgressMetric("reflection_question_ratio", "Reflections : questions", "ratio", "higher",
                   "language.reflection_to_question"),
    ProgressMetric("open_question_share", "Open questions", "share", "higher", None),
    ProgressMetric("talk_share", "Trainee talk share", "share", "lower", "talk.share"),
)


def _count_events(session: Session, kind: str, speaker: str = TRAINEE) -> int:
    return sum(1 for e in session.events if e.kind == kind and e.speaker == speaker)


def _speaking_s(turns: Sequence[Turn]) -> float:
    return sum(t.duration for t in turns)


def _fallback(session: Session, key: str) -> float | None:
    n = len(session.exchanges)
    labels = [lb for lb in session.labels if lb.label != "other"]
    reflections = sum(1 for lb in labels if lb.label == "reflection")
    questions = [lb for lb in labels if lb.label == "question"]
    if key == "interruptions_per_exchange":
        return _count_events(session, "interruption") / n if n else None
    if key == "backchannels_per_exchange":
        return _count_events(session, "backchannel") / n if n else None
    if key == "median_latency_s":
        gaps = [e.response_latency for e in session.exchanges if e.response_latency is not None]
        return statistics.median(gaps) if gaps else None
    if key == "wpm":
        turns = [t for t in session.turns if t.speaker == TRAINEE and not t.backchannel]
        seconds = _speaking_s(turns)
        return sum(len(t.words) for t in turns) / seconds * 60 if seconds > 0 else None
    if key == "reflection_question_ratio":
        return reflections / len(questions) if questions else None
    if key == "open_question_share":
        return sum(1 for q in questions if q.subtype == "open") / len(questions) if questions else None
    if key == "talk_share":
        mine = _speaking_s([t for t in session.turns if t.speaker == TRAINEE])
        theirs = _speaking_s([t for t in session.turns if t.speaker == PARTNER])
        return mine / (mine + theirs) if mine + theirs > 0 else None
    raise KeyError(key)


def summarize_session(session: Session) -> dict[str, float | None]:
    """Return ``{metric key: value}`` for :data:`PROGRESS_METRICS` (None: not measurable)."""
    out: dict[str, float | None] = {}
    questions = session.metric("language.questions")
    for pm in PROGRESS_METRICS:
        if pm.key == "reflection_question_ratio" and questions is not None and not questions.value:
            out[pm.key] = None  # undefined without questions (shown "— (no questions)")
            continue
        m = session.metric(pm.metric) if pm.metric else None
        if m is not None and pm.unit == "share" and m.unit == "%":
            out[pm.key] = m.value / 100.0
        else:
            out[pm.key] = m.value if m is not None else _fallback(session, pm.key)
    return out


def format_progress(value: float | None, unit: str) -> str:
    """A :data:`PROGRESS_METRICS` value as the report tiles and the batch index both show it
    (shares as whole percents of the value rounded to 3 digits, as the CSV stores it).

    Examples:
      >>> format_progress(0.4644, "share"), format_progress(0.4649, "share"), format_progress(None, "s")
      ('46%', '47%', '–')
    """
    if value is None or not math.isfinite(value):
        return "–"
    if unit == "share":
        return percent(value)
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "words/min":
        return f"{value:.0f} wpm"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def recording_row(session: Session, info: RecordingInfo, name: str) -> dict[str, Any]:
    """One CSV row for a recording: who, when, counts and the progress metrics."""
    row: dict[str, Any] = {"recording": name, **info.as_row(), "source": session.source,
                           "duration_s": _round(session.transcript.duration if session.transcript
                                                else (session.words[-1].end if session.words else 0.0)),
                           "exchanges": len(session.exchanges)}
    row.update({k: _round(v) for k, v in summarize_session(session).items()})
    row["interruptions"] = _count_events(session, "interruption")
    row["backchannels"] = _count_events(session, "backchannel")
    for level in ("praise", "tip", "concern"):
        row[f"feedback_{level}"] = sum(1 for f in session.feedback if f.level == level)
    return row


def exchange_rows(session: Session, info: RecordingInfo, name: str) -> tuple[dict[str, Any], ...]:
    """One CSV row per exchange: span, latency, words of both sides, labels, events, feedback."""
    rows = []
    for ex in session.exchanges:
        labels = [lb for lb in session.labels if lb.exchange == ex.index]
        events = [e for e in session.events if e.exchange == ex.index]
        wpm = session.metric("pace.wpm", ex.index)
        rows.append({
            "recording": name, "trainee": info.trainee or "",
            "date": info.date.isoformat() if info.date else "",
            "exchange": ex.index, "start_s": _round(ex.start), "end_s": _round(ex.end),
            "latency_s": _round(ex.response_latency),
            "partner": " ".join(t.text for t in ex.prompt),
            "trainee_words": " ".join(t.text for t in ex.response),
            "wpm": _round(wpm.value if wpm else None, 1),
            "labels": "; ".join(lb.label + (f"/{lb.subtype}" if lb.subtype else "")
                                + f" ({lb.confidence:.2f})" for lb in labels),
            "interruptions": sum(1 for e in events if e.kind == "interruption"
                                 and e.speaker == TRAINEE),
            "backchannels": sum(1 for e in events if e.kind == "backchannel"
                                and e.speaker == TRAINEE),
            "feedback": "; ".join(f.code or f.level for f in session.feedback
                                  if f.exchange == ex.index),
        })
    return tuple(rows)


def _better(pm: ProgressMetric, base: float, now: float, target: tuple[float, float]) -> str:
    if pm.better == "none" or abs(now - base) < 1e-9:
        return "same" if abs(now - base) < 1e-9 else "changed"
    if pm.better == "target":
        lo, hi = target

        def distance(v: float) -> float:
            return max(lo - v, 0.0, v - hi)

        if distance(now) == distance(base):
            return "same"
        return "better" if distance(now) < distance(base) else "worse"
    improved = now < base if pm.better == "lower" else now > base
    return "better" if improved else "worse"


def progress(rows: Sequence[dict[str, Any]], *,
             target_wpm: tuple[float, float] = (110.0, 140.0)) -> list[dict[str, Any]]:
    """Each trainee's recordings by date, with change from the trainee's first recording.

    Returns rows with ``trainee, date, recording, n`` (1 = the baseline), and per metric
    ``KEY``, ``KEY_change`` and ``KEY_trend`` ("better", "worse", "same", "changed" or "").
    Recordings without a trainee are left out.
    """
    by_trainee: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("trainee"):
            by_trainee.setdefault(row["trainee"], []).append(row)
    out: list[dict[str, Any]] = []
    for trainee in sorted(by_trainee, key=str.casefold):
        ordered = sorted(by_trainee[trainee], key=lambda r: (r.get("date") or "", r["recording"]))
        base = ordered[0]
        for n, row in enumerate(ordered, start=1):
            entry: dict[str, Any] = {"trainee": trainee, "date": row.get("date", ""),
                                     "scenario": row.get("scenario", ""),
                                     "recording": row["recording"], "n": n}
            for pm in PROGRESS_METRICS:
                now, then = row.get(pm.key), base.get(pm.key)
                entry[pm.key] = now
                if n == 1 or now is None or then is None:
                    entry[f"{pm.key}_change"], entry[f"{pm.key}_trend"] = None, ""
                else:
                    entry[f"{pm.key}_change"] = round(now - then, 3)
                    entry[f"{pm.key}_trend"] = _better(pm, then, now, target_wpm)
            out.append(entry)
    return out


def _safe_cell(value: Any) -> Any:
    """Keep spreadsheet programs from running transcript text as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Return rows as CSV text (header from the first row unless ``columns`` is given)."""
    buffer = io.StringIO()
    cols = list(columns or (rows[0].keys() if rows else []))
    writer = csv.DictWriter(buffer, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _safe_cell(row.get(k)) for k in cols})
    return buffer.getvalue()


RECORDING_COLUMNS = ("recording", "trainee", "date", "scenario", "channels", "source",
                     "duration_s", "exchanges", *(pm.key for pm in PROGRESS_METRICS),
                     "interruptions", "backchannels", "feedback_praise", "feedback_tip",
                     "feedback_concern", "status", "error")
EXCHANGE_COLUMNS = ("recording", "trainee", "date", "exchange", "start_s", "end_s", "latency_s",
                    "partner", "trainee_words", "wpm", "labels", "interruptions",
                    "backchannels", "feedback")
COHORT_COLUMNS = ("trainee", "date", "scenario", "recording", "n",
                  *(f"{pm.key}{s}" for pm in PROGRESS_METRICS for s in ("", "_change", "_trend")))
