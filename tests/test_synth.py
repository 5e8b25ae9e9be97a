"""espeak-ng synthesis and the role-play renderer: spans, channel layout, bleed, regeneration."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from listening_coach.live import synth
from listening_coach.errors import AudioError, MissingExtra
from listening_coach.testing.roleplay import Line, RolePlay, load_truth, render, write_roleplay
from listening_coach.testing.sample_scripts import SAMPLES
from listening_coach.testing import silence, tone
from listening_coach.types import PARTNER, TRAINEE
from tests.conftest import ROOT, require_tool

SAMPLES_DIR = ROOT / "audio_samples"
INSTALL = "apt-get install -y espeak-ng"


@pytest.fixture(scope="session")
def espeak() -> str:
    return require_tool("espeak-ng", INSTALL)


def test_measure_spans_finds_tones_between_silences() -> None:
    x = np.concatenate([silence(0.5), tone(1.0), silence(0.7), tone(0.3), silence(0.2)])
    spans = synth.measure_spans(x)
    assert len(spans) == 2
    assert tuple(spans[0]) == pytest.approx((0.5, 1.5), abs=0.011)
    assert tuple(spans[1]) == pytest.approx((2.2, 2.5), abs=0.011)


def test_measure_spans_bridges_short_gaps_and_ignores_silence() -> None:
    x = np.concatenate([tone(0.4), silence(0.1), tone(0.4)])
    (span,) = synth.measure_spans(x)
    assert tuple(span) == pytest.approx((0.0, 0.9), abs=0.011)
    assert synth.measure_spans(silence(1.0)) == ()


def test_missing_espeak_names_the_apt_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(MissingExtra, match="apt-get install -y espeak-ng"):
        synth.synthesize("hello")


@pytest.mark.espeak
def test_synthesize_is_trimmed_mono_16k(espeak: str) -> None:
    x = synth.synthesize("It sounds like you have been kept waiting.", voice="en-gb+f3")
    assert x.dtype == np.float32 and x.ndim == 1
    assert np.max(np.abs(x)) == pytest.approx(0.5, abs=1e-3)
    spans = synth.measure_spans(x)
    assert spans[0].start <= 0.03  # leading silence trimmed
    assert x.size / synth.SAMPLE_RATE - spans[-1].end <= 0.03  # trailing silence trimmed
    assert 1.0 < x.size / synth.SAMPLE_RATE < 4.0


@pytest.mark.espeak
def test_speed_and_word_gap_change_the_measured_pace(espeak: str) -> None:
    text = "I hear that you have been waiting a long time and nobody is listening"

    def seconds(**kw: int) -> float:
        spans = synth.measure_spans(synth.synthesize(text, **kw))
        return spans[-1].end - spans[0].start

    slow, normal, fast = seconds(speed_wpm=80), seconds(speed_wpm=120), seconds(speed_wpm=160)
    assert slow > normal > fast
    assert slow / fast > 1.5
    assert seconds(speed_wpm=120, word_gap_ms=100) > normal + 0.5


@pytest.mark.espeak
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"text": " "}, "empty"),
        ({"text": "hi", "speed_wpm": 20}, "between 80 and 450"),
        ({"text": "hi", "voice": "xx-nonexistent"}, "espeak-ng"),
    ],
    ids=["empty", "too-slow", "bad-voice"],
)
def test_bad_synthesis_requests_raise_audio_error(espeak: str, kwargs: dict, match: str) -> None:
    text = kwargs.pop("text")
    with pytest.raises(AudioError, match=match):
        synth.synthesize(text, **kwargs)


TINY = RolePlay(
    name="tiny",
    title="three lines",
    bleed_db=20.0,
    lines=(
        Line(
            PARTNER,
            "I have been waiting here all day and nobody has helped me at all.",
            after_s=0.0,
            speed_wpm=120,
        ),
        Line(TRAINEE, "Yeah.", after_s=-2.8, speed_wpm=120, expect="backchannel"),
        Line(TRAINEE, "You have been waiting all day.", after_s=0.6, speed_wpm=110),
    ),
)


@pytest.fixture(scope="session")
def tiny(espeak: str):  # type: ignore[no-untyped-def]
    return render(TINY)


@pytest.mark.espeak
def test_roleplay_channel_layout_and_bleed(tiny) -> None:  # type: ignore[no-untyped-def]
    samples, truth = tiny.samples, tiny.truth
    assert samples.shape[0] == 2 and samples.dtype == np.float32
    assert truth["channels"] == [TRAINEE, PARTNER]
    assert samples.shape[1] / 16000 == pytest.approx(truth["duration_s"], abs=0.01)
    partner_line, backchannel, trainee_line = truth["lines"]
    partner_alone = (backchannel["end"] + 0.1, partner_line["end"])
    trainee_alone = (trainee_line["start"], trainee_line["end"])
    for (start, end), louder in ((partner_alone, 1), (trainee_alone, 0)):
        a, b = int(start * 16000), int(end * 16000)
        db = 10 * np.log10(np.mean(samples[:, a:b].astype(np.float64) ** 2, axis=1))
        assert db[louder] - db[1 - louder] == pytest.approx(TINY.bleed_db, abs=0.5)


@pytest.mark.espeak
def test_roleplay_truth_matches_the_script(tiny) -> None:  # type: ignore[no-untyped-def]
    truth = tiny.truth
    lines = truth["lines"]
    assert [line["words"] for line in lines] == [14, 1, 6]
    assert lines[1]["backchannel"] and lines[0]["start"] < lines[1]["start"] < lines[0]["end"]
    assert lines[2]["start"] - lines[0]["end"] == pytest.approx(0.6, abs=0.05)
    (exchange,) = truth["exchanges"]
    assert exchange["latency_s"] == pytest.approx(lines[2]["start"] - lines[0]["end"], abs=1e-3)
    response = exchange["response"]
    assert response["lines"] == [2] and response["words"] == 6  # the backchannel is not counted
    assert exchange["trainee_wpm"] == pytest.approx(6 / response["speaking_s"] * 60, abs=0.1)
    (overlap,) = truth["overlaps"]
    assert (overlap["kind"], overlap["speaker"], overlap["other"]) == (
        "backchannel",
        TRAINEE,
        PARTNER,
    )


@pytest.mark.espeak
def test_ambiguous_scripted_overlap_is_refused(espeak: str) -> None:
    # an interruption that lets the partner talk on for seconds is not unambiguous
    bad = dataclasses.replace(
        TINY,
        lines=(
            TINY.lines[0],
            Line(
                TRAINEE,
                "Hold on, let me explain what happened.",
                after_s=-3.0,
                expect="interruption",
            ),
        ),
    )
    with pytest.raises(ValueError, match="not an unambiguous interruption"):
        render(bad)
    unlabelled = dataclasses.replace(
        TINY, lines=(TINY.lines[0], Line(TRAINEE, "Yeah.", after_s=-2.0))
    )
    with pytest.raises(ValueError, match="no expected class"):
        render(unlabelled)


@pytest.mark.espeak
def test_committed_sample_regenerates_identically(espeak: str, tmp_path: Path) -> None:
    audio, truth_path = write_roleplay(SAMPLES["angry_customer"], tmp_path)
    fresh = load_truth(truth_path)
    committed = load_truth(SAMPLES_DIR / "angry_customer.truth.json")
    assert json.dumps(fresh, sort_keys=True) == json.dumps(committed, sort_keys=True)
    assert audio.stat().st_size < 500_000


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_committed_samples_have_the_truths_layout(name: str) -> None:
    import soundfile as sf

    truth = load_truth(SAMPLES_DIR / f"{name}.truth.json")
    samples, rate = sf.read(str(SAMPLES_DIR / truth["audio"]), dtype="float32", always_2d=True)
    assert rate == 16000 and samples.shape[1] == 2
    assert samples.shape[0] / rate == pytest.approx(truth["duration_s"], abs=0.02)
    assert 30 <= truth["duration_s"] <= 60
    # bleed survives the Opus encoding: a line alone on its channel is bleed_db louder there
    for line in truth["lines"]:
        others = [
            o
            for o in truth["lines"]
            if o["speaker"] != line["speaker"]
            and o["start"] < line["end"]
            and line["start"] < o["end"]
        ]
        if others or line["end"] - line["start"] < 2:
            continue
        own = truth["channels"].index(line["speaker"])
        a, b = int(line["start"] * rate), int(line["end"] * rate)
        db = 10 * np.log10(np.mean(samples[a:b].astype(np.float64) ** 2, axis=0))
        assert db[own] - db[1 - own] == pytest.approx(truth["bleed_db"], abs=1.0), line["text"]


def test_samples_cover_every_scripted_case() -> None:
    truths = [load_truth(SAMPLES_DIR / f"{n}.truth.json") for n in sorted(SAMPLES)]
    overlaps = {(o["kind"], o["speaker"]) for t in truths for o in t["overlaps"]}
    assert {
        ("interruption", TRAINEE),
        ("interruption", PARTNER),
        ("backchannel", TRAINEE),
        ("terminal_overlap", TRAINEE),
    } <= overlaps
    assert any(p["duration_s"] >= 1.5 for t in truths for p in t["effective_pauses"])
    paces = [e["trainee_wpm"] for t in truths for e in t["exchanges"] if e.get("trainee_wpm")]
    assert max(paces) >= 190 and min(paces) <= 115
    assert all(16 <= t["bleed_db"] <= 25 for t in truths)
