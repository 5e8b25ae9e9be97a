"""The drill engine end to end with simulated trainees and a fake transcriber (no device)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from listening_coach.live.drill import Drill
from listening_coach.errors import DeviceError
from listening_coach.live.scenario_file import list_scenarios, load_scenario
from listening_coach.testing.simulate import ScriptedTrainee, SimulatedRoom, good_listener, poor_listener
from listening_coach.types import PARTNER, TRAINEE

from conftest import require_tool
from drill_helpers import CONFIG, RATE, ScriptedWords, tone_voice

ANSWERS = [
    "it sounds like you are really frustrated that it broke so soon",
    "so you took a day off and still got nowhere",
    "you feel nobody here listens to you",
]
LINEAR = ('title = "Linear"\n[[lines]]\ntext = "This laptop broke after two weeks and I want my '
          'money back."\n[[lines]]\ntext = "Yesterday nobody helped me at all."\n[[lines]]\n'
          'text = "Nobody in this store listens to me."\n')


@pytest.fixture(scope="session")
def clips() -> dict[str, np.ndarray]:
    require_tool("espeak-ng", "apt-get install -y espeak-ng")
    from listening_coach.live.synth import synthesize

    return {text: synthesize(text, voice="en-gb+f3", speed_wpm=110) for text in ANSWERS}


def run_trainee(tmp_path: Path, name: str, policy: Any, **room: Any) -> tuple[Drill, Any, Any]:
    scenario = load_scenario(name)
    trainee = ScriptedTrainee(policy(scenario), max_s=300, **room)
    drill = Drill(trainee, scenario=scenario, config=CONFIG, out_dir=tmp_path, hook=trainee.hook,
                  transcriber=ScriptedWords(trainee), voice=tone_voice, background_voice=False,
                  session_id=f"{name}-{policy.__name__}", trainee="Ana")
    return drill, trainee, drill.run()


@pytest.mark.parametrize("name", list_scenarios())
def test_good_listener_resolves_and_poor_listener_escalates(tmp_path: Path, name: str) -> None:
    require_tool("espeak-ng", "apt-get install -y espeak-ng")
    scenario = load_scenario(name)
    drill, _, good = run_trainee(tmp_path, name, good_listener)
    _, _, poor = run_trainee(tmp_path, name, poor_listener)
    assert len(good.drill["partner_start_after_cue_s"]) == len(good.drill["steps"])  # all cued
    assert drill.partner is not None and drill.partner.cache.misses == 1  # all but the opening
    # were rendered before the drill began, each in a band it can be said in
    assert good.drill["outcome"] == "resolved" and poor.drill["outcome"] == "escalated"
    curve = good.drill["agitation"]
    assert curve[0] == scenario.agitation and curve[-1] <= scenario.ending.goal
    assert all(b < a for a, b in zip(curve, curve[1:]))  # every good answer calmed the partner
    assert poor.drill["agitation"][-1] > scenario.ending.ceiling
    signals = {m["signal"] for st in good.drill["steps"] for m in st["moves"]}
    assert {"reflection", "validation", "open_question"} <= signals
    bad = {m["signal"] for st in poor.drill["steps"] for m in st["moves"]}
    assert {"command", "interruption"} <= bad
    # the drill record in the session file is the one returned, and names the trainee's words
    saved = json.loads(good.session_file.read_text())
    assert saved["drill"]["agitation"] == curve and saved["drill"]["trainee"] == "Ana"
    assert all(st["trainee"] and st["moves"] for st in saved["drill"]["steps"])
    assert saved["drill"]["needs_met"] == sorted(n.name for n in scenario.needs)
    # the last thing the partner said is the scenario's ending line
    partner_text = " ".join(w["text"].strip() for w in saved["words"] if w["speaker"] == PARTNER)
    assert partner_text.endswith(scenario.ending.resolved)


def test_barge_in_is_measured_and_the_answer_to_the_reaction_is_its_own_exchange(
        tmp_path: Path) -> None:
    """Talking over the opening for ~3.4 s is a ~3.4 s interruption (not the span of two
    partner lines), and the answer after the partner's reaction is a new, cued exchange."""
    require_tool("espeak-ng", "apt-get install -y espeak-ng")
    over = "Okay okay I hear you I hear you I just wanted to say something here"
    texts = [over, "It sounds like you are really frustrated that nobody listens"]

    def policy(scenario: Any) -> Any:
        return lambda line, k: (texts[k], 1.0 if k == 0 else None) if k < 2 else None

    policy.__name__ = "barge"
    drill, trainee, result = run_trainee(tmp_path, "angry_customer", policy)
    session = result.session
    kinds = [st["kind"] for st in result.drill["steps"]]
    assert kinds[:2] == ["line", "reaction"]  # "Don't cut me off!" came next
    interruptions = [e for e in session.events if e.kind == "interruption" and e.speaker == TRAINEE]
    assert len(interruptions) == 1
    opening_end = session.turns[0].end  # the partner's words span the played line's sound
    assert session.turns[0].speaker == PARTNER
    true_overlap = min(trainee.answer_spans[0].end, opening_end) - trainee.answer_spans[0].start
    assert interruptions[0].duration == pytest.approx(true_overlap, abs=0.6)
    reaction = drill.scenario.reactions[0].text  # when = "interruption"
    ex = next(e for e in session.exchanges if reaction.split()[0] in e.prompt[0].text)
    assert " ".join(w.bare for w in ex.response_words).startswith("it sounds like")
    assert ex.index in {c.exchange for c in result.cues}


