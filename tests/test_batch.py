"""Batch analysis: resumable, failure-isolating, parallel, with progress (fake fast analysis)."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest
from coach_helpers import FAST_CONFIG, calls, fake_analyze, write_wav

from listening_coach.coach.batch import BatchProgress, plan_batch, run_batch
from listening_coach.cli import main
from listening_coach.coach import outputs
from listening_coach.errors import ConfigError


def make_folder(root: Path, n: int = 3, *, bad: bool = True) -> Path:
    folder = root / "in"
    for i in range(n):
        write_wav(folder / f"ana_2026-01-0{i + 1}_angry.wav", freq_hz=200 + 20 * i)
    if bad:
        (folder / "broken.wav").write_bytes(b"this is not audio")
    (folder / "notes.txt").write_text("not a recording")
    return folder


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture()
def batch(tmp_path: Path):
    folder = make_folder(tmp_path)
    out = tmp_path / "out"
    events: list[tuple[str, object]] = []
    result = run_batch([folder], out, FAST_CONFIG, jobs=1, analyze=fake_analyze,
                       pattern="{trainee}_{date}_{scenario}",
                       hook=lambda step, a: events.append((step, a)))
    return folder, out, result, events


def test_batch_writes_outputs_and_isolates_failures(batch) -> None:
    folder, out, result, _ = batch
    assert [i.status for i in result.items].count("done") == 3
    assert len(result.failed) == 1
    failed = result.failed[0]
    assert failed.path.name == "broken.wav" and "not a readable audio" in failed.error
    for item in result.analysed:
        for suffix in (".json", ".html", ".stamp.json"):
            assert (out / f"{item.name}{suffix}").is_file()
        stamp = json.loads((out / f"{item.name}.stamp.json").read_text())
        assert stamp["input"] == str(item.path) and len(stamp["audio_sha256"]) == 64
    assert not (out / "broken.json").exists()
    recs = rows(out / "recordings.csv")
    assert {r["recording"]: r["status"] for r in recs} == {
        "ana_2026-01-01_angry": "done", "ana_2026-01-02_angry": "done",
        "ana_2026-01-03_angry": "done", "broken": "failed"}
    assert all(r["trainee"] == "ana" and r["scenario"] == "angry" for r in recs if r["status"] == "done")
    exchanges = rows(out / "exchanges.csv")
    n_exchanges = sum(int(r["exchanges"]) for r in recs if r["status"] == "done")
    assert len(exchanges) == n_exchanges > 0
    index = (out / "index.html").read_text()
    assert "broken.wav" in index and "not a readable audio" in index
    assert 'href="ana_2026-01-01_angry.html"' in index


def test_progress_hook_counts_and_eta(batch) -> None:
    *_, events = batch
    steps = [s for s, _ in events]
    assert steps[0] == "batch.start" and steps[-1] == "batch.done"
    progress = [a for s, a in events if s == "batch.item"]
    assert all(isinstance(p, BatchProgress) for p in progress)
    assert [p.done for p in progress] == [1, 2, 3, 4] and {p.total for p in progress} == {4}
    etas = [p.eta_s for p in progress if p.eta_s is not None]
    assert etas and all(e >= 0 for e in etas) and progress[-1].eta_s == 0.0


def test_rerun_skips_unchanged_and_redoes_changed(batch) -> None:
    folder, out, first, _ = batch
    assert len(calls(folder)) == 3
    again = run_batch([folder], out, FAST_CONFIG, jobs=1, analyze=fake_analyze)
    assert len(again.skipped) == 3 and len(calls(folder)) == 3  # nothing analysed twice
    assert len(again.failed) == 1  # the bad file is tried again and listed again
    write_wav(folder / "ana_2026-01-02_angry.wav", seconds=3.0)  # the audio changed
    changed = run_batch([folder], out, FAST_CONFIG, jobs=1, analyze=fake_analyze)
    assert [(i.name, i.why) for i in changed.analysed] == [("ana_2026-01-02_angry", "audio changed")]
    config = replace(FAST_CONFIG, pauses=replace(FAST_CONFIG.pauses, dead_air_s=6.0))
    reconf = run_batch([folder], out, config, jobs=1, analyze=fake_analyze)
    assert {i.why for i in reconf.analysed} == {"config changed"} and len(reconf.analysed) == 3
    forced = run_batch([folder], out, config, jobs=1, analyze=fake_analyze, force=True)
    assert {i.why for i in forced.analysed} == {"forced"}


def test_an_upgraded_engine_reanalyses(batch, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, out, _, _ = batch
    assert not run_batch([folder], out, FAST_CONFIG, jobs=1, analyze=fake_analyze).analysed
    stamp = json.loads((out / "ana_2026-01-01_angry.stamp.json").read_text())
    assert stamp["engine_sha256"] == outputs.engine_sha256()
    monkeypatch.setattr(outputs, "engine_sha256", lambda: "a retrained model")
    upgraded = run_batch([folder], out, FAST_CONFIG, jobs=1, analyze=fake_analyze)
    assert {i.why for i in upgraded.analysed} == {"engine changed"}
    assert len(upgraded.analysed) == 3 and not upgraded.skipped


def test_threads_do_not_change_the_config_hash(batch) -> None:
    folder, out, _, _ = batch
    config = replace(FAST_CONFIG, transcribe=replace(FAST_CONFIG.transcribe, cpu_threads=1))
    again = run_batch([folder], out, config, jobs=1, analyze=fake_analyze)
    assert len(again.skipped) == 3


def test_interrupt_keeps_finished_work_and_resumes(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, n=4, bad=False)
    out = tmp_path / "out"

    def stop_after_two(step: str, artifact: object) -> None:
        if isinstance(artifact, BatchProgress) and artifact.done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch([folder], out, FAST_CONFIG, jobs=1, analyze=fake_analyze, hook=stop_after_two)
    assert len(list(out.glob("*.stamp.json"))) == 2
    assert len(rows(out / "recordings.csv")) == 2  # summaries of the finished work are written
    resumed = run_batch([folder], out, FAST_CONFIG, jobs=1, analyze=fake_analyze)
    assert len(resumed.skipped) == 2 and len(resumed.analysed) == 2
    assert sorted(calls(folder)) == sorted(p.name for p in folder.glob("*.wav"))


def test_ctrl_c_right_after_a_stamp_still_lists_that_recording_as_done(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C between writing a recording's stamp and handing its result back (seen in the real
    batch test): the recording was analysed by this command, so it is listed as done."""
    import listening_coach.coach.outputs as outputs_module

    folder = make_folder(tmp_path, n=3, bad=False)
    out = tmp_path / "out"
    write = outputs_module.atomic_write_text

    def write_then_stop(path: Path, text: str) -> None:
        write(path, text)
        if path.name == "ana_2026-01-02_angry.stamp.json":
            raise KeyboardInterrupt

    monkeypatch.setattr(outputs_module, "atomic_write_text", write_then_stop)
    with pytest.raises(KeyboardInterrupt):
        run_batch([folder], out, FAST_CONFIG, jobs=1, analyze=fake_analyze)
    assert {r["recording"]: r["status"] for r in rows(out / "recordings.csv")} == {
        "ana_2026-01-01_angry": "done", "ana_2026-01-02_angry": "done"}


