"""The benchmark's scorers (accuracy, feedback families) on sessions built from a truth."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from listening_coach.evaluation.accuracy import score_session, summarize
from listening_coach.config import DEFAULT_CONFIG
from listening_coach.testing.families import CONCERNS, FAMILIES, check_families, score_feedback
from listening_coach.testing.roleplay import load_truth
from listening_coach.types import Event, Exchange, Feedback, Metric, Session, Turn, Word
from tests.conftest import ROOT

TRUTHS = sorted((ROOT / "audio_samples").glob("*.truth.json"))


def _words(line: dict[str, Any]) -> tuple[Word, ...]:
    tokens = line["text"].split()
    step = (line["end"] - line["start"]) / len(tokens)
    return tuple(
        Word(line["start"] + k * step, line["start"] + (k + 1) * step, " " + t, line["speaker"])
        for k, t in enumerate(tokens)
    )


def perfect_session(truth: dict[str, Any]) -> Session:
    """What a flawless pipeline would return for ``truth`` (feedback coded by family)."""
    lines = {ln["index"]: ln for ln in truth["lines"]}
    turns = {i: Turn(ln["speaker"], _words(ln), ln["backchannel"]) for i, ln in lines.items()}
    exchanges, metrics, feedback = [], [], []
    for ex in truth["exchanges"]:
        k = ex["index"]
        prompt = tuple(turns[i] for i in (ex["prompt"] or {}).get("lines", []))
        response = tuple(turns[i] for i in (ex["response"] or {}).get("lines", []))
        exchanges.append(Exchange(k, prompt, response))
        if ex.get("trainee_wpm"):
            metrics.append(Metric("pace.wpm", ex["trainee_wpm"], "words/min", k))
        first = (prompt or response)[0].words[:1]
        for level, kind in (("concern", "concerns"), ("praise", "praise")):
            feedback += [Feedback(level, f, k, (), first, f) for f in ex["feedback"][kind]]  # type: ignore[arg-type]
    events = [
        Event(o["kind"], o["start"], o["end"], o["speaker"], o["other"], o["exchange"])
        for o in truth["overlaps"]
    ] + [Event("effective_pause", p["start"], p["end"], p["speaker"], None, p["exchange"])
         for p in truth["effective_pauses"]]
    words = tuple(sorted(w for t in turns.values() for w in t.words))
    return Session("s", truth["name"], words, tuple(turns.values()), tuple(exchanges), tuple(events),
                   tuple(metrics), tuple(feedback), DEFAULT_CONFIG)


@pytest.fixture(scope="module", params=TRUTHS, ids=[p.name.split(".")[0] for p in TRUTHS])
def truth(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load_truth(request.param)


def test_a_perfect_session_scores_perfectly(truth: dict[str, Any]) -> None:
    score = score_session(truth, perfect_session(truth))
    assert score.exchanges_exact
    assert (score.overlap_fp, score.overlap_fn) == (0, 0) and score.overlap_tp == len(truth["overlaps"])
    assert score.latency_errors and max(score.latency_errors) == 0 and score.latency_unmatched == 0
    assert max(score.wpm_errors, default=0.0) < 1e-3
    assert score.missing_s == 0 and score.word_errors == 0 and score.silence_in_speech_events == 0
    fb = score.feedback
    assert all(f.recall in (None, 1.0) for f in fb.families)
    assert fb.concerns_on_clean == 0 and fb.clean_exchanges > 0
    summary = summarize([score])
    assert summary.overlap_f1 in (None, 1.0) and summary.wer == 0 and summary.exchanges_exact == 1


def test_a_dropped_overlap_lowers_recall_and_a_wrong_kind_costs_precision(truth: dict[str, Any]) -> None:
    session = perfect_session(truth)
    overlaps = [e for e in session.events if e.kind != "effective_pause"]
    if not overlaps:
        pytest.skip("no scripted overlap")
    dropped = dataclasses.replace(session, events=tuple(e for e in session.events if e is not overlaps[0]))
    s = summarize([score_session(truth, dropped)])
    assert s.overlap_recall is not None and s.overlap_recall < 1 and s.overlap_precision in (None, 1.0)
    missed = {label: fn for label, _, _, fn in s.overlap_by_kind if fn}
    assert missed == {f"{overlaps[0].kind} by {overlaps[0].speaker}": 1}
    other = "backchannel" if overlaps[0].kind == "interruption" else "interruption"
    relabelled = dataclasses.replace(session, events=tuple(
        dataclasses.replace(e, kind=other) if e is overlaps[0] else e for e in session.events))
    s = summarize([score_session(truth, relabelled)])
    assert s.overlap_precision is not None and s.overlap_precision < 1 and s.overlap_recall < 1  # type: ignore[operator]


def test_missing_turns_words_and_silence_over_speech_are_counted(truth: dict[str, Any]) -> None:
    session = perfect_session(truth)
    lost = max(session.turns, key=lambda t: t.duration)
    (line,) = [ln for ln in truth["lines"] if ln["start"] == lost.start and ln["speaker"] == lost.speaker]
    a, b = line["spans"][0]
    score = score_session(truth, dataclasses.replace(
        session,
        turns=tuple(t for t in session.turns if t is not lost),
        words=tuple(w for w in session.words if w not in lost.words),
        events=(*session.events, Event("dead_air", a, b)),
    ))
    spoken = sum(b - a for a, b in line["spans"])
    assert spoken - 2 * 0.2 - 0.01 <= score.missing_s <= spoken + 0.01  # neighbours' turn padding
    assert score.word_errors == len(lost.words)
    assert score.silence_in_speech_events == 1 and score.silence_in_speech_s == pytest.approx(b - a, abs=0.01)


def test_feedback_scorer_counts_misses_and_criticism_on_clean_exchanges(truth: dict[str, Any]) -> None:
    session = perfect_session(truth)
    wanted = [f for f in session.feedback if f.code in CONCERNS]
    clean = [ex["index"] for ex in truth["exchanges"] if not ex["feedback"]["concerns"]]
    noisy = [Feedback("tip", "slow down", k, (), session.exchanges[k].prompt_words[:1] or
                      session.exchanges[k].response_words[:1], "fast_pace") for k in clean]
    feedback = tuple(f for f in session.feedback if f not in wanted[:1]) + tuple(noisy)
    score = score_feedback(truth, feedback, session.exchanges)
    assert score.criticisms_per_clean_exchange == pytest.approx(1.0)
    if wanted:
        assert score.recall("concerns") is not None and score.recall("concerns") < 1  # type: ignore[operator]


def test_committed_samples_name_their_expected_feedback(truth: dict[str, Any]) -> None:
    for ex in truth["exchanges"]:
        check_families([*ex["feedback"]["concerns"], *ex["feedback"]["praise"]], truth["name"])
    assert any(ex["feedback"]["praise"] for ex in truth["exchanges"])
    with pytest.raises(ValueError, match="unknown feedback families"):
        check_families(["niceness"], "x")
    assert len(set(FAMILIES)) == len(FAMILIES)


def test_silence_over_inaudible_speech_counts_only_in_the_strict_column(truth: dict[str, Any]) -> None:
    session = perfect_session(truth)
    alone = [ln for ln in truth["lines"] if not any(
        o is not ln and o["start"] < ln["end"] and ln["start"] < o["end"] for o in truth["lines"])]
    line = max(alone, key=lambda ln: ln["end"] - ln["start"])
    a, b = line["spans"][-1]
    cut = round((a + b) / 2, 3)
    assert line["audible_spans"][-1] == [a, b]  # the committed samples are heard in full
    # the line's second half under the noise: a pause reported over it is over speech (strict)
    # but not over audible speech; a pause over its audible first half is over both
    lines = [dict(ln, audible_spans=[*ln["spans"][:-1], [a, cut]]) if ln is line else ln
             for ln in truth["lines"]]
    muffled = dict(truth, lines=lines)
    over_end = dataclasses.replace(session, events=(*session.events, Event("dead_air", cut, b)))
    score = score_session(muffled, over_end)
    assert score.silence_in_speech_events == 1
    assert score.silence_in_speech_s == pytest.approx(b - cut, abs=0.01)
    assert (score.silence_over_audible_events, score.silence_over_audible_s) == (0, 0.0)
    over_start = dataclasses.replace(session, events=(*session.events, Event("dead_air", a, cut)))
    score = score_session(muffled, over_start)
    assert score.silence_over_audible_events == score.silence_in_speech_events == 1
    assert score.silence_over_audible_s == pytest.approx(cut - a, abs=0.01)
    # a truth without audible spans (written before them) scores None, and so does its summary
    old = dict(truth, lines=[{k: v for k, v in ln.items() if k != "audible_spans"} for ln in truth["lines"]])
    unknown = score_session(old, over_start)
    assert unknown.silence_over_audible_s is None and unknown.silence_in_speech_events == 1
    assert summarize([unknown, score]).silence_over_audible_events is None
    assert summarize([score, score]).silence_over_audible_events == 2
