"""False starts (diarization/starts.py): a short second voice in the first second of another's
talk is dropped when its audio sounds like that talk, kept when it sounds like itself or comes
later."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from listening_coach.diarization.starts import drop_false_starts
from listening_coach.diarization.types import SpeakerSegment

RATE = 16000
Voices = tuple[np.ndarray, np.ndarray]


@pytest.fixture(scope="module")
def voices(shared_data: Path) -> Voices:
    """8 s of voice A (LibriSpeech) with 5.2-5.8 s replaced by voice B (CMU ARCTIC),
    level-matched, and the two voices' voiceprints (A from 8-11.5 s of its recording, not used
    above; B from its whole recording)."""
    from listening_coach.audio import load_audio
    from listening_coach.diarization.embed import embed_windows

    files = ("2412-153948-0000.flac", "arctic_a0024.wav")
    a, b = (load_audio(shared_data / "speech" / f).mean(axis=0) for f in files)
    a, b = (0.05 * x / np.sqrt(np.mean(x**2)) for x in (a, b))
    samples = a[: 8 * RATE].astype(np.float32)
    samples[int(5.2 * RATE) : int(5.8 * RATE)] = b[RATE : int(1.6 * RATE)]
    prints = np.stack(
        [embed_windows(a, [(8 * RATE, int(11.5 * RATE))])[0], embed_windows(b, [(0, len(b))])[0]]
    )
    return samples, prints / np.linalg.norm(prints, axis=1, keepdims=True)


@pytest.mark.shared_data
def test_second_voice_in_the_first_second_that_sounds_like_the_talk_is_dropped(voices: Voices) -> None:
    samples, prints = voices
    host = SpeakerSegment(2.0, 5.0, "0")
    blip = SpeakerSegment(2.2, 2.7, "1")  # 0.5 s of A's own talk, 0.2 s into it, heard as voice 1
    later = SpeakerSegment(4.2, 4.7, "1")  # the same 2.2 s in: a backchannel's place, not looked at
    assert drop_false_starts([host, blip, later], samples, prints) == [host, later]
    # with the talk under way for 1.5 s before it, the same run is no false start
    early = SpeakerSegment(0.7, 5.0, "0")
    assert drop_false_starts([early, blip], samples, prints) == [early, blip]


@pytest.mark.shared_data
def test_second_voice_in_the_first_second_that_sounds_like_itself_is_kept(voices: Voices) -> None:
    samples, prints = voices
    host = SpeakerSegment(5.0, 8.0, "0")
    other = SpeakerSegment(5.2, 5.8, "1")  # voice B's audio 0.2 s into A's talk: B really starts
    assert drop_false_starts([host, other], samples, prints) == [host, other]
