"""The public language API the pipeline calls: labels, metrics, feedback (rules, no model)."""

from __future__ import annotations

import dataclasses

import itertools

import pytest

from listening_coach.language import label_exchanges, language_feedback, language_metrics
from listening_coach.testing import script
from listening_coach.types import Exchange, Label, Turn

RULES = {"use_model": False}


def exchanges_of(*lines: str) -> tuple[Exchange, ...]:
    """Alternate partner/trainee turns from script lines into exchanges."""
    words = script(*lines)
    turns = [Turn(s, tuple(g)) for s, g in itertools.groupby(words, key=lambda w: w.speaker)]
    out, prompt = [], ()
    for turn in turns:
        if turn.speaker == "partner":
            prompt = (turn,)
        else:
            out.append(Exchange(len(out), prompt, (turn,)))
            prompt = ()
    return tuple(out)


@pytest.fixture(scope="module")
def drill() -> tuple[Exchange, ...]:
    return exchanges_of(
        "partner 0.0 I have been waiting three hours and nobody told me anything!",
        "trainee 5.0 Calm down, it's company policy. Did you call? Did you email? Did you check the app?",
        "partner 14.0 I am so frustrated with this whole thing.",
        "trainee 18.0 It sounds like you're frustrated because the wait has gone on so long. "
        "What would help right now?",
        "partner 26.0 My daughter needs her medicine tonight and the pharmacy closes at eight.",
        "trainee 31.0 Okay. Is it the blue form?",
    )


def test_one_label_per_sentence_with_times(drill: tuple[Exchange, ...]) -> None:
    labels = label_exchanges(drill, RULES)
    assert [lab.exchange for lab in labels] == [0, 0, 0, 0, 1, 1, 2, 2]
    assert all(lab.source == "rules" for lab in labels)
    first = labels[0]
    assert first.start == drill[0].response[0].start
    assert first.text == "Calm down, it's company policy."
    assert set(first.flags) == {"command", "policy"}
    assert [lab.subtype for lab in labels[1:4]] == ["closed"] * 3
    reflection = labels[4]
    assert reflection.label == "reflection" and "emotion_label" in reflection.flags
    assert reflection.fidelity is not None and reflection.fidelity > 0.5
    assert all(a.start <= b.start for a, b in zip(labels, labels[1:]))


def test_metrics_count_and_miti(drill: tuple[Exchange, ...]) -> None:
    labels = label_exchanges(drill, RULES)
    metrics = {(m.name, m.exchange): m for m in language_metrics(drill, labels, RULES)}
    assert metrics[("language.closed_questions", 0)].value == 3
    assert metrics[("language.flag.command", 0)].value == 1
    assert metrics[("language.reflections", None)].value == 1
    assert metrics[("language.questions", None)].value == 5
    assert metrics[("language.reflection_to_question", None)].value == pytest.approx(0.2)
    assert metrics[("language.percent_open_questions", None)].value == pytest.approx(20.0)
    evidence = metrics[("language.flag.command", 0)].evidence
    assert " ".join(w.text.strip() for w in evidence) == "Calm down, it's company policy."


def test_feedback_codes_and_evidence(drill: tuple[Exchange, ...]) -> None:
    labels = label_exchanges(drill, RULES)
    metrics = language_metrics(drill, labels, RULES)
    feedback = language_feedback(drill, labels, metrics, RULES)
    codes = {(f.code, f.exchange) for f in feedback}
    assert ("language_command", 0) in codes
    assert ("closed_question_run", 0) in codes
    assert ("good_complex_reflection", 1) in codes
    assert ("open_question", 1) in codes
    assert not any(c == "missed_emotion" for c, _ in codes)  # no feeling named in 0 or 2
    assert ("reflection_to_question_low", None) in codes
    concern = next(f for f in feedback if f.code == "language_command")
    assert concern.level == "concern" and "Calm down" in concern.message
    assert "waiting three hours" in concern.message  # the suggestion uses the partner's words
    assert all(f.evidence for f in feedback)


def test_an_unacknowledged_feeling_is_a_concern_with_a_trusted_suggestion() -> None:
    exchanges = exchanges_of(
        "partner 0.0 I am scared. I keep thinking something terrible has happened.",
        "trainee 5.0 Is there someone who could come over?",
        "partner 9.0 I am scared, he might be hurt.",
        "trainee 12.0 That makes sense. Who could come over?",
    )
    labels = label_exchanges(exchanges, RULES)
    feedback = language_feedback(exchanges, labels, language_metrics(exchanges, labels, RULES), RULES)
    missed = [f for f in feedback if f.code == "missed_emotion"]
    assert [f.exchange for f in missed] == [0]  # exchange 1 validated it
    assert missed[0].level == "concern" and "“I am scared.”" in missed[0].message
    assert "you keep thinking something terrible has happened" in missed[0].message
    assert missed[0].evidence[0].text.strip(" .") == "scared"
    # "scared" heard surely, the rest unsurely: generic advice, no made-up sentence
    unsure = tuple(Exchange(ex.index, tuple(
        Turn(t.speaker, tuple(w if w.bare == "scared" else dataclasses.replace(w, probability=0.3)
                              for w in t.words))
        for t in ex.prompt), ex.response) for ex in exchanges)
    vague = [f for f in language_feedback(unsure, labels, (), RULES) if f.code == "missed_emotion"]
    assert len(vague) == 1 and "terrible" not in vague[0].message
    advice = vague[0].message.split("did not acknowledge it")[1]
    assert "scared" in advice and "keep thinking" not in advice  # the feeling alone


