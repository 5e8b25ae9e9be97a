"""Behaviours present in a turn, as the pipeline labels them (one label per sentence)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from listening_coach.cli import main
from listening_coach.language.labelling import split_text
from listening_coach.evaluation.language_presence import found_behaviours, score_presence
from listening_coach.evaluation.language_training import Example, load_annomi

COMPOUND = Example("So you're worried about your job. What worries you most?",
                   "I might lose my job.", "question", "v1",
                   present=frozenset({"reflection", "question"}))


def test_split_text_cuts_like_the_pipeline() -> None:
    assert split_text("Okay. So you're worried?  What else") == [
        "Okay.", "So you're worried?", "What else"]
    assert [len(s.split()) for s in split_text("word " * 130, max_words=60)] == [60, 60, 10]
    assert split_text("") == []


def test_a_turn_with_a_reflection_and_a_question_counts_both() -> None:
    [(sentences, turn)] = found_behaviours([COMPOUND])
    assert sentences == {"reflection", "question"}
    assert len(turn) == 1 and turn <= sentences  # a whole-turn label picks one
    [(flat, _)] = found_behaviours([COMPOUND], asr_style=True)  # no punctuation: one sentence
    assert len(flat) == 1


def test_presence_scores_count_exactly() -> None:
    examples = [
        COMPOUND,
        Example("Mm-hmm.", "", "other", "v1", present=frozenset()),
        Example("You should walk more.", "", "therapist_input", "v2",
                present=frozenset({"therapist_input"})),
        Example("Unscored.", "", "other", "v3"),  # no presence marks: left out
    ]
    found = [(frozenset({"reflection", "question"}), frozenset({"question"})),
             (frozenset({"question"}), frozenset()),
             (frozenset(), frozenset({"therapist_input"})),
             (frozenset({"reflection"}), frozenset({"reflection"}))]
    result = score_presence(examples, found)
    q = result["sentences"]["question"]
    assert (q["precision"], q["recall"], q["support"], q["n"]) == (0.5, 1.0, 1, 3)
    assert result["sentences"]["therapist_input"]["recall"] == 0.0
    assert result["turn"]["reflection"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0,
                                            "support": 1, "n": 3}
    assert result["turn"]["therapist_input"]["f1"] == 1.0


def _write_full(path: Path, with_marks: bool) -> None:
    rows = [("client", "I might lose my job.", "n/a", "n/a", "n/a"),
            ("therapist", COMPOUND.text, "question", "True", "True"),
            ("client", "Yes.", "n/a", "n/a", "n/a"),
            ("therapist", "Mm-hmm.", "other", "False", "False")]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        marks = ["reflection_exists", "question_exists", "therapist_input_exists"]
        writer.writerow(["transcript_id", "video_url", "utterance_id", "interlocutor",
                         "utterance_text", "main_therapist_behaviour"] + (marks if with_marks else []))
        for i, (who, text, label, refl, quest) in enumerate(rows):
            writer.writerow(["1", "v1", i, who, text, label]
                            + ([refl, quest, "n/a" if who == "client" else "False"]
                               if with_marks else []))


def test_eval_language_presence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "full.csv"
    _write_full(data, with_marks=True)
    assert [ex.present for ex in load_annomi(data)] == [
        {"reflection", "question"}, frozenset()]
    assert main(["eval-language", str(data), "--presence", "--json", str(tmp_path / "s.json")]) == 0
    out = capsys.readouterr().out
    assert "behaviours present in a turn (coder's *_exists marks, n=2)" in out
    assert "reflection      sentence           1.000   1.000   1.000        1" in out
    bare = tmp_path / "bare.csv"
    _write_full(bare, with_marks=False)
    assert load_annomi(bare)[0].present is None
    assert main(["eval-language", str(bare), "--presence"]) == 1
    err = capsys.readouterr().err
    assert "no *_exists columns" in err and "Traceback" not in err
