"""Region-wise transcription and unclear speech, with a stand-in for Whisper."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from listening_coach.config import TranscribeOptions
from listening_coach.regions import speech_regions, transcribe_regions, unclear_words
from listening_coach.activity import runs
from listening_coach.testing import silence, tone
from listening_coach.types import UNCLEAR_TEXT, Word

FRAME_S = 0.02


class EarModel:
    """Hears one word per stretch of signal louder than ``threshold`` (like Whisper, in the
    buffer's own time), and records what it was given."""

    def __init__(self, threshold: float = 0.05) -> None:
        self.threshold = threshold
        self.calls: list[float] = []

    def transcribe(self, samples: np.ndarray, **_: Any) -> tuple[list[Any], None]:
        self.calls.append(samples.shape[0] / 16000)
        loud = np.abs(samples[: samples.size // 320 * 320]).reshape(-1, 320).max(axis=1) > self.threshold
        words = [
            SimpleNamespace(word=" word", start=a * FRAME_S, end=b * FRAME_S, probability=0.9)
            for a, b in runs(loud)
        ]
        return [SimpleNamespace(no_speech_prob=0.0, avg_logprob=-0.1, words=words)], None


def signal_with(spans: list[tuple[float, float]], total_s: float, amplitude: float = 0.3) -> np.ndarray:
    x = silence(total_s)
    for a, b in spans:
        x[int(a * 16000) : int(b * 16000)] = tone(b - a, amplitude=amplitude)
    return x


def activity(spans: list[tuple[float, float]], total_s: float) -> np.ndarray:
    active = np.zeros(int(round(total_s / FRAME_S)), dtype=bool)
    for a, b in spans:
        active[int(round(a / FRAME_S)) : int(round(b / FRAME_S))] = True
    return active


def test_regions_merge_short_gaps_pad_and_stay_inside_one_whisper_window() -> None:
    active = activity([(1.0, 2.0), (2.3, 3.0), (10.0, 11.0), (20.0, 75.0)], 80.0)
    regions = speech_regions(active, FRAME_S, pad_s=0.2, merge_gap_s=0.5)
    assert (regions[0].start, regions[0].end) == pytest.approx((0.8, 3.2))
    assert regions[0].speech_s == pytest.approx(1.7)
    assert (regions[1].start, regions[1].end) == pytest.approx((9.8, 11.2))
    assert all(r.duration <= 28.0 + 1e-6 for r in regions)
    assert sum(r.speech_s for r in regions[2:]) == pytest.approx(55.0)


def test_packed_regions_map_words_back_to_the_recording() -> None:
    spans = [(1.0, 1.5), (12.0, 12.8), (40.0, 41.0), (70.0, 70.6)]
    x = signal_with(spans, 80.0)
    model = EarModel()
    regions = speech_regions(activity(spans, 80.0), FRAME_S)
    words = transcribe_regions(x, regions, TranscribeOptions(vad_filter=False), offset_s=100.0, model=model)
    got = [t for w in words for t in (w.start, w.end)]
    assert got == pytest.approx([100 + t for span in spans for t in span], abs=0.03)
    assert len(model.calls) == 1  # 4 short regions fit in one 30 s window
    assert model.calls[0] < 8.0  # ... holding the speech, not the 80 s of silence


def test_a_region_without_words_is_retried_once_on_the_fallback_signal() -> None:
    spans = [(1.0, 1.5), (5.0, 5.8)]
    heard = signal_with(spans[:1], 10.0)  # the masked signal lost the second line
    fallback = signal_with(spans, 10.0)
    model = EarModel()
    regions = speech_regions(activity(spans, 10.0), FRAME_S)
    options = TranscribeOptions(vad_filter=False)
    words = transcribe_regions(heard, regions, options, fallback=fallback, model=model)
    got = [t for w in words for t in (w.start, w.end)]
    assert got == pytest.approx([t for span in spans for t in span], abs=0.03)
    assert len(model.calls) == 2
    model = EarModel()
    words = transcribe_regions(heard, regions, options, model=model, retry_min_s=float("inf"))
    assert len(words) == 1 and len(model.calls) == 1


def test_speech_no_word_covers_becomes_unclear_placeholders() -> None:
    active = activity([(1.0, 3.0), (5.0, 5.2), (5.3, 5.6), (8.0, 8.1)], 10.0)
    words = (Word(1.0, 1.8, " I", "trainee"),)  # heard the start of the first line only
    placeholders = unclear_words(words, active, FRAME_S, speaker="trainee", min_s=0.25, part_min_s=0.6)
    assert [(w.start, w.end, w.text, w.speaker) for w in placeholders] == [
        (1.8, 3.0, UNCLEAR_TEXT, "trainee"),  # the rest of the first line
        (5.0, 5.6, UNCLEAR_TEXT, "trainee"),  # two runs 0.1 s apart, no words: one stretch
    ]  # 8.0-8.1 is too short to be speech
    assert all(w.unclear and w.probability == 0.0 for w in placeholders)
    assert unclear_words(words, active[:150], FRAME_S, offset_s=0.0, min_s=0.25, part_min_s=2.0) == ()


class DoubtfulWindowModel:
    """One 30 s window Whisper doubts as a whole (no-speech 0.65, mean log-prob -0.59, as on
    angry_customer/partner-david-noisy): a segment over loud signal and one over silence."""

    def transcribe(self, samples: np.ndarray, **_: Any) -> tuple[list[Any], None]:
        def segment(start: float, end: float, text: str) -> SimpleNamespace:
            word = SimpleNamespace(word=text, start=start, end=end, probability=0.6)
            return SimpleNamespace(start=start, end=end, no_speech_prob=0.65, avg_logprob=-0.59,
                                   text=text, words=[word])
        return [segment(1.0, 9.0, " spoken"), segment(12.0, 18.0, " invented")], None


def test_mono_keeps_a_doubted_segment_over_speech_and_drops_one_over_silence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The no-speech probability is one number per 30 s window: trusting it alone dropped 28 s
    # of real words (three exchanges) on a noisy mono role-play.
    import listening_coach.transcribe as transcribe_module
    from listening_coach.attribute import block_words
    from listening_coach.config import DEFAULT_CONFIG

    monkeypatch.setattr(transcribe_module, "load_whisper", lambda _options=None: DoubtfulWindowModel())
    x = signal_with([(0.5, 9.5)], 20.0)
    x += np.random.default_rng(0).normal(0, 1e-4, x.size).astype(np.float32)
    words, _, _ = block_words(x[None, :], 0.0, ((0, "trainee"),), DEFAULT_CONFIG, {})
    assert [w.text for w in words] == [" spoken"]
