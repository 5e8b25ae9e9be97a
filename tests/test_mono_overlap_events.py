"""Overlap events of one-microphone role-plays: diarized segments and Whisper's words ->
``overlap_words`` -> turns -> the conversation-analysis classes. Times are from the mono
hard-conditions benchmark (seed 12, docs/diarization.md "Mono overlap events")."""

from __future__ import annotations

from listening_coach.diarization import Diarization, SpeakerSegment, overlap_words
from listening_coach.metrics.overlap import find_overlaps
from listening_coach.turns import group_turns
from listening_coach.types import CONTINUED_TEXT, Word

S = SpeakerSegment


def _words(speaker: str, text: str, times: tuple[float, ...]) -> list[Word]:
    return [Word(a, b, " " + t, speaker) for a, b, t in zip(times, times[1:], text.split())]


def _events(segments: tuple[SpeakerSegment, ...], words: list[Word]) -> list[tuple[str, str, float]]:
    out = overlap_words(sorted(words), Diarization(segments, (), 2, 1.0, max(s.end for s in segments)))
    return [(e.kind, e.speaker, e.start) for e in find_overlaps(group_turns(out))]


def test_talk_that_runs_on_untranscribed_under_an_interruption_is_no_terminal_overlap() -> None:
    """bench01: A talks to 42.91 (diarized), B cuts in at 42.10 and Whisper follows B from
    42.03, so A's words stop there and an untranscribed "…" carries A to 42.91. Where A's last
    word starts is unknown, so the "…" is not it: A talked on 0.88 s under B, at least an
    interruption's overlap (0.8 s), so B interrupted. With A's segment ending 0.57 s after B's
    start (within what may be A's last word), it is a terminal overlap; so is B coming in during
    A's last written word."""
    a_words = _words("A", "keeps telling me it is my fault and that",
                     (39.35, 39.97, 40.33, 40.55, 40.71, 40.83, 41.17, 41.55, 41.79, 42.03))
    b_words = _words("B", "I always try to make", (42.03, 42.41, 42.49, 43.01, 43.33, 43.41))
    segments = (S(38.32, 42.91, "A"), S(42.10, 46.44, "B"))
    assert _events(segments, a_words + b_words) == [("interruption", "B", 42.03)]
    out = overlap_words(sorted(a_words + b_words), Diarization(segments, (), 2, 1.0, 47.0))
    assert [(w.start, w.end) for w in out if w.text == CONTINUED_TEXT] == [(42.03, 42.91)]
    shorter = (S(38.32, 42.6, "A"), S(42.10, 46.44, "B"))
    assert _events(shorter, a_words + b_words) == [("terminal_overlap", "B", 42.03)]
    last_word = (S(38.32, 42.15, "A"), S(41.9, 46.44, "B"))
    assert _events(last_word, a_words + b_words) == [("terminal_overlap", "B", 41.9)]


def test_a_wordless_second_voice_at_the_edge_of_a_turn_is_no_backchannel() -> None:
    """bench11: A's turn ends at 14.09, B starts at 14.72, and 0.25 s into B's turn the
    diarizer adds 0.47 s of A in which Whisper wrote nothing. As an untranscribed "(mm-hm)" it
    carried A's turn over B's start: a false "B interrupted A". A backchannel comes while the
    other holds the floor: with B talking for at least 1 s before it, it stays. Not under 0.25 s
    (too short to be the other talking), nor under 1 s after A's own talk ended (B cut in and A
    trails off)."""
    a_words = _words("A", "peace in your own home.", (12.62, 13.04, 13.24, 13.5, 13.8, 14.04))
    b_words = _words("B", "I can't remember that next week and I cannot sleep",
                     (14.78, 15.06, 15.42, 15.52, 16.06, 16.56, 16.9, 17.42, 17.6, 18.0, 18.4))
    edge = (S(9.11, 14.09, "A"), S(14.72, 20.18, "B"), S(14.97, 15.44, "A"))
    assert _events(edge, a_words + b_words) == []
    inside = (S(9.11, 14.09, "A"), S(14.72, 20.18, "B"), S(16.1, 16.57, "A"))
    assert _events(inside, a_words + b_words) == [("backchannel", "A", 16.1)]
    blip = (S(9.11, 14.09, "A"), S(14.72, 20.18, "B"), S(16.1, 16.3, "A"))
    assert _events(blip, a_words + b_words) == []
    trailing = (S(9.11, 15.6, "A"), S(14.72, 20.18, "B"), S(16.2, 16.5, "A"))
    assert _events(trailing, a_words + b_words) == [("interruption", "B", 14.72)]


def test_only_the_untranscribed_placeholder_hides_the_last_word() -> None:
    """The mono placeholder (probability 0) hides where A's last word starts: B, 0.9 s before
    A stops, interrupts. A word Whisper itself wrote as " …" (two channels never carry the
    placeholder) is a last word like any other, and B starting in it is a terminal overlap."""
    b_words = [Word(1.1, 2.5, " well", "B"), Word(2.5, 3.0, " no", "B")]
    for probability, kind in ((0.0, "interruption"), (0.6, "terminal_overlap")):
        a_words = [Word(0.0, 1.0, " I", "A"), Word(1.0, 2.0, CONTINUED_TEXT, "A", probability)]
        assert [e.kind for e in find_overlaps(group_turns(a_words + b_words))] == [kind]
