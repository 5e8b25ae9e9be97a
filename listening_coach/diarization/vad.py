"""Speech activity for diarization: faster-whisper's bundled Silero VAD plus an energy gate.

- :data:`FRAME_S`: the frame hop (512 samples = 32 ms, Silero's window).
- :func:`speech_probabilities`: Silero speech probability per frame, computed in blocks so
  memory stays flat on hour-long files.
- :func:`speech_mask`: boolean speech per frame (hysteresis, energy gate, gap bridging,
  minimum burst length).
- :func:`mask_to_regions`: runs of True -> :class:`~listening_coach.span.Span` s.
"""

from __future__ import annotations

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.activity import runs as _runs

from listening_coach.errors import MissingExtra
from listening_coach.span import Span

FRAME = 512  # samples per Silero window
FRAME_S = FRAME / SAMPLE_RATE  # 0.032 s
BLOCK_FRAMES = 1875  # 60 s per Silero call
SILENCE_DBFS = -60.0  # frames quieter than this are never speech (digital silence, hiss)
WEAK_PROBABILITY = 0.1  # Silero this unsure counts as speech when energy confirms it ...
ENERGY_MARGIN_DB = 15.0  # ... by being this far above the recording's noise floor


def speech_probabilities(samples: np.ndarray) -> np.ndarray:
    """Return Silero's speech probability per :data:`FRAME_S` frame of mono 16 kHz ``samples``."""
    try:
        from faster_whisper.vad import get_vad_model
    except ImportError as e:  # pragma: no cover - faster-whisper is a core dependency
        raise MissingExtra("Diarization needs faster-whisper: pip install faster-whisper") from e
    model = get_vad_model()
    n_frames = -(-len(samples) // FRAME)
    probs = np.zeros(n_frames, dtype=np.float32)
    for first in range(0, n_frames, BLOCK_FRAMES):
        block = samples[first * FRAME : (first + BLOCK_FRAMES) * FRAME]
        block = np.pad(block, (0, (-len(block)) % FRAME)).astype(np.float32)
        if len(block):
            probs[first : first + len(block) // FRAME] = np.asarray(model(block)).reshape(-1)
    return probs


def frame_dbfs(samples: np.ndarray) -> np.ndarray:
    """RMS level of each frame in dBFS (computed in blocks: no copy of a long file)."""
    n_frames = -(-len(samples) // FRAME)
    out = np.empty(n_frames, dtype=np.float32)
    for first in range(0, n_frames, BLOCK_FRAMES):
        block = samples[first * FRAME : (first + BLOCK_FRAMES) * FRAME].astype(np.float64)
        block = np.pad(block, (0, (-len(block)) % FRAME)).reshape(-1, FRAME)
        rms = np.sqrt(np.mean(block**2, axis=1))
        out[first : first + len(rms)] = 20 * np.log10(np.maximum(rms, 1e-10))
    return out


def speech_mask(
    probs: np.ndarray,
    dbfs: np.ndarray,
    *,
    threshold: float = 0.5,
    min_speech_s: float = 0.15,
    min_silence_s: float = 0.2,
) -> np.ndarray:
    """Turn per-frame probabilities into a boolean speech mask.

    Speech starts at ``threshold`` and continues while above ``threshold - 0.15``
    (hysteresis); gaps shorter than ``min_silence_s`` are bridged, then bursts shorter than
    ``min_speech_s`` are dropped. Frames below :data:`SILENCE_DBFS` are never speech.

    Energy: a frame Silero gives at least :data:`WEAK_PROBABILITY` that is
    :data:`ENERGY_MARGIN_DB` above the noise floor (10th percentile of frame levels) counts as
    speech; Silero alone misses far-field and laughing speech (on the AMI excerpts this cut
    missed speech from 17.1% to 14.5% with false alarms at 0.2%).
    """
    if len(dbfs):
        floor = float(np.percentile(dbfs, 10))
        loud = (probs >= WEAK_PROBABILITY) & (dbfs > floor + ENERGY_MARGIN_DB)
        probs = np.where(loud, np.maximum(probs, threshold), probs)
    low = max(threshold - 0.15, 0.01)
    mask = np.zeros(len(probs), dtype=bool)
    on = False
    for i, p in enumerate(probs):
        on = p >= threshold or (on and p >= low)
        mask[i] = on
    mask &= dbfs > SILENCE_DBFS
    mask = _fill_runs(mask, False, int(round(min_silence_s / FRAME_S)))
    return _fill_runs(mask, True, int(round(min_speech_s / FRAME_S)))


def _fill_runs(mask: np.ndarray, value: bool, max_len: int) -> np.ndarray:
    """Flip interior runs of ``value`` no longer than ``max_len`` frames."""
    out = mask.copy()
    for start, end in _runs(mask == value):
        inner = start > 0 and end < len(mask) if not value else True
        if end - start <= max_len and inner:
            out[start:end] = not value
    return out


def mask_to_regions(mask: np.ndarray) -> list[Span]:
    """Runs of True frames as spans in seconds."""
    return [Span(a * FRAME_S, b * FRAME_S) for a, b in _runs(mask)]
