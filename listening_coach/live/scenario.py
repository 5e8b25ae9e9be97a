"""Drill scenarios: a partner with an agitation level and needs, and what they say in each state.

- :class:`Scenario`: a whole drill, loaded from TOML
  (:func:`listening_coach.live.scenario_file.load_scenario`).
- :class:`PartnerLine`: one line, for a state band (``calm``/``upset``/``angry``) and a need.
- :class:`Reaction`: what the partner says once when the trainee does ``when`` (a signal).
- :class:`Need`, :class:`Ending`: the partner's named needs; when the drill ends and how.
- :data:`DEFAULT_WEIGHTS` / :data:`LIMITS`: how much each signal moves agitation unless a
  scenario file says otherwise, and the most it moves per exchange.

The format is documented for coaches in ``docs/scenarios.md``; errors name the file, the line,
the key and the fix (the checks live in :mod:`listening_coach.live.scenario_file`). A file whose
lines have no ``band`` is a *linear* scenario: its lines are said in order, whatever the state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from listening_coach.errors import ConfigError

BANDS: tuple[str, ...] = ("calm", "upset", "angry")
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")


DEFAULT_WEIGHTS: dict[str, float] = {
    # calming (negative): listening that works
    "reflection": -1.0,  # a reflection carrying the partner's words or feelings (half without)
    "feeling": -0.5,  # the partner's feeling named
    "validation": -1.0,  # "that makes sense", "anyone would be upset"
    "open_question": -0.5,
    "need": -1.0,  # a reflection, validation or open question about a need not yet addressed
    "pause": -0.5,  # waited 1-4 s before answering, without talking over the line
    "backchannel": -0.3,  # per "mm-hm" while the partner talks (at most two count)
    "apology": -0.3,
    # agitating (positive)
    "interruption": 1.5,
    "command": 2.0,  # "calm down", "you need to"
    "blame": 1.5,
    "arguing": 1.5,
    "threat": 2.5,
    "dismissive_but": 1.0,
    "policy": 1.0,  # hiding behind policy: "nothing I can do"
    "fast": 0.5,  # the answer ran faster than FAST_WPM
    "loud": 0.5,  # the answer was LOUD_DB louder than the trainee's earlier ones
    "no_answer": 0.5,  # the partner waited and nothing came
}
LIMITS: dict[str, float] = {"max_drop": 2.5, "max_rise": 2.5}  # per exchange


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
        return dict(self.weights).get(signal, DEFAULT_WEIGHTS.get(signal, 0.0))


__all__ = ["BANDS", "DEFAULT_WEIGHTS", "DIFFICULTIES", "Ending", "LIMITS", "Need", "PartnerLine",
           "Reaction", "Scenario", "ScenarioError", "band_of"]
