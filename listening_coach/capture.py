"""Live audio in and out: microphone capture, prompt playback, device listing.

- :func:`list_devices`: every input and output device, defaults marked (``listening-coach devices``).
- :class:`Capture`: an input stream as an iterator of :class:`~listening_coach.types.AudioChunk`;
  the PortAudio callback only copies each block into a queue and counts overflows.
- :class:`ReplaySource`: the same iterator over a file or array (tests, benchmarks), optionally
  paced in real time.
- :class:`Player`: plays one prompt at a time on an output device without blocking.

sounddevice is an optional extra; it is imported inside the functions that need it, so
``import listening_coach`` works without it. Every PortAudio failure becomes a
:class:`~listening_coach.errors.DeviceError` that names the device and says what to try.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from listening_coach.errors import DeviceError, MissingExtra
from listening_coach.types import AudioChunk

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000  # Hz, what faster-whisper and Silero expect
DeviceSpec = int | str | None


def import_sounddevice() -> Any:
    """Return the sounddevice module or raise :class:`MissingExtra` with the install command."""
    try:
        import sounddevice
    except ImportError as e:
        raise MissingExtra(
            "Live drills need sounddevice: pip install 'listening-coach[live]'"
        ) from e
    except OSError as e:  # sounddevice imports but PortAudio itself is missing
        raise MissingExtra(
            f"Live drills need the PortAudio library ({e}): apt-get install libportaudio2"
        ) from e
    return sounddevice


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """One audio device as PortAudio reports it."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_sample_rate: float
    default_input: bool
    default_output: bool


def list_devices(*, sd: Any = None) -> tuple[DeviceInfo, ...]:
    """Return every input and output device, with the system defaults marked.

    Args:
      sd: A sounddevice-like module (tests pass a fake); None imports sounddevice.
    """
    sd = sd or import_sounddevice()
    try:
        devices = sd.query_devices()
        hostapis = sd.query_hostapis()
        default_in, default_out = _default_indices(sd)
    except sd.PortAudioError as e:
        raise DeviceError(f"Cannot list audio devices: {e}. Is an audio server running?") from e
    out: list[DeviceInfo] = []
    for index, dev in enumerate(devices):
        out.append(
            DeviceInfo(
                index=index,
                name=str(dev["name"]),
                hostapi=str(hostapis[dev["hostapi"]]["name"]),
                max_input_channels=int(dev["max_input_channels"]),
                max_output_channels=int(dev["max_output_channels"]),
                default_sample_rate=float(dev["default_samplerate"]),
                default_input=index == default_in,
                default_output=index == default_out,
            )
        )
    return tuple(out)


def _default_indices(sd: Any) -> tuple[int, int]:
    value = sd.default.device
    try:
        return int(value[0]), int(value[1])
    except (TypeError, IndexError):
        return int(value), int(value)


def check_input_device(device: DeviceSpec, channels: int, *, sd: Any = None) -> DeviceInfo:
    """Return the input device ``device`` names, or raise a :class:`DeviceError` saying why not.

    Args:
      device: A device index, a substring of its name, or None for the default input.
      channels: How many input channels the drill needs.
    """
    sd = sd or import_sounddevice()
    devices = list_devices(sd=sd)
    inputs = [d for d in devices if d.max_input_channels > 0]
    if not inputs:
        raise DeviceError(
            "No audio input device found. Plug in a microphone (or start PulseAudio), then run "
            "'listening-coach devices' to check"
        )
    if device is None:
        chosen = next((d for d in inputs if d.default_input), None)
        if chosen is None:
            raise DeviceError(
                "There is no default input device; pick one with --device ID "
                "(see 'listening-coach devices')"
            )
    elif isinstance(device, int) or (isinstance(device, str) and device.isdigit()):
        index = int(device)
        if not 0 <= index < len(devices):
            raise DeviceError(
                f"Device {index} does not exist (there are {len(devices)} devices, 0-"
                f"{len(devices) - 1}); run 'listening-coach devices' to list them"
            )
        chosen = devices[index]
    else:
        matches = [d for d in inputs if device.lower() in d.name.lower()]
        if len(matches) != 1:
            what = "No" if not matches else f"{len(matches)}"
            raise DeviceError(
                f"{what} input devices match {device!r}; pass an index from "
                "'listening-coach devices'"
            )
        chosen = matches[0]
    if chosen.max_input_channels < channels:
        raise DeviceError(
            f"Device {chosen.index} ({chosen.name}) has {chosen.max_input_channels} input "
            f"channel(s) but the drill needs {channels}; choose another with --device"
        )
    return chosen


