"""The drill partner's emotional state: what the trainee did moves it, the state picks the next line.

- :data:`DEFAULT_WEIGHTS`: how much each signal moves agitation (0-10); a scenario's
  ``[weights]`` overrides them (documented in docs/scenarios.md).
- :class:`Answer`: what the engine measured of the trainee's answer to one partner line.
- :func:`measure`: an :class:`Answer` -> the signals it shows, as :class:`Move` s.
- :class:`PartnerState`: agitation, the needs the trainee has addressed, the steps so far;
  :meth:`PartnerState.update` applies one answer, :meth:`PartnerState.choose` picks what the
  partner says next, :attr:`PartnerState.outcome` says whether the drill is over.

::

    line ──> trainee answers ──> measure: reflection -1.0, "but" +1.0, ... ──> agitation 7.0 -> 6.0
                                                   band "upset", first unmet need ──> next line

Signals come from the engine's own analysis (labels, flags, overlap events, timing, level),
never from keywords in this module, except the needs' words a scenario lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from listening_coach.types import Event, Label, Word

from listening_coach.live.scenario import (
    DEFAULT_WEIGHTS, LIMITS, PartnerLine, Reaction, Scenario, band_of,
)

SIGNAL_TEXT: dict[str, str] = {
    "reflection": "reflection", "feeling": "named the feeling", "validation": "validation",
    "open_question": "open question", "need": "addressed a need", "pause": "paused first",
    "backchannel": "backchannel", "apology": "apology", "interruption": "interrupted",
    "command": "command", "blame": "blame", "arguing": "argued", "threat": "threat",
    "dismissive_but": 'dismissive "but"', "policy": "hid behind policy",
    "fast": "spoke fast", "loud": "spoke loudly", "no_answer": "no answer",
}
FAST_WPM = 180.0
LOUD_DB = 6.0  # above the trainee's own earlier answers; or -6 dBFS on the first
PAUSE_S = (1.0, 4.0)
_FLAG_SIGNALS = ("command", "blame", "arguing", "threat", "dismissive_but", "policy", "apology",
                 "validation")
_STOP = frozenset("that this with have just what your they them there then than from were been "
                  "about would could should really even also into when here".split())


@dataclass(frozen=True, slots=True)
class Answer:
    """The trainee's answer to one partner line, as the engine measured it."""

    words: tuple[Word, ...]  # the trainee's words after the line started (barge-in included)
    labels: tuple[Label, ...]  # their language labels
    events: tuple[Event, ...]  # overlap/pause events the trainee did in that span
    line_text: str
    line_end: float  # when the partner's line ended (s)
    level_db: float | None = None  # the answer's speech level (dBFS)
    baseline_db: float | None = None  # the trainee's earlier answers (median, dBFS)


@dataclass(frozen=True, slots=True)
class Move:
    """One signal in an answer and how much it moved agitation; ``words`` are the trainee's."""

    signal: str
    delta: float
    words: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """One exchange of a drill: the partner's line, the answer, and the state before/after."""

    exchange: int
    line: str
    kind: str  # "line", "reaction"
    said: str  # the trainee's words
    before: float
    after: float
    moves: tuple[Move, ...]
    needs_met: tuple[str, ...]  # needs addressed in this exchange


