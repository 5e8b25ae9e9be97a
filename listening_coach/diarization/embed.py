"""Speaker embeddings: resemblyzer's voice encoder, run with onnxruntime (no torch).

- :func:`mel_frames`: resemblyzer's mel front end (power mel, 25 ms window, 10 ms hop, 40 bands)
  reimplemented with numpy and librosa's filter bank; (frames, 40) float32.
- :func:`load_encoder`: the ONNX session for ``listening_coach/models/voice_encoder.onnx``
  (exported once by ``models/export_voice_encoder.py``), cached per path.
- :func:`embed_windows`: L2-normalised 256-d embeddings of many audio windows, batched.

The encoder was trained on 1.6 s partials (160 frames); shorter windows work with less
reliable embeddings, which is why word-level checks use margins.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.diarization.sessions import onnx_session

log = logging.getLogger(__name__)

N_FFT = 400  # 25 ms
HOP = 160  # 10 ms
N_MELS = 40
EMBEDDING_DIM = 256
TARGET_DBFS = -30.0  # resemblyzer's audio_norm_target_dBFS
MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "voice_encoder.onnx"


@functools.lru_cache(maxsize=1)
def _mel_basis() -> np.ndarray:
    import librosa

    return librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS).astype(np.float32)


@functools.lru_cache(maxsize=1)
def _window() -> np.ndarray:
    # periodic Hann, as scipy.signal.get_window("hann", N_FFT, fftbins=True) used by librosa
    n = np.arange(N_FFT)
    return (0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)).astype(np.float32)


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """Return resemblyzer's mel spectrogram of ``samples`` (float32 mono 16 kHz), (frames, 40).

    Matches ``librosa.feature.melspectrogram(y, sr=16000, n_fft=400, hop_length=160,
    n_mels=40)`` (centred frames, zero padding, power 2): ``1 + len // 160`` frames.
    """
    samples = np.asarray(samples, dtype=np.float32)
    padded = np.pad(samples, (N_FFT // 2, N_FFT // 2))
    n_frames = 1 + (len(padded) - N_FFT) // HOP
    if n_frames <= 0:
        return np.zeros((0, N_MELS), dtype=np.float32)
    index = np.arange(N_FFT)[None, :] + HOP * np.arange(n_frames)[:, None]
    spectrum = np.fft.rfft(padded[index] * _window(), axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    return np.asarray(power @ _mel_basis().T, dtype=np.float32)


@functools.lru_cache(maxsize=4)
def load_encoder(path: str | None = None, threads: int = 0) -> Any:
    """Return an onnxruntime session for the voice encoder (cached).

    Raises:
      MissingExtra: onnxruntime is not installed.
      ModelError: the model file is missing or not a valid ONNX model.
    """
    return onnx_session(
        Path(path) if path else MODEL_PATH, what="Voice encoder model", threads=threads,
        rebuild="reinstall listening-coach or rebuild it with models/export_voice_encoder.py",
    )


def embed_mels(mels: np.ndarray, *, model_path: str | None = None) -> np.ndarray:
    """Embed a batch of mel spectrograms (batch, frames, 40) -> (batch, 256), L2-normalised."""
    if len(mels) == 0:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    session = load_encoder(model_path)
    out: np.ndarray = session.run(None, {"mels": np.ascontiguousarray(mels, dtype=np.float32)})[0]
    return np.asarray(np.nan_to_num(out), dtype=np.float32)


def embed_windows(
    samples: np.ndarray,
    spans: list[tuple[int, int]] | np.ndarray,
    *,
    batch: int = 64,
    model_path: str | None = None,
) -> np.ndarray:
    """Embed windows ``samples[start:end]`` for each (start, end) sample span -> (n, 256).

    Each window is scaled to -30 dBFS first (:func:`normalize_level`); windows of equal length
    are batched together.
    """
    spans = [(int(s), int(e)) for s, e in spans]
    result = np.zeros((len(spans), EMBEDDING_DIM), dtype=np.float32)
    by_length: dict[int, list[int]] = {}
    for i, (start, end) in enumerate(spans):
        by_length.setdefault(max(end - start, HOP), []).append(i)
    for length, indices in by_length.items():
        for k in range(0, len(indices), batch):
            chunk = indices[k : k + batch]
            mels = np.stack([_window_mel(samples, spans[i][0], length) for i in chunk])
            result[chunk] = embed_mels(mels, model_path=model_path)
    return result


def _window_mel(samples: np.ndarray, start: int, length: int) -> np.ndarray:
    piece = samples[start : start + length]
    if len(piece) < length:
        piece = np.pad(piece, (0, length - len(piece)))
    return mel_frames(normalize_level(piece))


def normalize_level(samples: np.ndarray, target_dbfs: float = TARGET_DBFS) -> np.ndarray:
    """Scale ``samples`` to ``target_dbfs`` RMS (the encoder's input is power, not log power).

    resemblyzer raises whole files to -30 dBFS; doing it per window measured better on AMI
    (same/different-speaker separation d' 1.68 vs 1.47 per file and 0.76 without).
    """
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    if rms < 1e-6:
        return samples
    return (samples * (10 ** (target_dbfs / 20) / rms)).astype(np.float32)
