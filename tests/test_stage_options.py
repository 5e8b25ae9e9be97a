"""Each stage takes its own options section (issue 16): no stage function reads the whole config."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import listening_coach.feedback
import listening_coach.language
import listening_coach.metrics
from listening_coach.config import Config, FeedbackOptions, PaceOptions
from listening_coach.feedback import PaceTargets, give_feedback
from listening_coach.pipeline import analyze_words
from listening_coach.testing import script

# these compose the metric stages and hand each its own section
COMPOSERS = {"listening_coach.metrics.find_events", "listening_coach.metrics.compute_metrics"}


def _functions():  # type: ignore[no-untyped-def]
    for package in (listening_coach.feedback, listening_coach.language, listening_coach.metrics):
        names = [package.__name__] + [
            f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)
        ]
        for name in names:
            module = importlib.import_module(name)
            for fn_name, fn in inspect.getmembers(module, inspect.isfunction):
                if fn.__module__ == name:
                    yield f"{name}.{fn_name}", fn


def test_stage_functions_take_no_whole_config() -> None:
    checked, offenders = 0, []
    for name, fn in _functions():
        checked += 1
        annotations = [str(p.annotation) for p in inspect.signature(fn).parameters.values()]
        if any("Config" in a.replace("Options", "") for a in annotations) and name not in COMPOSERS:
            offenders.append(name)
    assert checked > 50 and offenders == []


def test_feedback_quotes_the_pace_targets_it_is_given() -> None:
    session = analyze_words(
        script("partner 0.0 I have been waiting for an hour and nobody calls me back at all",
               "trainee 5.0 @200 I understand that you have been waiting a very long time for a call "
               "back from us and that is really not good enough at all for you today"),  # 9 s
        Config(),
    )
    targets = PaceTargets.of(PaceOptions(target_wpm_min=95.0, target_wpm_max=105.0))
    feedback = give_feedback(session.exchanges, session.events, session.metrics, FeedbackOptions(),
                             pace=targets)
    fast = next(f for f in feedback if f.code == "fast_answer")
    assert "Slow down to 95-105" in fast.message
    assert "Slow down to 110-140" in next(f for f in session.feedback if f.code == "fast_answer").message
