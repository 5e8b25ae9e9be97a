"""Live audio in: microphone capture, and a replay that delivers a recording the same way.

- :class:`Capture`: an input stream as an iterator of :class:`~listening_coach.types.AudioChunk`;
  the PortAudio callback only copies each block into a queue and counts overflows.
- :class:`ReplaySource`: the same iterator over a file or array (tests, benchmarks), optionally
  paced in real time.

Devices are chosen and checked by :mod:`listening_coach.live.devices`. Every PortAudio failure
becomes a :class:`~listening_coach.errors.DeviceError` that names the device and says what to try.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.live.devices import DeviceSpec, check_input_device, import_sounddevice, list_devices
from listening_coach.errors import DeviceError
from listening_coach.types import AudioChunk

log = logging.getLogger(__name__)


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
                    f"Cannot open input device {device!r} at {SAMPLE_RATE} or {rate:.0f} Hz: {e}. "
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
        """Audio delivered so far; in real time, what a device would have delivered by now
        (so a consumer that falls behind sees it, as with :class:`Capture`)."""
        if self.realtime and self.wall_start is not None:
            ahead = int((time.monotonic() - self.wall_start) * SAMPLE_RATE)
            return float(min(max(self._position, ahead), int(self.samples.shape[1]))) / SAMPLE_RATE
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