def test_file_disappearing_mid_run_is_a_listed_failure(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, n=3, bad=False)
    victim = folder / "ana_2026-01-03_angry.wav"

    def delete_later_file(step: str, artifact: object) -> None:
        if isinstance(artifact, BatchProgress) and artifact.done == 1:
            victim.unlink()

    result = run_batch([folder], tmp_path / "out", FAST_CONFIG, jobs=1, analyze=fake_analyze,
                       hook=delete_later_file)
    assert [i.path.name for i in result.failed] == [victim.name]
    assert "disappeared" in result.failed[0].error
    assert len(result.analysed) == 2


def test_output_folder_inside_input_is_excluded_and_equal_is_refused(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, n=1, bad=False)
    out = folder / "reports"
    first = run_batch([folder], out, FAST_CONFIG, jobs=1, analyze=fake_analyze)
    assert any("inside input folder" in n for n in first.notes)
    write_wav(out / "stray.wav")  # a media file inside the output folder is never analysed
    second = run_batch([folder], out, FAST_CONFIG, jobs=1, analyze=fake_analyze)
    assert [i.path.name for i in second.items] == ["ana_2026-01-01_angry.wav"]
    with pytest.raises(ConfigError, match="also an input folder"):
        plan_batch([folder], folder, FAST_CONFIG)


