"""The drill engine end to end with a simulated trainee and a fake transcriber (no device)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from listening_coach.config import DEFAULT_CONFIG
from listening_coach.drill import Drill
from listening_coach.errors import DeviceError
from listening_coach.scenario import load_scenario
from listening_coach.simulate import SimulatedRoom
from listening_coach.types import PARTNER, TRAINEE, Word

from conftest import require_tool

RATE = 16_000
CONFIG = replace(DEFAULT_CONFIG, language=replace(DEFAULT_CONFIG.language, use_model=False))
ANSWERS = [
    "it sounds like you are really frustrated that it broke so soon",
    "so you took a day off and still got nowhere",
    "you feel nobody here listens to you",
    "what would a fair solution look like for you",
]


@pytest.fixture(scope="session")
def clips() -> dict[str, np.ndarray]:
    require_tool("espeak-ng", "apt-get install -y espeak-ng")
    from listening_coach.synth import synthesize

    return {text: synthesize(text, voice="en-gb+f3", speed_wpm=110) for text in ANSWERS}


class ScriptedWords:
    """Fake transcriber: the words of the answer whose audio the piece overlaps."""

    def __init__(self, room: SimulatedRoom) -> None:
        self.room = room
        self.final_calls = 0

    def __call__(self, samples: np.ndarray, /, *, offset_s: float, speaker: str,
                 final: bool) -> Sequence[Word]:
        self.final_calls += final
        end_s = offset_s + samples.size / RATE
        for (a, b), text in zip(self.room.answer_spans, ANSWERS, strict=False):
            if a < end_s and offset_s < b:
                tokens = text.split()
                step = (b - a) / len(tokens)
                return tuple(Word(round(a + i * step, 3), round(a + (i + 1) * step, 3),
                                  " " + t, speaker)
                             for i, t in enumerate(tokens) if offset_s <= a + i * step < end_s)
        return ()


def short_prompt(line: Any, scenario: Any) -> np.ndarray:
    """A 1.5 s voiced tone per partner line: timing without synthesis."""
    from listening_coach.testing import syllable_train

    return syllable_train(1.5)


def make_drill(
    tmp_path: Path, clips: dict[str, np.ndarray], **room_args: Any
) -> tuple[Drill, SimulatedRoom, list[tuple[str, object]]]:
    events: list[tuple[str, object]] = []
    room = SimulatedRoom([clips[t] for t in ANSWERS], hook=lambda s, a: events.append((s, a)),
                         **room_args)
    drill = Drill(room, scenario=load_scenario("angry_customer"), config=CONFIG, out_dir=tmp_path,
                  hook=room.hook, transcriber=ScriptedWords(room), prompt_audio=short_prompt,
                  session_id="t1")
    drill.live.transcriber = ScriptedWords(room)
    return drill, room, events


def test_scripted_drill_runs_the_scenario_and_saves_everything(
    tmp_path: Path, clips: dict[str, np.ndarray]
) -> None:
    drill, room, events = make_drill(tmp_path, clips)
    result = drill.run()
    prompts = [a for s, a in events if s == "drill.prompt"]
    assert [p["text"] for p in prompts] == [line.text for line in drill.scenario.lines]  # type: ignore[index, union-attr]
    assert result.stopped_by == "finished"
    session = result.session
    assert session is not None and len(session.exchanges) == 4
    for ex, text in zip(session.exchanges, ANSWERS, strict=True):
        assert " ".join(w.bare for w in ex.response_words) == text
        assert ex.prompt and ex.response_latency == pytest.approx(0.8, abs=0.2)
    # one cue per exchange, stamped with the end of the trainee's speech the VAD found
    assert [c.exchange for c in result.cues] == [0, 1, 2, 3]
    for cue, (_, end) in zip(result.cues, room.answer_spans, strict=True):
        assert cue.speech_end_s == pytest.approx(end, abs=0.15)  # VAD windows are 32 ms
    saved = json.loads(result.session_file.read_text())  # type: ignore[union-attr]
    assert len(saved["exchanges"]) == 4
    audio, rate = soundfile.read(result.recording, dtype="float32")
    assert rate == RATE and audio.shape[1] == 2  # microphone + what was played
    assert audio.shape[0] / RATE == pytest.approx(result.recorded_s) == pytest.approx(room.time_s)
    prompt_start = int(prompts[1]["start_s"] * RATE)  # type: ignore[index]
    assert np.abs(audio[prompt_start : prompt_start + RATE, 1]).max() > 0.1
    assert np.abs(audio[prompt_start : prompt_start + RATE, 0]).max() < 1e-3  # headphones: no echo


def test_barge_in_is_an_interruption_and_escalates(
    tmp_path: Path, clips: dict[str, np.ndarray]
) -> None:
    drill, room, events = make_drill(tmp_path, clips, barge_in_s={1: 0.3})
    result = drill.run()
    assert result.session is not None
    interruptions = [e for e in result.session.events
                     if e.kind == "interruption" and e.speaker == TRAINEE]
    assert [e.exchange for e in interruptions] == [1]
    prompts = [a["kind"] for s, a in events if s == "drill.prompt"]  # type: ignore[index]
    assert prompts[:3] == ["line", "line", "escalation"]


def test_echo_of_prompts_is_gated(tmp_path: Path, clips: dict[str, np.ndarray]) -> None:
    drill, room, _ = make_drill(tmp_path, clips, echo_gain=0.5)
    result = drill.run()
    assert result.session is not None and result.echo_gated_s > 3.0
    trainee = [w for w in result.session.words if w.speaker == TRAINEE]
    assert " ".join(w.bare for w in trainee) == " ".join(ANSWERS)
    assert [c.exchange for c in result.cues] == [0, 1, 2, 3]


def test_ctrl_c_keeps_recording_and_finished_exchanges(
    tmp_path: Path, clips: dict[str, np.ndarray]
) -> None:
    drill, room, _ = make_drill(tmp_path, clips)
    cues = 0

    def hook(step: str, artifact: object) -> None:
        nonlocal cues
        room.hook(step, artifact)
        if step == "live.cue":
            cues += 1
            if cues == 2:
                raise KeyboardInterrupt

    drill.hook = hook
    result = drill.run()
    assert result.stopped_by == "interrupted" and "Ctrl-C" in result.message
    assert result.session is not None and len(result.session.exchanges) >= 2
    assert soundfile.info(result.recording).duration == pytest.approx(result.recorded_s)
    assert json.loads(result.session_file.read_text())["exchanges"]  # type: ignore[union-attr]


def test_vanishing_device_keeps_what_was_recorded(
    tmp_path: Path, clips: dict[str, np.ndarray]
) -> None:
    drill, room, _ = make_drill(tmp_path, clips)

    class Vanishing:
        """The room's audio until 12 s, then the device goes away."""

        overflows = 0
        time_s = property(lambda self: room.time_s)

        def __iter__(self) -> Any:
            for chunk in room:
                if chunk.start >= 12.0:
                    raise DeviceError("The input device stopped sending audio for 3 s")
                yield chunk

        def stop(self) -> None: ...
        def close(self) -> None: ...

    drill.source = Vanishing()
    result = drill.run()
    assert result.stopped_by == "device_error" and "stopped sending audio" in result.message
    assert result.recorded_s == pytest.approx(12.0, abs=0.11)
    assert result.session is not None and result.session.exchanges


