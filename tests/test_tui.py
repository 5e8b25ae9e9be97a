"""The drill's terminal view and the drill/devices commands' handling of bad input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from listening_coach import cli
from listening_coach.live.drill import DrillResult
from listening_coach.live.session import Cue
from listening_coach.testing import script
from listening_coach.live.tui import DrillView, render_summary
from listening_coach.types import TRAINEE, Feedback


def _text(renderable: object, width: int = 110) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_view_shows_partner_line_indicator_and_one_cue_per_exchange() -> None:
    view = DrillView("Angry customer", console=Console(file=io.StringIO()), skills=("reflection",))
    view("drill.state", "listening")
    view("drill.prompt", {"kind": "line", "text": "I want my money back."})
    assert "○ listening" in _text(view.render())
    view("live.speech", (TRAINEE, True))
    screen = _text(view.render())
    assert "Partner: I want my money back." in screen and "● you are speaking" in screen
    tip = Feedback("tip", "try naming the feeling", 0, code="suggested_reflection")
    view("live.cue", Cue(0, 3.0, tip, 0.0))
    concern = Feedback("concern", "'calm down' tends to escalate", 0, code="language_command")
    view("live.cue", Cue(0, 5.0, concern, 0.0))  # the trainee went on: the cue is replaced
    screen = _text(view.render())
    assert "1 ! 'calm down' tends to escalate" in screen and "naming the feeling" not in screen
    view("drill.prompt", {"kind": "escalation", "text": "Don't tell me to calm down."})
    assert "Partner (escalating): Don't tell me to calm down." in _text(view.render())
    quiet = DrillView("x", console=Console(file=io.StringIO()), cues=False)
    quiet("live.cue", Cue(0, 3.0, tip, 0.0))
    assert "naming the feeling" not in _text(quiet.render())


def test_summary_lists_exchanges_feedback_and_what_was_kept(tmp_path: Path) -> None:
    from dataclasses import replace

    from listening_coach.config import DEFAULT_CONFIG
    from listening_coach.pipeline import analyze_words

    config = replace(DEFAULT_CONFIG, language=replace(DEFAULT_CONFIG.language, use_model=False))
    session = analyze_words(script("partner 0.0 I waited forty minutes for nothing",
                                   "trainee 4.0 calm down you need to wait like everyone"),
                            config, source="drill")
    result = DrillResult(session, tmp_path / "d.wav", tmp_path / "d.json", "interrupted",
                         "Drill stopped (Ctrl-C); recording (9 s) kept", 3, (), 9.0, 2.5, 1)
    text = _text(render_summary(result), width=400)
    assert "calm down you need to wait" in text and "I waited forty minutes" in text
    assert "Ended: interrupted. Drill stopped (Ctrl-C)" in text
    assert "Input overflows: 3" in text and "1 piece of speech could not be transcribed" in text
    assert "echo removed: 2.5 s" in text
    per_exchange = [f for f in session.feedback if f.exchange == 0]
    assert per_exchange and all(f.message[:30] in text for f in per_exchange)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["drill", "--scenario", "nope"], "Unknown scenario 'nope'"),
        (["drill", "--scenario", "angry_customer", "--channels", "trainee,partner"],
         "records only the trainee"),
        (["drill", "--channels", "trainee"], "needs two channels"),
        (["drill", "--channels", "trainee,trainee"], "name each input channel once"),
    ],
    ids=["unknown-scenario", "scripted-two-channels", "live-one-channel", "duplicate-channel"],
)
def test_drill_command_bad_input_is_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_drill_command_without_any_input_device(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from types import SimpleNamespace

    from listening_coach.live import capture
    from listening_coach.live import speech as live_speech

    class PortAudioError(Exception):
        pass

    fake = SimpleNamespace(
        query_devices=lambda: [{"name": "speakers", "hostapi": 0, "max_input_channels": 0,
                                "max_output_channels": 2, "default_samplerate": 48000.0}],
        query_hostapis=lambda: [{"name": "ALSA"}], default=SimpleNamespace(device=(-1, 0)),
        PortAudioError=PortAudioError,
    )
    monkeypatch.setattr(capture, "import_sounddevice", lambda: fake)
    monkeypatch.setattr(live_speech, "WhisperTranscriber", lambda *a, **k: None)
    assert cli.main(["drill", "--scenario", "angry_customer", "--out", str(tmp_path)]) == 1
    assert "No audio input device found" in capsys.readouterr().err


def test_drill_list_names_the_bundled_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["drill", "--list"]) == 0
    out = capsys.readouterr().out
    assert "angry_customer" in out and "Angry customer demanding a refund" in out
