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
                                        config_from_dict({}).feedback) if f.code == "deescalation_effect"]
    assert len(summary) == 1 and summary[0].level == "praise"
    assert "3 dB quieter and 15 words/min slower" in summary[0].message


def test_a_small_average_change_is_no_feedback_only_a_metric() -> None:
    metrics = (
        Metric("language.reflections", 1.0, "count", 0),
        Metric("timing.effective_pauses", 1.0, "count", 2),
        Metric("effect.partner_wpm_change", 1.0, "words/min", 0),
        Metric("effect.partner_wpm_change", 1.0, "words/min", 2),
        Metric("effect.partner_loudness_change_db", -0.3, "dB", 0),
    )
    measured = effect_metrics(exchanges(), metrics)
    assert any(m.name == "effect.after_listening_wpm_change" for m in measured)
    feedback = give_feedback(exchanges(), (), metrics + measured, config_from_dict({}).feedback)
    assert not [f for f in feedback if f.code == "deescalation_effect"]


def test_nothing_without_measured_changes() -> None:
    assert effect_metrics(exchanges(), (Metric("language.reflections", 1.0, "count", 0),)) == ()


def _partner(i: int, db: float, hz: float, wpm: float) -> tuple[Metric, ...]:
    return (Metric("voice.partner_loudness_db", db, "dB", i),
            Metric("voice.partner_pitch_median_hz", hz, "Hz", i),
            Metric("pace.partner_wpm", wpm, "words/min", i))


BASELINE = _partner(0, -30.0, 200.0, 150.0) + _partner(1, -30.0, 200.0, 150.0)
FOLLOWED = (Metric("voice.loudness_vs_baseline_db", 4.0, "dB", 2),)


def _escalations(metrics: tuple[Metric, ...], config: dict | None = None) -> list:  # type: ignore[type-arg]
    return [f for f in give_feedback(exchanges(), (), metrics, config_from_dict(config or {}).feedback)
            if f.code == "mirrored_escalation"]


def test_following_an_escalation_is_a_tip_that_says_how_much_they_rose() -> None:
    # exchange 2: the partner 6 dB louder, 2 semitones higher (224.5 Hz) and 20% faster
    items = _escalations(BASELINE + _partner(2, -24.0, 224.5, 180.0) + FOLLOWED)
    assert len(items) == 1 and items[0].exchange == 2 and items[0].level == "tip"
    assert "(6 dB louder, 2.0 semitones higher, 20% faster than their first lines)" in items[0].message
    assert "you followed: 4 dB louder" in items[0].message
    names = {m.name for m in items[0].because}
    assert {"voice.partner_loudness_db", "voice.partner_pitch_median_hz", "pace.partner_wpm"} <= names


def test_no_escalation_claim_unless_loudness_pitch_and_pace_rise_together() -> None:
    # louder and faster than the line before, pitch flat: "Okay, please tell me what you need."
    flat_pitch = BASELINE + _partner(2, -24.0, 200.0, 180.0) + FOLLOWED + (
        Metric("effect.partner_loudness_change_db", 6.0, "dB", 1),
        Metric("effect.partner_wpm_change", 30.0, "words/min", 1),
    )
    assert _escalations(flat_pitch) == []
    calm_trainee = BASELINE + _partner(2, -24.0, 224.5, 180.0) + (
        Metric("voice.loudness_vs_baseline_db", -1.0, "dB", 2),)
    assert _escalations(calm_trainee) == []


def test_escalation_margins_come_from_the_config() -> None:
    rose = BASELINE + _partner(2, -24.0, 224.5, 180.0) + FOLLOWED
    assert _escalations(rose, {"feedback": {"escalation_pitch_st": 3.0}}) == []
    assert _escalations(rose, {"feedback": {"escalation_loudness_db": 7.0}}) == []
    assert len(_escalations(rose, {"feedback": {"escalation_pace_ratio": 1.2}})) == 1
