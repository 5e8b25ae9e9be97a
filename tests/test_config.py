"""Config: defaults, TOML loading, unknown keys named with the valid ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from listening_coach.config import DEFAULT_CONFIG, Config, config_from_dict, config_to_dict, load_config
from listening_coach.errors import ConfigError


def test_defaults_round_trip_through_dict() -> None:
    assert config_from_dict(config_to_dict(DEFAULT_CONFIG)) == DEFAULT_CONFIG


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
        ({"pauses": {"dead_air_s": -1.0}}, "must not be negative"),
        ({"speakers": {"mode": "guess"}}, "speakers.mode must be"),
    ],
    ids=[
        "typo-key",
        "typo-section",
        "string-for-number",
        "float-for-int",
        "int-for-bool",
        "negative",
        "bad-mode",
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