@pytest.fixture()
def linear(tmp_path: Path) -> Path:
    path = tmp_path / "linear.toml"
    path.write_text(LINEAR)
    return path


def make_drill(tmp_path: Path, clips: dict[str, np.ndarray], scenario: Path,
               **room_args: Any) -> tuple[Drill, SimulatedRoom, list[tuple[str, object]]]:
    events: list[tuple[str, object]] = []
    room = SimulatedRoom([clips[t] for t in ANSWERS], hook=lambda s, a: events.append((s, a)),
                         **room_args)
    drill = Drill(room, scenario=load_scenario(scenario), config=CONFIG, out_dir=tmp_path,
                  hook=room.hook, transcriber=ScriptedWords(room, ANSWERS), voice=tone_voice,
                  background_voice=False, session_id="t1")
    return drill, room, events


def test_linear_drill_saves_recording_and_session(
    tmp_path: Path, clips: dict[str, np.ndarray], linear: Path
) -> None:
    drill, room, events = make_drill(tmp_path, clips, linear)
    result = drill.run()
    prompts = [a for s, a in events if s == "drill.prompt"]
    assert [p["text"] for p in prompts] == [line.text for line in drill.scenario.lines]  # type: ignore[index, union-attr]
    assert result.stopped_by == "finished"
    session = result.session
    assert session is not None and len(session.exchanges) == 3
    for ex, text in zip(session.exchanges, ANSWERS, strict=True):
        assert " ".join(w.bare for w in ex.response_words) == text
        assert ex.prompt and ex.response_latency == pytest.approx(0.8, abs=0.2)
    assert [c.exchange for c in result.cues] == [0, 1, 2]
    for cue, (_, end) in zip(result.cues, room.answer_spans, strict=True):
        assert cue.speech_end_s == pytest.approx(end, abs=0.15)  # VAD windows are 32 ms
    saved = json.loads(result.session_file.read_text())  # type: ignore[union-attr]
    assert len(saved["exchanges"]) == 3 and len(saved["drill"]["steps"]) == 3
    audio, rate = soundfile.read(result.recording, dtype="float32")
    assert rate == RATE and audio.shape[1] == 2  # microphone + what was played
    assert audio.shape[0] / RATE == pytest.approx(result.recorded_s)
    prompt_start = int(prompts[1]["start_s"] * RATE)  # type: ignore[index]
    assert np.abs(audio[prompt_start : prompt_start + RATE, 1]).max() > 0.1
    assert np.abs(audio[prompt_start : prompt_start + RATE, 0]).max() < 1e-3  # headphones: no echo


def test_echo_of_prompts_is_gated(tmp_path: Path, clips: dict[str, np.ndarray], linear: Path) -> None:
    drill, room, _ = make_drill(tmp_path, clips, linear, echo_gain=0.5)
    result = drill.run()
    assert result.session is not None and result.echo_gated_s > 3.0
    trainee = [w for w in result.session.words if w.speaker == TRAINEE]
    assert " ".join(w.bare for w in trainee) == " ".join(ANSWERS)
    assert [c.exchange for c in result.cues] == [0, 1, 2]


def test_ctrl_c_keeps_recording_and_finished_exchanges(
    tmp_path: Path, clips: dict[str, np.ndarray], linear: Path
) -> None:
    drill, room, _ = make_drill(tmp_path, clips, linear)
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
    saved = json.loads(result.session_file.read_text())  # type: ignore[union-attr]
    assert saved["exchanges"] and saved["drill"]["outcome"] == "unfinished"


def test_vanishing_device_keeps_what_was_recorded(
    tmp_path: Path, clips: dict[str, np.ndarray], linear: Path
) -> None:
    drill, room, _ = make_drill(tmp_path, clips, linear)

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
    tmp_path: Path, clips: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch, linear: Path
) -> None:
    from listening_coach.errors import OutputError
    from listening_coach.live.recorder import Recorder

    real_write = Recorder.write

    def write(self: Recorder, chunk: Any) -> None:
        if self.duration_s >= 10.0:
            raise OutputError(f"The disk is full: the recording {self.path} stops at "
                              f"{self.duration_s:.1f} s (kept, playable)")
        real_write(self, chunk)

    monkeypatch.setattr(Recorder, "write", write)
    drill, _, _ = make_drill(tmp_path, clips, linear)
    result = drill.run()
    assert result.stopped_by == "output_error" and "disk is full" in result.message
    assert soundfile.info(result.recording).duration == pytest.approx(10.0)
    assert result.session is not None and result.session.exchanges  # the first answer is in