def test_live_mode_needs_two_channels(tmp_path: Path) -> None:
    room = SimulatedRoom([])
    with pytest.raises(DeviceError, match="two input channels"):
        Drill(room, config=CONFIG, out_dir=tmp_path)
    drill = Drill(room, config=CONFIG, out_dir=tmp_path, channels=(PARTNER, TRAINEE),
                  transcriber=ScriptedWords(room))
    assert drill.live.speakers == (PARTNER, TRAINEE)


def test_full_disk_ends_the_drill_and_keeps_what_was_written(
    tmp_path: Path, clips: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    from listening_coach.errors import OutputError
    from listening_coach.recorder import Recorder

    real_write = Recorder.write

    def write(self: Recorder, chunk: Any) -> None:
        if self.duration_s >= 10.0:
            raise OutputError(f"The disk is full: the recording {self.path} stops at "
                              f"{self.duration_s:.1f} s (kept, playable)")
        real_write(self, chunk)

    monkeypatch.setattr(Recorder, "write", write)
    drill, _, _ = make_drill(tmp_path, clips)
    result = drill.run()
    assert result.stopped_by == "output_error" and "disk is full" in result.message
    assert soundfile.info(result.recording).duration == pytest.approx(10.0)
    assert result.session is not None and result.session.exchanges  # the first answer is in
