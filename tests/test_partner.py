"""The partner's state engine, the drill report built from it, and the drill CLI's extras."""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from listening_coach import cli
from listening_coach.live.drill_report import (
    cohort_rows, curve_chart, render_cohort, scenario_from_report, transcript,
)
from listening_coach.live.partner import DEFAULT_WEIGHTS, Answer, PartnerState, measure
from listening_coach.live.scenario_file import load_scenario
from listening_coach.types import TRAINEE, Event, Label, Word

LINE = "I have been a customer for ten years. Nobody in this store even listens to me."


def words(text: str, start: float) -> tuple[Word, ...]:
    return tuple(Word(round(start + 0.4 * i, 2), round(start + 0.4 * i + 0.3, 2), " " + t, TRAINEE)
                 for i, t in enumerate(text.split()))


def answer(text: str, label: str, *, subtype: str | None = None, flags: tuple[str, ...] = (),
           start: float = 6.5, events: tuple[Event, ...] = (), level: float | None = None,
           baseline: float | None = None) -> Answer:
    ws = words(text, start)
    lab = Label(ws[0].start, ws[-1].end, text, label, 0.9, subtype=subtype, flags=flags)
    return Answer(ws, (lab,), events, LINE, 5.0, level, baseline)


def signals(a: Answer, met: frozenset[str] = frozenset()) -> dict[str, float]:
    moves, _ = measure(a, load_scenario("angry_customer"), met)
    return {m.signal: m.delta for m in moves}


def test_listening_signals_calm_and_faults_agitate() -> None:
    good = signals(answer("you feel nobody here listens to you after ten years", "reflection",
                          flags=("emotion_label",)))
    assert good["reflection"] == DEFAULT_WEIGHTS["reflection"]  # carries "listens", "years"
    assert good["need"] == DEFAULT_WEIGHTS["need"] and good["pause"] < 0  # 1.5 s before answering
    bare = signals(answer("so that is what happened today", "reflection", start=5.2))
    assert bare["reflection"] == DEFAULT_WEIGHTS["reflection"] / 2 and "pause" not in bare
    bad = signals(answer("calm down but it is our policy", "other",
                         flags=("command", "dismissive_but", "policy"), start=5.1))
    assert {k: v > 0 for k, v in bad.items()} == {"command": True, "dismissive_but": True,
                                                   "policy": True}
    fast = answer(" ".join(["word"] * 12), "other", start=5.5)
    fast = replace(fast, words=tuple(replace(w, start=5.5 + 0.15 * i, end=5.6 + 0.15 * i)
                                     for i, w in enumerate(fast.words)))
    assert "fast" in signals(fast)
    assert "loud" in signals(answer("okay then what", "question", level=-12, baseline=-20))
    assert "loud" not in signals(answer("okay then what", "question", level=-18, baseline=-20))
    assert signals(Answer((), (), (), LINE, 5.0)) == {"no_answer": DEFAULT_WEIGHTS["no_answer"]}
    overlap = Event("interruption", 4.0, 5.0, TRAINEE, "partner", 0, words("wait a second", 4.0))
    assert signals(answer("wait a second", "other", start=4.0, events=(overlap,)))["interruption"] > 0


def test_state_moves_within_the_limits_and_picks_lines_by_band_and_need() -> None:
    scenario = load_scenario("angry_customer")
    state = PartnerState(replace(scenario, agitation=5.0))
    worst = answer("calm down you never listen but it is policy", "other",
                   flags=("command", "blame", "dismissive_but", "policy"))
    step = state.update(worst, line=scenario.opening.text, kind="line")
    assert step.after == 7.5 and sum(m.delta for m in step.moves) > 2.5  # the per-exchange cap
    kind, reaction = state.choose()  # type: ignore[misc]
    assert kind == "reaction" and reaction.when == "command"  # the strongest signal's reaction
    state = PartnerState(replace(scenario, agitation=5.0))
    good = answer("it sounds like you are frustrated that your refund was refused", "reflection",
                  flags=("emotion_label",))
    state.update(good, line=scenario.opening.text, kind="line")
    assert state.met == {"a working laptop or the money back"} and state.band == "calm"
    kind, line = state.choose()  # type: ignore[misc]
    # calm, and "be heard" is not met yet: a line for it (from any band) rather than a calm one
    assert kind == "line" and line.need == "be heard"
    state.update(answer("you feel nobody listens to you here", "reflection"), line=line.text,
                 kind="line")
    assert state.outcome == "resolved" and state.choose() == ("ending", scenario.ending.resolved)


