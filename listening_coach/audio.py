"""Read any audio FFmpeg can decode, as float32 at 16 kHz, in blocks so memory stays flat.

- :data:`SAMPLE_RATE`: what faster-whisper expects.
- :func:`probe`: duration, channel count and sample rate of a file, or a clear :class:`AudioError`.
- :func:`iter_blocks`: ``(start_s, samples)`` blocks of shape ``(channels, n)``, decoded and
  resampled incrementally with PyAV (ships with faster-whisper): an hour-long file never sits in
  memory whole.
- :func:`load_audio`: the whole file at once, for short clips and tests.
- :func:`frame_db`: frame energies in dB, the basis of speech activity and loudness.

Sample indices live only in this module and in ``capture``; everything returned is in seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from pathlib import Path

import numpy as np

from listening_coach.errors import AudioError

SAMPLE_RATE = 16_000  # Hz, what faster-whisper expects
MAX_CHANNELS = 8
# Decoders of lossy formats overshoot full scale a little; a peak above this (+6 dBFS) means the
# samples are on another scale (a float file written unnormalised) and would make garbage of
# Whisper's features and the dB thresholds: such audio is scaled down to a peak of 1.0.
MAX_PEAK = 2.0
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What a file holds: ``duration_s`` may be 0.0 when the container does not say."""

    path: str
    duration_s: float
    channels: int
    sample_rate: int
    codec: str


def _open(path: str | Path):  # type: ignore[no-untyped-def]
    import av

    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes); re-export the recording")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as e:
        raise AudioError(
            f"{path}: not a readable audio or video file ({_reason(e)}); "
            "use wav, flac, mp3, m4a, ogg/opus or a video with an audio track"
        ) from None
    if not container.streams.audio:
        container.close()
        raise AudioError(f"{path}: has no audio track; pick a file with sound")
    return container


def _reason(e: Exception) -> str:
    text = getattr(e, "strerror", None) or str(e)
    return str(text).split(":")[-1].strip() or type(e).__name__


def probe(path: str | Path) -> AudioInfo:
    """Return what ``path`` holds without decoding it.

    Raises:
      AudioError: missing, empty, unreadable, or without an audio track.
    """
    container = _open(path)
    try:
        stream = container.streams.audio[0]
        duration = 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        return AudioInfo(
            path=str(path),
            duration_s=max(duration, 0.0),
            channels=stream.channels or 1,
            sample_rate=stream.rate or 0,
            codec=stream.codec_context.name,
        )
    finally:
        container.close()


def _float_pcm_peak(path: str | Path) -> float:
    """The largest absolute sample of a float PCM file (a quick pass: nothing to decode)."""
    import av

    container = _open(path)
    peak = 0.0
    try:
        for frame in container.decode(container.streams.audio[0]):
            values = np.abs(frame.to_ndarray())
            finite = values[np.isfinite(values)]
            if finite.size:
                peak = max(peak, float(finite.max()))
    except av.error.FFmpegError:
        pass  # a damaged file: the decoding pass that follows says so
    finally:
        container.close()
    return peak


def _scale_warning(path: str | Path, peak: float) -> None:
    logger.warning("%s: samples reach %.3g times full scale; scaled down to fit [-1, 1] "
                   "(check the export settings of this recording)", path, peak)


