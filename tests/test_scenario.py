"""Scenario files: the bundled drills load, and every mistake in a file names its line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from listening_coach.errors import ConfigError
from listening_coach.scenario import TRIGGERS, ScenarioError, list_scenarios, load_scenario


def test_at_least_three_bundled_deescalation_scenarios() -> None:
    names = list_scenarios()
    assert {"angry_customer", "distressed_caller", "waiting_room"} <= set(names)
    for name in names:
        scenario = load_scenario(name)
        assert scenario.name == name
        assert len(scenario.lines) >= 3 and all(line.text.strip() for line in scenario.lines)
        assert scenario.skills and scenario.escalations
        assert all(e.when in TRIGGERS for e in scenario.escalations)


def test_load_by_path_resolves_audio_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "hello.wav").write_bytes(b"RIFF")
    path = tmp_path / "mine.toml"
    path.write_text('title = "T"\n[[lines]]\ntext = "hi"\naudio = "hello.wav"\nwait_s = 4\n')
    scenario = load_scenario(path)
    assert scenario.name == "mine" and scenario.lines[0].audio == tmp_path / "hello.wav"
    assert scenario.lines[0].wait_s == 4.0


def test_escalation_picks_first_unused_match() -> None:
    scenario = load_scenario("angry_customer")
    first = scenario.escalation_for({"interruption", "command"}, set())
    assert first is not None and first[1].when == "interruption"
    second = scenario.escalation_for({"interruption", "command"}, {first[0]})
    assert second is not None and second[1].when == "command"
    assert scenario.escalation_for({"blame"}, set()) is None


BAD = [
    ('title = "x"\n[[lines]]\ntext = "a"\n[[lines]]\ntext = "b"\nvolume = 3\n',
     r"line 6 \(\[\[lines\]\] #2\): key 'volume' is not a known key. Valid keys: text"),
    ('title = "x"\n[[lines]]\ntext = "a"\n[[escalations]]\nwhen = "rude"\ntext = "no"\n',
     r"line 5 \(\[\[escalations\]\] #1\): key 'when' must be one of interruption"),
    ('title = "x"\n[partner]\nspeed_wpm = 20\n[[lines]]\ntext = "a"\n',
     r"line 3 \(\[partner\]\): key 'speed_wpm' must be a whole number 80-450"),
    ('title = "x"\n', r"line 1 \(top level\): key 'lines' needs at least one"),
    ('title = "x"\n[[lines]]\nemotion = "sad"\n', r"line 2 \(\[\[lines\]\] #1\): key 'text' is missing"),
    ('title = "x"\n[[lines]]\ntext = "a"\naudio = "nope.wav"\n', r"line 4 .*'audio' names 'nope.wav'"),
    ('title = "x"\n[[lines]]\ntext = "a\n', r"not valid TOML.*line 3"),
    ('title = 3\n[[lines]]\ntext = "a"\n', r"line 1 \(top level\): key 'title' must be a string"),
]


@pytest.mark.parametrize(("text", "match"), BAD,
                         ids=["unknown-key", "bad-trigger", "bad-speed", "no-lines",
                              "no-text", "missing-audio", "not-toml", "wrong-type"])
def test_errors_name_the_line_and_key(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=match) as info:
        load_scenario(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ConfigError)  # the CLI turns it into one line


def test_unknown_name_lists_the_bundled_ones() -> None:
    with pytest.raises(ScenarioError, match="bundled scenarios: .*angry_customer"):
        load_scenario("no-such-drill")
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario("/nonexistent/drill.toml")
