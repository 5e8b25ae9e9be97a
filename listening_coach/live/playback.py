"""Live audio out: the drill's prompts, played one at a time without blocking.

- :class:`Player`: plays mono 16 kHz samples on an output device; a new prompt cuts the old
  one short. A PortAudio failure becomes a :class:`~listening_coach.errors.DeviceError` that
  names the device and says what to try.

Nothing here can block its caller for good: a prompt counts as played once its length plus
:data:`STALL_GRACE_S` has passed even if the device stopped asking for samples (an output
stream can stall after an underrun under load), and closing aborts the stream instead of
draining it (ALSA's drain can wait forever on a stalled PulseAudio stream).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.live.devices import DeviceSpec, import_sounddevice
from listening_coach.errors import DeviceError

log = logging.getLogger(__name__)

STALL_GRACE_S = 2.0  # past a prompt's length, a silent output callback means the stream stalled
clock = time.monotonic  # tests replace it


class Player:
    """Play one mono 16 kHz prompt at a time on an output device, without blocking.

    :attr:`playing` is true until the device has taken every sample, or until the prompt's
    length plus :data:`STALL_GRACE_S` has passed on the wall clock (then a stalled stream is
    logged once and the prompt counts as played).

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
        self._deadline = 0.0  # clock() by which the prompt must have been taken

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
        self._deadline = clock() + self._samples.size / SAMPLE_RATE + STALL_GRACE_S
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
        if self._done.is_set():
            return False
        if clock() < self._deadline:
            return True
        log.warning("the output device stopped taking samples %.1f s into a %.1f s prompt; "
                    "going on", self._position / SAMPLE_RATE, self._samples.size / SAMPLE_RATE)
        self.stop()
        return False

    def stop(self) -> None:
        """Cut the current prompt short (keeps the stream open for the next one)."""
        self._position = len(self._samples)
        self._done.set()

    def close(self) -> None:
        self.stop()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()  # drop what is queued; a drain can block on a stalled stream
                stream.close()
            except Exception as e:  # a vanished output device: nothing to save
                log.warning("closing the output stream failed: %s", e)
