"""Scenario files: the bundled drills load, and every mistake in a file names its line, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from listening_coach.errors import ConfigError
from listening_coach.live.partner import DEFAULT_WEIGHTS
from listening_coach.live.scenario import BANDS, ScenarioError
from listening_coach.live.scenario_file import list_scenarios, load_scenario

FIELDS = {"angry_customer", "waiting_room", "school_parent", "distressed_caller",
          "tenant_heating", "security_desk"}  # retail, hospital, school, crisis, housing, security


def test_six_bundled_scenarios_across_fields_are_branching() -> None:
    assert FIELDS <= set(list_scenarios())
    difficulties = set()
    for name in list_scenarios():
        s = load_scenario(name)
        assert s.name == name and not s.linear and s.skills and s.needs
        difficulties.add(s.difficulty)
        assert s.ending.goal < s.agitation <= s.ending.ceiling
        assert s.ending.resolved and s.ending.escalated
        for band in BANDS:  # something to say in every state
            assert any(line.band == band for line in s.lines[1:]), (name, band)
        for need in s.needs:  # every need is voiced by some line
            assert any(line.need == need.name for line in s.lines), (name, need.name)
        assert all(r.when in DEFAULT_WEIGHTS for r in s.reactions)
    assert difficulties == {"easy", "medium", "hard"}


def test_linear_file_and_weights_override(tmp_path: Path) -> None:
    (tmp_path / "hello.wav").write_bytes(b"RIFF")
    path = tmp_path / "mine.toml"
    path.write_text('title = "T"\n[weights]\ncommand = 3.5\nmax_rise = 1\n'
                    '[[lines]]\ntext = "hi"\naudio = "hello.wav"\nwait_s = 4\n[[lines]]\ntext = "b"\n')
    s = load_scenario(path)
    assert s.name == "mine" and s.linear and s.lines[0].audio == tmp_path / "hello.wav"
    assert s.lines[0].wait_s == 4.0
    assert s.weight("command") == 3.5 and s.weight("blame") == DEFAULT_WEIGHTS["blame"]


BAD = [
    ('title = "x"\n[[lines]]\ntext = "a"\n[[lines]]\ntext = "b"\nvolume = 3\n',
     r"line 6 \(\[\[lines\]\] #2\): key 'volume' is not a known key. Valid keys: text"),
    ('title = "x"\n[[lines]]\ntext = "a"\n[[reactions]]\nwhen = "comand"\ntext = "no"\n',
     r"line 5 \(\[\[reactions\]\] #1\): key 'when' must be one of .*\(did you mean 'command'\?\)"),
    ('title = "x"\n[partner]\nspeed_wpm = 20\n[[lines]]\ntext = "a"\n',
     r"line 3 \(\[partner\]\): key 'speed_wpm' must be a whole number from 80 to 450"),
    ('title = "x"\n', r"line 1 \(top level\): key 'lines' needs at least one"),
    ('title = "x"\n[[lines]]\nemotion = "sad"\n',
     r"line 2 \(\[\[lines\]\] #1\): key 'text' is missing: add text = "),
    ('title = "x"\n[[lines]]\ntext = "a"\naudio = "nope.wav"\n', r"line 4 .*'audio' names 'nope.wav'"),
    ('title = "x"\n[[lines]]\ntext = "a\n', r"not valid TOML.*line 3"),
    ('title = 3\n[[lines]]\ntext = "a"\n', r"line 1 \(top level\): key 'title' must be text in quotes"),
    ('[[lines]]\ntext = "a"\n[[lines]]\ntext = "b"\nband = "angri"\n',
     r"line 5 .*'band' must be one of calm, upset, angry; got 'angri' \(did you mean 'angry'\?\)"),
    ('[[needs]]\nname = "refund"\nwords = ["money"]\n[[lines]]\ntext = "a"\n[[lines]]\n'
     'text = "b"\nneed = "refnd"\n', r"line 8 .*'need' is 'refnd'.*\(did you mean 'refund'\?\)"),
    ('[[lines]]\ntext = "a"\n[[lines]]\ntext = "b"\nband = "angry"\n',
     r"'lines' has no line for the 'calm' band: add a \[\[lines\]\] table with band = \"calm\""),
    ('[partner]\nagitation = 1\n[[lines]]\ntext = "a"\n',
     r"line 2 \(\[partner\]\): key 'agitation' \(1\) must lie above \[ending\] goal"),
    ('[ending]\ngoal = 5\nceiling = 4\n[[lines]]\ntext = "a"\n',
     r"line 2 \(\[ending\]\): key 'goal' \(5\) must be below ceiling"),
    ('[weights]\ncalm_down = 2\n[[lines]]\ntext = "a"\n', r"line 2 \(\[weights\]\): key 'calm_down'"),
    ('[[needs]]\nname = "x"\n[[lines]]\ntext = "a"\n', r"line 1 .*'words' needs at least one word"),
]


@pytest.mark.parametrize(("text", "match"), BAD,
                         ids=["unknown-key", "typo-trigger", "bad-speed", "no-lines", "no-text",
                              "missing-audio", "not-toml", "wrong-type", "typo-band",
                              "unknown-need", "band-without-lines", "start-below-goal",
                              "goal-above-ceiling", "unknown-weight", "need-without-words"])
def test_errors_name_the_line_key_and_fix(tmp_path: Path, text: str, match: str) -> None:
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
