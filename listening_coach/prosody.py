"""Frame-level loudness and pitch of each speaker's channel (librosa).

- :func:`voice_frames`: loudness (dB) and pitch (Hz, NaN where the speaker is silent or
  unvoiced) every ``hop_s`` for one channel block; blocks are concatenated by the pipeline.
- :func:`merge_voice`: join per-block arrays into one :class:`VoiceFrames`.

Pitch uses YIN, which is fast enough to run on hour-long files on two cores; frames outside the
speaker's own speech activity are NaN, so bleed from the other microphone never counts.
"""

from __future__ import annotations

import numpy as np

from listening_coach.audio import SAMPLE_RATE, frame_db
from listening_coach.activity import runs as activity_runs
from listening_coach.config import VoiceOptions
from listening_coach.types import Speaker, VoiceFrames

YIN_FRAME = 1024  # samples (64 ms at 16 kHz): two periods of the lowest pitch we track
OCTAVE_JUMP_ST = 7.0  # semitones from the local median: a YIN octave error, not intonation


def voice_frames(
    samples: np.ndarray, active: np.ndarray, active_frame_s: float, options: VoiceOptions
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(loudness_db, pitch_hz)`` for a 1-D block, both of length ``ceil(n / hop)``.

    Args:
      samples: float32 ``(n,)`` at 16 kHz.
      active: the channel's speech activity, one bool per ``active_frame_s``.
      options: hop and pitch range.
    """
    import librosa

    hop = int(round(options.hop_s * SAMPLE_RATE))
    loudness = frame_db(samples, frame_s=options.hop_s)
    frames = loudness.shape[0]
    times = np.arange(frames) * options.hop_s
    index = np.minimum((times / active_frame_s).astype(int), max(active.shape[0] - 1, 0))
    speaking = active[index] if active.size else np.zeros(frames, dtype=bool)
    f0 = np.full(frames, np.nan, dtype=np.float32)
    # YIN only where the speaker talks (a third of a conversation): same frames, less work
    for first, last in _spans(speaking, gap=int(0.3 / options.hop_s), pad=5):
        segment = samples[first * hop : last * hop]
        if segment.size < YIN_FRAME:
            continue
        pitch = librosa.yin(
            segment, fmin=options.fmin_hz, fmax=options.fmax_hz, sr=SAMPLE_RATE,
            frame_length=YIN_FRAME, hop_length=hop, center=True,
        ).astype(np.float32)
        count = min(pitch.shape[0], last - first)
        f0[first : first + count] = _steady(pitch[:count])
    # YIN answers on every frame; keep frames with speech energy and a pitch inside the range
    voiced = speaking & (f0 > options.fmin_hz * 1.05) & (f0 < options.fmax_hz * 0.95)
    f0[~voiced] = np.nan
    loudness = loudness.copy()
    return loudness, f0


def _steady(pitch: np.ndarray) -> np.ndarray:
    """Remove YIN's octave jumps: a 50 ms median, then drop frames far from the 150 ms median."""
    from scipy.signal import medfilt

    if pitch.shape[0] < 15:
        return pitch
    smooth = medfilt(pitch, 5).astype(np.float32)
    local = medfilt(smooth, 15)
    jump = np.abs(12 * np.log2(np.maximum(smooth, 1e-3) / np.maximum(local, 1e-3))) > OCTAVE_JUMP_ST
    smooth[jump] = np.nan
    result: np.ndarray = smooth
    return result


def _spans(mask: np.ndarray, *, gap: int, pad: int) -> list[tuple[int, int]]:
    """Runs of True frames, merged across gaps of up to ``gap`` frames and padded by ``pad``."""
    spans: list[tuple[int, int]] = []
    for first, last in activity_runs(mask):
        first, last = max(first - pad, 0), min(last + pad, mask.shape[0])
        if spans and first - spans[-1][1] <= gap:
            spans[-1] = (spans[-1][0], last)
        else:
            spans.append((first, last))
    return spans


def merge_voice(hop_s: float, parts: dict[Speaker, list[tuple[np.ndarray, np.ndarray]]]) -> VoiceFrames:
    """Concatenate per-block arrays per speaker into read-only :class:`VoiceFrames`."""
    loud: list[tuple[Speaker, np.ndarray]] = []
    pitch: list[tuple[Speaker, np.ndarray]] = []
    for speaker, blocks in parts.items():
        lo = np.concatenate([b[0] for b in blocks]) if blocks else np.zeros(0, np.float32)
        pi = np.concatenate([b[1] for b in blocks]) if blocks else np.zeros(0, np.float32)
        lo.setflags(write=False)
        pi.setflags(write=False)
        loud.append((speaker, lo))
        pitch.append((speaker, pi))
    return VoiceFrames(hop_s, tuple(loud), tuple(pitch))
