"""Feedback families a coach expects per exchange, and a scorer of the feedback a session gave.

- :data:`CONCERNS`, :data:`PRAISE`: the families a role-play's truth names per exchange
  (``exchanges[k]["feedback"] = {"concerns": [...], "praise": [...]}``).
- Feedback codes map to families through ``listening_coach.feedback.FAMILIES`` (the feedback
  stage owns that table); a code that is itself a family name counts as that family.
- :func:`check_families`: refuse unknown family names in a script.
- :func:`family_of_feedback`, :func:`family_of_label`: what one item stands for (or None).
- :func:`score_feedback`: per family, how many expected items the session gave on the right
  exchange (recall; items beyond the report's budget, ``more=True``, do not count as given),
  what it detected there (labels, events and "more" items, whether or not it said so), and
  on exchanges with no scripted fault: the concerns it gave (shown or "more") and the
  criticisms shown (concerns and tips within the budget).

Exchanges are matched by time, not by index, so a session that splits or merges exchanges is
still scored: an item belongs to the truth exchange whose window holds the item's first
evidence word (or its session exchange's start); a truth exchange's window runs from its
first line to the next exchange's first line.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from listening_coach.feedback import FAMILIES as CODE_FAMILY
from listening_coach.types import TRAINEE, Event, Exchange, Feedback, Label

CONCERNS: tuple[str, ...] = (
    "interruption",  # the trainee takes the floor while the partner still speaks
    "command",  # "calm down", "you need to..."
    "blame_arguing",  # blaming or arguing with the partner's account
    "dismissive_but",  # "I understand, but..."
    "policy",  # hiding behind policy
    "threat",  # "or I will call security"
    "fast_answer",  # a hurried answer (well above 160 words/min)
    "no_response_to_emotion",  # an emotional line answered with facts or another subject
)
PRAISE: tuple[str, ...] = (
    "simple_reflection",
    "complex_reflection",
    "open_question",
    "validation",
    "affirmation",
    "effective_pause",
    "backchannel",
)
FAMILIES: tuple[str, ...] = CONCERNS + PRAISE
_FLAG_FAMILY = {"command": "command", "blame": "blame_arguing", "arguing": "blame_arguing",
                "dismissive_but": "dismissive_but", "policy": "policy", "threat": "threat"}


def check_families(families: Iterable[str], where: str) -> None:
    """Raise ValueError naming ``where`` if a family is not in :data:`FAMILIES`."""
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        raise ValueError(f"{where}: unknown feedback families {unknown}; use {', '.join(FAMILIES)}")


def family_of_feedback(item: Feedback) -> str | None:
    """The family a feedback item gives, from its ``code`` (None: not one of the families)."""
    if item.code in FAMILIES:
        return item.code
    family = CODE_FAMILY.get(item.code)
    return family if family in FAMILIES else None


def family_of_label(label: Label) -> set[str]:
    """The families a trainee language label shows (detected, whether or not fed back)."""
    out = {_FLAG_FAMILY[f] for f in label.flags if f in _FLAG_FAMILY}
    if label.label == "reflection" and label.subtype in ("simple", "complex"):
        out.add(f"{label.subtype}_reflection")
    if label.label == "question" and label.subtype == "open":
        out.add("open_question")
    if label.label in ("validation", "affirmation"):
        out.add(label.label)
    if "validation" in label.flags:
        out.add("validation")
    return out


@dataclass(frozen=True, slots=True)
class FamilyScore:
    """One family over a set of role-plays: expected items, given on the right exchange, detected."""

    family: str
    expected: int
    given: int
    detected: int

    @property
    def recall(self) -> float | None:
        return self.given / self.expected if self.expected else None

    @property
    def detected_recall(self) -> float | None:
        return self.detected / self.expected if self.expected else None


@dataclass(frozen=True, slots=True)
class FeedbackScore:
    """Per-family scores plus criticisms on exchanges that had no scripted fault."""

    families: tuple[FamilyScore, ...]
    clean_exchanges: int  # truth exchanges with no expected concern
    criticisms_on_clean: int  # concerns and tips shown on them (within the budget)
    concerns_on_clean: int  # concerns given on them, shown or under "more"

    @property
    def criticisms_per_clean_exchange(self) -> float | None:
        return self.criticisms_on_clean / self.clean_exchanges if self.clean_exchanges else None

    @property
    def concerns_per_clean_exchange(self) -> float | None:
        return self.concerns_on_clean / self.clean_exchanges if self.clean_exchanges else None

    def recall(self, kind: str) -> float | None:
        """Pooled recall of ``"concerns"`` or ``"praise"``."""
        names = CONCERNS if kind == "concerns" else PRAISE
        rows = [f for f in self.families if f.family in names]
        expected = sum(f.expected for f in rows)
        return sum(f.given for f in rows) / expected if expected else None

    def __add__(self, other: FeedbackScore) -> FeedbackScore:
        by = {f.family: f for f in self.families}
        merged = []
        for f in other.families:
            a = by.get(f.family, FamilyScore(f.family, 0, 0, 0))
            merged.append(FamilyScore(f.family, a.expected + f.expected, a.given + f.given,
                                      a.detected + f.detected))
        return FeedbackScore(
            tuple(merged),
            self.clean_exchanges + other.clean_exchanges,
            self.criticisms_on_clean + other.criticisms_on_clean,
            self.concerns_on_clean + other.concerns_on_clean,
        )


def empty_score() -> FeedbackScore:
    """A zero score to sum role-plays onto."""
    return FeedbackScore(tuple(FamilyScore(f, 0, 0, 0) for f in FAMILIES), 0, 0, 0)


def exchange_windows(truth: dict[str, Any]) -> list[float]:
    """Start time of each truth exchange (its first prompt or response line)."""
    out = []
    for ex in truth["exchanges"]:
        starts = [part["start"] for part in (ex["prompt"], ex["response"]) if part]
        out.append(min(starts))
    return out


def truth_exchange_at(starts: Sequence[float], t: float) -> int:
    """Index of the truth exchange whose window holds time ``t`` (the first one before it)."""
    return max(bisect.bisect_right(list(starts), t + 1e-6) - 1, 0)


def score_feedback(
    truth: dict[str, Any],
    feedback: Sequence[Feedback],
    exchanges: Sequence[Exchange] = (),
    labels: Sequence[Label] = (),
    events: Sequence[Event] = (),
) -> FeedbackScore:
    """Score one session's feedback against the truth's expected families.

    Args:
      truth: A role-play truth (``load_truth``) whose exchanges carry ``feedback``.
      feedback: The session's feedback; items without an exchange (session summary) are
        ignored.
      exchanges: The session's exchanges, to place items without evidence in time.
      labels, events: The session's language labels and events, for ``detected`` (what the
        pipeline saw, whether or not it gave feedback on it).

    Returns:
      A :class:`FeedbackScore`; add scores of several role-plays with ``+``.
    """
    starts = exchange_windows(truth)
    session_start = {ex.index: ex.start for ex in exchanges}
    expected = [ex.get("feedback", {"concerns": [], "praise": []}) for ex in truth["exchanges"]]
    given: list[set[str]] = [set() for _ in expected]
    detected: list[set[str]] = [set() for _ in expected]
    criticisms = [0] * len(expected)
    concerns = [0] * len(expected)
    for item in feedback:
        if item.exchange is None:
            continue
        t = item.evidence[0].start if item.evidence else session_start.get(item.exchange)
        if t is None:
            continue
        k = truth_exchange_at(starts, t)
        family = family_of_feedback(item)
        if family is not None:
            detected[k].add(family)
            if not item.more:
                given[k].add(family)
        criticisms[k] += item.level != "praise" and not item.more
        concerns[k] += item.level == "concern"
    for lab in labels:
        detected[truth_exchange_at(starts, lab.start)] |= family_of_label(lab)
    for e in events:
        if e.speaker == TRAINEE and e.kind in ("interruption", "backchannel"):
            detected[truth_exchange_at(starts, e.start)].add(e.kind)
        if e.kind == "effective_pause":
            detected[truth_exchange_at(starts, e.start)].add("effective_pause")
    rows = []
    for family in FAMILIES:
        kind = "concerns" if family in CONCERNS else "praise"
        want = [k for k, exp in enumerate(expected) if family in exp[kind]]
        rows.append(FamilyScore(family, len(want), sum(family in given[k] for k in want),
                                sum(family in detected[k] for k in want)))
    clean = [k for k, exp in enumerate(expected) if not exp["concerns"]]
    return FeedbackScore(tuple(rows), len(clean), sum(criticisms[k] for k in clean),
                         sum(concerns[k] for k in clean))
