"""The metric registry (listening_coach/metrics/names.py): what the pipeline emits is registered,
what is registered is emitted and documented, and docs/metrics.md is the generator's output."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from listening_coach.config import config_from_dict
from listening_coach.language.metrics import ALL_FLAGS, MITI_THRESHOLDS
from listening_coach.metrics.names import FLAG_PREFIX, MetricIndex, MetricName, measured, spec_of
from listening_coach.pipeline import analyze_words
from listening_coach.prosody import merge_voice
from listening_coach.report.summary import PROGRESS_METRICS
from listening_coach.testing import script
from listening_coach.types import Metric, Session, Word

ROOT = Path(__file__).resolve().parents[1]
# rules-only language; a 4 s monologue threshold so the monologue item (talk.turn_s) shows up
CONFIG = config_from_dict({"language": {"use_model": False}, "feedback": {"monologue_s": 4.0}})


def _voice(words: tuple[Word, ...]):  # type: ignore[no-untyped-def]
    """Frames at 10 ms: each speaker at -25 dB around their own pitch while their words run."""
    n = int((max(w.end for w in words) + 1.0) * 100)
    rng = np.random.default_rng(0)
    parts = {}
    for speaker, f0 in (("trainee", 110.0), ("partner", 190.0)):
        loud, pitch = np.full(n, -80.0, np.float32), np.full(n, np.nan, np.float32)
        for w in words:
            if w.speaker == speaker:
                a, b = int(w.start * 100), int(w.end * 100)
                loud[a:b] = -25.0 + rng.normal(0, 2, b - a)
                pitch[a:b] = f0 * (1 + 0.05 * rng.normal(size=b - a))
        parts[speaker] = [(loud, pitch)]
    return merge_voice(0.01, parts)


@pytest.fixture(scope="module")
def session() -> Session:
    words = script(
        "partner 0.0 I have been on hold for forty minutes and I want my money back",
        "trainee 1.5 mm-hm",
        "trainee 6.2 it sounds like you have been kept waiting far too long",
        "partner 10.5 and now you will tell me there is some policy",
        "trainee 13.0 @190 let me stop you there because our policy says seven days",
        "partner 18.0 see you are not even listening to me",
        "trainee 22.0 @120 you want someone to take this seriously um what happened next",
        "partner 27.0 they hung up on me twice and nobody ever called me back at all",
        "trainee 33.0 did you get a reference number for those calls when they hung up",
        "partner 38.0 no I did not get anything from them",
        "trainee 40.5 I am sorry that happened you did the right thing calling us today",
    )
    return analyze_words(words, CONFIG, source="scripted.wav", voice=_voice(words))


def _emitted(session: Session) -> list[Metric]:
    return list(session.metrics) + [m for f in session.feedback for m in f.because]


def test_every_emitted_metric_is_registered_with_its_unit_and_scope(session: Session) -> None:
    for m in _emitted(session):
        spec = spec_of(m.name)
        assert spec is not None, f"{m.name} is emitted but not registered in metrics/names.py"
        assert m.unit == spec.unit, m.name
        if spec.scope == "exchange":
            assert m.exchange is not None, m.name
        if spec.scope == "session":
            assert m.exchange is None, m.name
        if spec is MetricName.LANGUAGE_FLAG:
            assert m.name.removeprefix(FLAG_PREFIX) in ALL_FLAGS, m.name


def test_every_registered_metric_is_emitted(session: Session) -> None:
    """No dead entries: this session exercises every registered metric (or family)."""
    covered = {spec_of(m.name) for m in _emitted(session)}
    assert [m.value for m in MetricName if m not in covered] == []


def test_session_metric_and_the_index_are_one_lookup(session: Session) -> None:
    keys = Counter((m.name, m.exchange) for m in session.metrics)
    assert [k for k, n in keys.items() if n > 1] == []  # one metric per (name, exchange)
    index = MetricIndex(session.metrics)
    for m in session.metrics:
        assert session.metric(m.name, m.exchange) is m
        assert index.get(m.name, m.exchange) is m
    assert session.metric(MetricName.PACE_WPM, 99) is None and index.value(MetricName.PACE_WPM, 99) is None


def test_every_registered_metric_is_documented() -> None:
    doc = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    for m in MetricName:
        assert m.unit and m.description.strip(), m.value
        assert f"| `{m.value}` | {m.unit} | {m.scope} |" in doc, f"{m.value}: run `make docs`"


def test_committed_metrics_doc_matches_the_generator() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "scripts/write_metrics_doc.py", "--check"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def test_miti_thresholds_are_the_ones_documented() -> None:
    for name, (fair, good) in MITI_THRESHOLDS.items():
        spec = spec_of(name)
        assert spec is not None
        assert f"fair ≥ {fair:g}, good ≥ {good:g}" in spec.description


def test_progress_tiles_agree_with_the_registry_on_which_way_is_better() -> None:
    for pm in PROGRESS_METRICS:
        if pm.metric is not None:
            assert pm.better == pm.metric.better, pm.key


def test_unregistered_names_are_refused() -> None:
    assert measured(MetricName.PACE_WPM, 120.0, 1) == Metric("pace.wpm", 120.0, "words/min", 1)
    assert spec_of("pace.speed") is None
    with pytest.raises(ValueError, match="metrics/names.py"):
        measured("pace.speed", 1.0)
