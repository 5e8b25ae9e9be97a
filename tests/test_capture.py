"""Capture through an injected fake stream, device checks, playback, the devices command."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from listening_coach.live.capture import Capture, ReplaySource
from listening_coach.live.devices import check_input_device, import_sounddevice, list_devices
from listening_coach.errors import DeviceError, MissingExtra
from listening_coach.live.playback import Player

RATE = 16_000


class FakeInputStream:
    """Calls the callback from its own thread like PortAudio, from a prepared signal."""

    def __init__(self, signal: np.ndarray, *, overflow_at: tuple[int, ...] = (),
                 vanish_after: int | None = None, **kwargs: Any) -> None:
        self.signal = signal  # (n, channels)
        self.kwargs = kwargs
        self.overflow_at = overflow_at
        self.vanish_after = vanish_after
        self.stopped = threading.Event()
        self.closed = False

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        block = self.kwargs["blocksize"]
        for k, offset in enumerate(range(0, len(self.signal), block)):
            if self.stopped.is_set() or (self.vanish_after is not None and k >= self.vanish_after):
                return
            data = self.signal[offset : offset + block]
            status = SimpleNamespace(input_overflow=k in self.overflow_at)
            self.kwargs["callback"](data, len(data), None, status)
            time.sleep(0.001)

    def stop(self) -> None:
        self.stopped.set()

    def close(self) -> None:
        self.closed = True


def _factory(signal: np.ndarray, **extra: Any) -> tuple[list[FakeInputStream], Any]:
    made: list[FakeInputStream] = []

    def factory(**kwargs: Any) -> FakeInputStream:
        stream = FakeInputStream(signal, **extra, **kwargs)
        made.append(stream)
        return stream

    return made, factory


def _collect(cap: Capture, total: int) -> list[Any]:
    chunks = []
    with cap:
        for chunk in cap:
            chunks.append(chunk)
            if sum(c.samples.shape[1] for c in chunks) >= total:
                cap.stop()
    return chunks


def test_chunks_rebuild_the_signal_with_absolute_times() -> None:
    rng = np.random.default_rng(seed=440)
    signal = rng.uniform(-0.5, 0.5, size=(RATE * 2, 2)).astype(np.float32)
    made, factory = _factory(signal, overflow_at=(3, 7))
    cap = Capture(channels=2, block_s=0.1, stream_factory=factory)
    chunks = _collect(cap, len(signal))
    assert made[0].kwargs["samplerate"] == RATE and made[0].kwargs["blocksize"] == 1600
    assert [c.start for c in chunks] == pytest.approx([0.1 * k for k in range(20)])
    rebuilt = np.concatenate([c.samples for c in chunks], axis=1)
    np.testing.assert_array_equal(rebuilt, signal.T)
    assert not chunks[0].samples.flags.writeable
    assert cap.overflows == 2
    assert made[0].closed


def test_vanishing_device_raises_device_error_and_keeps_earlier_chunks() -> None:
    signal = np.zeros((RATE * 2, 1), dtype=np.float32)
    _, factory = _factory(signal, vanish_after=5)
    cap = Capture(block_s=0.1, stall_timeout_s=0.3, stream_factory=factory)
    got = []
    with pytest.raises(DeviceError, match="stopped sending audio"), cap:
        for chunk in cap:
            got.append(chunk)
    assert len(got) == 5


def test_stream_that_cannot_open_is_a_device_error() -> None:
    def factory(**kwargs: Any) -> Any:
        raise OSError("Device unavailable [PaErrorCode -9985]")

    with pytest.raises(DeviceError, match="Cannot open input device"):
        Capture(stream_factory=factory).open()


def _fake_sd(devices: list[dict[str, Any]], default: tuple[int, int]) -> Any:
    class PortAudioError(Exception):
        pass

    return SimpleNamespace(
        query_devices=lambda: devices,
        query_hostapis=lambda: [{"name": "ALSA"}],
        default=SimpleNamespace(device=default),
        PortAudioError=PortAudioError,
    )


def _dev(name: str, inputs: int, outputs: int) -> dict[str, Any]:
    return {"name": name, "hostapi": 0, "max_input_channels": inputs,
            "max_output_channels": outputs, "default_samplerate": 44100.0}


FAKE = [_dev("speakers", 0, 2), _dev("USB mic", 1, 0), _dev("Scarlett 2i2", 2, 2)]


def test_list_devices_marks_defaults() -> None:
    devices = list_devices(sd=_fake_sd(FAKE, (1, 0)))
    assert [d.name for d in devices] == ["speakers", "USB mic", "Scarlett 2i2"]
    assert [d.default_input for d in devices] == [False, True, False]
    assert [d.default_output for d in devices] == [True, False, False]


@pytest.mark.parametrize(
    ("devices", "device", "channels", "match"),
    [
        ([_dev("speakers", 0, 2)], None, 1, "No audio input device"),
        (FAKE, 9, 1, "Device 9 does not exist"),
        (FAKE, "1", 2, "has 1 input channel"),
        (FAKE, "nothing-like-this", 1, "No input devices match"),
    ],
    ids=["no-input", "bad-index", "too-few-channels", "no-name-match"],
)
def test_bad_device_choices_are_explained(
    devices: list[dict[str, Any]], device: Any, channels: int, match: str
) -> None:
    with pytest.raises(DeviceError, match=match):
        check_input_device(device, channels, sd=_fake_sd(devices, (1, 0)))


def test_device_by_name_and_default() -> None:
    sd = _fake_sd(FAKE, (1, 0))
    assert check_input_device("scarlett", 2, sd=sd).index == 2
    assert check_input_device(None, 1, sd=sd).index == 1


def test_missing_sounddevice_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(MissingExtra, match=r"listening-coach\[live\]"):
        import_sounddevice()


def test_devices_command_prints_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from listening_coach.commands import devices

    monkeypatch.setattr("listening_coach.live.devices.import_sounddevice", lambda: _fake_sd(FAKE, (2, 2)))
    assert devices.run(argparse.Namespace(json=False)) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "Scarlett" in line)
    assert row.split()[:3] == ["2", "2", "2"] and "in+out" in row


def test_replay_source_yields_the_file_in_blocks() -> None:
    signal = np.arange(RATE, dtype=np.float32) / RATE
    chunks = list(ReplaySource(signal, block_s=0.25))
    assert [c.start for c in chunks] == [0.0, 0.25, 0.5, 0.75]
    np.testing.assert_array_equal(np.concatenate([c.samples[0] for c in chunks]), signal)


def test_player_writes_the_prompt_then_silence() -> None:
    streams: list[Any] = []

    class FakeOut:
        def __init__(self, **kwargs: Any) -> None:
            self.kwargs = kwargs
            streams.append(self)

        def start(self) -> None: ...
        def abort(self) -> None:
            self.aborted = True

        def close(self) -> None: ...

    player = Player(stream_factory=FakeOut)
    player.play(np.full(1000, 0.25, dtype=np.float32))
    assert player.playing
    out = np.ones((800, 1), dtype=np.float32)
    streams[0].kwargs["callback"](out, 800, None, None)
    assert np.all(out == 0.25) and player.playing
    streams[0].kwargs["callback"](out, 800, None, None)
    assert np.all(out[:200] == 0.25) and np.all(out[200:] == 0.0)
    assert not player.playing
    player.close()  # aborts (drops what is queued) rather than draining
    assert streams[0].aborted


def test_a_stalled_output_stream_does_not_keep_the_prompt_playing(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """An output callback that stops being called (ALSA underrun under load) must not make
    the drill wait for the prompt forever."""
    import listening_coach.live.playback as playback

    class SilentOut:
        def __init__(self, **kwargs: Any) -> None: ...
        def start(self) -> None: ...
        def abort(self) -> None: ...
        def close(self) -> None: ...

    clock = [100.0]
    monkeypatch.setattr(playback, "clock", lambda: clock[0])
    player = Player(stream_factory=SilentOut)
    player.play(np.zeros(playback.SAMPLE_RATE, dtype=np.float32))  # 1 s, never taken
    clock[0] += 1.0 + playback.STALL_GRACE_S - 0.1
    assert player.playing
    clock[0] += 0.2
    assert not player.playing
    assert "stopped taking samples" in caplog.text
