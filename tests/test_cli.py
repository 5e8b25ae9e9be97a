"""The command line: bad input gives one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from listening_coach.audio import SAMPLE_RATE
from listening_coach.testing import syllable_train

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "listening_coach", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    files = {
        "missing": d / "missing.wav",
        "empty": d / "empty.wav",
        "random": d / "random.mp3",
        "text": d / "text.wav",
        "nan": d / "nan.wav",
        "six": d / "six.wav",
    }
    files["empty"].write_bytes(b"")
    files["random"].write_bytes(np.random.default_rng(440).bytes(5000))
    files["text"].write_text("this is not audio\n" * 20)
    nan = syllable_train(1.0)
    nan[50:60] = np.inf
    sf.write(str(files["nan"]), nan, SAMPLE_RATE, subtype="FLOAT")
    sf.write(
        str(files["six"]),
        np.stack([syllable_train(1.0, frequency_hz=100 + 40 * i) for i in range(6)], axis=1),
        SAMPLE_RATE,
    )
    return files


def test_every_bad_file_is_listed_without_a_traceback(bad_inputs: dict[str, Path], tmp_path: Path) -> None:
    result = run("analyze", *map(str, bad_inputs.values()), "--out", str(tmp_path / "out"))
    assert result.returncode not in (0, 3)  # all failed
    assert "Traceback" not in result.stderr + result.stdout
    for name in bad_inputs.values():
        assert name.name in result.stderr
    for reason in ("no such file", "empty", "not a readable audio", "NaN or infinite", "6 channels"):
        assert reason in result.stderr, reason


@pytest.mark.slow
def test_a_batch_goes_on_past_bad_files(bad_inputs: dict[str, Path], tmp_path: Path) -> None:
    from listening_coach.audio import load_audio

    # the sample's first exchange (0.5-11.1 s; the whole 59 s sample took 40 s here)
    good = tmp_path / "angry_customer.wav"
    first = load_audio(ROOT / "audio_samples" / "angry_customer.opus")[:, : int(11.5 * SAMPLE_RATE)]
    sf.write(str(good), first.T, SAMPLE_RATE)
    result = run("analyze", str(bad_inputs["random"]), str(good), "--out", str(tmp_path / "out"))
    assert result.returncode == 3, result.stderr
    assert (tmp_path / "out" / "angry_customer.json").is_file()
    assert "random.mp3" in result.stderr and "Traceback" not in result.stderr


def test_unwritable_output_and_bad_config_are_one_line_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    wav = tmp_path / "a.wav"
    sf.write(str(wav), syllable_train(1.0), SAMPLE_RATE)
    result = run("analyze", str(wav), "--out", str(blocker / "out"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "error" in result.stderr.lower()
    config = tmp_path / "c.toml"
    config.write_text("[pace]\nfast_wmp = 1\n")
    result = run("analyze", str(wav), "--config", str(config))
    assert result.returncode == 1
    assert "Valid keys" in result.stderr and "Traceback" not in result.stderr


def test_usage_errors_exit_2() -> None:
    result = run("analyze")
    assert result.returncode != 0 and "Nothing to analyse" in result.stderr
    assert run().returncode == 2
    assert run("analyze", "--no-such-flag", "x.wav").returncode == 2


@pytest.mark.parametrize("lines", [1, 400], ids=["flushed-at-exit", "written-while-running"])
def test_a_reader_that_goes_away_is_no_error(tmp_path: Path, lines: int) -> None:
    """``listening-coach export --out - x.json | head -1``: exit 0, nothing on stderr."""
    from listening_coach.config import config_from_dict
    from listening_coach.pipeline import analyze_words
    from listening_coach.report.json import write_json
    from listening_coach.testing import script

    said = [f"{('partner', 'trainee')[i % 2]} {3.0 * i} line {i} of the talk" for i in range(lines)]
    rules = config_from_dict({"language": {"use_model": False}})
    path = write_json(analyze_words(script(*said), rules, source="talk.wav"), tmp_path / "talk.json")
    child = subprocess.Popen([sys.executable, "-m", "listening_coach", "export", "--format", "srt",
                              "--out", "-", str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # the reader is gone before the command writes (it needs ~1 s to start)
    stderr = child.stderr.read()
    assert child.wait(timeout=120) == 0, stderr
    assert stderr == ""
