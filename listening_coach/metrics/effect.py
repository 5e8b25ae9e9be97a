"""The de-escalation effect: does the partner calm down after the trainee listens?

- :func:`partner_changes`: per exchange, ``effect.partner_*_change``: how the partner's next
  prompt differs from this one in pace, loudness and pitch (negative = calmer).
- :func:`effect_metrics`: session metrics comparing the partner's next line after *listening
  responses* (a reflection, validation, backchannel or effective pause in the exchange) with the
  partner's next line after the trainee's other responses.

The session metrics average the per-exchange changes per group:
``effect.after_listening_wpm_change``, ``effect.after_listening_loudness_change_db``,
``effect.after_other_wpm_change``, ``effect.after_other_loudness_change_db``, with the
exchanges as ``effect.listening_responses`` / ``effect.other_responses`` counts.
"""

from __future__ import annotations

import math

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

# per-exchange change: (the partner's measure per prompt, its change, how a change is computed)
PARTNER_MEASURES = (
    (MetricName.PACE_PARTNER_WPM, MetricName.EFFECT_PARTNER_WPM_CHANGE, 1),
    (MetricName.VOICE_PARTNER_LOUDNESS_DB, MetricName.EFFECT_PARTNER_LOUDNESS_CHANGE_DB, 1),
    (MetricName.VOICE_PARTNER_PITCH_MEDIAN_HZ, MetricName.EFFECT_PARTNER_PITCH_CHANGE_ST, 2),
)


def partner_changes(exchanges: tuple[Exchange, ...], metrics: tuple[Metric, ...]) -> tuple[Metric, ...]:
    """Return, per exchange with a next one, how the partner's next prompt differs from this one:
    words/min and dB as differences, pitch in semitones.

    Examples:
      >>> from listening_coach.testing import script
      >>> from listening_coach.turns import group_turns, pair_exchanges
      >>> lines = ("partner 0 I want it", "trainee 2 I hear you", "partner 4 Fine", "trainee 5 Ok")
      >>> ex = pair_exchanges(group_turns(script(*lines)))
      >>> pitch = MetricName.VOICE_PARTNER_PITCH_MEDIAN_HZ
      >>> hz = tuple(pitch.at(v, e.index) for e, v in zip(ex, (200.0, 100.0)))
      >>> [(m.name, m.value) for m in partner_changes(ex, hz)]
      [('effect.partner_pitch_change_st', -12.0)]
    """
    index = MetricIndex(metrics)
    out: list[Metric] = []
    for measure, change, digits in PARTNER_MEASURES:
        for ex, nxt in zip(exchanges, exchanges[1:]):
            now, after = index.value(measure, ex.index), index.value(measure, nxt.index)
            if now is None or after is None:
                continue
            if measure is MetricName.VOICE_PARTNER_PITCH_MEDIAN_HZ:
                value = 12 * math.log2(after / now) if now > 0 and after > 0 else math.nan
            else:
                value = after - now
            if math.isfinite(value):
                out.append(change.at(round(value, digits), ex.index))
    return tuple(out)


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