def _content(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z']+", text.lower()) if len(w) >= 4 and w not in _STOP}


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    lowered = " " + " ".join(re.findall(r"[a-z0-9']+", text.lower())) + " "
    return any(f" {w}" in lowered for w in words)  # word or phrase prefix: "refund" ~ "refunds"


def measure(answer: Answer, scenario: Scenario, met: frozenset[str]) -> tuple[list[Move], list[str]]:
    """The signals in ``answer`` with their weights, and the needs it newly addressed."""
    from listening_coach.language.rules import FEELING_WORDS

    w = scenario.weight
    moves: list[Move] = []
    fired: set[str] = set()

    def add(signal: str, words: str, scale: float = 1.0) -> None:
        if signal not in fired:
            fired.add(signal)
            moves.append(Move(signal, round(w(signal) * scale, 3), words))

    heard = _content(answer.line_text) | set(FEELING_WORDS)
    new_needs: list[str] = []
    for label in answer.labels:
        flags = set(label.flags)
        for flag in _FLAG_SIGNALS:
            if flag in flags:
                add(flag, label.text)
        listening = label.label == "reflection" or "validation" in flags or (
            label.label == "question" and label.subtype == "open")
        if label.label == "reflection":
            carries = (label.fidelity or 0.0) >= 0.1 or "emotion_label" in flags or bool(
                _content(label.text) & heard)
            add("reflection", label.text, 1.0 if carries else 0.5)
        if "emotion_label" in flags:
            add("feeling", label.text)
        if label.label == "question" and label.subtype == "open":
            add("open_question", label.text)
        for need in scenario.needs:
            if listening and need.name not in met and need.name not in new_needs and _mentions(
                    label.text, need.words):
                new_needs.append(need.name)
                moves.append(Move("need", w("need"), f"{need.name}: {label.text}"))
    interruptions = [e for e in answer.events if e.kind == "interruption"]
    if interruptions:
        add("interruption", " ".join(x.text.strip() for x in interruptions[0].evidence))
    backchannels = [e for e in answer.events if e.kind == "backchannel"][:2]
    if backchannels:
        add("backchannel", ", ".join(" ".join(x.text.strip() for x in e.evidence)
                                     for e in backchannels), len(backchannels))
    floor = [x for x in answer.words if x.start >= answer.line_end - 0.05]
    said = " ".join(x.text.strip() for x in answer.words)
    if not answer.words:
        add("no_answer", "")
    elif floor and len(floor) == len(answer.words):
        latency = floor[0].start - answer.line_end
        paused = PAUSE_S[0] <= latency <= PAUSE_S[1]
        if paused or any(e.kind == "effective_pause" for e in answer.events):
            add("pause", f"{latency:.1f} s before: {floor[0].text.strip()}")
    if len(floor) >= 6 and floor[-1].end - floor[0].start >= 1.5:
        wpm = len(floor) / (floor[-1].end - floor[0].start) * 60
        if wpm > FAST_WPM:
            add("fast", f"{wpm:.0f} words/min")
    if answer.level_db is not None and (
            answer.level_db >= -6.0 or (answer.baseline_db is not None
                                        and answer.level_db - answer.baseline_db >= LOUD_DB)):
        add("loud", f"{answer.level_db:.0f} dBFS: {said[:60]}")
    return moves, new_needs


class PartnerState:
    """The partner during one drill: agitation, needs met, what was said, how it ended."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.agitation = scenario.agitation
        self.met: frozenset[str] = frozenset()
        self.steps: list[Step] = []
        self.said: list[str] = [scenario.opening.text]  # every line said so far, in order
        self._used_reactions: set[int] = set()
        self._last_moves: tuple[Move, ...] = ()

    @property
    def band(self) -> str:
        return band_of(self.agitation)

    @property
    def curve(self) -> tuple[float, ...]:
        """Agitation at the start and after each exchange."""
        return (self.scenario.agitation, *(s.after for s in self.steps))

    @property
    def needs_met(self) -> bool:
        """Has the trainee addressed every named need?"""
        return all(n.name in self.met for n in self.scenario.needs)

    @property
    def outcome(self) -> str | None:
        """``resolved`` (agitation at or below the goal and every need addressed),
        ``escalated`` (above the ceiling), ``unresolved`` (out of exchanges or lines), or None
        while the drill goes on. A linear scenario says all its lines first."""
        end, n = self.scenario.ending, len(self.steps)
        if self.scenario.linear:
            if n < len(self.scenario.lines):
                return None
        elif self.agitation <= end.goal and self.needs_met:
            return "resolved"
        elif self.agitation > end.ceiling:
            return "escalated"
        elif n < end.max_exchanges:
            return None
        return ("resolved" if self.agitation <= end.goal and self.needs_met else
                "escalated" if self.agitation > end.ceiling else "unresolved")

    def update(self, answer: Answer, *, line: str, kind: str) -> Step:
        """Apply the trainee's answer to the line ``line`` (what the partner just said)."""
        moves, new_needs = measure(answer, self.scenario, self.met)
        total = sum(m.delta for m in moves)
        limits = {**LIMITS, **dict(self.scenario.weights)}
        total = max(-abs(limits["max_drop"]), min(total, abs(limits["max_rise"])))
        before = self.agitation
        self.agitation = round(min(10.0, max(0.0, before + total)), 2)
        self.met = self.met | frozenset(new_needs)
        step = Step(len(self.steps), line, kind, " ".join(x.text.strip() for x in answer.words),
                    before, self.agitation, tuple(moves), tuple(new_needs))
        self.steps.append(step)
        self._last_moves = step.moves
        return step

    def choose(self) -> tuple[str, PartnerLine | Reaction | str] | None:
        """What the partner says next: ``("ending", text)``, ``("reaction", Reaction)``,
        ``("line", PartnerLine)``, or None (nothing left to say)."""
        outcome = self.outcome
        if outcome is not None:
            text = getattr(self.scenario.ending, outcome)
            return ("ending", text) if text else None
        for move in sorted(self._last_moves, key=lambda m: -abs(m.delta)):
            for i, reaction in enumerate(self.scenario.reactions):
                if i not in self._used_reactions and reaction.when == move.signal:
                    self._used_reactions.add(i)
                    self.said.append(reaction.text)
                    return "reaction", reaction
        line = self.peek(self.band)
        if line is None:
            return None
        self.said.append(line.text)
        return "line", line

    def peek(self, band: str) -> PartnerLine | None:
        """The line the partner would say next in ``band`` (without saying it)."""
        lines = self.scenario.lines
        unused = [ln for ln in lines[1:] if ln.text not in self.said]
        if self.scenario.linear:
            return unused[0] if unused else None
        focus = next((n.name for n in self.scenario.needs if n.name not in self.met), None)

        def score(line: PartnerLine) -> int:
            need = 4 if line.need == focus else 1 if line.need is None else 0
            return need + (2 if line.band == band else 0)

        fitting = [ln for ln in unused if ln.band in (band, None)]
        if focus is not None and not any(ln.need == focus for ln in fitting):
            fitting += [ln for ln in unused if ln.need == focus]  # voice the unmet need anyway
            if not any(ln.need == focus for ln in fitting):  # all said: say one again
                fitting += self._least_recent([ln for ln in lines[1:] if ln.need == focus])[:1]
        if not fitting:  # every line of this band said: repeat the least recent one
            again = self._least_recent([ln for ln in lines[1:] if ln.band in (band, None)])
            return again[0] if again else None
        return max(fitting, key=score)  # ties: the first in the file

    def _least_recent(self, lines: list[PartnerLine]) -> list[PartnerLine]:
        """``lines`` but the one just said, least recently said first."""
        last = {t: i for i, t in enumerate(self.said)}
        return sorted((ln for ln in lines if ln.text != self.said[-1]),
                      key=lambda ln: last.get(ln.text, -1))


__all__ = ["Answer", "DEFAULT_WEIGHTS", "LIMITS", "Move", "PartnerState", "SIGNAL_TEXT", "Step",
           "measure"]
