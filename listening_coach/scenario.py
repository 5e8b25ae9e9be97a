"""Drill scenarios: what the partner says, how they escalate, which skills the drill practises.

- :class:`PartnerLine`: one line the partner says (text, optional recorded audio, emotion).
- :class:`Escalation`: what the partner says when the trainee does something that escalates.
- :class:`Scenario`: a whole drill, loaded from TOML.
- :func:`load_scenario`: a bundled name (``angry_customer``) or a path; errors name the line and key.
- :func:`list_scenarios`: the bundled scenarios in ``listening_coach/scenarios``.

File format (``listening_coach/scenarios/angry_customer.toml`` is a complete example)::

    title = "Angry customer demanding a refund"
    skills = ["reflection", "effective_pause"]
    [partner]                       # optional: espeak-ng voice and speed for synthesized lines
    voice = "en-us"
    speed_wpm = 110
    [[lines]]                       # one or more, played in order
    text = "I have been waiting forty minutes!"
    audio = "refund_01.wav"         # optional, relative to the scenario file
    [[escalations]]                 # optional
    when = "interruption"           # see TRIGGERS
    text = "Don't cut me off!"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from listening_coach.errors import ConfigError

# What the trainee can do that makes the partner escalate: an overlap event kind, a language
# label flag, or a feedback code containing the word.
TRIGGERS: tuple[str, ...] = (
    "interruption", "command", "blame", "arguing", "threat", "dismissive_but", "policy",
)
_TOP_KEYS = ("name", "title", "description", "skills", "partner", "lines", "escalations")
_PARTNER_KEYS = ("voice", "speed_wpm")
_LINE_KEYS = ("text", "audio", "emotion", "wait_s")
_ESCALATION_KEYS = ("when", "text", "audio")


class ScenarioError(ConfigError):
    """A scenario file is missing or malformed; the message names the file, line and key."""


@dataclass(frozen=True, slots=True)
class PartnerLine:
    """One line of the partner; ``audio`` None means it is synthesized with espeak-ng."""

    text: str
    audio: Path | None = None
    emotion: str = ""
    wait_s: float | None = None  # how long to wait for an answer (None: live.answer_timeout_s)


@dataclass(frozen=True, slots=True)
class Escalation:
    """What the partner says (once) when the trainee does ``when`` (one of :data:`TRIGGERS`)."""

    when: str
    text: str
    audio: Path | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    """A drill: partner lines in order, escalations, and the skills it practises."""

    name: str
    title: str
    lines: tuple[PartnerLine, ...]
    escalations: tuple[Escalation, ...] = ()
    skills: tuple[str, ...] = ()
    description: str = ""
    voice: str = "en-us"
    speed_wpm: int = 110
    path: Path | None = None

    def escalation_for(self, triggers: set[str], used: set[int]) -> tuple[int, Escalation] | None:
        """Return the first unused escalation whose ``when`` is in ``triggers``."""
        for i, esc in enumerate(self.escalations):
            if i not in used and esc.when in triggers:
                return i, esc
        return None


def _bundled_dir() -> Path:
    return Path(__file__).resolve().parent / "scenarios"


def list_scenarios() -> tuple[str, ...]:
    """Return the names of the bundled scenarios."""
    return tuple(sorted(p.stem for p in _bundled_dir().glob("*.toml")))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a bundled scenario by name, or a scenario file by path.

    Raises:
      ScenarioError: the name is unknown, the file is missing, not TOML, or has a wrong key
        or value; the message gives the file, the line number and the key.
    """
    path = Path(name_or_path)
    if path.suffix != ".toml" and not path.exists():
        bundled = _bundled_dir() / f"{name_or_path}.toml"
        if not bundled.is_file():
            raise ScenarioError(
                f"Unknown scenario {str(name_or_path)!r}; bundled scenarios: "
                f"{', '.join(list_scenarios())}, or pass a path to a .toml file"
            )
        path = bundled
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"Scenario file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"Cannot read scenario file {path}: {e}") from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: not valid TOML: {e}") from None
    return _build(data, source, path)


