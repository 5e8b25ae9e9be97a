"""Manifest CSV and file-name patterns: who, when, which scenario, which channel is whom."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from coach_helpers import FAST_CONFIG, write_wav

from listening_coach.coach.batch import plan_batch
from listening_coach.errors import ConfigError
from listening_coach.coach.manifest import (
    check_trainee_names,
    compile_pattern,
    info_from_pattern,
    read_manifest,
)


@pytest.fixture()
def recordings(tmp_path: Path) -> Path:
    for name in ("a.wav", "b.wav"):
        write_wav(tmp_path / "rec" / name, seconds=0.5)
    return tmp_path


def test_manifest_reads_every_column(recordings: Path) -> None:
    m = recordings / "manifest.csv"
    m.write_text("path,trainee,date,scenario,channels\n"
                 "rec/a.wav,Ana,2026-03-01,angry customer,\"partner,trainee\"\n"
                 "rec/b.wav,Bo,20260308,,\n", encoding="utf-8")
    infos = read_manifest(m)
    a = infos[(recordings / "rec" / "a.wav").resolve()]
    assert (a.trainee, a.date, a.scenario, a.channels) == (
        "Ana", dt.date(2026, 3, 1), "angry customer", ("partner", "trainee"))
    b = infos[(recordings / "rec" / "b.wav").resolve()]
    assert b.date == dt.date(2026, 3, 8) and b.scenario is None and b.channels is None


def test_manifest_channel_map_reaches_the_task_config(recordings: Path) -> None:
    m = recordings / "manifest.csv"
    m.write_text("path,channels\nrec/a.wav,\"partner,trainee\"\nrec/b.wav,\n")
    plan = plan_batch([], recordings / "out", FAST_CONFIG, manifest=m)
    by_name = {t.name: t for t in plan.tasks}
    assert by_name["a"].config.speakers.channels == ("partner", "trainee")
    assert by_name["b"].config.speakers.channels == FAST_CONFIG.speakers.channels


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("file,trainee\nrec/a.wav,Ana\n", "no path column"),
        ("path,trainee,room\nrec/a.wav,Ana,3\n", "unknown column"),
        ("path,trainee\nrec/a.wav,Ana\nrec/missing.wav,Ana\n", "do not exist: rec/missing.wav"),
        ("path,date\nrec/a.wav,March 1st\n", "line 2: date 'March 1st'"),
        ("path,channels\nrec/a.wav,left,right\n", "more cells than columns"),
        ("path,channels\nrec/a.wav,\"left,right\"\n", "channel map"),
        ("path,trainee\nrec/a.wav,Ana\nrec/b.wav,ana\n", "differ only by case"),
        ("path\nrec/a.wav\nrec/a.wav\n", "listed twice"),
    ],
    ids=["no-path", "unknown-column", "missing-file", "bad-date", "unquoted-channels", "bad-channels",
         "case-duplicates", "repeated"],
)
def test_bad_manifests_are_clear_errors(recordings: Path, text: str, message: str) -> None:
    m = recordings / "manifest.csv"
    m.write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_manifest(m)


def test_missing_manifest_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        read_manifest(tmp_path / "nope.csv")


def test_pattern_reads_trainee_date_scenario() -> None:
    info = info_from_pattern(Path("x/Ana_2026-03-01_angry_customer.wav"),
                             "{trainee}_{date}_{scenario}")
    assert info is not None
    assert (info.trainee, info.date, info.scenario) == ("Ana", dt.date(2026, 3, 1), "angry_customer")
    assert info_from_pattern(Path("random.wav"), "{trainee}_{date}_{scenario}") is None
    literal = info_from_pattern(Path("week3-bo-call.mp4"), "week{any}-{trainee}-call")
    assert literal is not None and literal.trainee == "bo"


@pytest.mark.parametrize("pattern", ["{who}_{date}", "{any}", "{date}_{date}"],
                         ids=["unknown-field", "no-field", "repeated-field"])
def test_bad_patterns(pattern: str) -> None:
    with pytest.raises(ConfigError):
        compile_pattern(pattern)


def test_pattern_with_bad_date_is_an_error() -> None:
    with pytest.raises(ConfigError, match="not a date"):
        info_from_pattern(Path("ana_yesterday.wav"), "{trainee}_{date}")


def test_case_duplicates_from_file_names_are_reported(tmp_path: Path) -> None:
    write_wav(tmp_path / "in" / "Ana_2026-01-01.wav", seconds=0.5)
    write_wav(tmp_path / "in" / "ana_2026-01-08.wav", seconds=0.5)
    with pytest.raises(ConfigError, match="'Ana' vs 'ana'"):
        plan_batch([tmp_path / "in"], tmp_path / "out", FAST_CONFIG, pattern="{trainee}_{date}")
    check_trainee_names(["Ana", "Bo", None, "Ana"])  # exact repeats are the same person


def test_files_not_matching_the_pattern_are_noted(tmp_path: Path) -> None:
    write_wav(tmp_path / "in" / "ana_2026-01-01.wav", seconds=0.5)
    write_wav(tmp_path / "in" / "warmup.wav", seconds=0.5)
    plan = plan_batch([tmp_path / "in"], tmp_path / "out", FAST_CONFIG, pattern="{trainee}_{date}")
    assert any("warmup.wav does not match" in n for n in plan.notes)
    assert {t.name: t.info.trainee for t in plan.tasks} == {"ana_2026-01-01": "ana", "warmup": None}
