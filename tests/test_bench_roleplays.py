"""The hard-conditions benchmark's generated role-plays: truth consistent with the script."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from listening_coach.evaluation.bench_scenes import BACKCHANNELS, SCENES
from listening_coach.evaluation.bench_scripts import bench_roleplay, condition_of, render_bench
from listening_coach.testing.families import check_families
from listening_coach.testing.roleplay import Rendered
from listening_coach.types import PARTNER, TRAINEE
from tests.conftest import require_tool


@pytest.fixture(scope="module")
def rendered() -> dict[int, Rendered]:
    """Role-play 0 (espeak-ng both sides, wideband) and 3 (espeak-ng, phone band)."""
    require_tool("espeak-ng", "apt-get install -y espeak-ng")
    return {i: render_bench(i) for i in (0, 3)}


def _exchange_of(truth: dict[str, Any], line: int) -> dict[str, Any]:
    return truth["exchanges"][truth["lines"][line]["exchange"]]


@pytest.mark.espeak
def test_truth_holds_every_scripted_case(rendered: dict[int, Rendered]) -> None:
    for i, r in rendered.items():
        truth = r.truth
        script = bench_roleplay(i)
        assert [ln["text"] for ln in truth["lines"]] == [ln.text for ln in script.lines]
        kinds = {(o["kind"], o["speaker"]) for o in truth["overlaps"]}
        assert kinds == {("backchannel", TRAINEE), ("interruption", TRAINEE), ("interruption", PARTNER)}
        assert len(truth["exchanges"]) == 8
        assert any(p["duration_s"] >= 1.7 for p in truth["effective_pauses"])
        for ex in truth["exchanges"]:
            check_families([*ex["feedback"]["concerns"], *ex["feedback"]["praise"]], truth["name"])
        for o in truth["overlaps"]:
            families = _exchange_of(truth, o["line"])["feedback"]
            if o["speaker"] == TRAINEE:  # the trainee's interruption / backchannel is expected feedback
                assert o["kind"] in families["concerns"] + families["praise"]
        short = [ln for ln in truth["lines"] if ln["speaker"] == PARTNER and ln["words"] <= 2]
        assert short, "a one- or two-word partner line"
        assert truth["lines"][1]["text"] == BACKCHANNELS[i % len(BACKCHANNELS)]
        # every trainee line that names a family put it on its exchange
        for line, scripted in zip(truth["lines"], script.lines):
            families = _exchange_of(truth, line["index"])["feedback"]
            assert set(scripted.feedback) <= set(families["concerns"] + families["praise"])


@pytest.mark.espeak
def test_conditions_are_rendered(rendered: dict[int, Rendered]) -> None:
    wide, phone = rendered[0], rendered[3]
    assert condition_of(wide.truth)["band"] == "wide" and condition_of(phone.truth)["band"] == "phone"
    assert 20 <= wide.truth["snr_db"] <= 40 and 12 <= wide.truth["bleed_db"] <= 24

    def high_share(samples: np.ndarray) -> float:  # energy above 3.6 kHz
        spectrum = np.abs(np.fft.rfft(samples[1])) ** 2
        freqs = np.fft.rfftfreq(samples.shape[1], 1 / 16000)
        return float(spectrum[freqs > 3600].sum() / spectrum.sum())

    assert high_share(phone.samples) < 0.01 < high_share(wide.samples)
    truth = wide.truth
    for line in truth["lines"]:  # a line alone on its channel: the other channel has its bleed
        others = [o for o in truth["lines"] if o["speaker"] != line["speaker"]
                  and o["start"] < line["end"] + 0.1 and line["start"] < o["end"] + 0.1]
        if others or line["end"] - line["start"] < 2:
            continue
        own = truth["channels"].index(line["speaker"])
        a, b = int(line["start"] * 16000), int(line["end"] * 16000)
        db = 10 * np.log10(np.mean(wide.samples[:, a:b].astype(np.float64) ** 2, axis=1))
        assert db[own] - db[1 - own] == pytest.approx(truth["bleed_db"], abs=1.5), line["text"]


def test_the_bank_is_seeded_and_covers_the_conditions() -> None:
    assert repr(bench_roleplay(5, 12)) == repr(bench_roleplay(5, 12)) != repr(bench_roleplay(5, 13))
    plays = [bench_roleplay(i) for i in range(24)]
    assert len({p.name.split("_", 1)[1] for p in plays}) == len(SCENES)
    assert {ln.text for p in plays for ln in p.lines if ln.expect == "backchannel"} == set(BACKCHANNELS)
    engines = {tuple(v for _, v in p.voices) for p in plays}
    assert len(engines) == 3 and {p.band for p in plays} == {"wide", "phone"}
    assert sum(bool(p.levels_db) for p in plays) == 12
    assert any(ln.after_s >= 5 for p in plays for ln in p.lines)  # dead air
    first_words = {ln.text.split()[0].strip(",") for p in plays for ln in p.lines if ln.speaker == TRAINEE}
    assert {"Okay", "Well", "So"} <= first_words
