"""Scenario files: TOML -> :class:`~listening_coach.live.scenario.Scenario`, with errors that name the fix.

- :func:`load_scenario`: a bundled scenario by name, or a scenario file by path.
- :func:`parse_scenario`: TOML text -> scenario.
- :func:`list_scenarios`: the bundled scenarios in ``listening_coach/live/scenarios``.
- :func:`build`: check every table and key of a parsed scenario file and build the scenario.

Every error names the file, the line, the table (``[[lines]] #3``), the key, what is wrong and
what to write instead; a misspelt key or value suggests the closest valid one.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

from listening_coach.paths import refuse_special
from listening_coach.live.scenario import (
    BANDS, DEFAULT_WEIGHTS, DIFFICULTIES, LIMITS, Ending, Need, PartnerLine, Reaction, Scenario,
    ScenarioError,
)

_TOP = ("name", "title", "description", "difficulty", "skills", "partner", "needs", "lines",
        "reactions", "ending", "weights")
_PARTNER = ("persona", "voice", "speed_wpm", "agitation")
_NEED = ("name", "words")
_LINE = ("text", "band", "need", "audio", "emotion", "wait_s")
_REACTION = ("when", "text", "audio")
_ENDING = ("goal", "ceiling", "max_exchanges", "resolved", "escalated", "unresolved")
_ARRAYS = ("needs", "lines", "reactions")


def _hint(value: object, valid: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(value), valid, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Locator:
    """Find the line of ``key`` in the ``i``-th ``[[table]]`` / ``[table]`` (or the top level)."""

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
            if self.lines[n].lstrip().startswith("["):
                break
            if pattern.match(self.lines[n]):
                return n + 1
        return start + 1

    def error(self, table: str | None, i: int, key: str | None, problem: str) -> ScenarioError:
        place = f"[[{table}]] #{i + 1}" if table in _ARRAYS else (
            f"[{table}]" if table else "top level")
        what = f"key {key!r}" if key else "table"
        return ScenarioError(f"{self.path}, line {self.line_of(table, i, key)} ({place}): "
                             f"{what} {problem}")


class _Table:
    """One table of the file, with typed getters that raise located errors."""

    def __init__(self, data: Any, where: _Locator, table: str | None, i: int,
                 valid: tuple[str, ...]) -> None:
        if not isinstance(data, dict):
            form = f"[[{table}]]" if table in _ARRAYS else f"[{table}]"
            raise where.error(table, i, None, f"must be a table: write it as {form}")
        for key in data:
            if key not in valid:
                raise where.error(table, i, key, f"is not a known key{_hint(key, valid)}. "
                                  f"Valid keys: {', '.join(valid)}")
        self.data, self.where, self.table, self.i = data, where, table, i

    def fail(self, key: str | None, problem: str) -> ScenarioError:
        return self.where.error(self.table, self.i, key, problem)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            raise self.fail(key, f'is missing: add {key} = "..."')
        if not isinstance(value, str):
            raise self.fail(key, f'must be text in quotes, e.g. {key} = "...", got {value!r}')
        return value

    def number(self, key: str, default: float, lo: float, hi: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            raise self.fail(key, f"must be a number from {lo:g} to {hi:g}, got {value!r}")
        return float(value)

    def whole(self, key: str, default: int, lo: int, hi: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(key, f"must be a whole number from {lo} to {hi}, got {value!r}")
        return value

    def choice(self, key: str, valid: tuple[str, ...], default: str | None) -> str | None:
        value = self.data.get(key, default)
        if value is not None and value not in valid:
            raise self.fail(key, f"must be one of {', '.join(valid)}; got {value!r}"
                            f"{_hint(value, valid)}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, f'must be a list of words in quotes, e.g. {key} = ["a", "b"], '
                            f"got {value!r}")
        return tuple(v.strip() for v in value)

    def audio(self, path: Path) -> Path | None:
        if "audio" not in self.data:
            return None
        name = self.text("audio")
        audio = (path.parent / name).resolve()
        if not audio.is_file():
            raise self.fail("audio", f"names {name!r} but {audio} does not exist: put the file "
                            "next to the scenario or remove the key (the line is then synthesized)")
        return audio


def _array(data: dict[str, Any], key: str, where: _Locator) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise where.error(None, 0, key, f"must be written as [[{key}]] tables")
    return value


def build(data: dict[str, Any], source: str, path: Path) -> Scenario:
    """Check a parsed scenario file and build the :class:`Scenario` (see docs/scenarios.md)."""
    where = _Locator(source, path)
    top = _Table(data, where, None, 0, _TOP)
    partner = _Table(data.get("partner", {}), where, "partner", 0, _PARTNER)
    needs = _needs(data, where)
    lines = _lines(data, where, tuple(n.name for n in needs), path)
    reactions = _reactions(data, where, path)
    e = _Table(data.get("ending", {}), where, "ending", 0, _ENDING)
    ending = _ending(e)
    agitation = partner.number("agitation", 6.0, 0.0, 10.0)
    if not ending.goal < agitation <= ending.ceiling:
        raise partner.fail("agitation", f"({agitation:g}) must lie above [ending] goal "
                           f"({ending.goal:g}) and at most ceiling ({ending.ceiling:g}), or the "
                           "drill is over before it starts")
    w = _Table(data.get("weights", {}), where, "weights", 0, (*DEFAULT_WEIGHTS, *LIMITS))
    weights = tuple((k, w.number(k, 0.0, -10.0, 10.0)) for k in w.data)
    scenario = Scenario(
        name=top.text("name", path.stem), title=top.text("title", path.stem),
        description=top.text("description", ""),
        difficulty=top.choice("difficulty", DIFFICULTIES, "medium") or "medium",
        skills=top.strings("skills"), persona=partner.text("persona", ""),
        voice=partner.text("voice", "en-us"),
        speed_wpm=partner.whole("speed_wpm", 110, 80, 450), agitation=agitation,
        needs=needs, lines=lines, reactions=reactions, ending=ending,
        weights=weights, path=path)
    if not scenario.linear:
        for band in BANDS:
            if not any(line.band in (band, None) for line in scenario.lines[1:]):
                raise where.error(None, 0, "lines", f"has no line for the {band!r} band: add a "
                                  f'[[lines]] table with band = "{band}" (or one without a band)')
    return scenario


def _needs(data: dict[str, Any], where: _Locator) -> tuple[Need, ...]:
    """The ``[[needs]]`` tables: each need's name and the words a trainee would use about it."""
    needs = []
    for i, item in enumerate(_array(data, "needs", where)):
        t = _Table(item, where, "needs", i, _NEED)
        words = t.strings("words")
        if not words:
            raise t.fail("words", 'needs at least one word a trainee would use about it, '
                         'e.g. words = ["refund", "money back"]')
        needs.append(Need(t.text("name"), tuple(w.lower() for w in words)))
    return tuple(needs)


