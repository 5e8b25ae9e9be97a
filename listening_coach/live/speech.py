"""Speech in the live driver's channels: where there is speech, and what it says.

- :class:`SileroStream`: the Silero VAD bundled with faster-whisper, fed incrementally; one
  speech probability per :data:`WINDOW` samples (32 ms).
- :class:`SpeechChannel`: one speaker's audio buffer and VAD; yields where turns open, where
  pieces of speech close (to be transcribed) and where turns end.
- :class:`Transcriber`: the pluggable speech-to-words backend (tests pass a fake).
- :class:`WhisperTranscriber`: the default :class:`Transcriber`; a cheap greedy decode while the
  drill runs, the full ``transcribe`` options for the final pass.

All are used by :class:`~listening_coach.live.session.LiveSession`; faster-whisper is imported
inside the models, so importing this module loads none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Literal, Protocol

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.config import LiveOptions, TranscribeOptions
from listening_coach.transcribe import FILLER_PROMPT, load_whisper, segment_words, transcribe
from listening_coach.types import Speaker, Word

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
        self.final_options = options
        self.live_beam_size = live_beam_size
        self.model = load_whisper(options)

    def __call__(
        self, samples: np.ndarray, /, *, offset_s: float, speaker: Speaker, final: bool
    ) -> Sequence[Word]:
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
        return segment_words(segments, options, offset_s=offset_s, speaker=speaker)


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


EventKind = Literal["open", "piece", "close", "turn"]


class SpeechChannel:
    """One speaker's channel: its audio buffer, its streamed VAD, its open piece and turn.

    Positions are absolute sample indices at 16 kHz. :meth:`advance` runs the VAD over the audio
    appended since the last call and yields ``(kind, start, end)`` events, in order:

    - ``open``: speech began a new turn (``start == end``, where it began).
    - ``piece``: a piece of speech closed, by ``piece_gap_s`` of silence or at ``max_piece_s``;
      the caller transcribes ``cut(start, end)`` before the buffer is trimmed.
    - ``close``: ``end_silence_s`` of silence closed the turn (``start`` to the last speech).
    - ``turn``: follows ``close`` when the turn held at least ``min_speech_s`` of speech.

    Args:
      speaker: Who speaks on this channel.
      vad: Streaming VAD: samples in, one speech probability per :data:`WINDOW` samples out.
      options: The ``live`` options (thresholds, gaps and padding).
    """

    def __init__(
        self, speaker: Speaker, vad: Callable[[np.ndarray], np.ndarray], options: LiveOptions
    ) -> None:
        self.speaker = speaker
        self.vad = vad
        self.options = options
        self.buffer = np.zeros(0, dtype=np.float32)
        self.buffer_start = 0  # absolute sample index of buffer[0]
        self.vad_pos = 0  # absolute sample index of the next VAD window
        self.in_speech = False
        self.piece_start: int | None = None
        self.last_speech = 0  # absolute sample index where speech was last heard
        self.turn_open = False
        self.turn_speech = 0  # samples of speech in the open turn
        self.turn_start = 0  # absolute sample index where the open turn began

    def append(self, samples: np.ndarray, start_s: float) -> None:
        """Append this channel's part of a block that starts at ``start_s`` (absolute)."""
        if self.buffer.size == 0:
            self.buffer_start = int(round(start_s * SAMPLE_RATE))
            self.vad_pos = max(self.vad_pos, self.buffer_start)
        self.buffer = np.concatenate([self.buffer, np.asarray(samples, dtype=np.float32)])

    def advance(self) -> Iterator[tuple[EventKind, int, int]]:
        """Run the VAD over new audio and yield what it found (see the class docstring)."""
        o = self.options
        end = self.buffer_start + self.buffer.size
        start = self.vad_pos
        if end - start < WINDOW:
            return
        probs = self.vad(self.buffer[start - self.buffer_start : end - self.buffer_start])
        on, off = o.vad_threshold, max(o.vad_threshold - 0.15, 0.01)
        gap = int(o.piece_gap_s * SAMPLE_RATE)
        end_gap = int(o.end_silence_s * SAMPLE_RATE)
        for k, p in enumerate(probs):
            pos = start + k * WINDOW  # window start
            if p >= on or (self.in_speech and p >= off):
                if not self.in_speech:
                    self.in_speech = True
                    if self.piece_start is None:
                        self.piece_start = pos
                    if not self.turn_open:
                        self.turn_open = True
                        self.turn_start = pos
                        self.turn_speech = 0
                        yield "open", pos, pos
                self.last_speech = pos + WINDOW
                self.turn_speech += WINDOW
                piece_start = self.piece_start if self.piece_start is not None else pos
                if pos + WINDOW - piece_start >= o.max_piece_s * SAMPLE_RATE:
                    yield "piece", self._take_piece(), pos + WINDOW
                    self.piece_start = pos + WINDOW
            else:
                self.in_speech = False
                silent = pos + WINDOW - self.last_speech
                if self.piece_start is not None and silent >= gap:
                    yield "piece", self._take_piece(), self.last_speech
                if self.turn_open and silent >= end_gap:
                    self.turn_open = False
                    yield "close", self.turn_start, self.last_speech
                    if self.turn_speech >= o.min_speech_s * SAMPLE_RATE:
                        yield "turn", self.turn_start, self.last_speech
        self.vad_pos = start + probs.size * WINDOW
        self._trim()

    def close(self) -> tuple[int, int] | None:
        """End of input: close the open piece (and turn); its (start, end), or None."""
        if self.piece_start is None:
            return None
        self.turn_open = False
        end = self.last_speech or self.vad_pos
        return self._take_piece(), end

    def cut(self, start: int, end: int) -> tuple[np.ndarray, int]:
        """Copy ``start:end`` padded by ``speech_pad_s`` where the buffer still holds it.

        Returns:
          The samples and the absolute sample index of the first one.
        """
        pad = int(self.options.speech_pad_s * SAMPLE_RATE)
        a = max(start - pad, self.buffer_start)
        b = min(end + pad, self.buffer_start + self.buffer.size)
        return self.buffer[a - self.buffer_start : b - self.buffer_start].copy(), a

    def _take_piece(self) -> int:
        assert self.piece_start is not None
        start, self.piece_start = self.piece_start, None
        return start

    def _trim(self) -> None:
        keep_from = self.vad_pos - int((self.options.speech_pad_s + 0.1) * SAMPLE_RATE)
        if self.piece_start is not None:
            keep_from = min(keep_from, self.piece_start - int(self.options.speech_pad_s * SAMPLE_RATE))
        drop = keep_from - self.buffer_start
        if drop > 0:
            self.buffer = self.buffer[drop:]
            self.buffer_start += drop


__all__ = ["SileroStream", "SpeechChannel", "Transcriber", "WhisperTranscriber"]
