"""Cohort table and progress per trainee over time, against each trainee's own baseline.

- The per-recording numbers it follows are :data:`listening_coach.report.summary.PROGRESS_METRICS`.
- :func:`recording_row` / :func:`exchange_rows`: CSV rows (one per recording / per exchange).
- :func:`progress`: each trainee's recordings by date with the change from their baseline
  (their first recording), and whether it went the good way.

The batch writes these rows with :func:`listening_coach.coach.batch_index.write_batch_outputs`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from listening_coach.metrics.names import MetricName
from listening_coach.report.summary import (
    PROGRESS_METRICS,
    ProgressMetric,
    count_events,
    summarize_session,
)
from listening_coach.types import TRAINEE, RecordingInfo, Session


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def recording_row(session: Session, info: RecordingInfo, name: str) -> dict[str, Any]:
    """One CSV row for a recording: who, when, counts and the progress metrics."""
    row: dict[str, Any] = {"recording": name, **info.as_row(), "source": session.source,
                           "duration_s": _round(session.transcript.duration if session.transcript
                                                else (session.words[-1].end if session.words else 0.0)),
                           "exchanges": len(session.exchanges)}
    row.update({k: _round(v) for k, v in summarize_session(session).items()})
    row["interruptions"] = count_events(session, "interruption")
    row["backchannels"] = count_events(session, "backchannel")
    for level in ("praise", "tip", "concern"):
        row[f"feedback_{level}"] = sum(1 for f in session.feedback if f.level == level)
    return row


def exchange_rows(session: Session, info: RecordingInfo, name: str) -> tuple[dict[str, Any], ...]:
    """One CSV row per exchange: span, latency, words of both sides, labels, events, feedback."""
    rows = []
    for ex in session.exchanges:
        labels = [lb for lb in session.labels if lb.exchange == ex.index]
        events = [e for e in session.events if e.exchange == ex.index]
        wpm = session.metric(MetricName.PACE_WPM, ex.index)
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
