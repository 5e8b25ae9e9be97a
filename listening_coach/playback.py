"""Live audio out: the drill's prompts, played one at a time without blocking.

- :class:`Player`: plays mono 16 kHz samples on an output device; a new prompt cuts the old
  one short. A PortAudio failure becomes a :class:`~listening_coach.errors.DeviceError` that
  names the device and says what to try.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np

from listening_coach.devices import DeviceSpec, import_sounddevice
from listening_coach.errors import DeviceError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000  # Hz


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
