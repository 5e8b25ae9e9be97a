"""Coach corrections: labels and events overruled, scores recomputed, agreement measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from coach_helpers import FAST_CONFIG, LINES

from listening_coach.coach.agreement import Agreement, evaluate_folder, judgements
from listening_coach.cli import main
from listening_coach.coach.corrections import (
    apply_corrections,
    corrections_from_dict,
    find_corrections,
    load_corrections,
    rescore,
)
from listening_coach.errors import ConfigError
from listening_coach.pipeline import analyze_words
from listening_coach.report.json import session_from_dict, to_dict
from listening_coach.testing import script


@pytest.fixture(scope="module")
def session():
    return analyze_words(script(*LINES), FAST_CONFIG, source="x.wav")


def interruption(session):
    return next(e for e in session.events if e.kind == "interruption")


def test_event_correction_updates_scores(session) -> None:
    event = interruption(session)
    fixed = apply_corrections(session, corrections_from_dict(
        {"event": [{"at": event.start + 0.1, "was": "interruption", "kind": "backchannel"}]}))
    before = session.metric("overlap.interruptions").value
    assert fixed.metric("overlap.interruptions").value == before - 1
    assert fixed.metric("overlap.backchannels").value == session.metric("overlap.backchannels").value + 1
    assert "interrupted" in {f.code for f in session.feedback}
    assert "interrupted" not in {f.code for f in fixed.feedback}


def test_event_can_be_deleted(session) -> None:
    event = interruption(session)
    fixed = apply_corrections(session, corrections_from_dict(
        {"event": [{"at": event.start, "kind": "none"}]}))
    assert len(fixed.events) == len(session.events) - 1
    assert fixed.metric("overlap.interruptions").value == 0


def test_label_correction_updates_language_scores(session) -> None:
    target = next(lb for lb in session.labels if lb.label != "reflection")
    fixed = apply_corrections(session, corrections_from_dict(
        {"label": [{"exchange": target.exchange, "label": "reflection", "subtype": "complex"}]}))
    new = next(lb for lb in fixed.labels if lb.exchange == target.exchange)
    assert (new.label, new.subtype, new.source, new.confidence) == ("reflection", "complex",
                                                                     "coach", 1.0)
    before = session.metric("language.reflections").value
    assert fixed.metric("language.reflections").value == before + 1
    assert fixed.metric("language.complex_reflections").value == (
        session.metric("language.complex_reflections").value + 1)
    assert fixed.metric("pace.wpm") == session.metric("pace.wpm")  # untouched metrics stay


def test_rescoring_without_corrections_returns_an_equal_session(session) -> None:
    """The contract of the shared tail: corrections change only what they name."""
    assert apply_corrections(session, corrections_from_dict({})) == session
    loaded = session_from_dict(json.loads(json.dumps(to_dict(session))))
    assert rescore(loaded, labels=loaded.labels, events=loaded.events) == loaded


def test_removing_every_listening_response_updates_the_effect_metrics(session) -> None:
    listened = [lb.exchange for lb in session.labels if lb.label == "reflection"]
    assert session.metric("effect.listening_responses").value == len(listened) > 0
    backchannels = [e for e in session.events if e.kind == "backchannel"]
    fixed = apply_corrections(session, corrections_from_dict({
        "label": [{"exchange": i, "label": "other"} for i in listened],
        "event": [{"at": e.start, "was": "backchannel", "kind": "none"} for e in backchannels],
    }))
    assert fixed.metric("language.reflections").value == 0
    assert fixed.metric("effect.listening_responses") is None
    before = session.metric("effect.other_responses")
    assert fixed.metric("effect.other_responses").value == (before.value if before else 0) + len(
        set(listened))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"label": [{"exchange": 99, "label": "question"}]}, "exchange 99 does not exist"),
        ({"label": [{"exchange": 0, "label": "question", "subtype": "complex"}]},
         "does not fit label"),
        ({"label": [{"exchange": 0, "label": "question", "utterance": 5}]}, "not 5"),
        ({"event": [{"at": 100.0, "kind": "backchannel"}]}, "no event at 100.0 s"),
        ({"event": [{"at": 8.7, "kind": "chat"}]}, "not an event kind"),
        ({"label": [{"exchange": 0, "lable": "question"}]}, "unknown key"),
        ({"reviewed": "some"}, "reviewed must be"),
    ],
    ids=["no-exchange", "bad-subtype", "no-utterance", "no-event", "bad-kind", "typo",
         "bad-reviewed"],
)
def test_bad_corrections_are_clear_errors(session, data, message) -> None:
    with pytest.raises(ConfigError, match=message):
        apply_corrections(session, corrections_from_dict(data))


def test_files_next_to_the_json(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{}")
    assert find_corrections(tmp_path / "a.json") is None
    (tmp_path / "a.corrections.toml").write_text(
        'coach = "Dana"\nreviewed = "all"\n[[label]]\nexchange = 1\nlabel = "question"\n'
        'subtype = "open"\n')
    found = find_corrections(tmp_path / "a.json")
    assert found is not None and found.coach == "Dana" and found.reviewed == "all"
    (tmp_path / "b.corrections.toml").write_text("[[label]\nexchange = ")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_corrections(tmp_path / "b.corrections.toml")


def write_session(folder: Path, name: str, session, corrections: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(to_dict(session)))
    (folder / f"{name}.corrections.toml").write_text(corrections)


def test_agreement_over_a_folder(session, tmp_path: Path) -> None:
    event = interruption(session)
    relabel = next(lb for lb in session.labels if lb.label != "reflection")
    write_session(tmp_path / "wk1", "a", session,
                  f'reviewed = "all"\n[[label]]\nexchange = {relabel.exchange}\n'
                  'label = "reflection"\nsubtype = "simple"\n'
                  f'[[event]]\nat = {event.start}\nkind = "backchannel"\n')
    write_session(tmp_path / "wk2", "b", session, "reviewed = [0]\n")
    results, files = evaluate_folder(tmp_path)
    assert len(files) == 2
    labels = results["label"]
    # a: every label reviewed, one changed; b: only exchange 0 reviewed, agreed.
    n_a = len(session.labels)
    n_b = sum(lb.exchange == 0 for lb in session.labels)
    assert labels.n == n_a + n_b
    assert labels.accuracy == pytest.approx((labels.n - 1) / labels.n)
    assert labels.confusions == [(relabel.label, "reflection", 1)]
    events = results["event"]
    assert (relabel.label, "reflection") in labels.pairs
    assert ("interruption", "backchannel") in events.pairs


def test_kappa_matches_sklearn() -> None:
    from sklearn.metrics import cohen_kappa_score

    pairs = (("reflection", "reflection"), ("question", "reflection"), ("other", "other"),
             ("question", "question"), ("reflection", "other"), ("other", "other"))
    a = Agreement("label", pairs)
    assert a.kappa == pytest.approx(cohen_kappa_score([m for m, _ in pairs], [c for _, c in pairs]))
    assert Agreement("label", (("x", "x"), ("x", "x"))).kappa is None
    assert Agreement("label", ()).accuracy is None


def test_judgements_ignore_unreviewed_exchanges(session) -> None:
    pairs = judgements(session, corrections_from_dict({}))
    assert all(not v for v in pairs.values())


def test_render_and_eval_commands(session, tmp_path: Path, capsys) -> None:
    event = interruption(session)
    write_session(tmp_path, "a", session,
                  f'coach = "Dana"\nreviewed = "all"\n[[event]]\nat = {event.start}\n'
                  'kind = "backchannel"\n')
    assert main(["render", str(tmp_path / "a.json"), "--no-audio", "--save-json"]) == 0
    html = (tmp_path / "a.html").read_text()
    assert "Coach corrections by Dana applied: 0 labels, 1 event" in html
    corrected = json.loads((tmp_path / "a.corrected.json").read_text())
    assert not any(e["kind"] == "interruption" for e in corrected["events"])
    capsys.readouterr()
    assert main(["eval", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "over 1 corrections file" in out and "interruption->backchannel x1" in out
    assert main(["eval", str(tmp_path / "nothing")]) == 1
    assert main(["render", str(tmp_path / "a.corrections.toml")]) == 1
