"""The batch driver with the real Whisper model (slow): invariants, blocks, bad audio."""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from listening_coach.audio import SAMPLE_RATE, load_audio
from listening_coach.config import config_from_dict
from listening_coach.errors import AudioError, ConfigError
from listening_coach.pipeline import analyze
from listening_coach.testing import silence, syllable_train
from listening_coach.transcribe import transcribe
from listening_coach.types import Session

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "audio_samples" / "angry_customer.opus"
RULES = config_from_dict({"language": {"use_model": False}})
Analysed = Callable[[Path, Any], Session]  # conftest.analysed_file: analyze(), once a session


def test_transcription_invariants(shared_data: Path) -> None:
    audio = load_audio(shared_data / "speech" / "jfk.flac")[0]
    words = transcribe(audio, RULES.transcribe, offset_s=10.0, speaker="trainee")
    assert len(words) >= 20
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))
    assert all(10.0 <= w.start <= w.end <= 10.0 + audio.size / SAMPLE_RATE + 0.01 for w in words)
    assert {w.speaker for w in words} == {"trainee"}
    assert "ask not what your country can do for you" in "".join(w.text for w in words).lower()
    assert transcribe(np.zeros(SAMPLE_RATE * 2, np.float32), RULES.transcribe) == ()


def test_identical_channels_are_analysed_as_mono(shared_data: Path) -> None:
    session = analyze(shared_data / "speech" / "jfk.flac", RULES)
    assert session.transcript is not None
    assert session.transcript.speakers == ("trainee",)
    assert any("same signal" in n for n in session.transcript.notes)
    (word,) = [w for w in session.words if w.bare == "ask"][:1]
    assert word.duration < 1.0  # Whisper stretches "ask" to 1.6 s over the pause; snapped to speech


# How much worse than the whole file 30 s blocks may match the script, per speaker. Blocks give
# Whisper less context, so words anywhere can come out differently ("hold" as "pole" 4 words
# in, far from a cut), and int8 kernels differ per CPU. Measured (partner / trainee drop):
# 0.014 / 0.0 with AVX-512 VNNI kernels, 0.053 / 0.0 with AVX2 ones (ONEDNN_MAX_CPU_ISA=AVX2,
# the kernels of the AVX2-only EPYC in issue 11, where the whole-vs-cut word agreement this
# test used to demand, > 0.9, came out 0.886-0.890).
BLOCK_DROP_TOLERANCE = 0.08


def script_agreement(session: Session, truth: dict[str, Any], speaker: str) -> float:
    """difflib ratio between a speaker's recognised words and the words the script gave them."""
    said = [w for line in truth["lines"] if line["speaker"] == speaker
            for w in re.findall(r"[a-z0-9']+", line["text"].lower())]
    heard = [w.bare for w in session.words if w.speaker == speaker]
    return difflib.SequenceMatcher(a=said, b=heard, autojunk=False).ratio()


def test_blocks_cut_at_quiet_moments_give_the_same_analysis(analysed_file: Analysed) -> None:
    whole = analysed_file(SAMPLE, RULES)
    cut = analyze(
        SAMPLE, dataclasses.replace(RULES, transcribe=dataclasses.replace(RULES.transcribe, block_s=30.0))
    )
    assert len(cut.exchanges) == len(whole.exchanges)
    assert [e.kind for e in cut.events] == [e.kind for e in whole.events]
    truth = json.loads(SAMPLE.with_name("angry_customer.truth.json").read_text())
    for speaker in ("trainee", "partner"):
        in_blocks, in_one = script_agreement(cut, truth, speaker), script_agreement(whole, truth, speaker)
        assert in_blocks >= in_one - BLOCK_DROP_TOLERANCE, (speaker, in_blocks, in_one)


def test_result_records_model_and_options(analysed_file: Analysed) -> None:
    session = analysed_file(SAMPLE, RULES)
    assert session.transcript is not None
    assert "tiny.en" in session.transcript.model
    assert dict(session.transcript.options)["vad_filter"] is True
    assert session.transcript.speakers == ("trainee", "partner")
    assert session.config == RULES


def test_silence_only_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    rng = np.random.default_rng(seed=440)
    sf.write(str(path), (rng.standard_normal(SAMPLE_RATE * 5) * 1e-4).astype(np.float32), SAMPLE_RATE)
    with pytest.raises(AudioError, match="no speech found"):
        analyze(path, RULES)


def test_one_silent_channel_is_noted(tmp_path: Path, shared_data: Path) -> None:
    speech = load_audio(shared_data / "speech" / "2412-153948-0000.flac")[0]
    path = tmp_path / "one_silent.wav"
    sf.write(str(path), np.stack([speech, np.zeros_like(speech)], axis=1), SAMPLE_RATE)
    session = analyze(path, RULES)
    assert {w.speaker for w in session.words} == {"trainee"}
    assert session.transcript is not None and "no speech found for partner" in session.transcript.notes


def test_six_channels_need_a_channel_map(tmp_path: Path) -> None:
    path = tmp_path / "six.wav"
    tone = syllable_train(2.0)
    sf.write(str(path), np.stack([tone] + [silence(2.0)] * 5, axis=1), SAMPLE_RATE)
    with pytest.raises(ConfigError, match="6 channels but the channel map names 2"):
        analyze(path, RULES)


def test_a_short_live_window_does_not_leak_into_later_transcriptions(shared_data: Path) -> None:
    """faster-whisper keeps the chunk_length of any earlier call on the shared model."""
    from listening_coach.transcribe import load_whisper

    audio = load_audio(shared_data / "speech" / "jfk.flac")[0]
    before = transcribe(audio, RULES.transcribe)
    segments, _ = load_whisper(RULES.transcribe).transcribe(audio[: 3 * SAMPLE_RATE], chunk_length=4)
    list(segments)
    assert transcribe(audio, RULES.transcribe) == before


def test_the_same_audio_gives_the_same_words_every_time() -> None:
    """Whisper's temperature fallback samples from CTranslate2's global generator, so with it
    a window that fails its checks (here: noisy speech played backwards, which tiny.en loops
    on) comes out differently on each call; ``sample_fallback = false`` makes it repeatable."""
    audio = load_audio(SAMPLE)
    mono = audio.mean(axis=0) if audio.ndim == 2 else audio
    backwards = np.ascontiguousarray(mono[: 40 * SAMPLE_RATE][::-1])
    noisy = (backwards + 0.05 * np.random.default_rng(0).standard_normal(backwards.size)).astype(np.float32)
    options = dataclasses.replace(RULES.transcribe, sample_fallback=False)
    first = transcribe(noisy, options)
    assert first and transcribe(noisy, options) == first
