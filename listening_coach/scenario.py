"""Drill scenarios: a partner with an agitation level and needs, and what they say in each state.

- :class:`Scenario`: a whole drill, loaded from TOML (:func:`load_scenario`).
- :class:`PartnerLine`: one line, for a state band (``calm``/``upset``/``angry``) and a need.
- :class:`Reaction`: what the partner says once when the trainee does ``when`` (a signal).
- :class:`Need`, :class:`Ending`: the partner's named needs; when the drill ends and how.
- :func:`list_scenarios`: the bundled scenarios in ``listening_coach/scenarios``.

The format is documented for coaches in ``docs/scenarios.md``; errors name the file, the line,
the key and the fix (the checks live in :mod:`listening_coach.scenario_file`). A file whose
lines have no ``band`` is a *linear* scenario: its lines are said in order, whatever the state.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from listening_coach.errors import ConfigError

BANDS: tuple[str, ...] = ("calm", "upset", "angry")
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")


class ScenarioError(ConfigError):
    """A scenario file is missing or malformed; the message names the file, line, key and fix."""


def band_of(agitation: float) -> str:
    """The state band of an agitation level: angry >= 7, upset >= 4, calm below.

    Examples:
      >>> band_of(7.0), band_of(5.5), band_of(3.9)
      ('angry', 'upset', 'calm')
    """
    return "angry" if agitation >= 7.0 else "upset" if agitation >= 4.0 else "calm"


@dataclass(frozen=True, slots=True)
class Need:
    """A named need; ``words`` are what a trainee's reflection or question about it contains."""

    name: str
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PartnerLine:
    """One line; ``band``/``need`` None fit any band/need; ``audio`` None is synthesized."""

    text: str
    band: str | None = None
    need: str | None = None
    audio: Path | None = None
    emotion: str = ""
    wait_s: float | None = None  # how long to wait for an answer (None: live.answer_timeout_s)


@dataclass(frozen=True, slots=True)
class Reaction:
    """What the partner says (once) right after the trainee does ``when`` (a signal name)."""

    when: str
    text: str
    audio: Path | None = None


@dataclass(frozen=True, slots=True)
class Ending:
    """Resolved at or below ``goal``, escalated above ``ceiling``, else over after
    ``max_exchanges``; each outcome's last line (empty: none)."""

    goal: float = 2.0
    ceiling: float = 9.0
    max_exchanges: int = 8
    resolved: str = ""
    escalated: str = ""
    unresolved: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A drill: the partner (start agitation, needs), lines per state, reactions, ending."""

    name: str
    title: str
    lines: tuple[PartnerLine, ...]
    reactions: tuple[Reaction, ...] = ()
    needs: tuple[Need, ...] = ()
    ending: Ending = field(default_factory=Ending)
    weights: tuple[tuple[str, float], ...] = ()  # overrides of partner.DEFAULT_WEIGHTS
    agitation: float = 6.0  # at the start, 0-10
    skills: tuple[str, ...] = ()
    description: str = ""
    persona: str = ""
    difficulty: str = "medium"
    voice: str = "en-us"  # espeak-ng voice (the fallback when the neural voice is missing)
    speed_wpm: int = 110
    path: Path | None = None

    @property
    def linear(self) -> bool:
        """No line names a band: the lines are said in order."""
        return all(line.band is None for line in self.lines)

    @property
    def opening(self) -> PartnerLine:
        return self.lines[0]

    def weight(self, signal: str) -> float:
        """The agitation change for ``signal``: the file's value, else the documented default."""
        from listening_coach.partner import DEFAULT_WEIGHTS

        return dict(self.weights).get(signal, DEFAULT_WEIGHTS.get(signal, 0.0))


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
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"Scenario file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"Cannot read scenario file {path}: {e}") from None
    return parse_scenario(source, path)


def parse_scenario(source: str, path: Path) -> Scenario:
    """Build a scenario from TOML text (``path`` names it in errors and anchors ``audio``)."""
    from listening_coach.scenario_file import build

    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: not valid TOML: {e}; check quotes and brackets there") from None
    return build(data, source, path)


__all__ = ["BANDS", "DIFFICULTIES", "Ending", "Need", "PartnerLine", "Reaction", "Scenario",
           "ScenarioError", "band_of", "list_scenarios", "load_scenario", "parse_scenario"]