def iter_blocks(path: str | Path, *, block_s: float = 600.0) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(start_s, samples)`` with samples float32 of shape ``(channels, n)`` at 16 kHz.

    Every block but the last holds exactly ``block_s`` seconds. Audio whose peak is far outside
    [-1, 1] (above :data:`MAX_PEAK`) is scaled to a peak of 1.0, with a logged warning: by one
    gain for the whole file when it is float PCM (its peak is found first), else by the loudest
    peak decoded so far.

    Raises:
      AudioError: the file cannot be decoded, holds NaN/inf samples, or has no audio at all.
    """
    container = _open(path)
    try:
        stream = container.streams.audio[0]
        channels = stream.channels or 1
        if channels > MAX_CHANNELS:
            raise AudioError(f"{path}: {channels} channels; at most {MAX_CHANNELS} are supported")
        is_float_pcm = stream.codec_context.name.startswith("pcm_f")
        gain = 1.0
        if is_float_pcm:
            peak = _float_pcm_peak(path)
            if peak > MAX_PEAK:
                gain = 1.0 / peak
                _scale_warning(path, peak)
        arrays = _decoded(path, container, stream, channels)
        yield from _cut_blocks(path, _scaled(path, arrays, gain, is_float_pcm), block_s)
    finally:
        container.close()


def _decoded(path: str | Path, container: Any, stream: Any, channels: int) -> Iterator[np.ndarray]:
    """The stream's samples, float32 ``(channels, n)`` at 16 kHz, frame by frame.

    A decoding error before the first sample is an :class:`AudioError`; a later one ends the
    stream early with a logged warning (what was read is kept).
    """
    import av

    resampler = av.AudioResampler(format="fltp", layout=stream.layout, rate=SAMPLE_RATE)
    received = 0
    try:
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                array = np.asarray(out.to_ndarray(), dtype=np.float32).reshape(channels, -1)
                received += array.shape[1]
                yield array
    except av.error.FFmpegError as e:
        if received == 0:
            raise AudioError(
                f"{path}: cannot decode audio ({_reason(e)}); the file may be corrupt"
            ) from None
        logger.warning("%s: decoding stopped early (%s); keeping what was read", path, e)
    for out in resampler.resample(None):
        yield np.asarray(out.to_ndarray(), dtype=np.float32).reshape(channels, -1)


def _scaled(
    path: str | Path, arrays: Iterator[np.ndarray], gain: float, is_float_pcm: bool
) -> Iterator[np.ndarray]:
    """Refuse NaN/inf samples and scale audio far outside [-1, 1] down to a peak of 1.0.

    Float PCM comes with its whole-file ``gain``; other audio is scaled by the loudest peak
    decoded so far (one warning, at the first scaling).
    """
    warned = gain != 1.0
    received = 0
    for array in arrays:
        if not np.isfinite(array).all():
            raise AudioError(
                f"{path}: holds NaN or infinite samples near {received / SAMPLE_RATE:.1f} s; the "
                "float data is corrupt, re-export the recording"
            )
        received += array.shape[1]
        if not is_float_pcm and array.size:  # the loudest peak so far sets the gain
            peak = float(np.abs(array).max())
            if peak > MAX_PEAK and peak * gain > 1.0:
                gain = 1.0 / peak
                if not warned:
                    _scale_warning(path, peak)
                    warned = True
        yield array * np.float32(gain) if gain != 1.0 else array


def _cut_blocks(
    path: str | Path, arrays: Iterator[np.ndarray], block_s: float
) -> Iterator[tuple[float, np.ndarray]]:
    """Join decoded frames into ``(start_s, samples)`` blocks of exactly ``block_s`` (the last
    one shorter); no samples at all is an :class:`AudioError`."""
    block_n = int(block_s * SAMPLE_RATE)
    pending: list[np.ndarray] = []
    pending_n = 0
    emitted = 0
    for array in arrays:
        pending.append(array)
        pending_n += array.shape[1]
        while pending_n >= block_n:
            joined = np.concatenate(pending, axis=1)
            yield emitted * block_s, joined[:, :block_n]
            emitted += 1
            rest = joined[:, block_n:]
            pending, pending_n = ([rest], rest.shape[1]) if rest.shape[1] else ([], 0)
    if pending_n:
        yield emitted * block_s, np.concatenate(pending, axis=1)
    elif emitted == 0:
        raise AudioError(f"{path}: decodes to no audio samples; the file may be truncated")


def load_audio(path: str | Path) -> np.ndarray:
    """Return the whole file as float32 ``(channels, n)`` at 16 kHz (for short files)."""
    blocks = [samples for _, samples in iter_blocks(path, block_s=3600.0)]
    return np.concatenate(blocks, axis=1)


def frame_db(samples: np.ndarray, *, frame_s: float, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Return the energy of each non-overlapping frame in dB (1.0 full scale = 0 dB).

    Args:
      samples: float32 of shape ``(n,)`` or ``(channels, n)``.
      frame_s: frame length in seconds; a trailing partial frame is zero-padded.

    Returns:
      float32 of shape ``(frames,)`` or ``(channels, frames)``; silence is about -100 dB.

    Examples:
      >>> frame_db(np.ones(320, dtype=np.float32), frame_s=0.01).round(1).tolist()
      [0.0, 0.0]
    """
    hop = max(int(round(frame_s * sample_rate)), 1)
    x = np.atleast_2d(samples)
    frames = -(-x.shape[1] // hop)
    padded = np.zeros((x.shape[0], frames * hop), dtype=np.float32)
    padded[:, : x.shape[1]] = x
    power = np.mean(padded.reshape(x.shape[0], frames, hop) ** 2, axis=2)
    db = (10.0 * np.log10(power + 1e-10)).astype(np.float32)
    result: np.ndarray = db if samples.ndim == 2 else db[0]
    return result
