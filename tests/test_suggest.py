"""Suggested reflections: the partner's feeling and words, turned round, only when trustworthy."""

from __future__ import annotations

import dataclasses

import pytest

from listening_coach.language.grammar import clause_problems, well_formed_clause
from listening_coach.language.suggest import (
    build_suggestion,
    check_sentence,
    named_feeling,
    suggest_reflection,
    swap_pronouns,
)
from listening_coach.testing import script
from listening_coach.types import Word


def heard(text: str, unsure: tuple[str, ...] = (), p: float = 0.2) -> tuple[Word, ...]:
    """The partner's words, with ASR probability ``p`` for the words in ``unsure``."""
    return tuple(dataclasses.replace(w, probability=p if w.bare in unsure else 0.95)
                 for w in script(f"partner 0.0 {text}"))


@pytest.mark.parametrize("partner,part", [
    ("I've been waiting three hours and nobody told me anything!",
     "you've been waiting three hours and nobody told you anything"),
    ("You are not even listening to me.", "I am not even listening to you"),
    # a transcript cut mid-phrase: no "for your" left hanging, no leading "that"
    ("And then they tell me there is some policy, and that I have to wait another week for my...",
     "you have to wait another week"),
    ("I have been on hold for 40 minutes, and I want my money back right now.",
     "you have been on hold for 40 minutes"),
])
def test_suggestions_turn_the_partners_words_round(partner: str, part: str) -> None:
    text = suggest_reflection(partner)
    assert text is not None and part in text and text.endswith(".")


def test_about_the_listener_is_said_as_how_it_seems() -> None:
    text = suggest_reflection("You are not even listening to me.")
    assert text is not None and "as if I am not even listening to you" in text


def test_misheard_words_are_never_reused() -> None:
    words = heard("Of course I am frustrated. You charged me twice, and nobody demands her any "
                  "on my emails.", unsure=("demands", "her", "any"))
    found = build_suggestion(words, min_probability=0.5)
    assert found is not None and "demands" not in found.text and "frustrated" in found.text
    assert all(w.probability >= 0.5 for w in found.reused)
    # the same words heard surely would have been used
    sure = build_suggestion(heard("nobody demands her any on my emails."), min_probability=0.5)
    assert sure is not None and "demands" in sure.text


def test_nothing_trustworthy_gives_no_sentence() -> None:
    words = heard("my husband is answering his phone", unsure=("answering",))
    assert build_suggestion(words, min_probability=0.5) is None


@pytest.mark.parametrize("partner,bad", [
    ("Thank you.", "thank I"),  # was "So thank I — and that matters to you."
    ("See, mac Tlee, nobody is listening.", "mac Tlee"),
    ("So boston does not begin to come with it.", "boston"),
    ("And then I will tell me there is some policy.", "I will tell you"),
])
def test_ill_formed_clauses_are_left_out(partner: str, bad: str) -> None:
    text = suggest_reflection(partner)
    assert text is None or bad.lower() not in text.lower()
    assert suggest_reflection(partner, check_grammar=False) is not None


@pytest.mark.parametrize("clause,ok", [
    ("you have been waiting three hours", True),
    ("your husband left this morning", True),
    ("I am not even listening to you", True),
    ("thank I", False),  # no subject
    ("boston does not begin to come with it", False),  # proper noun: usually a mis-hearing
    ("you will tell you there is some policy", False),  # "you ... you" not reflexive
    ("if someone does not come out soon", False),  # a subordinate clause alone
    ("you have to wait another week for your", False),  # dangling
])
def test_well_formed_clause(clause: str, ok: bool) -> None:
    assert well_formed_clause(clause) is ok, clause_problems(clause)


def test_several_phrasings_per_family_with_the_partners_emotion_and_topic() -> None:
    feeling_topic = [
        "I am scared. I keep thinking something terrible has happened.",
        "I am so worried, my son has not come home from school.",
        "I'm frustrated because I have called four times this week.",
        "I am angry. I paid for a new phone and it broke in a day.",
        "I am upset, my landlord changed the locks on my flat.",
        "I feel lost, I have filled in the same form three times.",
    ]
    found = [build_suggestion(text) for text in feeling_topic]
    assert all(s is not None and s.family == "feeling_topic" for s in found)
    frames = {s.text.split(s.feeling or "")[0] for s in found if s is not None}
    assert len(frames) >= 2  # not one template for everything
    scared = found[0]
    assert scared is not None and "scared" in scared.text and "something terrible" in scared.text


def test_emotion_words_in_other_forms_and_of_other_people() -> None:
    found = build_suggestion("Honestly, it has been terrifying. I just want to know she is okay.")
    assert found is not None and found.feeling == "terrified"
    assert "terrifying" not in found.text  # not "it has been terrifying, and you're terrified"
    assert named_feeling(script("partner 0 He was so angry when he left.")) is None
    word_feeling = named_feeling(script("partner 0 I am so angry with him."))
    assert word_feeling is not None and word_feeling[1] == "angry"


def test_numbers_and_times_stay_whole() -> None:
    assert swap_pronouns("I paid 12.50 at 10:30 for my 2 tickets") == \
        "you paid 12.50 at 10:30 for your 2 tickets"


def test_nothing_to_reflect() -> None:
    assert suggest_reflection("...") is None
    assert suggest_reflection("") is None
    assert suggest_reflection("What?") is None


def test_docstring_examples() -> None:
    import doctest

    import listening_coach.language.grammar as grammar
    import listening_coach.language.suggest as suggest

    for module in (grammar, suggest):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0


def test_a_cut_off_or_overlong_clause_is_not_said_back() -> None:
    # the partner was cut off: "...and I still" must not end a suggestion
    cut = suggest_reflection("I have taken the morning off work for nothing and I still")
    assert cut is None
    long = ("I have called every single office in this building and every one of them sent me "
            "back to the first desk again.")
    text = suggest_reflection(long)
    assert text is not None and "frustrated" in text and "called" not in text  # not cut short


def test_every_phrasing_passes_the_sentence_check() -> None:
    partners = [
        "I am scared. I keep thinking something terrible has happened.",
        "I have waited three hours.", "I am so angry.", "My husband left this morning.",
        "You are not even listening to me.", "I'm frustrated because I have called four times.",
        "Honestly, it has been terrifying. I just want to know she is okay.",
    ]
    made = [suggest_reflection(p) for p in partners]
    assert all(m is not None and check_sentence(m) == [] for m in made), made
    assert check_sentence("So thank I — and that matters to you.") == ["no subject"]
    assert check_sentence("Just do what I say.") == ["not one of the phrasings"]
