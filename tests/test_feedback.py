"""Feedback: few items per exchange, each quoting its evidence and naming its number."""

from __future__ import annotations

import dataclasses

from listening_coach.config import DEFAULT_CONFIG, config_from_dict
from listening_coach.feedback import clock
from listening_coach.pipeline import analyze_words
from listening_coach.testing import script

RULES_ONLY = config_from_dict({"language": {"use_model": False}})


def test_interruption_is_a_concern_quoting_the_words_and_time() -> None:
    session = analyze_words(
        script(
            "partner 0.0 and then they told me that I",
            "trainee 62.0 let me stop you there sir",
            "partner 60.0 @150 and then they told me that I would have to wait",
        ),
        RULES_ONLY,
    )
    concerns = [f for f in session.feedback if f.code == "interrupted"]
    assert len(concerns) == 1
    item = concerns[0]
    assert item.level == "concern" and item.exchange is not None
    assert "01:02" in item.message and "let me stop" in item.message
    assert item.evidence[0].text == " let"
    assert item.because[0].name == "overlap.interruptions"


def test_at_most_max_items_per_exchange_problem_first_then_praise() -> None:
    words = script(
        "partner 0.0 I have been waiting for hours and nobody has told me anything",
        "trainee 1.0 mm-hm",
        "trainee 5.2 @210 okay so what I need you to do right now is take a seat and wait",
    )
    session = analyze_words(words, RULES_ONLY)
    per_exchange = [f for f in session.feedback if f.exchange == 0]
    assert 1 <= len(per_exchange) <= DEFAULT_CONFIG.feedback.max_items_per_exchange
    assert per_exchange[0].level in ("concern", "tip")
    assert any(f.level == "praise" for f in per_exchange)
    fewer = dataclasses.replace(
        RULES_ONLY, feedback=dataclasses.replace(RULES_ONLY.feedback, max_items_per_exchange=1)
    )
    assert len([f for f in analyze_words(words, fewer).feedback if f.exchange == 0]) == 1


def test_session_summary_counts_interruptions_and_talk_share() -> None:
    session = analyze_words(
        script(
            "partner 0.0 I am so angry about this",
            "trainee 3.5 you are angry",
            "partner 5.5 yes I am",
        ),
        RULES_ONLY,
    )
    summary = {f.code: f for f in session.feedback if f.exchange is None}
    assert summary["no_interruptions"].level == "praise"
    assert "%" in summary["talk_share"].message


def test_trainee_alone_gets_no_listening_summary() -> None:
    session = analyze_words(
        script("trainee 0.0 @130 I hear you and I want to understand what happened"), RULES_ONLY
    )
    codes = {f.code for f in session.feedback if f.exchange is None}
    assert "talk_share" not in codes and "no_interruptions" not in codes
    assert "pace" in codes


def test_clock() -> None:
    assert clock(0.4) == "00:00"
    assert clock(59.6) == "00:59"  # truncated, as a player's position shows it
    assert clock(3600.0) == "1:00:00"


def test_docstring_examples() -> None:
    import doctest

    import listening_coach.feedback as module

    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_a_second_concern_outranks_praise() -> None:
    session = analyze_words(script(
        "partner 0.0 and now you will tell me there is some policy",  # 0-4.0 s
        "trainee 2.8 @130 let me stop you there because our policy says seven working days",
    ), RULES_ONLY)
    items = [f for f in session.feedback if f.exchange == 0]
    assert [f.level for f in items] == ["concern", "concern"]
    assert items[0].code == "interrupted"
    assert items[1].code.startswith("language_")  # "let me stop you" (command), policy
