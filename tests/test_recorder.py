"""Crash-safe WAV recording: readable after every block, after kill -9, after a full disk."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from listening_coach.errors import OutputError
from listening_coach.live.recorder import Recorder, repair_wav
from listening_coach.types import AudioChunk

RATE = 16_000


def test_file_is_valid_after_every_block(tmp_path: Path) -> None:
    rng = np.random.default_rng(seed=440)
    signal = rng.uniform(-0.9, 0.9, size=(2, RATE)).astype(np.float32)
    path = tmp_path / "drill.wav"
    with Recorder(path, channels=2) as rec:
        for k in range(0, RATE, 1600):
            rec.write(AudioChunk(k / RATE, signal[:, k : k + 1600]))
            data, rate = soundfile.read(path, dtype="float32")  # while still open
            assert rate == RATE and data.shape == (k + 1600, 2)
    data, _ = soundfile.read(path, dtype="float32")
    np.testing.assert_allclose(data.T, signal, atol=1 / 32768)
    assert rec.duration_s == pytest.approx(1.0)


CHILD = """
import sys, time, numpy as np
from listening_coach.live.recorder import Recorder
rec = Recorder(sys.argv[1])
t = np.arange(1600) / 16000
k = 0
while True:
    rec.write(0.5 * np.sin(2 * np.pi * 440 * (t + k * 0.1)).astype(np.float32)[None, :])
    k += 1
    print(k, flush=True)
    time.sleep(0.1)
"""


def test_kill_minus_9_leaves_a_playable_recording(tmp_path: Path) -> None:
    path = tmp_path / "killed.wav"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    blocks = 0
    deadline = time.monotonic() + 30
    while blocks < 15 and time.monotonic() < deadline:
        blocks = int(child.stdout.readline())
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    data, rate = soundfile.read(path, dtype="float32")
    # every block the child reported as written is in the file, and nothing more than one block
    assert blocks * 1600 <= data.shape[0] <= (blocks + 1) * 1600
    t = np.arange(data.shape[0]) / RATE
    np.testing.assert_allclose(data, 0.5 * np.sin(2 * np.pi * 440 * t), atol=2 / 32767)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=False,
    )
    if probe.returncode == 0:  # ffmpeg is optional here; soundfile already read it
        assert float(probe.stdout) == pytest.approx(data.shape[0] / RATE, abs=0.01)


class _FullDisk:
    """A file wrapper whose large writes fail with ENOSPC, like a disk that just filled up."""

    def __init__(self, f: Any) -> None:
        self.f = f

    def write(self, data: bytes) -> int:
        if len(data) > 8:
            raise OSError(errno.ENOSPC, "No space left on device")
        return int(self.f.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.f, name)


def test_full_disk_keeps_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "full.wav"
    rec = Recorder(path)
    block = np.full((1, 1600), 0.25, dtype=np.float32)
    rec.write(block)
    rec.write(block)
    rec._file = _FullDisk(rec._file)  # type: ignore[assignment]
    with pytest.raises(OutputError, match=r"disk is full.*0\.2 s \(kept, playable\)"):
        rec.write(block)
    rec.close()
    data, _ = soundfile.read(path, dtype="float32")
    assert data.shape == (3200,)


def test_unwritable_place_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="Cannot create the recording"):
        Recorder(tmp_path / "file" / "drill.wav")


def test_repair_fixes_stale_header_sizes(tmp_path: Path) -> None:
    path = tmp_path / "stale.wav"
    with Recorder(path) as rec:
        rec.write(np.zeros((1, 800), dtype=np.float32))
    with open(path, "ab") as f:  # data a crashed writer appended without updating the header
        f.write(np.full(1600 + 1, 1000, dtype="<i2").tobytes()[:-1])
    assert repair_wav(path) == pytest.approx(2400 / RATE)
    assert soundfile.info(path).frames == 2400
