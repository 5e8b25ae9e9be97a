"""Cohort summaries, progress against each trainee's own baseline, and batch CSVs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from coach_helpers import FAST_CONFIG, LINES

from listening_coach.coach.cohort import (
    PROGRESS_METRICS,
    exchange_rows,
    progress,
    recording_row,
    summarize_session,
    to_csv,
)
from listening_coach.types import RecordingInfo
from listening_coach.coach.batch_index import write_batch_outputs
from listening_coach.coach.outputs import ItemResult
from listening_coach.pipeline import analyze_words
from listening_coach.testing import script
from listening_coach.types import TRAINEE


@pytest.fixture(scope="module")
def session():
    return analyze_words(script(*LINES), FAST_CONFIG, source="x.wav")


def test_summary_agrees_with_the_session(session) -> None:
    summary = summarize_session(session)
    assert set(summary) == {pm.key for pm in PROGRESS_METRICS}
    n = len(session.exchanges)
    mine = [e for e in session.events if e.speaker == TRAINEE]
    assert summary["interruptions_per_exchange"] == pytest.approx(
        sum(e.kind == "interruption" for e in mine) / n)
    assert summary["backchannels_per_exchange"] == pytest.approx(
        sum(e.kind == "backchannel" for e in mine) / n)
    assert summary["wpm"] == session.metric("pace.wpm").value
    assert 0.0 < summary["talk_share"] < 1.0
    reflections = sum(lb.label == "reflection" for lb in session.labels)
    questions = sum(lb.label == "question" for lb in session.labels)
    if questions:
        assert summary["reflection_question_ratio"] == pytest.approx(reflections / questions)
    else:  # undefined without questions, never "R:1" (the metric divides by max(Q, 1))
        assert summary["reflection_question_ratio"] is None


def test_rows_carry_who_and_every_exchange(session) -> None:
    info = RecordingInfo("Ana", dt.date(2026, 3, 1), "angry")
    row = recording_row(session, info, "ana1")
    assert (row["trainee"], row["date"], row["scenario"], row["exchanges"]) == (
        "Ana", "2026-03-01", "angry", len(session.exchanges))
    ex = exchange_rows(session, info, "ana1")
    assert [r["exchange"] for r in ex] == [e.index for e in session.exchanges]
    assert "forty minutes" in ex[0]["partner"] and "ignored" in ex[0]["trainee_words"]
    assert ex[1]["interruptions"] == 1


def _row(name: str, date: str, **values: float) -> dict:
    base = {pm.key: None for pm in PROGRESS_METRICS}
    return {"recording": name, "trainee": "Ana", "date": date, **base, **values}


def test_progress_against_own_baseline() -> None:
    rows = [
        _row("late", "2026-03-15", interruptions_per_exchange=0.1, wpm=130.0, talk_share=0.6),
        _row("first", "2026-03-01", interruptions_per_exchange=0.5, wpm=180.0, talk_share=0.4),
        _row("mid", "2026-03-08", interruptions_per_exchange=0.5, wpm=100.0, talk_share=0.4),
        {**_row("other", "2026-03-02"), "trainee": "Bo"},
    ]
    out = progress(rows)
    ana = [r for r in out if r["trainee"] == "Ana"]
    assert [r["recording"] for r in ana] == ["first", "mid", "late"]
    assert [r["n"] for r in ana] == [1, 2, 3]
    late = ana[2]
    assert late["interruptions_per_exchange_change"] == pytest.approx(-0.4)
    assert late["interruptions_per_exchange_trend"] == "better"
    assert late["wpm_trend"] == "better"  # 180 -> 130: back inside 110-140
    assert ana[1]["wpm_trend"] == "better"  # 180 -> 100: 10 below the band beats 40 above
    assert late["talk_share_trend"] == "worse"
    assert ana[1]["interruptions_per_exchange_trend"] == "same"
    assert ana[0]["wpm_change"] is None


def test_csv_cells_cannot_become_formulas() -> None:
    text = to_csv([{"a": "=HYPERLINK(\"x\")", "b": -1.5, "c": None}])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row == {"a": "'=HYPERLINK(\"x\")", "b": "-1.5", "c": ""}


def test_batch_outputs_written(session, tmp_path: Path) -> None:
    info = RecordingInfo("Ana", dt.date(2026, 3, 1), "angry")
    ok = ItemResult(Path("a.wav"), "a", "done", info=info,
                    recording_row=recording_row(session, info, "a"),
                    exchange_rows=exchange_rows(session, info, "a"))
    bad = ItemResult(Path("b.wav"), "b", "failed", error="b.wav: <unreadable>")
    files = write_batch_outputs([ok, bad], tmp_path)
    assert {f.name for f in files} == {"recordings.csv", "exchanges.csv", "cohort.csv",
                                       "index.html"}
    cohort = list(csv.DictReader((tmp_path / "cohort.csv").open()))
    assert [r["recording"] for r in cohort] == ["a"]
    index = (tmp_path / "index.html").read_text()
    assert "b.wav: &lt;unreadable&gt;" in index and "<unreadable>" not in index