def test_linear_scenario_says_every_line_then_ends(tmp_path: Path) -> None:
    path = tmp_path / "l.toml"
    path.write_text('[[lines]]\ntext = "a b"\n[[lines]]\ntext = "c d"\n[[lines]]\ntext = "e f"\n')
    state = PartnerState(load_scenario(path))
    said = []
    for _ in range(3):
        state.update(answer("calm down", "other", flags=("command",)), line="x", kind="line")
        choice = state.choose()
        said.append(choice[1].text if choice and choice[0] == "line" else choice)  # type: ignore[union-attr]
    assert said == ["c d", "e f", None] and state.outcome == "escalated"


DRILL = {"scenario": "angry_customer", "title": "Angry customer", "difficulty": "medium",
         "outcome": "resolved", "goal": 2.0, "ceiling": 9.0, "agitation": [7.5, 5.0, 2.0],
         "needs_met": ["be heard"], "trainee": "Ana",
         "steps": [{"exchange": 0, "partner": "I want my money back.", "kind": "line",
                    "trainee": "you sound really frustrated", "before": 7.5, "after": 5.0,
                    "moves": [{"signal": "reflection", "delta": -1.0,
                               "words": "you sound really frustrated"},
                              {"signal": "pause", "delta": -0.5, "words": "1.2 s before: you"}]},
                   {"exchange": 1, "partner": "Nobody listens.", "kind": "line",
                    "trainee": "that makes sense", "before": 5.0, "after": 2.0,
                    "moves": [{"signal": "validation", "delta": -1.0, "words": "that makes sense"}]}]}


def test_transcript_shows_curve_moves_with_words_and_outcome() -> None:
    text = transcript(DRILL)
    assert '1. Partner (angry, 7.5): I want my money back.' in text
    assert 'Agitation 7.5 -> 5:\n      -1.0  reflection         "you sound really frustrated"\n' \
           "      -0.5  paused first       1.2 s before: you" in text
    assert "Outcome: resolved after 2 exchanges" in text
    chart = curve_chart(DRILL["agitation"], goal=2.0, ceiling=9.0)  # type: ignore[arg-type]
    assert [row.index("*") for row in chart if "*" in row] == [6, 9, 12]  # one column each
    assert "goal 2" in chart[8] and "ceiling 9" in chart[1]


def test_cohort_counts_resolved_drills_per_trainee(tmp_path: Path) -> None:
    for k, (who, outcome) in enumerate([("Ana", "resolved"), ("Ana", "escalated"),
                                        ("Ben", "resolved"), ("Ana", "resolved")]):
        (tmp_path / f"d{k}.json").write_text(json.dumps({"drill": {**DRILL, "trainee": who,
                                                                   "outcome": outcome}}))
    (tmp_path / "other.json").write_text('{"words": []}')
    rows = cohort_rows(tmp_path)
    assert [(r["trainee"], r["drills"], r["resolved"], r["escalated"]) for r in rows] == [
        ("Ana", 3, 2, 1), ("Ben", 1, 1, 0)]
    assert "Ana: 2 of 3 drills resolved" in render_cohort(rows)
    assert cli.main(["drill", "--cohort", str(tmp_path)]) == 0


def test_from_recording_replays_the_partner_lines_in_order(tmp_path: Path) -> None:
    golden = Path(__file__).parent / "golden" / "scripted_session.json"
    data = json.loads(golden.read_text())
    scenario, toml = scenario_from_report(golden)
    partner = [" ".join(data["turns"][i]["text"] for i in ex["prompt"]) for ex in data["exchanges"]
               if ex["prompt"]]
    assert scenario.linear and [ln.text for ln in scenario.lines] == partner
    assert scenario.ending.max_exchanges == len(partner)
    (tmp_path / "not.json").write_text("[1, 2]")
    for bad, match in ((tmp_path / "not.json", "not a session JSON"),
                       (tmp_path / "none.json", "does not exist")):
        with pytest.raises(Exception, match=match):
            scenario_from_report(bad)
        assert cli.main(["drill", "--from-recording", str(bad), "--out", str(tmp_path)]) == 1


