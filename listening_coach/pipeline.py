"""The batch driver: a recording in, a :class:`Session` out.

- :func:`analyze`: decode in blocks -> words per channel (speech activity, transcribe, snap
  words to speech) or, on one microphone, diarization -> transcript -> :func:`analyze_words`.
- :func:`analyze_words`: everything after transcription and speaker attribution: turns and
  exchanges, then :func:`score`. The live driver calls this too, so live and batch share every
  stage after ``transcribe``.
- :func:`score`: the one tail every session goes through (fresh, diarized, imported
  segmentation, coach-corrected): events, metrics, language labels, effect, feedback;
  :class:`Overrides` carries a coach's labels and events.
- ``hook(step, artifact)`` (:class:`listening_coach.hooks.Hook`) is called after each stage.

Memory stays flat on long files: audio is decoded ``transcribe.block_s`` at a time, each block
cut at a quiet moment so no word is split, and only words and frame features are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from listening_coach import attribute
from listening_coach import activity as spk
from listening_coach.audio import (
    SAMPLE_RATE, AudioInfo, frame_db, iter_blocks, probe,
)
from listening_coach.config import DEFAULT_CONFIG, Config
from listening_coach.errors import AudioError, ConfigError
from listening_coach.feedback import PaceTargets, give_feedback
from listening_coach.hooks import Hook, no_hook
from listening_coach.metrics import compute_metrics, find_events
from listening_coach.metrics.effect import effect_metrics
from listening_coach.metrics.names import MetricIndex
from listening_coach.transcribe import describe
from listening_coach.turns import group_turns, pair_exchanges
from listening_coach.types import (
    Event, Exchange, Feedback, Label, Metric, Session, Transcript, VoiceFrames, Word,
)
from listening_coach.prosody import merge_voice, voice_frames

if TYPE_CHECKING:
    from listening_coach.diarization.types import SpeakerSegment

logger = logging.getLogger(__name__)
CUT_SEARCH_S = 20.0  # look this far back from a block's end for a quiet place to cut


def _quiet_blocks(path: str | Path, block_s: float) -> Iterator[tuple[float, np.ndarray]]:
    """Re-cut decoded blocks at the quietest 0.3 s near each block's end, so words stay whole."""
    carry: np.ndarray | None = None
    carry_start = 0.0
    for start, block in iter_blocks(path, block_s=block_s):
        if carry is not None:
            block = np.concatenate([carry, block], axis=1)
            start = carry_start
        search = min(int(CUT_SEARCH_S * SAMPLE_RATE), block.shape[1] // 2)
        if block.shape[1] < int(block_s * SAMPLE_RATE) or search <= 0:
            carry = block
            carry_start = start
            continue
        tail = block[:, -search:]
        energy = frame_db(tail, frame_s=0.3).max(axis=0)
        cut = block.shape[1] - search + int(np.argmin(energy)) * int(0.3 * SAMPLE_RATE)
        yield start, block[:, :cut]
        carry, carry_start = block[:, cut:], start + cut / SAMPLE_RATE
    if carry is not None and carry.shape[1]:
        yield carry_start, carry


def analyze(
    path: str | Path,
    config: Config = DEFAULT_CONFIG,
    *,
    hook: Hook | None = None,
    segments: Sequence[SpeakerSegment] | None = None,
) -> Session:
    """Transcribe, attribute, segment and score one recorded role-play.

    Args:
      path: any file FFmpeg decodes (wav, flac, mp3, m4a, ogg/opus, video).
      config: every stage's options; stored in the result.
      hook: called as ``hook(step, artifact)`` after each stage and block.
      segments: a coach's speaker segmentation (RTTM/TextGrid, read with
        :func:`listening_coach.report.interchange.read_segmentation`): the channels are mixed
        to one and each word takes the speaker of the segment it falls in, instead of channels
        or diarization.

    Raises:
      AudioError: unreadable audio, or no speech in it.
      ConfigError: a channel map that does not fit the file; segments with fewer than two
        speakers, or a role rule that cannot place them.
    """
    hook = hook or no_hook
    info = probe(path)
    if segments is None:
        attribute.check_channel_map(info, config)
    elif len({s.speaker for s in segments}) < 2:
        raise ConfigError("the segmentation has only one speaker; a role-play needs two")
    heard = _words_per_channel(path, info, config, hook, mixed=segments is not None)
    hook("transcribe", heard.words)
    if segments is not None:
        words, speakers, notes = attribute.segment_words(heard.words, tuple(segments), config)
        heard = _Heard(tuple(words), speakers, heard.notes + tuple(notes), voice_parts={})
    elif heard.mono is not None:
        heard = _diarize(heard, config)
        hook("diarize", heard.words)
    transcript = _transcript(info, config, heard)
    voice = merge_voice(config.voice.hop_s, heard.voice_parts) if heard.voice_parts else None
    return analyze_words(heard.words, config, source=str(path), transcript=transcript,
                         voice=voice, hook=hook)


@dataclass(frozen=True, slots=True, eq=False)
class _Heard:
    """Words with speakers, and what was noticed on the way, before turns are grouped."""

    words: tuple[Word, ...]  # sorted
    speakers: tuple[str, ...]  # one per analysed channel, or the diarized roles
    notes: tuple[str, ...]
    voice_parts: dict[str, list[tuple[np.ndarray, np.ndarray]]]  # speaker -> voice frames
    mono: np.ndarray | None = None  # the one-microphone signal, kept only when diarizing


def _words_per_channel(
    path: str | Path, info: AudioInfo, config: Config, hook: Hook, *, mixed: bool = False
) -> _Heard:
    """Decode in quiet-cut blocks and transcribe each analysed channel (speaker) of each block;
    ``mixed``: the channels mixed to one (speakers come from elsewhere)."""
    words: list[Word] = []
    voice_parts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    notes: list[str] = []
    speech: dict[str, list[float]] = {}  # speaker -> [speech s, speech without words s, words]
    channel_map: tuple[tuple[int, str], ...] | None = None
    identical = False
    mono: list[np.ndarray] = []  # kept only when diarizing
    for block_start, block in _quiet_blocks(path, config.transcribe.block_s):
        if channel_map is None:
            identical = info.channels > 1 and spk.channels_identical(block)
            if identical:
                notes.append(f"all {info.channels} channels carry the same signal: analysed as mono")
            channel_map = attribute.channel_map(info, config, identical or mixed)
        chosen = block[[c for c, _ in channel_map]] if not identical else block[:1]
        if mixed:
            chosen = block.mean(axis=0, keepdims=True)
        elif attribute.diarizing(info, identical, config):
            chosen = block.mean(axis=0, keepdims=True) if not identical else chosen
            mono.append(chosen[0])
        found, signal, active = attribute.block_words(chosen, block_start, channel_map, config, speech)
        words.extend(found)
        if config.voice.enabled:
            for row, (_, speaker) in enumerate(channel_map):
                voice_parts.setdefault(speaker, []).append(
                    voice_frames(signal[row], active[row], config.speakers.frame_s, config.voice)
                )
        hook("block", (block_start, block.shape[1] / SAMPLE_RATE))
    assert channel_map is not None
    speakers = tuple(s for _, s in channel_map)
    if len(channel_map) > 1:
        notes.extend(attribute.speech_notes(path, list(speakers), speech))
    if not words:
        raise AudioError(f"{path}: no speech found (silence, noise or music only); check the recording")
    return _Heard(tuple(sorted(words)), speakers, tuple(notes), voice_parts,
                  np.concatenate(mono) if mono else None)


def _diarize(heard: _Heard, config: Config) -> _Heard:
    """One microphone: who spoke each word, from diarization of the whole signal."""
    assert heard.mono is not None
    words, speakers, notes = attribute.diarize_words(heard.words, heard.mono, config)
    # per-speaker voice needs the diarized frames, so the one channel's frames are dropped
    return _Heard(tuple(words), tuple(speakers), heard.notes + tuple(notes), voice_parts={})


def _transcript(info: AudioInfo, config: Config, heard: _Heard) -> Transcript:
    """How the words were heard: model, options, duration, channels, speakers and notes."""
    model_name, options = describe(config.transcribe)
    return Transcript(
        model=model_name,
        options=options,
        duration=info.duration_s or heard.words[-1].end,
        channels=info.channels,
        sample_rate=info.sample_rate,
        speakers=heard.speakers,
        notes=heard.notes,
    )


def analyze_words(
    words: Sequence[Word],
    config: Config = DEFAULT_CONFIG,
    *,
    source: str = "words",
    session_id: str | None = None,
    transcript: Transcript | None = None,
    voice: VoiceFrames | None = None,
    hook: Hook | None = None,
) -> Session:
    """Run every stage after speaker attribution on ``words`` (each with a speaker)."""
    hook = hook or no_hook
    ordered = tuple(sorted(words))
    turns = group_turns(ordered, config.turns)
    exchanges = pair_exchanges(turns, config.turns)
    hook("turns", exchanges)
    segmented = Session(
        id=session_id or Path(source).stem,
        source=source,
        words=ordered,
        turns=turns,
        exchanges=exchanges,
        events=(),
        metrics=(),
        feedback=(),
        config=config,
        transcript=transcript,
        voice=voice,
    )
    return score(segmented, hook=hook)


@dataclass(frozen=True, slots=True)
class Overrides:
    """What a coach overruled: these replace the model's labels / events (None: the model's).

    ``carried`` are metrics measured from audio that cannot be measured again (``voice.*`` and
    per-exchange ``effect.partner_*`` of a session whose voice frames are gone); they are kept
    unless :func:`score` computes a metric of the same name and exchange.
    """

    labels: tuple[Label, ...] | None = None
    events: tuple[Event, ...] | None = None
    carried: tuple[Metric, ...] = ()


def score(session: Session, overrides: Overrides = Overrides(), *, hook: Hook | None = None) -> Session:
    """The shared tail: events, metrics, language labels, effect and feedback of a segmented session.

    Reads ``session``'s turns, exchanges, voice and config; returns it with events, labels,
    metrics and feedback replaced. Fresh analyses (:func:`analyze_words`), imported
    segmentations and coach corrections (:func:`listening_coach.coach.corrections.rescore`) all end
    here, so a corrected session follows exactly the rules of a fresh one.
    """
    hook = hook or no_hook
    config, turns, exchanges = session.config, session.turns, session.exchanges
    events = overrides.events if overrides.events is not None else find_events(turns, exchanges, config)
    metrics = compute_metrics(turns, exchanges, events, config, session.voice)
    fresh = MetricIndex(metrics)
    metrics += tuple(m for m in overrides.carried if fresh.get(m.name, m.exchange) is None)
    labels, language_metrics, language_feedback = _language(exchanges, metrics, config, overrides.labels)
    metrics = metrics + language_metrics
    metrics = metrics + effect_metrics(exchanges, metrics)
    hook("metrics", metrics)
    feedback = give_feedback(exchanges, events, metrics, config.feedback, pace=PaceTargets.of(config.pace),
                             extra=language_feedback)
    hook("feedback", feedback)
    return replace(session, events=events, labels=labels, metrics=metrics, feedback=feedback)


def _language(
    exchanges: tuple[Exchange, ...],
    metrics: tuple[Metric, ...],
    config: Config,
    labels: tuple[Label, ...] | None = None,
) -> tuple[tuple[Label, ...], tuple[Metric, ...], tuple[Feedback, ...]]:
    """Language labels (unless given), their metrics and feedback (listening_coach.language)."""
    from listening_coach.language import label_exchanges, language_feedback, language_metrics

    if labels is None:
        labels = label_exchanges(exchanges, config.language)
    lang_metrics = language_metrics(exchanges, labels, config.language)
    lang_feedback = language_feedback(
        exchanges, labels, metrics + lang_metrics, config.language,
        suggestion_min_probability=config.feedback.suggestion_min_probability,
        suggestion_check_grammar=config.feedback.suggestion_check_grammar,
    )
    return labels, lang_metrics, lang_feedback
