"""Overlap classification by conversation-analysis rules, in both directions."""

from __future__ import annotations

import pytest

from listening_coach.config import DEFAULT_CONFIG
from listening_coach.metrics import find_events
from listening_coach.metrics.overlap import overlap_metrics
from listening_coach.testing import script
from listening_coach.turns import group_turns, pair_exchanges


def overlaps(*lines: str) -> list[tuple[str, str, str]]:
    words = script(*lines, wpm=150)  # 0.4 s per word
    turns = group_turns(words)
    exchanges = pair_exchanges(turns)
    events = find_events(turns, exchanges, DEFAULT_CONFIG)
    return [
        (e.kind, e.speaker, e.other)
        for e in events
        if e.kind in ("interruption", "backchannel", "terminal_overlap", "overlap")
    ]


CASES = {
    "backchannel": (
        ("partner 0.0 I have been waiting here for hours and hours now", "trainee 1.0 mm-hm"),
        [("backchannel", "trainee", "partner")],
    ),
    "terminal-overlap": (
        # partner's last word 2.8-3.2; trainee starts at 3.0
        ("partner 0.0 I want my money back right now please", "trainee 3.0 I hear you"),
        [("terminal_overlap", "trainee", "partner")],
    ),
    "interruption-partner-yields": (
        # partner would speak until 4.8 but stops at 2.8 (script cut); trainee starts at 2.0
        ("partner 0.0 and then they told me that I", "trainee 2.0 let me stop you there sir"),
        [("interruption", "trainee", "partner")],
    ),
    "talk-over": (
        # partner keeps going to 6.0 while trainee says 5 words from 2.0
        (
            "partner 0.0 and then they told me to wait and wait and nobody came",
            "trainee 2.0 calm down sir please listen",
        ),
        [("interruption", "trainee", "partner")],
    ),
    "partner-interrupts-trainee": (
        ("trainee 0.0 what I would suggest is that we look at the", "partner 1.5 no no no you listen to me"),
        [("interruption", "partner", "trainee")],
    ),
    "no-overlap": (
        ("partner 0.0 I am so angry", "trainee 2.5 you are angry"),
        [],
    ),
}


@pytest.mark.parametrize("lines,expected", CASES.values(), ids=CASES.keys())
def test_overlap_classification(lines: tuple[str, ...], expected: list[tuple[str, str, str]]) -> None:
    assert overlaps(*lines) == expected


def test_thresholds_come_from_config() -> None:
    import dataclasses

    words = script("partner 0.0 I want my money back right now please", "trainee 3.0 I hear you")
    turns = group_turns(words)
    exchanges = pair_exchanges(turns)
    strict = dataclasses.replace(
        DEFAULT_CONFIG, overlap=dataclasses.replace(DEFAULT_CONFIG.overlap, terminal_window_s=0.0)
    )
    # with no terminal window the overlap starts within the last word: still terminal
    kinds = [e.kind for e in find_events(turns, exchanges, strict) if e.kind != "effective_pause"]
    assert kinds == ["terminal_overlap"]


def test_overlap_metrics_count_per_exchange_and_session() -> None:
    words = script(
        "partner 0.0 I have been waiting here for hours and hours now",
        "trainee 1.0 mm-hm",
        "trainee 5.0 that is a long wait",
        "partner 7.0 and then they told me that I",
        "trainee 8.2 let me stop you there sir",
    )
    turns = group_turns(words)
    exchanges = pair_exchanges(turns)
    events = find_events(turns, exchanges, DEFAULT_CONFIG)
    metrics = {(m.name, m.exchange): m for m in overlap_metrics(events, exchanges)}
    assert metrics[("overlap.backchannels", 0)].value == 1
    assert metrics[("overlap.interruptions", 1)].value == 1
    assert metrics[("overlap.interruptions", None)].value == 1
    assert metrics[("overlap.interruptions_per_exchange", None)].value == pytest.approx(0.5)
    assert [w.text for w in metrics[("overlap.interruptions", 1)].evidence][:2] == [" let", " me"]