class InputStreamLike(Protocol):
    """What :class:`Capture` needs from ``sounddevice.InputStream``."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


StreamFactory = Callable[..., InputStreamLike]


class Capture:
    """Record from an input device as an iterator of chunks (start time, (channels, n) float32).

    ::

        PortAudio thread:  callback(indata) -> queue.put(indata.copy())   (nothing else)
        caller's thread:   for chunk in capture: ...                       (everything else)

    The stream is opened at 16 kHz; a device that refuses 16 kHz is opened at its own rate and
    resampled (soxr) in the caller's thread. ``overflows`` counts blocks PortAudio reported as
    lost. If no block arrives for ``stall_timeout_s`` the device has gone away: iteration raises
    :class:`DeviceError` and whatever was captured before stays with the caller.

    Args:
      device: Index or name substring; None is the default input.
      channels: Input channels to record (1 for one microphone, 2 for two people).
      block_s: Block length in seconds.
      stall_timeout_s: Silence from the driver that means the device vanished.
      stream_factory: Builds the stream (default ``sounddevice.InputStream``); tests pass a fake.
    """

    def __init__(
        self,
        *,
        device: DeviceSpec = None,
        channels: int = 1,
        block_s: float = 0.1,
        stall_timeout_s: float = 3.0,
        stream_factory: StreamFactory | None = None,
    ) -> None:
        self.device = device
        self.channels = channels
        self.block_s = block_s
        self.stall_timeout_s = stall_timeout_s
        self._factory = stream_factory
        self._queue: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()
        self._stream: InputStreamLike | None = None
        self._stop = threading.Event()
        self._resampler: Any = None
        self.overflows = 0
        self.frames_received = 0  # at the device rate, counted in the callback
        self.device_rate = SAMPLE_RATE
        self._emitted = 0  # samples at 16 kHz handed out

    @property
    def time_s(self) -> float:
        """Seconds of audio the device has delivered so far (the capture clock)."""
        return self.frames_received / self.device_rate

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if getattr(status, "input_overflow", False):
            self.overflows += 1
        self.frames_received += frames
        self._queue.put(indata.copy())

    def open(self) -> Capture:
        """Open and start the stream; raises :class:`DeviceError` when the device cannot."""
        if self._factory is None:
            sd = import_sounddevice()
            info = check_input_device(self.device, self.channels, sd=sd)
            factory: StreamFactory = sd.InputStream
            errors: tuple[type[BaseException], ...] = (sd.PortAudioError, ValueError)
            device: DeviceSpec = info.index
        else:
            factory, errors, device = self._factory, (OSError, ValueError), self.device
        try:
            self._stream = self._start(factory, device, SAMPLE_RATE)
        except errors as first:
            rate = self._fallback_rate(device)
            if rate is None:
                raise DeviceError(f"Cannot open input device {device!r}: {first}") from first
            try:
                self._stream = self._start(factory, device, rate)
            except errors as e:
                raise DeviceError(
                    f"Cannot open input device {device!r} at 16000 or {rate:.0f} Hz: {e}. "
                    "Is it in use by another program? See 'listening-coach devices'"
                ) from e
            import soxr

            self.device_rate = int(rate)
            self._resampler = soxr.ResampleStream(rate, SAMPLE_RATE, self.channels, "float32")
            log.info("input device runs at %.0f Hz; resampling to 16 kHz", rate)
        return self

    def _start(self, factory: StreamFactory, device: DeviceSpec, rate: float) -> InputStreamLike:
        stream = factory(
            samplerate=rate,
            channels=self.channels,
            dtype="float32",
            blocksize=int(round(self.block_s * rate)),
            device=device,
            callback=self._callback,
        )
        stream.start()
        return stream

    def _fallback_rate(self, device: DeviceSpec) -> float | None:
        if self._factory is not None or not isinstance(device, int):
            return None
        rate = list_devices()[device].default_sample_rate
        return rate if rate and rate != SAMPLE_RATE else None

    def stop(self) -> None:
        """Ask the iterator to end after the blocks already queued (thread-safe)."""
        self._stop.set()

    def close(self) -> None:
        """Stop and close the stream; safe to call twice and after a device error."""
        stream, self._stream = self._stream, None
        if stream is None:
            return
        for action in (stream.stop, stream.close):
            try:
                action()
            except Exception as e:  # a vanished device can fail to stop; nothing left to save
                log.warning("closing the input stream failed: %s", e)

    def __enter__(self) -> Capture:
        return self.open() if self._stream is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[AudioChunk]:
        if self._stream is None:
            self.open()
        last = time.monotonic()
        while True:
            try:
                block = self._queue.get(timeout=0.05)
            except queue.Empty:
                if self._stop.is_set():
                    return
                if time.monotonic() - last > self.stall_timeout_s:
                    raise DeviceError(
                        f"The input device stopped sending audio for {self.stall_timeout_s:.0f} s "
                        "(unplugged or taken by another program); what was recorded is kept"
                    ) from None
                continue
            last = time.monotonic()
            samples = np.ascontiguousarray(block.T, dtype=np.float32)
            if self._resampler is not None:
                samples = np.ascontiguousarray(self._resampler.resample_chunk(block).T)
            chunk = AudioChunk(start=self._emitted / SAMPLE_RATE, samples=samples)
            samples.flags.writeable = False
            self._emitted += samples.shape[1]
            yield chunk


class ReplaySource:
    """Replay audio as chunks, like a microphone would deliver it (tests and benchmarks).

    Args:
      samples: float32 (channels, n) at 16 kHz, or 1-D for mono.
      block_s: Chunk length in seconds.
      realtime: Sleep so chunks arrive at the pace of real time (benchmarks).
    """

    def __init__(self, samples: np.ndarray, *, block_s: float = 0.5, realtime: bool = False):
        self.samples = np.atleast_2d(np.asarray(samples, dtype=np.float32))
        self.block_s = block_s
        self.realtime = realtime
        self.overflows = 0
        self._stop = threading.Event()
        self._position = 0
        self.wall_start: float | None = None

    @property
    def time_s(self) -> float:
        return self._position / SAMPLE_RATE

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._stop.set()

    def __iter__(self) -> Iterator[AudioChunk]:
        step = max(1, int(round(self.block_s * SAMPLE_RATE)))
        self.wall_start = time.monotonic()
        for offset in range(0, self.samples.shape[1], step):
            if self._stop.is_set():
                return
            block = self.samples[:, offset : offset + step]
            if self.realtime:  # the block is "recorded" once its last sample has been spoken
                due = self.wall_start + (offset + block.shape[1]) / SAMPLE_RATE
                time.sleep(max(0.0, due - time.monotonic()))
            self._position = offset + block.shape[1]
            yield AudioChunk(start=offset / SAMPLE_RATE, samples=block)


class Player:
    """Play one mono 16 kHz prompt at a time on an output device, without blocking.

    Args:
      device: Output device index or name; None is the default output.
      stream_factory: Builds the stream (default ``sounddevice.OutputStream``).
    """

    def __init__(self, *, device: DeviceSpec = None, stream_factory: Any = None) -> None:
        self.device = device
        self._factory = stream_factory
        self._stream: Any = None
        self._done = threading.Event()
        self._done.set()
        self._samples = np.zeros(0, dtype=np.float32)
        self._position = 0

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        piece = self._samples[self._position : self._position + frames]
        outdata[: len(piece), 0] = piece
        outdata[len(piece) :, 0] = 0.0
        self._position += frames
        if self._position >= len(self._samples):
            self._done.set()

    def play(self, samples: np.ndarray) -> None:
        """Start playing ``samples`` (float32, mono, 16 kHz), stopping any earlier prompt."""
        self.stop()
        self._samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        self._position = 0
        self._done.clear()
        if self._stream is None:
            factory = self._factory
            errors: tuple[type[BaseException], ...] = (OSError, ValueError)
            if factory is None:
                sd = import_sounddevice()
                factory, errors = sd.OutputStream, (sd.PortAudioError, ValueError)
            try:
                self._stream = factory(
                    samplerate=SAMPLE_RATE, channels=1, dtype="float32",
                    device=self.device, callback=self._callback,
                )
                self._stream.start()
            except errors as e:
                self._done.set()
                self._stream = None
                raise DeviceError(
                    f"Cannot play prompts on output device {self.device!r}: {e}. "
                    "Pick another with --output-device (see 'listening-coach devices')"
                ) from e

    @property
    def playing(self) -> bool:
        return not self._done.is_set()

    def stop(self) -> None:
        """Cut the current prompt short (keeps the stream open for the next one)."""
        self._position = len(self._samples)
        self._done.set()

    def close(self) -> None:
        self.stop()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception as e:  # a vanished output device: nothing to save
                log.warning("closing the output stream failed: %s", e)
