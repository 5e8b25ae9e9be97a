"""The de-escalation effect: the partner's next line after listening vs other responses."""

from __future__ import annotations

import pytest

from listening_coach.config import config_from_dict
from listening_coach.feedback import give_feedback
from listening_coach.metrics.effect import effect_metrics
from listening_coach.testing import script
from listening_coach.turns import group_turns, pair_exchanges
from listening_coach.types import Metric


def exchanges():  # type: ignore[no-untyped-def]
    return pair_exchanges(group_turns(script(
        "partner 0.0 you people never listen", "trainee 3.0 you feel nobody listens",
        "partner 6.0 exactly and it has been weeks", "trainee 9.0 calm down please",
        "partner 12.0 do not tell me to calm down", "trainee 15.0 it has been weeks",
        "partner 18.0 yes it has",
    )))


def test_changes_are_averaged_per_group() -> None:
    metrics = (
        Metric("language.reflections", 1.0, "count", 0),
        Metric("timing.effective_pauses", 1.0, "count", 2),
        Metric("effect.partner_wpm_change", -20.0, "words/min", 0),
        Metric("effect.partner_wpm_change", 30.0, "words/min", 1),
        Metric("effect.partner_wpm_change", -10.0, "words/min", 2),
        Metric("effect.partner_loudness_change_db", -3.0, "dB", 0),
        Metric("effect.partner_loudness_change_db", 4.0, "dB", 1),
    )
    result = {m.name: m.value for m in effect_metrics(exchanges(), metrics)}
    assert result == {
        "effect.listening_responses": 2.0,
        "effect.after_listening_wpm_change": pytest.approx(-15.0),
        "effect.after_listening_loudness_change_db": pytest.approx(-3.0),
        "effect.other_responses": 1.0,
        "effect.after_other_wpm_change": pytest.approx(30.0),
        "effect.after_other_loudness_change_db": pytest.approx(4.0),
    }
    summary = [f for f in give_feedback(exchanges(), (), metrics + effect_metrics(exchanges(), metrics),
                                        config_from_dict({})) if f.code == "deescalation_effect"]
    assert len(summary) == 1 and summary[0].level == "praise"
    assert "3.0 dB quieter and 15 words/min slower" in summary[0].message
    assert "+4.0 dB, +30 words/min" in summary[0].message


def test_nothing_without_measured_changes() -> None:
    assert effect_metrics(exchanges(), (Metric("language.reflections", 1.0, "count", 0),)) == ()


def test_following_an_escalation_is_a_tip() -> None:
    exs = exchanges()
    metrics = (
        Metric("effect.partner_loudness_change_db", 5.0, "dB", 0),  # partner louder in exchange 1
        Metric("voice.loudness_vs_baseline_db", 4.0, "dB", 1),  # and so was the trainee
        Metric("pace.wpm_vs_baseline", 1.3, "ratio", 1),
    )
    config = config_from_dict({})
    items = [f for f in give_feedback(exs, (), metrics, config) if f.code == "mirrored_escalation"]
    assert len(items) == 1 and items[0].exchange == 1
    assert "4 dB louder and 30% faster" in items[0].message
    calm = metrics[:1] + (Metric("voice.loudness_vs_baseline_db", -1.0, "dB", 1),)
    assert not [f for f in give_feedback(exs, (), calm, config) if f.code == "mirrored_escalation"]


def test_partner_speeding_up_counts_as_escalation_from_the_configured_rate() -> None:
    metrics = (
        Metric("effect.partner_wpm_change", 20.0, "words/min", 0),  # partner 20 wpm faster
        Metric("pace.wpm_vs_baseline", 1.3, "ratio", 1),  # trainee followed
    )
    default = give_feedback(exchanges(), (), metrics, config_from_dict({}))
    assert [f.exchange for f in default if f.code == "mirrored_escalation"] == [1]
    strict = config_from_dict({"feedback": {"escalation_wpm": 25.0}})
    assert not [f for f in give_feedback(exchanges(), (), metrics, strict)
                if f.code == "mirrored_escalation"]
