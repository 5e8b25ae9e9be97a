"""Which items a trainee sees first: importance for de-escalation, and the budget.

- :data:`IMPORTANCE`: code -> weight; problems by how much they escalate (an interruption and
  escalating language first), praise by how much it de-escalates (reflections first).
- :data:`FAMILIES`: code -> the feedback family a coach would name (what the accuracy
  benchmark scores: ``bench/bench_accuracy.py``).
- :func:`budget`: per exchange the worst problem, then the best praise, up to
  ``max_items_per_exchange``; the rest are kept with ``more=True``. Praise for words said in
  the same answer turn as a concern (an interruption, escalating language) does not take a
  slot from a second problem: "it shows you heard them" cannot stand beside "you cut them off
  and hid behind policy" in one breath. The same for the session summary with
  ``max_session_items``, problems first.

A live drill shows only the first item of an exchange (one cue), which is the first item here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from listening_coach.types import Feedback, Turn

IMPORTANCE: dict[str, float] = {
    # per exchange, problems
    "interrupted": 100, "language_threat": 96, "language_command": 94, "language_blame": 92,
    "language_arguing": 91, "language_dismissive_but": 88, "language_policy": 86,
    "missed_emotion": 80, "mirrored_escalation": 76, "fast_answer": 70,
    "monologue": 60, "closed_question_run": 55, "quick_reply": 50,
    # per exchange, praise
    "good_complex_reflection": 60, "validation": 56, "good_simple_reflection": 52,
    "effective_pause": 50, "open_question": 46, "affirmation": 42, "backchannel": 38,
    "good_latency": 10,
    # session, problems
    "interruptions": 100, "escalating_language": 95, "missed_emotions": 80,
    "fast_stretches": 70, "talk_share": 60, "reflection_to_question_low": 55,
    "open_questions_low": 50, "fillers": 40,
    # session, praise
    "no_interruptions": 60, "deescalation_effect": 56, "reflection_to_question_good": 52,
    "complex_reflections_good": 48, "backchannels": 40, "pace": 30,
}
FAMILIES: dict[str, str] = {
    "interrupted": "interruption",
    "language_command": "command",
    "language_blame": "blame_arguing",
    "language_arguing": "blame_arguing",
    "language_dismissive_but": "dismissive_but",
    "language_policy": "policy",
    "language_threat": "threat",
    "fast_answer": "fast_answer",
    "missed_emotion": "no_response_to_emotion",
    "good_simple_reflection": "simple_reflection",
    "good_complex_reflection": "complex_reflection",
    "open_question": "open_question",
    "validation": "validation",
    "affirmation": "affirmation",
    "effective_pause": "effective_pause",
    "backchannel": "backchannel",
}


def _weight(item: Feedback) -> float:
    return IMPORTANCE.get(item.code, 0.0)


def _turn_of(item: Feedback, turns: tuple[Turn, ...]) -> int | None:
    """Index of the turn that holds the item's first evidence word, or None."""
    if not item.evidence:
        return None
    at = item.evidence[0].start
    return next((k for k, t in enumerate(turns) if t.start <= at <= t.end), None)


def budget(items: Iterable[Feedback], limit: int, turns: tuple[Turn, ...] = ()) -> list[Feedback]:
    """The worst problem, then the best praise, then the rest by importance; items past
    ``limit`` come back with ``more=True`` (still in order).

    ``turns`` (the exchange's answer turns): praise quoting a turn that also holds a
    concern's words is undercut by it, so a second problem comes before it."""
    items = list(items)
    problems = sorted((f for f in items if f.level != "praise"),
                      key=lambda f: (f.level != "concern", -_weight(f)))
    praise = sorted((f for f in items if f.level == "praise"), key=lambda f: -_weight(f))
    flawed = {_turn_of(f, turns) for f in problems if f.level == "concern"} - {None}
    whole = [f for f in praise if _turn_of(f, turns) not in flawed]
    first = problems[:1] + (whole[:1] if whole or not praise else problems[1:2] or praise[:1])
    rest = [f for f in problems + whole if not any(f is g for g in first)]
    rest += [f for f in praise if not any(f is g for g in first + rest)]
    ordered = first + rest
    return [f if k < limit else dataclasses.replace(f, more=True) for k, f in enumerate(ordered)]


def budget_session(items: Iterable[Feedback], limit: int) -> list[Feedback]:
    """Session items: problems (interruptions and escalating language first), then praise;
    items past ``limit`` come back with ``more=True``."""
    ordered = sorted(items, key=lambda f: (f.level == "praise", f.level != "concern", -_weight(f)))
    return [f if k < limit else dataclasses.replace(f, more=True) for k, f in enumerate(ordered)]
