"""The fine-tuned encoder: loading, bad files, blending into the linear heads, eval-language."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from listening_coach.cli import main
from listening_coach.errors import CoachError, ModelError
from listening_coach.language import label_exchanges, label_text
from listening_coach.language.encoder import (
    BLEND_HEADS, DEFAULT_ENCODER, TOKENIZER_NAME, blend, load_encoder, read_encoder,
)
from listening_coach.language.model import load_language_model
from listening_coach.evaluation.language_training import Example, cross_validate
from listening_coach.testing import script
from listening_coach.types import Exchange, Turn

PAIRS = [
    ("What brings you in today?", ""),
    ("So you're feeling torn between wanting to quit and enjoying it.",
     "I like smoking, but my kids keep telling me to stop."),
    ("Mm-hmm.", "And then I went home."),
    ("You should really cut down to two drinks a night.", "I drink most evenings."),
]


BATCH_LABEL_MARGIN = 0.3  # 2x the widest top-two margin measured to flip with the batch
BATCH_PROBABILITY_TOLERANCE = 0.25  # measured spread 0.21, see the test below


@pytest.fixture(scope="module")
def encoder():  # type: ignore[no-untyped-def]
    return load_encoder(None)


def test_shipped_encoder_codes_clear_utterances(encoder) -> None:  # type: ignore[no-untyped-def]
    assert DEFAULT_ENCODER.stat().st_size < 30_000_000  # int8 weights
    assert encoder.heads["main"] == ("reflection", "question", "therapist_input", "other")
    logp = encoder.log_probs(PAIRS)
    assert np.allclose(np.exp(logp["main"]).sum(axis=1), 1.0, atol=1e-4)
    main_labels = [encoder.heads["main"][int(i)] for i in logp["main"].argmax(axis=1)]
    assert main_labels == ["question", "reflection", "other", "therapist_input"]
    assert encoder.heads["question"][int(logp["question"][0].argmax())] == "open"
    # A pair's numbers depend on its batch: int8 dynamic quantisation scales activations per
    # batch, so the other pairs move them. Measured over 160 AnnoMI counsellor turns, alone vs
    # in 3 random orders (batches of 16): up to 0.21 in probability (0.82 in log-probability,
    # on unlikely classes, which is why log-probabilities are not compared), and a label
    # changed only where its top two classes were within 0.15. So: the same label where the
    # margin is clear, probabilities within 0.25.
    alone = np.exp(np.concatenate([encoder.log_probs([pair])["main"] for pair in PAIRS]))
    batched = np.exp(logp["main"])
    top2 = np.sort(alone, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > BATCH_LABEL_MARGIN
    assert clear.sum() >= 3, alone.round(3)
    assert (alone.argmax(axis=1) == batched.argmax(axis=1))[clear].all()
    assert np.abs(alone - batched).max() <= BATCH_PROBABILITY_TOLERANCE


def test_pair_encoding_truncates_like_training(encoder) -> None:  # type: ignore[no-untyped-def]
    ids, types = encoder.encode("word " * 500, "context " * 500)
    text_len = types.index(1)
    assert text_len == encoder.max_text + 2  # [CLS] text [SEP]
    assert len(ids) - text_len == encoder.max_context + 1  # context tail [SEP]
    ids, types = encoder.encode("hello", "")
    assert set(types) == {0} and ids[0] == 101 and ids[-1] == 102


def test_odd_input_never_crashes(encoder) -> None:  # type: ignore[no-untyped-def]
    odd = [("", ""), ("\u200b\u0301", "🙂"), ("okay " * 3000, "x"), ("日本語のテキスト", "")]
    logp = encoder.log_probs(odd)
    assert logp["main"].shape == (4, 4) and np.isfinite(logp["main"]).all()
    assert encoder.log_probs([])["main"].shape == (0, 4)


def test_blend_is_a_weighted_log_average() -> None:
    class Fake:
        heads = {"main": ("b", "a"), "question": ("closed", "open"),
                 "reflection": ("simple", "complex")}

    linear = {"main": np.array([[0.8, 0.2]]), "question": np.array([[0.5, 0.5]]),
              "reflection": np.array([[0.9, 0.1]])}
    classes = {"main": ("a", "b"), "question": ("open", "closed"),
               "reflection": ("simple", "complex")}
    encoded = {"main": np.log(np.array([[0.8, 0.2]])),  # b, a: says "b"
               "question": np.log(np.array([[0.1, 0.9]])),
               "reflection": np.log(np.array([[0.1, 0.9]]))}
    assert np.allclose(blend(linear, classes, Fake(), encoded, weight=0.0)["main"], [[0.8, 0.2]])
    assert np.allclose(blend(linear, classes, Fake(), encoded, weight=1.0)["main"], [[0.2, 0.8]])
    even = blend(linear, classes, Fake(), encoded)
    assert np.allclose(even["main"], [[0.5, 0.5]])  # sqrt(.8*.2) each way
    assert even["question"][0, 0] > 0.7  # encoder's "open" mapped onto the linear order
    assert set(BLEND_HEADS) == {"main", "question", "reflection"}
    assert np.allclose(even["reflection"], [[0.5, 0.5]])
    del encoded["reflection"]  # a head the encoder lacks stays linear
    assert blend(linear, classes, Fake(), encoded)["reflection"] is linear["reflection"]


def test_labels_with_and_without_the_encoder() -> None:
    text = "So you're feeling torn between wanting to quit and enjoying it."
    context = "I like smoking, but my kids keep telling me to stop."
    blended = label_text(text, context, {"encoder_below": 1.0})
    linear = label_text(text, context, {"use_encoder": False})
    assert blended.label == linear.label == "reflection"
    assert dict(blended.scores)["reflection"] != dict(linear.scores)["reflection"]
    assert dict(linear.scores)["reflection"] > 0.9  # so by default the encoder is skipped
    assert label_text(text, context).scores == linear.scores
    model = load_language_model(None)
    alone = model.predict([(text, context)])[0]
    assert dict(alone[3])["reflection"] == pytest.approx(dict(linear.scores)["reflection"])


def test_missing_and_corrupt_encoder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="make encoder"):
        load_encoder(str(tmp_path / "nope.onnx"))
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07not an onnx graph")
    shutil.copy(DEFAULT_ENCODER.with_name(TOKENIZER_NAME), tmp_path / TOKENIZER_NAME)
    with pytest.raises(ModelError, match="corrupt.*make encoder"):
        read_encoder(bad)
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(DEFAULT_ENCODER.read_bytes()[:100_000])
    with pytest.raises(ModelError, match="make encoder"):
        read_encoder(truncated)
    lonely = tmp_path / "sub" / "language_encoder.onnx"
    lonely.parent.mkdir()
    shutil.copy(DEFAULT_ENCODER, lonely)  # no tokenizer beside it
    with pytest.raises(ModelError, match=f"{TOKENIZER_NAME} does not exist"):
        read_encoder(lonely)
    exchange = Exchange(0, (), (Turn("trainee", script("trainee 0 hello there")),))
    with pytest.raises(ModelError, match="use_encoder = false"):
        label_exchanges((exchange,), {"encoder_path": str(bad)})
    assert label_exchanges((exchange,), {"encoder_path": str(bad), "use_encoder": False})


def test_fold_encoders_must_each_hold_out_their_videos(encoder) -> None:  # type: ignore[no-untyped-def]
    examples = [Example("What now?", "", "question", f"v{i}") for i in range(3)] + \
               [Example("Mm-hmm.", "", "other", f"v{i}") for i in range(3)]
    with pytest.raises(CoachError, match="held out by 0 of the 1 fold encoders"):
        cross_validate(examples, folds=3, encoders=[encoder])


def _tiny_csv(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["transcript_id", "video_url", "utterance_id", "interlocutor",
                         "utterance_text", "main_therapist_behaviour"])
        writer.writerow([1, "v1", 0, "client", "My wife keeps nagging me.", "n/a"])
        writer.writerow([1, "v1", 1, "therapist", "What does she say?", "question"])
        writer.writerow([1, "v1", 2, "therapist", "She's worried about you.", "reflection"])


def test_eval_language_encoder_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "tiny.csv"
    _tiny_csv(data)
    assert main(["eval-language", str(data)]) == 0
    assert "+ encoder shipped" in capsys.readouterr().out
    assert main(["eval-language", str(data), "--no-encoder", "--json", str(tmp_path / "s.json")]) == 0
    assert "(linear alone)" in capsys.readouterr().out
    assert json.loads((tmp_path / "s.json").read_text())["main"]["n"] == 2
    assert main(["eval-language", str(data), "--cv", "--folds", "2",
                 "--encoder-folds", str(tmp_path)]) == 1
    assert "no fold*.onnx" in capsys.readouterr().err


def test_encoder_only_where_the_linear_model_is_unsure(encoder) -> None:  # type: ignore[no-untyped-def]
    model = load_language_model(None)
    alone = model.predict(PAIRS)
    never = model.predict(PAIRS, encoder=encoder, encoder_below=0.0)
    always = model.predict(PAIRS, encoder=encoder, encoder_below=1.0)
    assert never == alone
    assert all(a[3] != b[3] for a, b in zip(always, alone))
    confidence = [p[2] for p in alone]
    cut = sorted(confidence)[1] + 1e-6  # the two least sure items are below it
    mixed = model.predict(PAIRS, encoder=encoder, encoder_below=cut)
    for c, m, a, b in zip(confidence, mixed, alone, always):
        if c >= cut:
            assert m == a
        else:  # blended; the numbers move a little with the batch (int8, see above)
            assert m[0] == b[0]
            assert np.allclose([v for _, v in m[3]], [v for _, v in b[3]], atol=0.05)
