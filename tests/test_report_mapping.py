"""The generated JSON mapping: every field of every record, lossless on a rich session."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from listening_coach.config import config_from_dict
from listening_coach.errors import OutputError
from listening_coach.pipeline import analyze_words
from listening_coach.report.json import SHAPES, session_from_dict, to_dict
from listening_coach.testing import script
from listening_coach.types import UNCLEAR_TEXT, Label, Session, Transcript, VoiceFrames, Word


def _voice(duration_s: float, hop_s: float = 0.01) -> VoiceFrames:
    rng = np.random.default_rng(7)
    n = int(duration_s / hop_s)
    frames = {}
    for k, speaker in enumerate(("trainee", "partner")):
        loud = (-30 + 6 * rng.standard_normal(n)).astype(np.float32)
        pitch = (120 + 40 * k + 15 * rng.standard_normal(n)).astype(np.float32)
        loud[k * 500 : k * 500 + 300] = np.nan  # silent stretch: whole 100 ms blocks become null
        pitch[rng.random(n) < 0.4] = np.nan  # unvoiced frames
        frames[speaker] = (loud, pitch)
    return VoiceFrames(
        hop_s,
        tuple((s, lo) for s, (lo, _) in frames.items()),
        tuple((s, pi) for s, (_, pi) in frames.items()),
    )


@pytest.fixture(scope="module")
def rich() -> Session:
    """Scripted words with feedback, labels, events, voice, notes, unclear words, diarized."""
    words = list(
        script(
            "partner 0.0 I have been on hold for forty minutes and I want my money back now",
            "trainee 1.5 mm-hm",
            "trainee 6.4 it sounds like you have been kept waiting far too long",
            "partner 10.5 and now you will tell me there is some policy",
            "trainee 13.0 @190 let me stop you there because our policy says seven days",
            "partner 18.0 see you are not even listening to me I am furious",
            "trainee 22.6 @120 you want someone to take this seriously",
            "partner 26.0 yes exactly that is all I want",
            "trainee 28.5 what would help most right now",
        )
    )
    # diarized: speaker confidences below 1, uneven ASR probabilities, one stretch unclear
    words = [
        dataclasses.replace(w, probability=0.5 + (i % 7) / 13, speaker_confidence=1 - (i % 5) / 17)
        for i, w in enumerate(words)
    ]
    words.append(Word(31.0, 32.2345, UNCLEAR_TEXT, "partner", 0.0, 0.61))
    transcript = Transcript(
        "tiny.en",
        (("beam_size", 5), ("language", "en"), ("vad_filter", True)),
        33.3337,
        1,
        44100,
        ("trainee", "partner"),
        ("diarized: 2 voices", "partner: 1.2 s of 12.0 s of speech without intelligible words"),
    )
    session = analyze_words(
        words,
        config_from_dict({"language": {"use_model": False}, "speakers": {"mode": "diarize"}}),
        source="rich.wav",
        transcript=transcript,
        voice=_voice(33.4),
    )
    extra = Label(22.6, 25.1, "you want someone", "reflection", 0.87654, "complex", ("affirmation",),
                  3, "model", (("reflection", 0.87654), ("question", 0.1)), 0.33333)
    return dataclasses.replace(session, labels=session.labels + (extra,))


def _text(data: object) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False)


def test_rich_session_covers_every_record(rich: Session) -> None:
    assert rich.feedback and rich.labels and rich.events and rich.voice and rich.transcript
    assert any(w.unclear for w in rich.words) and any(t.backchannel for t in rich.turns)
    assert any(f.because for f in rich.feedback) and any(m.evidence for m in rich.metrics)


def test_rich_session_round_trips_byte_for_byte(rich: Session) -> None:
    # tests/legacy_report_json.py (commit 68fae5a) checked this output byte for byte against
    # the hand-written mapping it replaced
    text = _text(to_dict(rich))
    back = session_from_dict(json.loads(text))
    assert _text(to_dict(back)) == text
    assert [w.text for w in back.words] == [w.text for w in rich.words]
    assert [f.code for f in back.feedback] == [f.code for f in rich.feedback]


def test_schema_differences_from_the_records(rich: Session) -> None:
    data = to_dict(rich)
    assert data["transcript"]["duration_s"] == 33.334  # renamed, times to the millisecond
    unclear = data["words"][-1]
    assert (unclear["end"], unclear["speaker_confidence"]) == (round(32.2345, 3), 0.61)
    assert list(data["labels"][-1])[:6] == ["start", "end", "text", "label", "subtype", "confidence"]
    assert data["labels"][-1]["scores"] == {"reflection": 0.877, "question": 0.1}
    item = next(f for f in data["feedback"] if f["evidence"])
    assert item["at"] == data["words"][item["evidence"][0]]["start"]  # words by index
    assert data["turns"][data["exchanges"][0]["prompt"][0]]["speaker"] == "partner"
    voice = data["voice"]
    assert voice["hop_s"] == pytest.approx(0.1)
    loud = voice["speakers"]["partner"]["loudness_db"]
    assert len(loud) == 334 and loud[50:80] == [None] * 30  # 3 s silent: null
    assert None not in loud[:50] + loud[80:]


def test_every_field_of_every_record_is_written(rich: Session) -> None:
    data = to_dict(rich)
    objects = {
        "Session": [data], "Word": data["words"], "Turn": data["turns"],
        "Exchange": data["exchanges"], "Event": data["events"], "Metric": data["metrics"],
        "Label": data["labels"], "Feedback": data["feedback"], "Transcript": [data["transcript"]],
    }
    for cls, shape in SHAPES.items():
        keys = {shape.keys.get(f.name, f.name) for f in dataclasses.fields(cls)} | set(shape.extra)
        assert objects[cls.__name__] and all(set(o) >= keys for o in objects[cls.__name__]), cls


def test_keys_older_schemas_lack_take_defaults_and_missing_ones_are_named(rich: Session) -> None:
    data = json.loads(_text(to_dict(rich)))
    for w in data["words"]:
        del w["speaker_confidence"]  # 1.0 files
    for f in data["feedback"]:
        del f["more"]  # 1.0 files
    back = session_from_dict(data)
    assert {w.speaker_confidence for w in back.words} == {1.0}
    assert not any(f.more for f in back.feedback)
    del data["turns"][0]["speaker"]
    with pytest.raises(OutputError, match="a Turn lacks 'speaker'"):
        session_from_dict(data)


def test_cli_names_the_file_that_lacks_a_key(rich: Session, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from listening_coach.cli import EXIT_ERROR, main

    data = json.loads(_text(to_dict(rich)))
    del data["words"][0]["text"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    for args in (["render", str(path)], ["export", str(path), "--format", "srt", "--out", "-"]):
        assert main(args) == EXIT_ERROR
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "broken.json" in err and "a Word lacks 'text'" in err
