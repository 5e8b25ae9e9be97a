"""Words -> turns -> exchanges, from scripted words."""

from __future__ import annotations

import pytest

from listening_coach.config import TurnOptions
from listening_coach.testing import script
from listening_coach.turns import group_turns, is_backchannel_text, pair_exchanges


def texts(turns):  # type: ignore[no-untyped-def]
    return [(t.speaker, t.backchannel, t.text) for t in turns]


def test_backchannel_inside_partner_turn_does_not_split_it() -> None:
    words = script(
        "partner 0.0 I waited two hours on the phone today",
        "trainee 1.2 mm-hm",
        "partner 3.5 and nobody called me back",
        "trainee 6.3 that sounds really frustrating",
    )
    turns = group_turns(words)
    assert texts(turns) == [
        ("partner", False, "I waited two hours on the phone today and nobody called me back"),
        ("trainee", True, "mm-hm"),
        ("trainee", False, "that sounds really frustrating"),
    ]
    (exchange,) = pair_exchanges(turns)
    assert [t.text for t in exchange.backchannels] == ["mm-hm"]
    assert exchange.response_latency == pytest.approx(6.3 - 5.5, abs=1e-6)  # last word 5.1-5.5


def test_other_speaker_floor_words_split_a_turn_even_in_a_short_gap() -> None:
    words = script(
        "trainee 0.0 so what happened",
        "partner 1.3 he left",
        "trainee 2.2 and then what",
    )
    turns = group_turns(words)
    assert [t.speaker for t in turns] == ["trainee", "partner", "trainee"]


def test_a_long_silence_stays_inside_a_turn_when_nobody_else_speaks() -> None:
    words = script("partner 0.0 I just", "partner 4.0 do not know", "trainee 6.0 take your time")
    turns = group_turns(words)
    assert texts(turns)[0] == ("partner", False, "I just do not know")


def test_trainee_alone_is_split_into_exchanges_at_close_after_s() -> None:
    words = script("trainee 0.0 how are you", "trainee 5.0 tell me more", "trainee 6.5 about it")
    exchanges = pair_exchanges(group_turns(words, TurnOptions(close_after_s=3.0)))
    assert [[t.text for t in ex.response] for ex in exchanges] == [["how are you"], ["tell me more about it"]]
    assert all(ex.prompt == () and ex.response_latency is None for ex in exchanges)


def test_exchanges_pair_prompts_with_following_responses() -> None:
    words = script(
        "trainee 0.0 hello how can I help",
        "partner 2.0 my card was charged twice",
        "trainee 4.5 charged twice",
        "trainee 6.5 that is annoying",
        "partner 8.5 yes it is",
    )
    exchanges = pair_exchanges(group_turns(words))
    assert [(len(ex.prompt), len(ex.response)) for ex in exchanges] == [(0, 1), (1, 1), (1, 0)]
    assert exchanges[1].response[0].text == "charged twice that is annoying"


def test_minimal_answer_after_the_partner_finished_is_a_response_not_a_backchannel() -> None:
    words = script("partner 0.0 are you even listening to me", "trainee 3.0 yes")
    turns = group_turns(words)
    assert texts(turns)[1] == ("trainee", False, "yes")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("trainee 0.0 mm-hm", True),
        ("trainee 0.0 I see", True),
        ("trainee 0.0 Right.", True),
        ("trainee 0.0 yeah okay sure", False),
        ("trainee 0.0 calm down", False),
    ],
    ids=["mm-hm", "i-see", "punctuated", "three-words", "not-lexicon"],
)
def test_backchannel_lexicon(line: str, expected: bool) -> None:
    assert is_backchannel_text(script(line), TurnOptions()) is expected


def test_words_without_speaker_are_ignored_and_empty_input_gives_nothing() -> None:
    assert group_turns(()) == ()
    assert pair_exchanges(()) == ()
