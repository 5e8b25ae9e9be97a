"""Crash-safe recording: audio reaches the disk as it arrives, and the file stays playable.

- :class:`Recorder`: append :class:`~listening_coach.types.AudioChunk` s to a 16-bit PCM WAV.
  After every block the RIFF and data sizes in the header are rewritten, so a ``kill -9``, a
  power cut after the last ``fsync`` or a full disk leaves a valid WAV holding everything
  written so far (at most ``fsync_every_s`` lost on power loss, nothing on a process crash).
- :func:`repair_wav`: fix the header of a WAV whose sizes do not match its length (files
  written by other tools that crashed).
"""

from __future__ import annotations

import errno
import logging
import os
import struct
import time
from pathlib import Path
from typing import BinaryIO

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.errors import OutputError
from listening_coach.types import AudioChunk

log = logging.getLogger(__name__)

HEADER_BYTES = 44  # canonical PCM WAV header: RIFF(12) + fmt (24) + data(8)


def _header(channels: int, sample_rate: int, data_bytes: int) -> bytes:
    block_align = channels * 2
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate, sample_rate * block_align,
                      block_align, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


class Recorder:
    """Write a live recording to ``path`` as a 16-bit WAV that is valid after every block.

    Args:
      path: Output file (its folder is created).
      channels: Channels per chunk.
      sample_rate: Sample rate of the chunks (Hz).
      fsync_every_s: How often data is forced to the disk (not only to the OS cache).

    Raises:
      OutputError: the file cannot be created, or the disk is full; samples up to the last
        complete block stay in a playable file.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        channels: int = 1,
        sample_rate: int = SAMPLE_RATE,
        fsync_every_s: float = 1.0,
    ) -> None:
        self.path = Path(path)
        self.channels = channels
        self.sample_rate = sample_rate
        self.fsync_every_s = fsync_every_s
        self.data_bytes = 0
        self._last_sync = time.monotonic()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file: BinaryIO | None = open(self.path, "w+b")  # noqa: SIM115 (closed in close)
            self._file.write(_header(channels, sample_rate, 0))
            self._file.flush()
        except OSError as e:
            raise OutputError(f"Cannot create the recording {self.path}: {e.strerror}") from e

    @property
    def duration_s(self) -> float:
        """Seconds of audio on disk."""
        return self.data_bytes / (2 * self.channels * self.sample_rate)

    def write(self, chunk: AudioChunk | np.ndarray) -> None:
        """Append one block (float32 (channels, n) in [-1, 1]) and make the header match it."""
        if self._file is None:
            raise OutputError(f"The recording {self.path} is already closed")
        samples = chunk.samples if isinstance(chunk, AudioChunk) else chunk
        samples = np.atleast_2d(samples)
        if samples.shape[0] != self.channels:
            raise ValueError(f"expected {self.channels} channel(s), got {samples.shape[0]}")
        pcm = np.clip(np.round(samples.T * 32768.0), -32768, 32767).astype("<i2").tobytes()
        try:
            self._file.seek(HEADER_BYTES + self.data_bytes)
            self._file.write(pcm)
            self.data_bytes += len(pcm)
            self._patch_sizes()
            self._file.flush()
            if time.monotonic() - self._last_sync >= self.fsync_every_s:
                os.fsync(self._file.fileno())
                self._last_sync = time.monotonic()
        except OSError as e:
            self._recover_after_error()
            if e.errno == errno.ENOSPC:
                raise OutputError(
                    f"The disk is full: the recording {self.path} stops at "
                    f"{self.duration_s:.1f} s (kept, playable). Free space and start a new drill"
                ) from e
            raise OutputError(f"Cannot write the recording {self.path}: {e.strerror}") from e

    def _patch_sizes(self) -> None:
        assert self._file is not None
        self._file.seek(4)
        self._file.write(struct.pack("<I", 36 + self.data_bytes))
        self._file.seek(40)
        self._file.write(struct.pack("<I", self.data_bytes))

    def _recover_after_error(self) -> None:
        """After a failed write, cut the file back to the last complete block."""
        if self._file is None:
            return
        try:
            self._file.truncate(HEADER_BYTES + self.data_bytes)
            self._patch_sizes()
            self._file.flush()
        except OSError as e:
            log.error("cannot tidy %s after a write error: %s", self.path, e)

    def close(self) -> None:
        """Flush, sync and close; safe to call twice."""
        f, self._file = self._file, None
        if f is None:
            return
        try:
            f.flush()
            os.fsync(f.fileno())
        except OSError as e:
            log.error("cannot sync %s: %s", self.path, e)
        finally:
            f.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def repair_wav(path: str | Path) -> float:
    """Rewrite the sizes in a canonical 16-bit PCM WAV header to match the file's length.

    Returns:
      The duration in seconds the repaired file holds.

    Raises:
      OutputError: the file is not a 44-byte-header PCM WAV.
    """
    path = Path(path)
    with open(path, "r+b") as f:
        head = f.read(HEADER_BYTES)
        if len(head) < HEADER_BYTES or head[:4] != b"RIFF" or head[36:40] != b"data":
            raise OutputError(f"{path} is not a PCM WAV this tool wrote; cannot repair it")
        channels, sample_rate = struct.unpack("<HI", head[22:28])
        size = f.seek(0, os.SEEK_END)
        frame = 2 * channels
        data_bytes = (size - HEADER_BYTES) // frame * frame
        f.truncate(HEADER_BYTES + data_bytes)
        f.seek(4)
        f.write(struct.pack("<I", 36 + data_bytes))
        f.seek(40)
        f.write(struct.pack("<I", data_bytes))
    return float(data_bytes) / float(frame * sample_rate)
