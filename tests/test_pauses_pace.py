"""Pauses, latency, pace, talk share and fillers from scripted words."""

from __future__ import annotations

import pytest

from listening_coach.config import DEFAULT_CONFIG
from listening_coach.metrics import compute_metrics, find_events
from listening_coach.metrics.pace import count_syllables
from listening_coach.testing import script
from listening_coach.turns import group_turns, pair_exchanges


def analyse(*lines: str, wpm: float = 150.0):  # type: ignore[no-untyped-def]
    words = script(*lines, wpm=wpm)
    turns = group_turns(words)
    exchanges = pair_exchanges(turns)
    events = find_events(turns, exchanges, DEFAULT_CONFIG)
    metrics = {(m.name, m.exchange): m for m in compute_metrics(turns, exchanges, events, DEFAULT_CONFIG)}
    return events, metrics


def test_effective_pause_hesitation_and_dead_air() -> None:
    events, metrics = analyse(
        "partner 0.0 it has been awful",  # ends 1.6
        "partner 3.0 and then he left",  # 1.4 s pause, trainee silent: effective pause
        "trainee 5.0 that must hurt",  # latency 5.0 - 4.6 = 0.4
        "trainee 7.5 a lot",  # 1.3 s hesitation inside the trainee's turn
        "partner 15.0 it does",  # 6.7 s of dead air before
    )
    kinds = [(e.kind, round(e.start, 2), round(e.end, 2)) for e in events]
    assert ("effective_pause", 1.6, 3.0) in kinds
    assert ("hesitation", 6.2, 7.5) in kinds
    assert ("dead_air", 8.3, 15.0) in kinds
    assert metrics[("timing.response_latency", 0)].value == pytest.approx(0.4)
    assert metrics[("timing.effective_pauses", 0)].value == 1
    assert metrics[("timing.longest_hesitation", 0)].value == pytest.approx(1.3)


def test_partner_pause_filled_by_trainee_is_not_an_effective_pause() -> None:
    events, _ = analyse(
        "partner 0.0 it has been awful",
        "trainee 2.0 what happened",
        "partner 3.5 he left",
    )
    assert not [e for e in events if e.kind == "effective_pause"]


@pytest.mark.parametrize("wpm", [110.0, 150.0, 190.0], ids=["slow", "medium", "fast"])
def test_wpm_matches_script_pace(wpm: float) -> None:
    _, metrics = analyse(
        "partner 0.0 tell me what happened",
        f"trainee 3.0 @{wpm} I can hear how hard this has been for you today",
    )
    # script words fill 60/wpm s each, so the span of n words is n * 60 / wpm (last word full)
    assert metrics[("pace.wpm", 0)].value == pytest.approx(wpm, rel=0.01)


def test_pace_relative_to_baseline_and_partner() -> None:
    lines = []
    t = 0.0
    for wpm in [120, 120, 120, 180]:
        lines.append(f"partner {t} @150 please tell me what is going on here")
        lines.append(f"trainee {t + 4.0} @{wpm} I hear that you are upset about the wait")
        t += 12.0
    _, metrics = analyse(*lines)
    assert ("pace.wpm_vs_baseline", 1) not in metrics  # the first two exchanges are the baseline
    assert metrics[("pace.wpm_vs_baseline", 3)].value == pytest.approx(1.5, rel=0.01)
    assert metrics[("pace.wpm_vs_partner", 0)].value == pytest.approx(120 / 150, rel=0.01)


def test_talk_share_monologue_and_fillers() -> None:
    _, metrics = analyse(
        "partner 0.0 one two three four five six seven eight",  # 3.2 s
        "trainee 4.0 um so uh I think um we can",  # 3.2 s, 3 fillers
    )
    assert metrics[("talk.share", None)].value == pytest.approx(0.5)
    assert metrics[("pace.fillers", None)].value == 3
    assert metrics[("pace.fillers_per_min", None)].value == pytest.approx(3 * 60 / 3.2, rel=0.01)
    assert metrics[("talk.longest_monologue", None)].value == pytest.approx(3.2)


def test_sustained_fast_speech_is_flagged() -> None:
    words = " ".join(["word"] * 80)  # 80 words at 200 wpm = 24 s
    _, metrics = analyse(f"trainee 0.0 @200 {words}")
    assert metrics[("pace.fast_stretches", None)].value == 1
    _, calm = analyse(f"trainee 0.0 @130 {words}")
    assert calm[("pace.fast_stretches", None)].value == 0


@pytest.mark.parametrize(
    ("word", "syllables"),
    [("I", 1), ("listen", 2), ("frustrating", 3), ("understand", 3), ("table", 2), ("", 0)],
)
def test_count_syllables(word: str, syllables: int) -> None:
    assert count_syllables(word) == syllables