def test_outputs_of_another_input_are_not_overwritten(tmp_path: Path) -> None:
    a = write_wav(tmp_path / "a" / "same.wav", freq_hz=300)
    b = write_wav(tmp_path / "b" / "same.wav", freq_hz=400)
    out = tmp_path / "out"
    run_batch([a], out, FAST_CONFIG, jobs=1, analyze=fake_analyze)
    before = (out / "same.json").read_text()
    refused = run_batch([b], out, FAST_CONFIG, jobs=1, analyze=fake_analyze)
    assert refused.failed and "--force" in refused.failed[0].error
    assert (out / "same.json").read_text() == before
    forced = run_batch([b], out, FAST_CONFIG, jobs=1, analyze=fake_analyze, force=True)
    assert forced.analysed and json.loads((out / "same.stamp.json").read_text())["input"] == str(b)


def test_same_stem_different_extension_get_distinct_outputs(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_wav(folder / "take.wav")
    write_wav(folder / "sub" / "take.wav")
    plan = plan_batch([folder], tmp_path / "out", FAST_CONFIG)
    assert sorted(t.name for t in plan.tasks) == ["sub__take", "take"]


def test_missing_input_is_listed_and_rest_completes(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "ok.wav")
    result = run_batch([wav, tmp_path / "gone.wav"], tmp_path / "out", FAST_CONFIG, jobs=1,
                       analyze=fake_analyze)
    assert len(result.analysed) == 1
    assert result.failed[0].error.endswith("no such file or folder")


@pytest.mark.slow  # spawned workers import the package: 15-32 s at load 9, 10 s at 5
def test_worker_processes_give_the_same_outputs(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, n=3, bad=True)
    one = run_batch([folder], tmp_path / "one", FAST_CONFIG, jobs=1, analyze=fake_analyze)
    two = run_batch([folder], tmp_path / "two", FAST_CONFIG, jobs=2, analyze=fake_analyze)
    assert [(i.name, i.status) for i in one.items] == [(i.name, i.status) for i in two.items]
    for item in one.analysed:
        a = json.loads((tmp_path / "one" / f"{item.name}.json").read_text())
        b = json.loads((tmp_path / "two" / f"{item.name}.json").read_text())
        assert a == b
    assert (tmp_path / "one" / "exchanges.csv").read_text() == (
        tmp_path / "two" / "exchanges.csv").read_text()


def test_cli_lists_failures_and_exits_1_when_all_fail(tmp_path: Path, capsys) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "broken.mp3").write_bytes(b"\x00" * 100)
    code = main(["analyze", str(tmp_path / "in"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and "broken.mp3" in err and "1 of 1 recording failed" in err
    assert (tmp_path / "out" / "index.html").is_file()


def test_cli_bad_manifest_is_one_line_error(tmp_path: Path, capsys) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,trainee\nx.wav,ana\n")
    code = main(["analyze", "--manifest", str(manifest), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and "no path column" in err
    assert "Traceback" not in err


PARTNER_LINES = (
    "I have been waiting all morning and nobody told me anything.",
    "You people keep sending me letters I do not understand.",
    "My son has been in that ward for three days without a doctor.",
    "I paid twice and the refund still has not arrived.",
    "Why does nobody answer the phone in this office?",
)
TRAINEE_LINES = (
    "It sounds like the waiting has worn you out.",
    "So the letters leave you more confused than before.",
    "What would help you most right now?",
    "You are worried nobody is looking after him.",
    "Okay.",
)


N_ROLEPLAYS = 10


@pytest.fixture(scope="module")
def roleplays(tmp_path_factory) -> Path:
    """Ten short two-channel role-plays rendered with espeak-ng (about 8 s each), five per trainee."""
    from conftest import require_tool

    from listening_coach.testing.roleplay import Line, RolePlay, write_roleplay
    from listening_coach.types import PARTNER, TRAINEE

    require_tool("espeak-ng", "apt-get install -y espeak-ng")
    folder = tmp_path_factory.mktemp("roleplays")
    for i in range(N_ROLEPLAYS):
        trainee = ("ana", "bo")[i % 2]
        lines = (
            Line(PARTNER, PARTNER_LINES[i % 5], after_s=0.0, speed_wpm=120),
            Line(TRAINEE, TRAINEE_LINES[(i // 2) % 5], after_s=0.6 + 0.1 * (i % 4),
                 speed_wpm=105 + 5 * (i % 3)),
            Line(PARTNER, PARTNER_LINES[(i + 2) % 5], after_s=0.5, speed_wpm=125),
        )
        rp = RolePlay(name=f"{trainee}_2026-02-{i + 1:02d}_call", title="test", lines=lines)
        write_roleplay(rp, folder, audio_format="opus")
    for truth in folder.glob("*.truth.json"):
        truth.unlink()
    return folder


@pytest.mark.slow
def test_real_batch_survives_ctrl_c_and_resumes(roleplays: Path, tmp_path: Path) -> None:
    """The CLI with the real models: Ctrl-C after 3 recordings, then the same command resumes.

    Each recording costs about 5 s (two Whisper passes of a 30 s window however short the
    clip, the language model, the HTML report), so the folder has 10, not the 20 it once had
    (256 s in issue 11); no check depends on the count."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    # pitch tracking (the slowest stage) and the audio embedded in each report are not under
    # test here
    config = tmp_path / "coach.toml"
    config.write_text("[voice]\nenabled = false\n[report]\nembed_audio = false\n")
    cmd = [sys.executable, "-m", "listening_coach", "analyze", str(roleplays), "--out", str(out),
           "--pattern", "{trainee}_{date}_{scenario}", "--jobs", "1", "--config", str(config)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while len(list(out.glob("*.stamp.json"))) < 3 and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr[-3000:]
    assert "run the same command again to resume" in stderr
    finished = len(list(out.glob("*.stamp.json")))
    assert 3 <= finished < N_ROLEPLAYS
    assert not list(out.glob(".*.partial"))  # no half-written file left behind
    first = rows(out / "recordings.csv")  # summaries of the finished work, no failures
    assert [r["status"] for r in first] == ["done"] * finished, [r["error"] for r in first]

    second = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"{N_ROLEPLAYS - finished} analysed, {finished} unchanged (skipped), 0 failed" in second.stdout
    assert "eta" in second.stderr  # progress lines with ETA (no terminal: one line per file)
    recs = rows(out / "recordings.csv")
    assert len(recs) == N_ROLEPLAYS and {r["status"] for r in recs} <= {"done", "skipped"}
    assert {r["trainee"] for r in recs} == {"ana", "bo"}
    assert all(int(r["exchanges"]) >= 1 for r in recs)
    cohort = rows(out / "cohort.csv")
    per_trainee = N_ROLEPLAYS // 2
    assert [r["n"] for r in cohort if r["trainee"] == "ana"] == [str(i) for i in range(1, per_trainee + 1)]
    assert len(list(out.glob("*.html"))) == N_ROLEPLAYS + 1  # the reports + index


def test_unreadable_json_is_rebuilt_and_bad_out_is_clear(batch, tmp_path: Path) -> None:
    folder, out, _, _ = batch
    (out / "ana_2026-01-01_angry.json").write_text("{truncated")
    again = run_batch([folder], out, FAST_CONFIG, jobs=1, analyze=fake_analyze)
    assert [(i.name, i.why) for i in again.analysed] == [("ana_2026-01-01_angry",
                                                          "outputs unreadable")]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    from listening_coach.errors import OutputError

    with pytest.raises(OutputError, match="Cannot create the output folder"):
        run_batch([folder], blocker / "out", FAST_CONFIG, jobs=1, analyze=fake_analyze)


@pytest.mark.slow  # spawned workers import the package: 15-32 s at load 9, 10 s at 5
def test_interrupting_worker_processes_keeps_finished_work(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, n=4, bad=False)
    out = tmp_path / "out"

    def stop_after_one(step: str, artifact: object) -> None:
        if isinstance(artifact, BatchProgress) and artifact.done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch([folder], out, FAST_CONFIG, jobs=2, analyze=fake_analyze, hook=stop_after_one)
    kept = len(list(out.glob("*.stamp.json")))
    assert kept >= 1
    resumed = run_batch([folder], out, FAST_CONFIG, jobs=2, analyze=fake_analyze)
    assert len(resumed.skipped) == kept and len(resumed.analysed) == 4 - kept


def test_coach_corrections_count_in_the_batch_tables(batch) -> None:
    folder, out, first, _ = batch
    name = first.analysed[0].name
    data = json.loads((out / f"{name}.json").read_text())
    event = next(e for e in data["events"] if e["kind"] == "interruption")
    before = {r["recording"]: r for r in rows(out / "recordings.csv")}[name]
    (out / f"{name}.corrections.toml").write_text(
        f'[[event]]\nat = {event["start"]}\nkind = "backchannel"\n')
    again = run_batch([folder], out, FAST_CONFIG, jobs=1, analyze=fake_analyze)
    assert len(again.skipped) == 3
    after = {r["recording"]: r for r in rows(out / "recordings.csv")}[name]
    assert int(after["interruptions"]) == int(before["interruptions"]) - 1
    assert int(after["backchannels"]) == int(before["backchannels"]) + 1
    assert json.loads((out / f"{name}.json").read_text()) == data  # the model's JSON is kept
    assert main(["render", str(out), "--no-audio"]) == 0  # a folder: stamps are left out
    assert "Coach corrections applied" in (out / f"{name}.html").read_text()


def test_batch_tables_and_index_describe_the_whole_output_folder(tmp_path: Path) -> None:
    first = write_wav(tmp_path / "a" / "ana_2026-01-01_angry.wav", freq_hz=200)
    second = write_wav(tmp_path / "b" / "ben_2026-01-02_angry.wav", seconds=3.0, freq_hz=300)
    out = tmp_path / "out"
    pattern = "{trainee}_{date}_{scenario}"
    run_batch([first], out, FAST_CONFIG, analyze=fake_analyze, pattern=pattern)
    result = run_batch([second], out, FAST_CONFIG, analyze=fake_analyze, pattern=pattern)
    assert [i.name for i in result.items] == ["ben_2026-01-02_angry"]  # this command's work
    recs = {r["recording"]: r for r in rows(out / "recordings.csv")}
    assert set(recs) == {"ana_2026-01-01_angry", "ben_2026-01-02_angry"}
    assert recs["ana_2026-01-01_angry"]["status"] == "earlier"
    assert recs["ana_2026-01-01_angry"]["trainee"] == "ana"  # from the stamp
    assert recs["ben_2026-01-02_angry"]["status"] == "done"
    exchanges = rows(out / "exchanges.csv")
    assert {r["recording"] for r in exchanges} == set(recs)
    assert len(exchanges) == sum(int(r["exchanges"]) for r in recs.values())
    index = (out / "index.html").read_text()
    assert 'href="ana_2026-01-01_angry.html"' in index and 'href="ben_2026-01-02_angry.html"' in index
    (out / "ana_2026-01-01_angry.json").write_text("{broken")  # unreadable: left out, no crash
    run_batch([second], out, FAST_CONFIG, analyze=fake_analyze, pattern=pattern)
    assert {r["recording"] for r in rows(out / "recordings.csv")} == {"ben_2026-01-02_angry"}