def test_empty_and_odd_input() -> None:
    assert label_exchanges((), RULES) == ()
    odd = exchanges_of("partner 0 hello", "trainee 1 👍🏽 ¿¿", "partner 3 ok", "trainee 4 " + "so " * 3000)
    labels = label_exchanges(odd, RULES)
    assert labels[0].label == "unknown"
    assert len(labels) == 1 + 50  # 3000 unpunctuated words in chunks of 60
    metrics = language_metrics(odd, labels, RULES)
    assert language_feedback(odd, labels, metrics, RULES) is not None


def test_closed_run_needs_consecutive_closed_questions() -> None:
    broken = exchanges_of(
        "partner 0 My landlord wants me out by Friday.",
        "trainee 3 Did he send a letter? Okay. Is it in writing? It sounds like you're scared "
        "of losing your home. Do you have a lawyer?",
    )
    labels = label_exchanges(broken, RULES)
    feedback = language_feedback(broken, labels, language_metrics(broken, labels, RULES), RULES)
    assert "closed_question_run" not in {f.code for f in feedback}
    run = exchanges_of(
        "partner 0 My landlord wants me out by Friday.",
        "trainee 3 Did he send a letter? Okay. Is it in writing? Do you have a lawyer?",
    )
    labels = label_exchanges(run, RULES)
    feedback = language_feedback(run, labels, language_metrics(run, labels, RULES), RULES)
    tip = next(f for f in feedback if f.code == "closed_question_run")
    assert tip.message.startswith("Three closed questions in a row")
    assert [w.text.strip() for w in tip.evidence][:2] == ["Did", "he"]


def test_session_indicators_only_when_defined() -> None:
    quiet = exchanges_of("partner 0 I am fine.", "trainee 1 Okay. Thanks for coming in.")
    labels = label_exchanges(quiet, RULES)
    names = {m.name for m in language_metrics(quiet, labels, RULES) if m.exchange is None}
    assert "language.percent_open_questions" not in names
    assert "language.percent_complex_reflections" not in names
    assert "language.reflection_to_question" not in names
    assert "language.validations" in names


def test_trainee_only_exchange_has_no_fidelity() -> None:
    solo = (Exchange(0, (), (Turn("trainee", script("trainee 0 it sounds like you are upset")),)),)
    labels = label_exchanges(solo, RULES)
    assert labels[0].label == "reflection" and labels[0].fidelity is None
    feedback = language_feedback(solo, labels, language_metrics(solo, labels, RULES), RULES)
    assert "missed_emotion" not in {f.code for f in feedback}


def test_reflection_ratio_praise_reads_naturally() -> None:
    lines = [
        "partner 0 I am so angry about the bill.",
        "trainee 3 It sounds like you're angry about the bill.",
        "partner 6 And nobody calls me back.",
        "trainee 9 It sounds like you feel ignored.",
        "partner 12 I just want it fixed.",
        "trainee 15 It sounds like you want this fixed today.",
    ]
    only = exchanges_of(*lines)
    labels = label_exchanges(only, RULES)
    praise = next(f for f in language_feedback(only, labels, language_metrics(only, labels, RULES),
                                               RULES) if f.code == "reflection_to_question_good")
    assert praise.message.startswith("3 reflections and no questions")
    assert ":1 ratio" not in praise.message and "0 questions" not in praise.message
    more = exchanges_of(*lines, "partner 18 Fine.", "trainee 21 It sounds like you're tired of "
                        "this. What would help most?")
    labels = label_exchanges(more, RULES)
    praise = next(f for f in language_feedback(more, labels, language_metrics(more, labels, RULES),
                                               RULES) if f.code == "reflection_to_question_good")
    assert praise.message.startswith("4 reflections for 1 question: a 4.0:1 ratio")


def test_acknowledgement_read_through_merged_asr_sentences() -> None:
    # ASR often joins "I hear you." to the next sentence and drops the question mark; the model
    # may then call the whole line a reflection. What follows decides whether it took the
    # feeling in: a request for a document does not, an open question does.
    exchanges = exchanges_of(
        "partner 0.0 I am going to miss my sister's wedding and I am so upset.",
        "trainee 5.0 I hear you can I take your booking reference please",
        "partner 10.0 I am scared something has happened to my dad.",
        "trainee 14.0 I hear you how long has he been gone",
    )
    labels = tuple(
        Label(ex.response[0].start, ex.response[0].end, ex.response[0].text, "reflection",
              confidence, subtype="simple", exchange=ex.index, source="model", fidelity=0.0)
        for ex, confidence in zip(exchanges, (0.6, 0.45))
    )
    feedback = language_feedback(exchanges, labels, (), RULES)
    assert [f.exchange for f in feedback if f.code == "missed_emotion"] == [0]
    assert "good_simple_reflection" not in {f.code for f in feedback}  # a request, not a reflection
