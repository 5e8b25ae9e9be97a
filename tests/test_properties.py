"""Property-based tests (hypothesis): the config loader and the turn/overlap stages on random
word timings never crash, and their invariants hold.

Under CI (``CI`` set) the examples are derandomised, so a run is repeatable; locally hypothesis
explores new examples each run and remembers failures in ``.hypothesis/``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from listening_coach.bounds import bounds_of
from listening_coach.config import (
    DEFAULT_CONFIG, Config, config_from_dict, config_to_dict, load_config, validate_config,
)
from listening_coach.errors import ConfigError
from listening_coach.metrics import compute_metrics, find_events
from listening_coach.turns import group_turns, pair_exchanges
from listening_coach.types import PARTNER, TRAINEE, Word

SETTINGS = settings(deadline=None, derandomize=bool(os.environ.get("CI")),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SECTIONS = {f.name: getattr(DEFAULT_CONFIG, f.name) for f in dataclasses.fields(Config)}
FIELDS = [(name, f) for name, options in SECTIONS.items() for f in dataclasses.fields(options)]

# --- the config loader -------------------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["trainee", "partner", "-", "auto", "cpu", "nme-sc"]),
)
values = st.one_of(scalars, st.lists(scalars, max_size=4), st.dictionaries(st.text(max_size=5), scalars,
                                                                            max_size=2))
section_names = st.one_of(st.sampled_from(sorted(SECTIONS)), st.text(max_size=8))


@st.composite
def config_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly real sections and keys with values of any type, sometimes typos."""
    data: dict[str, Any] = {}
    for section in draw(st.lists(section_names, max_size=3, unique=True)):
        options = SECTIONS.get(section)
        keys = [f.name for f in dataclasses.fields(options)] if options is not None else []
        names = st.sampled_from(keys) | st.text(max_size=8) if keys else st.text(max_size=8)
        data[section] = draw(st.one_of(st.dictionaries(names, values, max_size=4), values))
    return data


@SETTINGS
@given(config_dicts())
def test_config_from_any_data_is_a_valid_config_or_a_config_error(data: dict[str, Any]) -> None:
    try:
        config = config_from_dict(data)
    except ConfigError as e:
        assert "\n" not in str(e) and str(e)
        return
    validate_config(config)  # every value in range
    assert config_from_dict(config_to_dict(config)) == config


@st.composite
def in_or_out_of_range(draw: st.DrawFn) -> tuple[str, str, Any, bool]:
    """A bounded key, a value and whether its declared bounds allow that value."""
    section, f = draw(st.sampled_from([(s, f) for s, f in FIELDS if bounds_of(f) is not None]))
    bounds = bounds_of(f)
    assert bounds is not None
    default = getattr(SECTIONS[section], f.name)
    if bounds.choices:
        value: Any = draw(st.sampled_from(bounds.choices) | st.text(max_size=8))
    elif isinstance(default, int):
        value = draw(st.integers(-10_000, 10_000))
    else:
        value = draw(st.floats(-1e4, 1e4, allow_nan=False))
    allowed = bounds.allows(value)
    partner = bounds.at_most or bounds.below
    if partner is not None:  # compared with a field left at its default
        limit = getattr(SECTIONS[section], partner)
        allowed = allowed and (value < limit if bounds.below else value <= limit)
    for other_name in (o.name for o in dataclasses.fields(SECTIONS[section])):
        other = bounds_of(next(o for o in dataclasses.fields(SECTIONS[section]) if o.name == other_name))
        if other is not None and (other.at_most == f.name or other.below == f.name):
            low = getattr(SECTIONS[section], other_name)
            allowed = allowed and (value > low if other.below else value >= low)
    return section, f.name, value, allowed


@SETTINGS
@given(in_or_out_of_range())
def test_declared_bounds_decide_what_loads(case: tuple[str, str, Any, bool]) -> None:
    section, key, value, allowed = case
    try:
        config = config_from_dict({section: {key: value}})
    except ConfigError as e:
        assert not allowed, f"{section}.{key} = {value!r} is inside its bounds but refused: {e}"
        assert f"{section}.{key}" in str(e) and repr(value) in str(e)  # key and value named
        return
    assert allowed, f"{section}.{key} = {value!r} is outside its bounds but loaded"
    assert getattr(getattr(config, section), key) == value


