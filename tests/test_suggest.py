"""Suggested reflections: the partner's feeling and words, turned round, read as a sentence."""

from __future__ import annotations

import pytest

from listening_coach.language.suggest import suggest_reflection, swap_pronouns


@pytest.mark.parametrize("partner,expected", [
    ("I've been waiting three hours and nobody told me anything!",
     "It sounds like you're frustrated — you've been waiting three hours and nobody told you "
     "anything."),
    ("You are not even listening to me.",
     "It sounds like you're not being heard — as if I am not even listening to you."),
    # a transcript cut mid-phrase: no "for your" left hanging, no leading "that"
    ("And then they tell me there is some policy, and that I have to wait another week for my...",
     "So you have to wait another week — and that matters to you."),
    ("I have been on hold for 40 minutes, and I want my money back right now.",
     "So you have been on hold for 40 minutes — and that matters to you."),
])
def test_suggestions_read_as_sentences(partner: str, expected: str) -> None:
    assert suggest_reflection(partner) == expected


def test_numbers_and_times_stay_whole() -> None:
    assert swap_pronouns("I paid 12.50 at 10:30 for my 2 tickets") == \
        "you paid 12.50 at 10:30 for your 2 tickets"


def test_nothing_to_reflect() -> None:
    assert suggest_reflection("...") is None
    assert suggest_reflection("") is None
    assert suggest_reflection("What?") is None
