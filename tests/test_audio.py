"""Audio decoding: formats, rates, channels, blocks, and bad files, on synthetic signals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from listening_coach.audio import SAMPLE_RATE, frame_db, iter_blocks, load_audio, probe
from listening_coach.errors import AudioError
from listening_coach.testing import silence, tone


def write(path: Path, data: np.ndarray, rate: int, subtype: str = "PCM_16") -> Path:
    sf.write(str(path), data, rate, subtype=subtype)
    return path


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 96000], ids=["8k", "22k", "44k", "96k"])
def test_any_rate_is_resampled_to_16k_with_the_same_duration(tmp_path: Path, rate: int) -> None:
    t = np.arange(int(2.0 * rate)) / rate
    data = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    audio = load_audio(write(tmp_path / f"a{rate}.wav", data, rate))
    assert audio.shape[0] == 1
    assert audio.shape[1] == pytest.approx(2.0 * SAMPLE_RATE, abs=SAMPLE_RATE * 0.01)
    spectrum = np.abs(np.fft.rfft(audio[0]))
    assert np.fft.rfftfreq(audio.shape[1], 1 / SAMPLE_RATE)[spectrum.argmax()] == pytest.approx(440, abs=2)
    info = probe(tmp_path / f"a{rate}.wav")
    assert (info.sample_rate, info.channels) == (rate, 1)
    assert info.duration_s == pytest.approx(2.0, abs=0.01)


def test_channels_are_kept_apart(tmp_path: Path) -> None:
    left, right = tone(1.0, frequency_hz=300), silence(1.0)
    audio = load_audio(write(tmp_path / "st.flac", np.stack([left, right], axis=1), SAMPLE_RATE))
    assert audio.shape == (2, SAMPLE_RATE)
    assert np.abs(audio[0]).max() > 0.25 and np.abs(audio[1]).max() < 1e-3


def test_compressed_formats_decode(tmp_path: Path) -> None:
    import av

    path = tmp_path / "clip.ogg"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libopus", rate=48000)
        stream.layout = "mono"
        frame_samples = tone(1.0).repeat(3)  # 48 kHz
        frame = av.AudioFrame.from_ndarray(frame_samples[None, :], format="flt", layout="mono")
        frame.sample_rate = 48000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    audio = load_audio(path)
    assert audio.shape[1] == pytest.approx(SAMPLE_RATE, abs=SAMPLE_RATE * 0.05)


def test_blocks_cover_the_file_in_order(tmp_path: Path) -> None:
    data = np.concatenate([tone(1.0), silence(1.5), tone(2.0)])
    path = write(tmp_path / "long.wav", data, SAMPLE_RATE)
    blocks = list(iter_blocks(path, block_s=1.0))
    assert [start for start, _ in blocks] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert sum(b.shape[1] for _, b in blocks) == data.shape[0]
    assert all(b.shape[1] == SAMPLE_RATE for _, b in blocks[:-1])
    np.testing.assert_allclose(np.concatenate([b[0] for _, b in blocks]), data, atol=1e-4)


def _file(name: str, content: bytes):  # type: ignore[no-untyped-def]
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(content)
        return folder / name

    return make


BAD = {
    "missing": (lambda p: p / "nope.wav", "no such file"),
    "zero-bytes": (_file("empty.wav", b""), "empty"),
    "random-bytes": (_file("noise.mp3", np.random.default_rng(440).bytes(4000)), "not a readable audio"),
    "text-file": (_file("notes.wav", b"hello\n" * 50), "not a readable audio"),
    "folder": (lambda p: p, "is a folder"),
}


@pytest.mark.parametrize("make,match", BAD.values(), ids=BAD.keys())
def test_bad_files_raise_audio_error(tmp_path: Path, make, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AudioError, match=match):
        list(iter_blocks(make(tmp_path)))


def test_nan_samples_are_refused(tmp_path: Path) -> None:
    data = tone(1.0)
    data[100:200] = np.nan
    path = write(tmp_path / "nan.wav", data, SAMPLE_RATE, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN or infinite"):
        load_audio(path)


def test_truncated_file_keeps_what_is_there(tmp_path: Path) -> None:
    path = write(tmp_path / "full.wav", tone(2.0), SAMPLE_RATE)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(path.read_bytes()[: 44 + 2 * SAMPLE_RATE])  # header + 1 s of samples
    audio = load_audio(cut)
    assert audio.shape[1] == pytest.approx(SAMPLE_RATE, abs=200)


def test_frame_db_of_known_levels() -> None:
    db = frame_db(np.concatenate([np.full(160, 0.1, np.float32), np.zeros(160, np.float32)]), frame_s=0.01)
    assert db[0] == pytest.approx(-20.0, abs=0.01)
    assert db[1] < -90
