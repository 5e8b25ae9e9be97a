"""Rules over spaCy (blank English): de-escalation flags, questions, reflections, fidelity."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from listening_coach.language.fidelity import fidelity
from listening_coach.language.labelling import is_codable, split_utterances
from listening_coach.language.rules import ESCALATING_FLAGS, FLAGS, apply_rules
from listening_coach.language.suggest import suggest_reflection, swap_pronouns
from listening_coach.testing import script

FLAG_SET = Path(__file__).parent / "data" / "deescalation_flags.tsv"


def _flag_examples() -> list[tuple[str, set[str]]]:
    rows = []
    for line in FLAG_SET.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, expected = line.split("\t")
        rows.append((text, set() if expected == "-" else set(expected.split(","))))
    return rows


EXAMPLES = _flag_examples()


def asr_style(text: str) -> str:
    """Lower-case, no punctuation, no apostrophes: what some ASR output looks like."""
    return re.sub(r"[^\w\s]", "", text.lower())


def test_flag_set_covers_every_flag_with_negatives() -> None:
    counts = {flag: sum(flag in exp for _, exp in EXAMPLES) for flag in FLAGS}
    assert all(n >= 4 for n in counts.values()), counts
    assert sum(not exp for _, exp in EXAMPLES) >= 10  # hard negatives: reflections, questions


@pytest.mark.parametrize("text,expected", EXAMPLES, ids=[t[:40] for t, _ in EXAMPLES])
def test_flags_on_project_examples(text: str, expected: set[str]) -> None:
    assert set(apply_rules(text).flags) == expected
    assert set(apply_rules(asr_style(text)).flags) == expected


@pytest.mark.parametrize(
    "text,subtype",
    [
        ("What happened when you called?", "open"),
        ("how did that feel", "open"),
        ("Tell me more about the letter.", "open"),
        ("Did you get the email?", "closed"),
        ("so are you going to pay it", "closed"),
        ("You sent it on Monday?", None),
    ],
    ids=["wh", "wh-unpunctuated", "tell-me", "inversion", "inversion-unpunctuated", "mark-only"],
)
def test_questions(text: str, subtype: str | None) -> None:
    result = apply_rules(text)
    assert result.label == "question"
    assert result.subtype == (subtype or "closed")


def test_reflection_stems_and_not_questions() -> None:
    reflection = apply_rules("What I'm hearing is that the wait has been exhausting")
    assert reflection.label == "reflection"
    assert apply_rules("it sounds like you're worried about your son").subtype == "complex"
    assert apply_rules("That makes sense.").label == "validation"
    assert apply_rules("Thank you for telling me that.").label == "affirmation"


def test_escalating_flags_exclude_apology() -> None:
    assert "apology" not in ESCALATING_FLAGS and "command" in ESCALATING_FLAGS


@pytest.mark.parametrize(
    "text",
    ["", "   ", "?!", "…", "👍🏽", "Ça va très bien, merci beaucoup", "a " * 5000, "\u200b\u00e9\u0301"],
    ids=["empty", "spaces", "punct", "ellipsis", "emoji", "french", "very-long", "odd-unicode"],
)
def test_rules_never_crash(text: str) -> None:
    result = apply_rules(text)
    assert result.confidence >= 0.0


def test_codable() -> None:
    assert not is_codable("")
    assert not is_codable("Das ist mir wirklich egal, ehrlich")
    assert is_codable("mm-hm")


def test_split_utterances_by_punctuation_and_length() -> None:
    words = script("trainee 0 Okay. I see what you mean. So what happened next?")
    assert [len(u) for u in split_utterances(words)] == [1, 5, 4]
    long = script("trainee 0 " + "word " * 130)
    assert [len(u) for u in split_utterances(long, max_words=60)] == [60, 60, 10]


def test_fidelity_rewards_carried_words() -> None:
    partner = "I've been waiting three hours and nobody told me anything"
    good = fidelity("you've been waiting three hours without a word", partner)
    bad = fidelity("let's talk about the weather", partner)
    assert good is not None and bad is not None and good >= 0.6 and bad == 0.0
    assert fidelity("anything", "") is None


def test_suggestion_uses_partner_words() -> None:
    partner = "I've been waiting three hours and nobody told me anything!"
    suggestion = suggest_reflection(partner)
    assert suggestion is not None
    assert "you've been waiting three hours" in suggestion
    assert "frustrated" in suggestion
    assert suggest_reflection("!!!") is None
    assert swap_pronouns("my manager ignores me") == "your manager ignores you"
    assert swap_pronouns("you are not listening to me") == "I am not listening to you"
    assert swap_pronouns("I was scared") == "you were scared"


@pytest.mark.parametrize(
    "module",
    ["rules", "fidelity", "suggest", "labelling", "metrics", "features"],
)
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"listening_coach.language.{module}"))
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("text,label", [
    # issue 13, fresh wordings (4 of these 8 were found before their phrases were added)
    ("Anyone in your position would be furious.", "validation"),
    ("It makes total sense that you are worried.", "validation"),
    ("Of course you are frustrated after waiting so long.", "validation"),
    ("No wonder you are upset.", "validation"),
    ("You have been very patient with us.", "affirmation"),
    ("It took real strength to ask for help.", "affirmation"),
    ("You did the right thing bringing him in.", "affirmation"),
    ("Thank you for staying so calm through this.", "affirmation"),
])
def test_validation_and_affirmation_phrases(text: str, label: str) -> None:
    assert label in apply_rules(text).cues
    assert label in apply_rules(asr_style(text)).cues
