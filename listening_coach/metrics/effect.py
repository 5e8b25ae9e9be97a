"""The de-escalation effect: does the partner calm down after the trainee listens?

- :func:`effect_metrics`: session metrics comparing the partner's next line after *listening
  responses* (a reflection, validation, backchannel or effective pause in the exchange) with the
  partner's next line after the trainee's other responses.

Per exchange, ``effect.partner_*_change`` (from pace and voice metrics) is how the partner's
next prompt differs from this one; negative is calmer. This module averages them per group:
``effect.after_listening_wpm_change``, ``effect.after_listening_loudness_change_db``,
``effect.after_other_wpm_change``, ``effect.after_other_loudness_change_db``, with the
exchanges as ``effect.listening_responses`` / ``effect.other_responses`` counts.
"""

from __future__ import annotations

from listening_coach.types import Exchange, Metric

LISTENING_SIGNS = (
    "language.reflections",
    "language.validations",
    "overlap.backchannels",
    "timing.effective_pauses",
)
CHANGES = (
    ("effect.partner_wpm_change", "wpm_change", "words/min"),
    ("effect.partner_loudness_change_db", "loudness_change_db", "dB"),
)


def effect_metrics(exchanges: tuple[Exchange, ...], metrics: tuple[Metric, ...]) -> tuple[Metric, ...]:
    """Return the session's ``effect.after_*`` metrics; nothing when no change was measured."""
    value = {(m.name, m.exchange): m.value for m in metrics}
    groups: dict[str, list[int]] = {"listening": [], "other": []}
    for ex in exchanges:
        if not ex.response or not any((name, ex.index) in value for name, _, _ in CHANGES):
            continue
        listened = any(value.get((sign, ex.index), 0.0) > 0 for sign in LISTENING_SIGNS)
        groups["listening" if listened else "other"].append(ex.index)
    out: list[Metric] = []
    for group, indices in groups.items():
        if not indices:
            continue
        out.append(Metric(f"effect.{group}_responses", float(len(indices)), "count"))
        for name, suffix, unit in CHANGES:
            changes = [value[(name, i)] for i in indices if (name, i) in value]
            if changes:
                mean = round(sum(changes) / len(changes), 2)
                out.append(Metric(f"effect.after_{group}_{suffix}", mean, unit))
    return tuple(out)