def _build(data: dict[str, Any], source: str, path: Path) -> Scenario:
    where = _Locator(source, path)
    _check_keys(data, _TOP_KEYS, where, None, 0)
    partner = data.get("partner", {})
    if not isinstance(partner, dict):
        raise where.error("partner", 0, None, "must be a table: [partner]")
    _check_keys(partner, _PARTNER_KEYS, where, "partner", 0)
    voice = _string(partner.get("voice", "en-us"), where, "partner", 0, "voice")
    speed = partner.get("speed_wpm", 110)
    if isinstance(speed, bool) or not isinstance(speed, int) or not 80 <= speed <= 450:
        raise where.error("partner", 0, "speed_wpm", f"must be a whole number 80-450, got {speed!r}")
    raw_lines = data.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise where.error(None, 0, "lines", "needs at least one [[lines]] table with text = \"...\"")
    lines = tuple(_line(item, i, where, path) for i, item in enumerate(raw_lines))
    raw_esc = data.get("escalations", [])
    if not isinstance(raw_esc, list):
        raise where.error(None, 0, "escalations", "must be [[escalations]] tables")
    escalations = tuple(_escalation(item, i, where, path) for i, item in enumerate(raw_esc))
    skills = data.get("skills", [])
    if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
        raise where.error(None, 0, "skills", f"must be a list of strings, got {skills!r}")
    return Scenario(
        name=_string(data.get("name", path.stem), where, None, 0, "name"),
        title=_string(data.get("title", path.stem), where, None, 0, "title"),
        description=_string(data.get("description", ""), where, None, 0, "description"),
        lines=lines,
        escalations=escalations,
        skills=tuple(skills),
        voice=voice,
        speed_wpm=speed,
        path=path,
    )


def _line(item: Any, i: int, where: _Locator, path: Path) -> PartnerLine:
    if not isinstance(item, dict):
        raise where.error("lines", i, None, "must be a table")
    _check_keys(item, _LINE_KEYS, where, "lines", i)
    if "text" not in item:
        raise where.error("lines", i, "text", "is missing: every line needs text = \"...\"")
    text = _string(item["text"], where, "lines", i, "text")
    if not text.strip():
        raise where.error("lines", i, "text", "is empty")
    wait = item.get("wait_s")
    if wait is not None and (isinstance(wait, bool) or not isinstance(wait, (int, float))
                             or wait <= 0):
        raise where.error("lines", i, "wait_s", f"must be a positive number, got {wait!r}")
    return PartnerLine(
        text=text,
        audio=_audio(item.get("audio"), where, "lines", i, path),
        emotion=_string(item.get("emotion", ""), where, "lines", i, "emotion"),
        wait_s=None if wait is None else float(wait),
    )


def _escalation(item: Any, i: int, where: _Locator, path: Path) -> Escalation:
    if not isinstance(item, dict):
        raise where.error("escalations", i, None, "must be a table")
    _check_keys(item, _ESCALATION_KEYS, where, "escalations", i)
    when = item.get("when")
    if when not in TRIGGERS:
        raise where.error(
            "escalations", i, "when", f"must be one of {', '.join(TRIGGERS)}; got {when!r}"
        )
    if "text" not in item:
        raise where.error("escalations", i, "text", "is missing")
    return Escalation(
        when=when,
        text=_string(item["text"], where, "escalations", i, "text"),
        audio=_audio(item.get("audio"), where, "escalations", i, path),
    )


def _audio(value: Any, where: _Locator, table: str, i: int, path: Path) -> Path | None:
    if value is None:
        return None
    name = _string(value, where, table, i, "audio")
    audio = (path.parent / name).resolve()
    if not audio.is_file():
        raise where.error(table, i, "audio", f"names {name!r} but {audio} does not exist")
    return audio


def _string(value: Any, where: _Locator, table: str | None, i: int, key: str) -> str:
    if not isinstance(value, str):
        raise where.error(table, i, key, f"must be a string, got {value!r}")
    return value


def _check_keys(
    data: dict[str, Any], valid: tuple[str, ...], where: _Locator, table: str | None, i: int
) -> None:
    for key in data:
        if key not in valid:
            raise where.error(table, i, key, f"is not a known key. Valid keys: {', '.join(valid)}")


class _Locator:
    """Find the line of ``key`` in the ``i``-th ``[[table]]`` (or the top level) of a TOML text."""

    def __init__(self, source: str, path: Path) -> None:
        self.lines = source.splitlines()
        self.path = path

    def line_of(self, table: str | None, i: int, key: str | None) -> int:
        start, seen = 0, -1
        if table is not None:
            header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(#.*)?$")
            for n, text in enumerate(self.lines):
                if header.match(text):
                    seen += 1
                    if seen == i:
                        start = n
                        break
        if key is None:
            return start + 1
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for n in range(start + (table is not None), len(self.lines)):
            if table is not None and n > start and self.lines[n].lstrip().startswith("["):
                break
            if table is None and self.lines[n].lstrip().startswith("["):
                break
            if pattern.match(self.lines[n]):
                return n + 1
        return start + 1

    def error(self, table: str | None, i: int, key: str | None, problem: str) -> ScenarioError:
        place = f"[[{table}]] #{i + 1}" if table in ("lines", "escalations") else (
            f"[{table}]" if table else "top level"
        )
        line = self.line_of(table, i, key)
        what = f"key {key!r}" if key else "table"
        return ScenarioError(f"{self.path}, line {line} ({place}): {what} {problem}")
