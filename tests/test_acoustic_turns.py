"""Turns that stand on the audio: unclear speech, acoustic backchannels, run-on lexicon words.

Scripted words stand in for what the pipeline hands over with one channel per person: words
snapped to each channel's speech, plus ``UNCLEAR_TEXT`` placeholders for speech Whisper heard
nothing in (see listening_coach/regions.py).
"""

from __future__ import annotations

import pytest

from listening_coach.config import DEFAULT_CONFIG
from listening_coach.report.html import render_report
from listening_coach.metrics import find_events
from listening_coach.report.json import session_from_dict, to_dict
from listening_coach.report.text import render_text
from listening_coach.pipeline import analyze_words
from listening_coach.testing import script
from listening_coach.turns import group_turns, pair_exchanges
from listening_coach.types import PARTNER, TRAINEE, UNCLEAR_TEXT, Word


def unclear(speaker: str, start: float, end: float) -> Word:
    return Word(start, end, UNCLEAR_TEXT, speaker, 0.0)


def overlap_events(words: tuple[Word, ...] | list[Word]) -> list[tuple[str, str | None, float]]:
    turns = group_turns(words)
    events = find_events(turns, pair_exchanges(turns), DEFAULT_CONFIG)
    kinds = ("interruption", "backchannel", "terminal_overlap", "overlap")
    return [(e.kind, e.speaker, round(e.start, 2)) for e in events if e.kind in kinds]


def test_a_line_whisper_dropped_still_takes_the_floor_as_unclear_speech() -> None:
    trainee = script("trainee 0.0 so what happened then", "trainee 9.0 and how did that feel")
    partner = script("partner 2.0 he just left")  # 2.0-3.2, then 3.6-9.0 unheard
    words = trainee + partner + (unclear(PARTNER, 3.6, 8.6),)
    turns = group_turns(words)
    assert [(t.speaker, t.unclear) for t in turns] == [
        (TRAINEE, False), (PARTNER, False), (TRAINEE, False)
    ]
    assert turns[1].text == "he just left [unclear speech 5.0 s]"
    assert turns[1].unclear_s == pytest.approx(5.0)
    exchanges = pair_exchanges(turns)
    assert exchanges[-1].response_latency == pytest.approx(9.0 - 8.6)
    # without the placeholder the trainee's two lines would be one turn around the partner's
    without = group_turns(trainee + partner)
    assert [t.speaker for t in without] == [TRAINEE, PARTNER, TRAINEE]
    only_words = group_turns(trainee + script("partner 4.0 he"))  # a word inside a 3.4 s gap
    assert len(only_words) == 3


def test_a_spurt_with_no_words_at_all_is_an_unclear_turn_and_counts_in_timing() -> None:
    words = script(
        "partner 0.0 I have not slept for days",  # 0.0-2.4
        "partner 10.0 not at all",
        "trainee 12.0 that sounds so very exhausting for you",
    ) + (unclear(TRAINEE, 3.3, 9.3),)
    session = analyze_words(words, DEFAULT_CONFIG)
    assert [(t.speaker, t.unclear) for t in session.turns] == [
        (PARTNER, False), (TRAINEE, True), (PARTNER, False), (TRAINEE, False)
    ]
    first, second = session.exchanges
    assert first.response_latency == pytest.approx(3.3 - 2.4)
    assert not [e for e in session.events if e.kind == "dead_air"]  # 2.4-10.0 is not silent
    assert session.metric("pace.wpm", 0) is None  # unclear speech has no words to count
    wpm = session.metric("pace.wpm", 1)
    assert wpm is not None and wpm.value == pytest.approx(150.0)
    data = to_dict(session)
    assert [t["unclear"] for t in data["turns"]] == [False, True, False, False]
    assert data["turns"][1]["unclear_s"] == pytest.approx(6.0)
    assert session_from_dict(data).turns[1].unclear
    assert "trainee 00:03: [unclear speech 6.0 s]" in render_text(session)
    assert "[unclear speech 6.0 s]" in render_report(session)


def test_a_silence_belongs_to_the_turn_unless_the_other_speaker_talked() -> None:
    trainee = script("trainee 0.0 I hear you", "trainee 4.0 and I want to help")
    partner = script("partner 10.0 okay then")
    assert [t.speaker for t in group_turns(trainee + partner)] == [TRAINEE, PARTNER]
    talked = trainee + partner + (unclear(PARTNER, 1.6, 3.6),)
    assert [t.speaker for t in group_turns(talked)] == [TRAINEE, PARTNER, TRAINEE, PARTNER]


