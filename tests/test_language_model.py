"""The shipped language model: loading, bad files, predictions, eval-language, AnnoMI data."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from listening_coach.cli import main
from listening_coach.errors import ModelError
from listening_coach.language import label_exchanges, label_text
from listening_coach.language.model import DEFAULT_MODEL, load_language_model, read_model
from listening_coach.testing import script
from listening_coach.types import Exchange, Turn

CLEAR = [
    ("What brings you in today?", "", "question"),
    ("Did you take your medication this morning?", "I guess so.", "question"),
    ("Mm-hmm.", "And then I went home.", "other"),
    ("Hi, nice to meet you.", "", "other"),
    ("So you're feeling torn between wanting to quit and enjoying it.",
     "I like smoking, but my kids keep telling me to stop.", "reflection"),
    ("It sounds like your wife is really worried about your drinking.",
     "My wife keeps nagging me about the beers.", "reflection"),
]


def asr_style(text: str) -> str:
    return re.sub(r"[^\w\s']", "", text.lower())


@pytest.mark.parametrize("text,context,expected", CLEAR, ids=[c[0][:30] for c in CLEAR])
def test_clear_examples(text: str, context: str, expected: str) -> None:
    label = label_text(text, context)
    assert label.source == "model"
    assert label.label == expected
    assert label_text(asr_style(text), context).label == expected
    probabilities = dict(label.scores)
    assert sum(probabilities[k] for k in ("reflection", "question", "therapist_input", "other")) \
        == pytest.approx(1.0, abs=1e-3)


def test_subtypes_for_clear_questions() -> None:
    assert label_text("What would you like to change?").subtype == "open"
    assert label_text("Are you still smoking?").subtype == "closed"


def test_model_is_small_and_pickle_free() -> None:
    assert DEFAULT_MODEL.stat().st_size < 5_000_000
    model = read_model(DEFAULT_MODEL)  # np.load(allow_pickle=False) inside
    assert set(model.heads) >= {"main", "reflection", "question"}


def test_missing_and_corrupt_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="make models"):
        load_language_model(str(tmp_path / "nope.npz"))
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file at all")
    with pytest.raises(ModelError, match="corrupt.*make models"):
        read_model(bad)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(DEFAULT_MODEL.read_bytes()[:5000])
    with pytest.raises(ModelError, match="make models"):
        read_model(truncated)
    exchange = Exchange(0, (), (Turn("trainee", script("trainee 0 hello there")),))
    with pytest.raises(ModelError):
        label_exchanges((exchange,), {"model_path": str(bad)})


def test_odd_input_through_the_model() -> None:
    words = script("trainee 0 " + "really " * 2500 + "okay")
    exchange = Exchange(0, (), (Turn("trainee", words),))
    labels = label_exchanges((exchange,), None)
    assert len(labels) == 42 and all(lab.label != "" for lab in labels)
    assert label_text("\u200b\u0301", "").label == "unknown"
    assert label_text("Das ist mir wirklich völlig egal", "").label == "unknown"


def _write_annomi(path: Path, rows: list[tuple[str, str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["transcript_id", "video_url", "utterance_id", "interlocutor",
                         "utterance_text", "main_therapist_behaviour"])
        for i, (who, text, label) in enumerate(rows):
            writer.writerow(["1", "v1", i, who, text, label])


def test_eval_language_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "tiny.csv"
    _write_annomi(data, [
        ("client", "My wife keeps nagging me about the beers.", "n/a"),
        ("therapist", "What does she say?", "question"),
        ("client", "That I drink too much.", "n/a"),
        ("therapist", "Mm-hmm.", "other"),
        ("therapist", "She's worried about how much you drink.", "reflection"),
    ])
    assert main(["eval-language", str(data), "--json", str(tmp_path / "s.json")]) == 0
    out = capsys.readouterr().out
    assert "macro-F1" in out and "confusion" in out and "3 counsellor utterances" in out
    assert (tmp_path / "s.json").is_file()
    assert main(["eval-language", str(tmp_path / "missing.csv")]) == 1
    assert "error:" in capsys.readouterr().err


def test_eval_language_cross_validation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    texts = {
        "question": ["What brings you here?", "How do you feel?", "Did you drink?", "Is it ok?"],
        "reflection": ["So you feel stuck.", "You're worried.", "You want change.", "Not sure."],
        "other": ["Mm-hmm.", "Okay.", "Hi there.", "Right."],
    }
    rows = []
    for video in range(4):
        for label, options in texts.items():
            rows += [("client", "I drink a lot.", "n/a"), ("therapist", options[video], label)]
    data = tmp_path / "tiny.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["transcript_id", "video_url", "utterance_id", "interlocutor",
                         "utterance_text", "main_therapist_behaviour"])
        for i, (who, text, label) in enumerate(rows):
            writer.writerow([i // 6, f"v{i // 6}", i, who, text, label])
    assert main(["eval-language", str(data), "--cv", "--folds", "2", "--asr-style"]) == 0
    out = capsys.readouterr().out
    assert "2-fold cross-validation grouped by video" in out and "ASR-style" in out
    assert main(["eval-language", str(data), "--cv", "--folds", "9"]) == 1
    assert "cannot be split into 9 folds" in capsys.readouterr().err


@pytest.mark.shared_data
def test_annomi_counts_match_the_data_readme(shared_data: Path) -> None:
    from listening_coach.evaluation.language_training import load_annomi

    examples = load_annomi(shared_data / "annomi" / "dev.csv")
    counts = {k: sum(ex.label == k for ex in examples)
              for k in ("reflection", "question", "therapist_input", "other")}
    assert counts == {"reflection": 1017, "question": 1104, "therapist_input": 445, "other": 1202}
    assert sum(ex.reflection is not None for ex in examples) > 900
    assert sum(1 for ex in examples if ex.context) > 3000


def test_commands_are_never_reflections() -> None:
    partner = "It's company policy that I wait three hours? Calm down yourself!"
    label = label_text("Calm down, it is company policy.", partner)
    assert label.label != "reflection"  # the model alone says reflection here (measured)
    assert label.source == "rules"
    assert {"command", "policy"} <= set(label.flags)


@pytest.mark.slow
@pytest.mark.shared_data
def test_held_out_videos_beat_the_bag_of_words_baseline(shared_data: Path) -> None:
    """Train on 4/5 of the videos, test on the rest (one grouped fold, as in the model card)."""
    from listening_coach.evaluation.language_training import (
        evaluate, grouped_folds, load_annomi, predict_examples, train,
    )

    examples = load_annomi(shared_data / "annomi" / "dev.csv")
    train_idx, test_idx = grouped_folds(examples, 5)[0]
    assert not {examples[i].group for i in train_idx} & {examples[i].group for i in test_idx}
    model = train([examples[i] for i in train_idx], seed=0)
    held_out = [examples[i] for i in test_idx]
    plain = evaluate(held_out, predict_examples(model, held_out))
    asr = evaluate(held_out, predict_examples(model, held_out, asr_style=True))
    main_f1 = plain["main"]["macro_f1"]  # type: ignore[index]
    print(f"fold 1: macro-F1 {main_f1:.3f}, ASR style {asr['main']['macro_f1']:.3f}")  # type: ignore[index]
    assert main_f1 > 0.69  # published bag-of-words baseline ~0.69
    assert main_f1 - asr["main"]["macro_f1"] <= 0.05  # type: ignore[index]


def test_question_shape_cues_and_question_only_weights() -> None:
    from listening_coach.language.features import QUESTION_SHAPE_NAMES, question_shape

    names = dict(zip(QUESTION_SHAPE_NAMES, question_shape("So you're worried about it?")))
    assert names["ends_qmark"] > 0 and names["declarative_q"] > 0 and names["inversion_any"] == 0
    names = dict(zip(QUESTION_SHAPE_NAMES, question_shape("Okay. Do you still smoke, right?")))
    assert names["inversion_last"] > 0 and names["tag_q"] > 0 and names["declarative_q"] == 0
    names = dict(zip(QUESTION_SHAPE_NAMES, question_shape("tell me what happened next")))
    assert names["prompt_phrase"] > 0 and names["wh_last"] > 0 and names["ends_qmark"] == 0
    model = read_model(DEFAULT_MODEL)
    shape = slice(model.featurizer.n_features - len(QUESTION_SHAPE_NAMES), None)
    for head, (_, coef, _) in model.heads.items():
        used = bool(abs(coef[:, shape]).sum() > 0)
        assert used == (head == "question"), head
