"""Records that hold arrays compare by identity instead of raising on ``==``."""

from __future__ import annotations

import numpy as np

from listening_coach.types import AudioChunk, VoiceFrames


def test_records_with_arrays_compare_without_raising() -> None:
    samples = np.zeros((1, 160), dtype=np.float32)
    chunk = AudioChunk(0.0, samples)
    assert chunk == chunk
    assert chunk != AudioChunk(0.0, samples.copy())
    assert chunk in [AudioChunk(1.0, samples), chunk]
    voice = VoiceFrames(0.01, (("trainee", np.zeros(3)),), (("trainee", np.zeros(3)),))
    assert voice == voice
    assert voice != VoiceFrames(0.01, voice.loudness_db, voice.pitch_hz)
    assert len({chunk, voice}) == 2  # hashable
