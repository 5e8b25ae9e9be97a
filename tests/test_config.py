"""Config: defaults, TOML loading, unknown keys named with the valid ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from listening_coach.config import DEFAULT_CONFIG, Config, config_from_dict, config_to_dict, load_config
from listening_coach.errors import ConfigError


def test_defaults_round_trip_through_dict() -> None:
    assert config_from_dict(config_to_dict(DEFAULT_CONFIG)) == DEFAULT_CONFIG


def test_retired_keys_of_earlier_sessions_are_read_and_ignored() -> None:
    """pace.slow_wpm was never used and is gone; session JSONs that carry it still load."""
    from listening_coach.config import RETIRED_KEYS

    old = config_to_dict(DEFAULT_CONFIG)
    for section, keys in RETIRED_KEYS.items():
        old[section].update({key: 1.0 for key in keys})
        assert not set(keys) & set(config_to_dict(DEFAULT_CONFIG)[section])
    assert config_from_dict(old) == DEFAULT_CONFIG
    with pytest.raises(ConfigError, match="Unknown key"):
        config_from_dict({"pace": {"slow_wmp": 90.0}})


def test_load_toml_overrides_only_given_keys(tmp_path: Path) -> None:
    path = tmp_path / "coach.toml"
    path.write_text('[pace]\nfast_wpm = 170\n[speakers]\nchannels = ["partner", "trainee"]\n')
    config = load_config(path)
    assert config.pace.fast_wpm == 170.0
    assert config.speakers.channels == ("partner", "trainee")
    assert config.pace.target_wpm_min == DEFAULT_CONFIG.pace.target_wpm_min


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"pace": {"fast_wmp": 170}}, r"Unknown key\(s\) \['fast_wmp'\] in \[pace\]. Valid keys: .*fast_wpm"),
        ({"paces": {}}, r"Unknown section\(s\) \['paces'\].*Valid sections: transcribe"),
        ({"pace": {"fast_wpm": "fast"}}, "pace.fast_wpm must be a number"),
        ({"pace": {"min_words": 2.5}}, "must be a whole number"),
        ({"voice": {"enabled": 1}}, "must be true or false"),
        ({"pauses": {"dead_air_s": -1.0}}, r"pauses.dead_air_s must be more than 0, got -1.0"),
        ({"speakers": {"mode": "guess"}}, "speakers.mode must be"),
        ({"transcribe": {"beam_size": 0}}, r"^transcribe.beam_size must be 1 or more, got 0$"),
        ({"speakers": {"frame_s": 0}}, r"^speakers.frame_s must be more than 0 and at most 1, got 0.0$"),
        ({"pace": {"target_wpm_min": -50}}, r"pace.target_wpm_min must be more than 0.*got -50.0"),
        ({"pace": {"target_wpm_min": 150}},
         r"pace.target_wpm_min must be at most pace.target_wpm_max \(140.0\), got 150.0"),
        ({"voice": {"fmin_hz": 400}}, r"voice.fmin_hz must be less than voice.fmax_hz"),
        ({"diarize": {"min_speakers": 3, "max_speakers": 2}}, "min_speakers must be at most"),
        ({"transcribe": {"no_speech_threshold": 1.5}}, r"no_speech_threshold must be 0 to 1, got 1.5"),
        ({"pace": {"fast_wpm": float("nan")}}, "must be a finite number, got nan"),
        ({"turns": {"backchannel_words": [1, 2]}}, "must be a list of strings"),
        ({"speakers": {"channels": ["trainee", "trainee"]}}, "trainee named twice"),
        ({"speakers": {"channels": "trainee,banana"}}, "unknown name.*'banana'"),
        ({"speakers": {"channels": ["-", "-"]}}, "no trainee or partner"),
        (
            {"diarize": {"role_rule": "loudest"}},
            "role_rule must be one of auto, listener, first, less, enrolment, manual",
        ),
        ({"pace": 3}, r"\[pace\] must be a table"),
    ],
    ids=[
        "typo-key",
        "typo-section",
        "string-for-number",
        "float-for-int",
        "int-for-bool",
        "negative",
        "bad-mode",
        "beam-zero",
        "frame-zero",
        "negative-wpm",
        "min-above-max",
        "fmin-not-below-fmax",
        "speakers-min-above-max",
        "threshold-above-one",
        "nan",
        "list-of-numbers",
        "channel-twice",
        "channel-unknown",
        "channel-none",
        "choice",
        "section-not-table",
    ],
)
def test_bad_config_is_explained(data: dict, match: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=match):
        config_from_dict(data)


def test_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[pace\nfast_wpm = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_config_is_frozen() -> None:
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_CONFIG.pace.fast_wpm = 1.0  # type: ignore[misc]
    assert isinstance(load_config(None), Config)


def test_documented_config_file_matches_the_defaults() -> None:
    """docs/config.toml lists every key with its default value."""
    root = Path(__file__).resolve().parents[1]
    documented = load_config(root / "docs" / "config.toml")
    assert documented == DEFAULT_CONFIG, "docs/config.toml is stale: run `make docs`"


def test_every_default_is_inside_its_declared_range() -> None:
    import dataclasses

    from listening_coach.bounds import bounds_of
    from listening_coach.config import validate_config

    validate_config(DEFAULT_CONFIG)
    declared = [bounds_of(f) for section in dataclasses.fields(Config)
                for f in dataclasses.fields(getattr(DEFAULT_CONFIG, section.name))]
    assert sum(b is not None for b in declared) > 60  # ranges are declared, not forgotten


def test_channel_maps_parse_with_skips_in_any_case() -> None:
    from listening_coach.bounds import parse_channel_map

    assert parse_channel_map("-, Trainee ,partner,none") == ("-", "trainee", "partner", "none")
    config = config_from_dict({"speakers": {"channels": "partner,trainee"}})
    assert config.speakers.channels == ("partner", "trainee")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "is not UTF-8 text"),
        ("[pace]\nfast_wpm = 170 # caf\u00e9\n".encode("latin-1"), "is not UTF-8 text"),
        (b"\x00\x01\x02", "is not valid TOML"),
        (b"[pace]\nfast_wpm = 1\n[pace]\nfast_wpm = 2\n", "is not valid TOML"),
        (b"beam_size = 3\n", "Unknown section"),
        (b"[transcribe]\nbeam_size = 0\n", "c.toml: transcribe.beam_size must be 1 or more, got 0"),
    ],
    ids=["binary", "latin-1", "nul-bytes", "duplicate-table", "key-outside-section", "range"],
)
def test_unreadable_config_files_are_one_line_errors(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=match) as info:
        load_config(path)
    assert "\n" not in str(info.value)


def test_config_path_that_is_not_a_file(tmp_path: Path) -> None:
    import os

    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(fifo)  # opening it would block forever
    with pytest.raises(ConfigError, match="empty path"):
        load_config("")
