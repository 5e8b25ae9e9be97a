"""The whole configuration: every stage's options composed into :class:`Config`, loaded from TOML.

- The per-stage options dataclasses live in :mod:`listening_coach.options` and are re-exported
  here (``from listening_coach.config import PaceOptions`` works).
- :class:`Config`: all of them; every :class:`~listening_coach.types.Session` carries one.
- :func:`load_config`: read a TOML file whose sections are the field names of ``Config``.
- :func:`config_from_dict` / :func:`config_to_dict`: the same without a file.
- :func:`build_options`: one section from a dict (stage functions accept a dict or an instance).

Unknown sections or keys are errors that list the valid ones, so a typo in a threshold never
passes silently. Each field declares its allowed values once, with :func:`~listening_coach.bounds.opt` (a
range, a list of choices, or another field it must not exceed); loading checks the type and range of every
value and names the key, the value and what is allowed. ``docs/config.toml`` documents every key
with its default and allowed values.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from listening_coach.bounds import check_ranges, coerce
from listening_coach.errors import ConfigError
from listening_coach.options import (
    DiarizeOptions,
    FeedbackOptions,
    LanguageOptions,
    LiveOptions,
    OverlapOptions,
    PaceOptions,
    PauseOptions,
    ReportOptions,
    SpeakerMode,
    SpeakerOptions,
    TranscribeOptions,
    TurnOptions,
    VoiceOptions,
)

__all__ = [
    "DEFAULT_CONFIG", "RETIRED_KEYS", "Config", "DiarizeOptions", "FeedbackOptions", "LanguageOptions",
    "LiveOptions", "OverlapOptions", "PaceOptions", "PauseOptions", "ReportOptions", "SpeakerMode",
    "SpeakerOptions", "TranscribeOptions", "TurnOptions", "VoiceOptions", "build_options",
    "config_from_dict", "config_to_dict", "load_config", "validate_config",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Config:
    """Every stage's options. Build one with :func:`load_config` or :func:`config_from_dict`."""

    transcribe: TranscribeOptions = field(default_factory=TranscribeOptions)
    speakers: SpeakerOptions = field(default_factory=SpeakerOptions)
    turns: TurnOptions = field(default_factory=TurnOptions)
    overlap: OverlapOptions = field(default_factory=OverlapOptions)
    pauses: PauseOptions = field(default_factory=PauseOptions)
    pace: PaceOptions = field(default_factory=PaceOptions)
    voice: VoiceOptions = field(default_factory=VoiceOptions)
    language: LanguageOptions = field(default_factory=LanguageOptions)
    feedback: FeedbackOptions = field(default_factory=FeedbackOptions)
    live: LiveOptions = field(default_factory=LiveOptions)
    report: ReportOptions = field(default_factory=ReportOptions)
    diarize: DiarizeOptions = field(default_factory=DiarizeOptions)


DEFAULT_CONFIG = Config()


def build_options(cls: type[T], values: T | dict[str, Any] | None, section: str = "") -> T:
    """Return ``values`` as ``cls``: accepts an instance, a dict of keys, or None (defaults).

    Raises:
      ConfigError: on an unknown key (listing the valid ones), a value of the wrong type, or one
        outside the range its field declares (naming key, value and the allowed range).
    """
    if values is None:
        return cls()
    if isinstance(values, cls):
        return values
    where = section or cls.__name__
    if not isinstance(values, dict):
        raise ConfigError(f"[{where}] must be a table of keys, got {values!r}")
    valid = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - set(valid))
    if unknown:
        raise ConfigError(
            f"Unknown key(s) {unknown} in [{where}]. Valid keys: {', '.join(sorted(valid))}"
        )
    defaults = cls()
    clean: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{section}.{key}" if section else key
        parse = valid[key].metadata.get("parse")
        clean[key] = parse(value, name) if parse else coerce(value, getattr(defaults, key), name)
    options = cls(**clean)
    check_ranges(options, section)
    return options


# Keys earlier versions had and wrote into every session JSON: read and ignored, so old sessions
# and config files still load.
RETIRED_KEYS: dict[str, tuple[str, ...]] = {"pace": ("slow_wpm",)}


def config_from_dict(data: dict[str, Any] | None) -> Config:
    """Build a :class:`Config` from ``{"section": {"key": value}}``; see :func:`load_config`."""
    data = data or {}
    if not isinstance(data, dict):
        raise ConfigError(f"A config must be a table of sections, got {data!r}")
    sections = {f.name: f for f in fields(Config)}
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise ConfigError(
            f"Unknown section(s) {unknown} in config. Valid sections: {', '.join(sections)}"
        )
    built: dict[str, Any] = {}
    for name in sections:
        option_cls = type(getattr(DEFAULT_CONFIG, name))
        section = data.get(name)
        if isinstance(section, dict) and name in RETIRED_KEYS:
            section = {k: v for k, v in section.items() if k not in RETIRED_KEYS[name]}
        built[name] = build_options(option_cls, section, name)
    return Config(**built)


def validate_config(config: Config) -> None:
    """Check every section of a config built in code against its declared ranges.

    Raises:
      ConfigError: the first value out of range, naming key, value and the allowed range.
    """
    for section in fields(config):
        check_ranges(getattr(config, section.name), section.name)


def load_config(path: str | Path | None) -> Config:
    """Read a TOML config file; None gives the defaults.

    Raises:
      ConfigError: the file is missing, not a regular file, not UTF-8 TOML, or has unknown
        sections or keys or values of the wrong type or range (the message names the file).
    """
    if path is None:
        return DEFAULT_CONFIG
    if str(path).strip() == "":
        raise ConfigError("--config is an empty path; pass a TOML file (see docs/config.toml)")
    path = Path(path)
    try:
        if not path.exists():
            raise ConfigError(f"Config file {path} does not exist; pass an existing TOML file")
        if not path.is_file():
            kind = "a folder" if path.is_dir() else "not a regular file (a pipe or device?)"
            raise ConfigError(f"Config file {path} is {kind}; pass a TOML file")
        with path.open("rb") as f:
            data = tomllib.load(f)
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"Config file {path} is not UTF-8 text (byte {e.object[e.start]:#04x} at offset "
            f"{e.start}); is it the right file? Save it as UTF-8 TOML"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"Config file {path} is not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"Cannot read config file {path}: {e.strerror or e}") from None
    try:
        return config_from_dict(data)
    except ConfigError as e:
        raise ConfigError(f"Config file {path}: {e}") from None


def config_to_dict(config: Config) -> dict[str, Any]:
    """Return the config as plain data (tuples become lists), ready for JSON or TOML."""

    def plain(value: Any) -> Any:
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        return value

    return {
        f.name: {k: plain(v) for k, v in dataclasses.asdict(getattr(config, f.name)).items()}
        for f in fields(config)
    }