def _lines(
    data: dict[str, Any], where: _Locator, need_names: tuple[str, ...], path: Path
) -> tuple[PartnerLine, ...]:
    """The ``[[lines]]`` tables (at least one): what the partner says, in which band."""
    raw_lines = _array(data, "lines", where)
    if not raw_lines:
        raise where.error(None, 0, "lines", 'needs at least one [[lines]] table with text = "..."')
    lines = []
    for i, item in enumerate(raw_lines):
        t = _Table(item, where, "lines", i, _LINE)
        text = t.text("text")
        if not text.strip():
            raise t.fail("text", "is empty: write what the partner says")
        need = t.data.get("need")
        if need is not None and need not in need_names:
            raise t.fail("need", f"is {need!r}, which no [[needs]] table names"
                         f"{_hint(need, need_names)}; needs: {', '.join(need_names) or 'none'}")
        wait = t.data.get("wait_s")
        lines.append(PartnerLine(
            text=text, band=t.choice("band", BANDS, None), need=need, audio=t.audio(path),
            emotion=t.text("emotion", ""),
            wait_s=None if wait is None else t.number("wait_s", 8.0, 0.5, 60.0)))
    return tuple(lines)


def _reactions(data: dict[str, Any], where: _Locator, path: Path) -> tuple[Reaction, ...]:
    """The ``[[reactions]]`` tables: what the partner says when the trainee does something."""
    signals = tuple(DEFAULT_WEIGHTS)
    reactions = []
    for i, item in enumerate(_array(data, "reactions", where)):
        t = _Table(item, where, "reactions", i, _REACTION)
        when = t.choice("when", signals, None)
        if when is None:
            raise t.fail("when", f"is missing: add when = \"command\" (one of {', '.join(signals)})")
        reactions.append(Reaction(when, t.text("text"), t.audio(path)))
    return tuple(reactions)


def _ending(e: _Table) -> Ending:
    """The ``[ending]`` table: agitation goal and ceiling, the exchange limit, closing lines."""
    ending = Ending(goal=e.number("goal", 2.0, 0.0, 10.0), ceiling=e.number("ceiling", 9.0, 0.0, 10.0),
                    max_exchanges=e.whole("max_exchanges", 8, 1, 50),
                    resolved=e.text("resolved", ""), escalated=e.text("escalated", ""),
                    unresolved=e.text("unresolved", ""))
    if ending.goal >= ending.ceiling:
        raise e.fail("goal", f"({ending.goal:g}) must be below ceiling ({ending.ceiling:g})")
    return ending


__all__ = ["build"]


def _bundled_dir() -> Path:
    return Path(__file__).resolve().parent / "scenarios"


def list_scenarios() -> tuple[str, ...]:
    """Return the names of the bundled scenarios."""
    return tuple(sorted(p.stem for p in _bundled_dir().glob("*.toml")))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a bundled scenario by name, or a scenario file by path.

    Raises:
      ScenarioError: the name is unknown, the file is missing, not TOML, or has a wrong key
        or value; the message gives the file, the line number, the key and the fix.
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
    refuse_special(path, "a scenario .toml file", ScenarioError)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"Scenario file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"Cannot read scenario file {path}: {e}") from None
    return parse_scenario(source, path)


def parse_scenario(source: str, path: Path) -> Scenario:
    """Build a scenario from TOML text (``path`` names it in errors and anchors ``audio``)."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: not valid TOML: {e}; check quotes and brackets there") from None
    return build(data, source, path)
