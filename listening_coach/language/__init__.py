"""Reflective language: code each trainee utterance like an MI coder, offline.

Public API (what the pipeline calls):

- :func:`label_exchanges`: exchanges -> one :class:`~listening_coach.types.Label` per trainee
  sentence (reflection simple/complex, question open/closed, information, advice,
  affirmation, validation, other, unknown), with de-escalation flags and reflection fidelity.
- :func:`language_metrics`: labels -> ``language.*`` metrics per exchange and per session,
  with the MITI indicators.
- :func:`language_feedback`: labels and metrics -> praise, tips and concerns, with a
  suggested reflection built from the partner's words.
- :func:`label_text`: one utterance and its context -> a ``Label`` (no times).

The trained model (``model.py``, weights in ``listening_coach/models``) decides the MI
behaviour; the rules (``rules.py``) add flags and the labels AnnoMI does not code.
"""

from __future__ import annotations

from listening_coach.language.advice import language_feedback
from listening_coach.language.labelling import label_exchanges, label_text, split_utterances
from listening_coach.language.metrics import language_metrics, miti_level
from listening_coach.language.rules import ESCALATING_FLAGS, FLAGS, SKILL_FLAGS, apply_rules
from listening_coach.language.suggest import suggest_reflection

__all__ = [
    "ESCALATING_FLAGS",
    "FLAGS",
    "SKILL_FLAGS",
    "apply_rules",
    "label_exchanges",
    "label_text",
    "language_feedback",
    "language_metrics",
    "miti_level",
    "split_utterances",
    "suggest_reflection",
]