def test_device_messages_never_reach_the_panel(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from listening_coach.live.devices import device_messages_to
    from listening_coach.live.tui import DrillView

    out = io.StringIO()
    view = DrillView("x", console=Console(file=out, width=80))
    with device_messages_to(tmp_path / "dev.log") as caught, view:
        view("drill.state", "listening")
        os.write(2, b"ALSA lib pcm.c:8570:(snd_pcm_recover) underrun occurred\n")  # as C does
    assert "underrun" not in out.getvalue() and "underrun" not in capfd.readouterr().err
    assert caught.lines == 1 and "underrun occurred" in (tmp_path / "dev.log").read_text()
    with device_messages_to(tmp_path / "quiet.log") as quiet:
        pass
    assert quiet.lines == 0 and not (tmp_path / "quiet.log").exists()


def test_panel_shows_the_partners_state_and_what_moved_it() -> None:
    from listening_coach.live.partner import Move, Step
    from listening_coach.live.tui import DrillView

    out = io.StringIO()
    view = DrillView("x", console=Console(file=out, width=120, color_system=None))
    view("drill.prompt", {"kind": "reaction", "text": "Don't cut me off!", "agitation": 8.5,
                          "band": "angry"})
    view("drill.partner", Step(0, "line", "line", "wait", 7.0, 8.5,
                               (Move("interruption", 1.5, "wait"),), ()))
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(view.render())
    screen = console.file.getvalue()  # type: ignore[attr-defined]
    assert "████████░░ 8.5 angry" in screen and "7 -> 8.5: interrupted +1.5" in screen
    assert "Partner (reacting): Don't cut me off!" in screen


def test_voice_cache_renders_ahead_and_drops_stale_requests() -> None:
    import threading

    import numpy as np

    from listening_coach.live.partner_voice import VoiceCache

    gate, rendered = threading.Event(), []

    def render(text: str, band: str) -> np.ndarray:
        gate.wait(5)
        rendered.append((text, band))
        return np.zeros(160, dtype=np.float32)

    cache = VoiceCache(render)
    cache.prefetch([("a", "calm"), ("b", "calm"), ("c", "calm")])
    cache.prefetch([("d", "angry")])  # the state moved on: b and c are no longer likely
    gate.set()
    for _ in range(100):
        if ("d", "angry") in rendered:
            break
        threading.Event().wait(0.05)
    cache.get("d", "angry")
    assert cache.hits == 1 and cache.misses == 0
    assert ("b", "calm") not in rendered and ("c", "calm") not in rendered
    cache.get("zz", "upset")  # never prefetched: rendered on demand, counted
    assert cache.misses == 1
    cache.close()


@pytest.mark.parametrize("engine", ["espeak", "piper"])
def test_the_partner_sounds_angrier_when_agitated(engine: str) -> None:
    """Angry: faster, louder and higher than calm (measured on the rendered audio)."""
    import librosa
    import numpy as np

    from conftest import require_tool
    from listening_coach.errors import MissingExtra
    from listening_coach.live.partner_voice import PartnerVoice
    from listening_coach.live.synth import measure_spans

    require_tool("espeak-ng", "apt-get install -y espeak-ng")
    try:
        voice = PartnerVoice(engine=engine, speed_wpm=120)
    except MissingExtra as e:
        pytest.skip(str(e))
    text = "Nobody in this store even listens to me."
    heard = {}
    for band in ("calm", "angry"):
        samples = voice(text, band)
        spans = measure_spans(samples)
        f0 = librosa.yin(samples, fmin=60, fmax=400, sr=16_000)
        heard[band] = (spans[-1].end - spans[0].start, float(np.sqrt(np.mean(samples**2))),
                       float(np.median(f0)))
    (calm_s, calm_rms, calm_f0), (angry_s, angry_rms, angry_f0) = heard["calm"], heard["angry"]
    assert angry_s < calm_s * 0.9 and angry_rms > calm_rms * 1.5 and angry_f0 > calm_f0 * 1.05
