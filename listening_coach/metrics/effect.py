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

from listening_coach.metrics.names import MetricIndex, MetricName
from listening_coach.types import Exchange, Metric

LISTENING_SIGNS = (
    MetricName.LANGUAGE_REFLECTIONS,
    MetricName.LANGUAGE_VALIDATIONS,
    MetricName.OVERLAP_BACKCHANNELS,
    MetricName.TIMING_EFFECTIVE_PAUSES,
)
CHANGES = (MetricName.EFFECT_PARTNER_WPM_CHANGE, MetricName.EFFECT_PARTNER_LOUDNESS_CHANGE_DB)
# per group: its count, and the mean of each of CHANGES after it
GROUPS: dict[str, tuple[MetricName, tuple[MetricName, MetricName]]] = {
    "listening": (
        MetricName.EFFECT_LISTENING_RESPONSES,
        (MetricName.EFFECT_AFTER_LISTENING_WPM_CHANGE, MetricName.EFFECT_AFTER_LISTENING_LOUDNESS_CHANGE_DB),
    ),
    "other": (
        MetricName.EFFECT_OTHER_RESPONSES,
        (MetricName.EFFECT_AFTER_OTHER_WPM_CHANGE, MetricName.EFFECT_AFTER_OTHER_LOUDNESS_CHANGE_DB),
    ),
}


def effect_metrics(exchanges: tuple[Exchange, ...], metrics: tuple[Metric, ...]) -> tuple[Metric, ...]:
    """Return the session's ``effect.after_*`` metrics; nothing when no change was measured."""
    index = MetricIndex(metrics)
    groups: dict[str, list[int]] = {group: [] for group in GROUPS}
    for ex in exchanges:
        if not ex.response or all(index.get(name, ex.index) is None for name in CHANGES):
            continue
        listened = any((index.value(sign, ex.index) or 0.0) > 0 for sign in LISTENING_SIGNS)
        groups["listening" if listened else "other"].append(ex.index)
    out: list[Metric] = []
    for group, indices in groups.items():
        if not indices:
            continue
        count, means = GROUPS[group]
        out.append(count.at(float(len(indices))))
        for name, mean_name in zip(CHANGES, means):
            changes = [v for i in indices if (v := index.value(name, i)) is not None]
            if changes:
                out.append(mean_name.at(round(sum(changes) / len(changes), 2)))
    return tuple(out)
