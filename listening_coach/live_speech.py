"""The live driver's two models: where there is speech, and what it says.

- :class:`SileroStream`: the Silero VAD bundled with faster-whisper, fed incrementally; one
  speech probability per :data:`WINDOW` samples (32 ms).
- :class:`Transcriber`: the pluggable speech-to-words backend (tests pass a fake).
- :class:`WhisperTranscriber`: the default :class:`Transcriber`; a cheap greedy decode while the
  drill runs, the full ``transcribe`` options for the final pass.

Both are used by :class:`~listening_coach.streaming.LiveSession`; faster-whisper is imported
inside them, so importing this module loads no model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from listening_coach.config import TranscribeOptions
from listening_coach.types import Speaker, Word

SAMPLE_RATE = 16_000  # Hz
WINDOW = 512  # samples per Silero window (32 ms)
CONTEXT = 64  # samples of the previous window Silero v6 sees


class Transcriber(Protocol):
    """Speech to words: mono 16 kHz samples -> words with absolute times and a speaker."""

    def __call__(
        self, samples: np.ndarray, /, *, offset_s: float, speaker: Speaker, final: bool
    ) -> Sequence[Word]: ...


class WhisperTranscriber:
    """Whisper for the live path, :func:`listening_coach.transcribe.transcribe` for the final.

    ``final=True`` uses the configured ``transcribe`` options unchanged. ``final=False`` (live)
    is the cheap decode: greedy (``live.beam_size``), one temperature (no fallback re-decodes),
    no inner VAD (the piece is already speech), and Whisper's input window cut to the piece's
    length instead of 30 s; a 7.9 s piece measured 1.15 s of CPU with the default window
    (faster-whisper decoded it as two windows) and 0.66 s with the cut one.
    """

    def __init__(self, options: TranscribeOptions, *, live_beam_size: int = 1) -> None:
        from listening_coach.transcribe import load_model

        self.final_options = options
        self.live_beam_size = live_beam_size
        self.model = load_model(options)

    def __call__(
        self, samples: np.ndarray, /, *, offset_s: float, speaker: Speaker, final: bool
    ) -> Sequence[Word]:
        from listening_coach.transcribe import FILLER_PROMPT, transcribe

        options = self.final_options
        if final:
            return transcribe(samples, options, offset_s=offset_s, speaker=speaker, model=self.model)
        if samples.size < 1600 or not np.any(samples):
            return ()
        segments, _ = self.model.transcribe(
            samples, language=options.language, beam_size=self.live_beam_size,
            word_timestamps=True, vad_filter=False, condition_on_previous_text=False,
            temperature=0.0, no_speech_threshold=options.no_speech_threshold,
            log_prob_threshold=options.log_prob_threshold,
            initial_prompt=FILLER_PROMPT if options.verbatim_fillers else None,
            chunk_length=min(30, int(np.ceil(samples.size / SAMPLE_RATE)) + 1),
        )
        words: list[Word] = []
        for segment in segments:
            if segment.no_speech_prob > options.no_speech_threshold and segment.avg_logprob < -0.5:
                continue  # the same rule as transcribe(): likely not speech
            for w in segment.words or ():
                if w.word.strip():
                    start = offset_s + float(w.start)
                    end = max(offset_s + float(w.end), start)
                    words.append(Word(round(start, 3), round(end, 3), w.word, speaker,
                                      float(w.probability)))
        return tuple(words)


class SileroStream:
    """Silero VAD (faster-whisper's ONNX model) over a stream: samples in, one probability per
    32 ms window out, with the recurrent state carried between calls."""

    def __init__(self) -> None:
        from faster_whisper.vad import get_vad_model

        self._session = get_vad_model().session
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        self._pending = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        n = self._pending.size // WINDOW
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        windows = self._pending[: n * WINDOW].reshape(n, WINDOW)
        self._pending = self._pending[n * WINDOW :]
        contexts = np.vstack([self._context[None, :], windows[:-1, -CONTEXT:]])
        batch = np.concatenate([contexts, windows], axis=1)
        self._context = windows[-1, -CONTEXT:].copy()
        probs, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        return np.asarray(probs, dtype=np.float32).reshape(-1)[:n]


__all__ = ["SileroStream", "Transcriber", "WhisperTranscriber"]