@SETTINGS
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_any_config_file_loads_or_is_one_config_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(content)
    try:
        config = load_config(path)
    except ConfigError as e:
        assert str(e).startswith(f"Config file {path}") and "\n" not in str(e)
        return
    assert isinstance(config, Config)
    tomllib.loads(content.decode())  # it loaded, so it is UTF-8 TOML


# --- turns, exchanges and overlaps on random word timings --------------------------------------

VOCABULARY = ("mm-hm", "yeah", "right", "i", "see", "you", "waited", "two", "hours", "and", "nobody",
              "called", "that", "sounds", "awful", "okay", "no")


@st.composite
def word_timings(draw: st.DrawFn) -> list[Word]:
    """Each speaker's words in order (as Whisper gives them); the speakers overlap freely."""
    words: list[Word] = []
    for speaker in draw(st.sampled_from([(TRAINEE,), (PARTNER,), (TRAINEE, PARTNER)])):
        t = draw(st.floats(0, 5))
        for _ in range(draw(st.integers(0, 25))):
            t += draw(st.sampled_from([0.0, 0.05, 0.3, 1.2, 2.0, 4.0]) | st.floats(0, 8))
            duration = draw(st.floats(0, 1.5))
            words.append(Word(t, t + duration, " " + draw(st.sampled_from(VOCABULARY)), speaker))
            t += duration
    return words


turn_options = st.fixed_dictionaries({
    "turn_gap_s": st.floats(0.05, 5), "close_after_s": st.floats(0.1, 10),
    "backchannel_max_s": st.floats(0, 3), "backchannel_max_words": st.integers(0, 4),
})


@SETTINGS
@given(word_timings(), turn_options)
def test_turns_and_exchanges_keep_their_invariants(words: list[Word], options: dict[str, Any]) -> None:
    config = config_from_dict({"turns": options, "language": {"use_model": False}})
    turns = group_turns(tuple(words), config.turns)
    assert [t.start for t in turns] == sorted(t.start for t in turns), "turns out of order"
    for turn in turns:
        assert turn.duration >= 0 and all(w.speaker == turn.speaker for w in turn.words)
    assert sorted(w for t in turns for w in t.words) == sorted(words), "a word lost or doubled"

    exchanges = pair_exchanges(turns, config.turns)
    assert [e.index for e in exchanges] == list(range(len(exchanges)))
    assert [e.start for e in exchanges] == sorted(e.start for e in exchanges)
    floor = [t for t in turns if not t.backchannel]
    paired = [t for e in exchanges for t in e.prompt + e.response]
    assert sorted(paired, key=id) == sorted(floor, key=id), "a floor turn is in no exchange, or two"
    for e in exchanges:
        assert e.end >= e.start
        assert all(t.speaker == TRAINEE for t in e.response)
        assert all(t.speaker != TRAINEE for t in e.prompt)
    if exchanges:
        assert sum(len(e.backchannels) for e in exchanges) == sum(t.backchannel for t in turns)

    events = find_events(turns, exchanges, config)
    for event in events:
        assert event.duration >= 0, event
        assert event.exchange is None or 0 <= event.exchange < len(exchanges)
    for metric in compute_metrics(turns, exchanges, events, config, None):
        assert math.isfinite(metric.value), metric


def test_no_words_give_no_turns() -> None:
    assert group_turns((), DEFAULT_CONFIG.turns) == ()
    assert pair_exchanges((), DEFAULT_CONFIG.turns) == ()


@settings(deadline=None, derandomize=bool(os.environ.get("CI")), max_examples=25,
          suppress_health_check=[HealthCheck.too_slow])
@given(word_timings())
def test_every_stage_after_transcription_survives_random_timings(words: list[Word]) -> None:
    from listening_coach.pipeline import analyze_words

    assume(words)
    session = analyze_words(words, config_from_dict({"language": {"use_model": False}}))
    assert all(f.message for f in session.feedback)
    assert all(math.isfinite(m.value) for m in session.metrics)