@pytest.mark.parametrize(
    "spurt",
    [
        script("trainee 1.0 @300 it may make him"),  # "mm-hm" as tiny.en heard it, 0.8 s
        (unclear(TRAINEE, 1.0, 1.6),),
        script("trainee 1.0 @200 uh-huh"),
    ],
    ids=["junk-text", "unclear", "lexicon"],
)
def test_a_short_spurt_over_the_partner_who_carries_on_is_a_backchannel(spurt: tuple[Word, ...]) -> None:
    partner = script("partner 0.0 I have been waiting here for hours and hours now")  # 0.0-4.4
    words = partner + spurt
    turns = group_turns(words)
    (backchannel,) = [t for t in turns if t.speaker == TRAINEE]
    assert backchannel.backchannel
    assert backchannel.words == spurt  # text kept as heard
    assert overlap_events(words) == [("backchannel", TRAINEE, 1.0)]
    assert len(pair_exchanges(turns)) == 1


def test_a_short_clear_line_in_the_others_pause_is_a_turn_not_a_backchannel() -> None:
    words = script(
        "partner 0.0 why can I not get my money",
        "trainee 2.6 there is a refund policy",
        "partner 4.7 Policy.",  # 0.4 s, in the trainee's 0.9 s silence, overlapping nobody
        "trainee 5.5 it takes seven days",
    )
    turns = group_turns(words)
    assert [(t.speaker, t.backchannel) for t in turns] == [
        (PARTNER, False), (TRAINEE, False), (PARTNER, False), (TRAINEE, False)
    ]
    assert len(pair_exchanges(turns)) == 2


def test_a_lexicon_word_running_on_into_an_interruption_starts_it() -> None:
    words = script(
        "partner 0.0 and then they told me to wait and wait and nobody came at all",  # to 6.0
        "trainee 2.0 Okay,",  # 2.0-2.4, then 0.4 s of the partner only
        "trainee 2.8 you need to calm down now",  # over the partner to 5.2
    )
    turns = group_turns(words)
    (trainee,) = [t for t in turns if t.speaker == TRAINEE]
    assert not trainee.backchannel
    assert trainee.text == "Okay, you need to calm down now"
    assert overlap_events(words) == [("interruption", TRAINEE, 2.0)]


def test_a_backchannel_before_the_answer_stays_a_backchannel() -> None:
    words = script(
        "partner 0.0 I waited two hours on the phone today and then they",  # 0.0-4.4
        "trainee 3.6 mm-hm",  # over the partner's last words
        "trainee 4.8 that sounds awful",  # after the partner finished
    )
    turns = group_turns(words)
    assert [(t.speaker, t.backchannel, t.text) for t in turns][1:] == [
        (TRAINEE, True, "mm-hm"),
        (TRAINEE, False, "that sounds awful"),
    ]


def test_no_effective_pause_while_the_trainee_speaks_over_the_partners_silence() -> None:
    words = script(
        "partner 0.0 it has been awful",  # 0.0-1.6
        "trainee 1.4 @100 I understand how hard that is",  # 1.4-5.6, over the partner's pause
        "partner 3.0 and then he left",
        "trainee 8.0 what happened next",
    )
    session = analyze_words(words, DEFAULT_CONFIG)
    assert not [e for e in session.events if e.kind == "effective_pause"]


def test_talking_through_the_others_short_pause_takes_no_floor() -> None:
    # the partner's last words after a 0.26 s pause, with the trainee already talking over them
    interrupted = script(
        "partner 0.0 and when I complained to the office last week",  # 0.0-3.6
        "partner 3.86 I showed my",  # 3.86-5.06: the rest of the same turn
        "trainee 3.3 wait a moment because our rules only cover noise",  # 3.3-6.9
    )
    assert [t.speaker for t in group_turns(interrupted)] == [PARTNER, TRAINEE]
    assert overlap_events(interrupted) == [("interruption", TRAINEE, 3.3)]
    # the interrupter's first words, then a 0.28 s pause while the other still talks
    interrupter = script(
        "trainee 0.0 I want to sort this out for you today and the first thing I",  # to 5.6
        "partner 4.4 @200 have heard that",  # 4.4-5.3
        "partner 5.58 before every single person says that",
    )
    assert [(t.speaker, t.backchannel) for t in group_turns(interrupter)] == [
        (TRAINEE, False), (PARTNER, False)
    ]
    assert overlap_events(interrupter) == [("interruption", PARTNER, 4.4)]
