"""The live driver: audio chunks in, words and one cue per exchange out, same stages as batch.

- :class:`LiveSession`: ``insert_audio_chunk(chunk)``, ``process_iter() -> new words``,
  ``finish() -> Session``. Turn ends come from the VAD; each piece of speech is transcribed as
  soon as a short pause closes it, so when the turn ends only its last piece is left to do.
  Then :func:`listening_coach.pipeline.analyze_words` (the batch stages) runs on every word so
  far and the newest exchange's feedback gives at most one :class:`Cue`.
- :class:`Piece`: a stretch of one speaker's speech, transcribed as a unit.
- :class:`~listening_coach.live.cue.Cue` (re-exported here): the short message shown after an
  exchange, chosen by :mod:`listening_coach.live.cue`.

Each channel's VAD and pieces (:class:`~listening_coach.live.speech.SpeechChannel`) and the
speech-to-words backend live in :mod:`listening_coach.live.speech`.

::

    mic     ..|speech speech|..|speech|......        VAD, 32 ms windows
    pieces    [---piece 1---]  [piece2]              closed by piece_gap_s of silence
    turn      [---------- turn ---------]            closed by end_silence_s -> cue

Live decoding is greedy (``live.beam_size``); more than ``live.degrade_lag_s`` behind, the live
analysis labels language with the rules only (the panel says so); more than ``live.max_lag_s``
behind the audio, cues are skipped and pieces wait for :meth:`LiveSession.finish`, which
re-transcribes every piece with the full ``transcribe`` options for the final report.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.config import DEFAULT_CONFIG, Config
from listening_coach.live.cue import Cue, answered_exchange, cue_feedback
from listening_coach.live.echo import EchoGate, drop_bleed
from listening_coach.errors import CoachError
from listening_coach.hooks import Hook, no_hook
from listening_coach.live.speech import SileroStream, SpeechChannel, Transcriber, WhisperTranscriber
from listening_coach.pipeline import analyze_words
from listening_coach.types import TRAINEE, AudioChunk, Session, Speaker, Word

log = logging.getLogger(__name__)

# Two short turns that run every stage once in :meth:`LiveSession.warm_up`; the answer earns a
# concern with a suggested reflection, so the parser that checks suggestions is loaded too.
WARM_UP_WORDS = tuple(
    Word(0.4 * k + (1.0 if speaker == TRAINEE else 0.0), 0.4 * k + 0.35
         + (1.0 if speaker == TRAINEE else 0.0), " " + text, speaker)
    for k, (speaker, text) in enumerate(
        [("partner", t) for t in "I am upset, my order is late.".split()]
        + [(TRAINEE, t) for t in "please calm down".split()])
)


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of one speaker's speech, transcribed as a unit."""

    speaker: Speaker
    start: float
    end: float
    samples: np.ndarray  # padded audio starting at ``start - pad``
    offset_s: float  # absolute time of samples[0]
    words: tuple[Word, ...] = ()
    deferred: bool = False  # skipped live (compute behind); transcribed in finish()


class LiveListener(Protocol):
    """The control channel of a drill: the live events its partner reacts to, typed.

    Called before the hook's ``live.*`` step of the same event; the hook only watches.
    """

    def on_speech(self, speaker: Speaker, speaking: bool) -> None: ...

    def on_turn_end(self, speaker: Speaker, end_s: float) -> None: ...

    def on_cue(self, cue: Cue) -> None: ...

    def on_session(self, session: Session) -> None: ...


class LiveSession:
    """Stream audio in, get words and per-exchange cues out; :meth:`finish` gives the Session.

    Args:
      config: The same :class:`Config` the batch analysis uses (``live`` holds the driver's).
      channels: The speaker on each input channel: ``("trainee",)`` for a scripted drill,
        ``("trainee", "partner")`` for a live role-player on two channels.
      transcriber: Speech to words; default :class:`WhisperTranscriber`.
      vad_factory: Builds one streaming VAD per channel; default :class:`SileroStream`.
      hook: Called with ``("live.speech", (speaker, bool))``, ``("live.words", words)``,
        ``("live.turn_end", (speaker, end_s))`` (a turn long enough to count),
        ``("live.cue", Cue)``, ``("live.session", Session)``, ``("live.lag", seconds)``,
        ``("live.degraded", seconds behind or 0.0 when caught up)``.
      listener: The drill's control channel (:class:`LiveListener`), told of speech, turn
        ends, cues and sessions before the hook is.
      echo: An :class:`EchoGate` for the trainee's channel in scripted drills.
      analyze: The post-transcription stages; default ``pipeline.analyze_words``.
    """

    def __init__(
        self,
        config: Config = DEFAULT_CONFIG,
        *,
        channels: tuple[Speaker, ...] = (TRAINEE,),
        transcriber: Transcriber | None = None,
        vad_factory: Callable[[], Callable[[np.ndarray], np.ndarray]] | None = None,
        hook: Hook | None = None,
        listener: LiveListener | None = None,
        session_id: str | None = None,
        echo: EchoGate | None = None,
        analyze: Callable[..., Session] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.options = config.live
        self.speakers = channels
        self.transcriber = transcriber or WhisperTranscriber(
            config.transcribe, live_beam_size=config.live.beam_size
        )
        vad_factory = vad_factory or SileroStream
        self._channels = [SpeechChannel(s, vad_factory(), config.live) for s in channels]
        self.hook: Hook = hook or no_hook
        self.listener = listener
        self.session_id = session_id or uuid.uuid4().hex[:12]
        self.echo = echo
        self._analyze = analyze or analyze_words
        self.clock = clock
        self.pieces: list[Piece] = []
        self.extra_words: list[Word] = []  # partner words known from the scenario
        self.cues: list[Cue] = []
        self.session: Session | None = None
        self.errors = 0  # pieces whose transcription failed (logged, counted, drill goes on)
        self.lag_s = 0.0
        self.degraded = False  # behind by live.degrade_lag_s: quick live labels
        self._received = 0  # samples inserted
        self._cued: dict[int, int] = {}  # exchange -> response words when it was cued
        self._ended_turns: list[tuple[int, int]] = []  # trainee turns (samples) to cue

    def warm_up(self) -> None:
        """Load models and run each stage once, so the first exchange's cue is not slow."""
        rng = np.random.default_rng(seed=440)
        noise = (0.01 * rng.standard_normal(SAMPLE_RATE)).astype(np.float32)
        try:
            self.transcriber(noise, offset_s=0.0, speaker=TRAINEE, final=False)
            self._analyze(WARM_UP_WORDS, self.config, source="warm-up")
        except CoachError as e:  # the drill reports real failures when they happen
            log.warning("warm-up failed: %s", e)

    # -- input --------------------------------------------------------------------------
    def insert_audio_chunk(self, chunk: AudioChunk) -> None:
        """Append one block (float32 (channels, n) at 16 kHz, absolute ``chunk.start``)."""
        samples = np.atleast_2d(chunk.samples)
        if samples.shape[0] != len(self._channels):
            raise ValueError(
                f"chunk has {samples.shape[0]} channel(s), the session expects {len(self._channels)}"
            )
        if samples.shape[0] > 1:
            samples = drop_bleed(samples, margin_db=self.config.speakers.bleed_margin_db)
        for k, channel in enumerate(self._channels):
            data = samples[k]
            if self.echo is not None and channel.speaker == TRAINEE:
                data = self.echo.clean(data, chunk.start)
            channel.append(data, chunk.start)
        self._received = int(round(chunk.start * SAMPLE_RATE)) + samples.shape[1]

    def add_words(self, words: Sequence[Word]) -> None:
        """Add words known without transcription (the scripted partner's line, as played)."""
        self.extra_words.extend(words)

    @property
    def time_s(self) -> float:
        """Audio time received so far."""
        return self._received / SAMPLE_RATE

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(sorted([w for p in self.pieces for w in p.words] + self.extra_words))

    # -- processing -----------------------------------------------------------------------
    def process_iter(self, *, behind_s: float = 0.0) -> tuple[Word, ...]:
        """Run the VAD over new audio, transcribe closed pieces, cue ended trainee turns.

        Args:
          behind_s: How far the caller's audio queue is behind real time (s); above
            ``live.max_lag_s`` pieces are deferred to :meth:`finish` and no cue is given.

        Returns:
          The words committed by this call.
        """
        self.lag_s = behind_s
        new: list[Word] = []
        for channel in self._channels:
            new.extend(self._advance(channel))
        if new:
            self.hook("live.words", tuple(new))
        if self._ended_turns:
            # the trainee spoke inside the other's still-open turn: a short "yeah" does not end
            # the exchange (their words may not be transcribed yet, so ask the VAD)
            start, end = self._ended_turns[-1]
            others_talking = any(c.turn_open and c.turn_start < start
                                 for c in self._channels if c.speaker != TRAINEE)
            if not others_talking:  # (the other coming in at the end does not count)
                self._cue(end / SAMPLE_RATE)
            self._ended_turns.clear()
        return tuple(new)

    def _advance(self, channel: SpeechChannel) -> list[Word]:
        words: list[Word] = []
        for kind, start, end in channel.advance():
            if kind == "open":
                if self.listener is not None:
                    self.listener.on_speech(channel.speaker, True)
                self.hook("live.speech", (channel.speaker, True))
            elif kind == "piece":
                words += self._close_piece(channel, start, end)
            elif kind == "close":
                if self.listener is not None:
                    self.listener.on_speech(channel.speaker, False)
                self.hook("live.speech", (channel.speaker, False))
            else:
                if self.listener is not None:
                    self.listener.on_turn_end(channel.speaker, end / SAMPLE_RATE)
                self.hook("live.turn_end", (channel.speaker, end / SAMPLE_RATE))
                if channel.speaker == TRAINEE:
                    self._ended_turns.append((start, end))
        return words

    def _close_piece(self, channel: SpeechChannel, start: int, end: int) -> list[Word]:
        if end - start < self.options.min_speech_s * SAMPLE_RATE:
            return []  # a click or a cough, not words
        samples, first = channel.cut(start, end)
        piece = Piece(channel.speaker, start / SAMPLE_RATE, end / SAMPLE_RATE, samples,
                      first / SAMPLE_RATE)
        if self.lag_s > self.options.max_lag_s:
            log.info("%.1f s behind real time: piece at %.1f s deferred", self.lag_s, piece.start)
            self.hook("live.lag", self.lag_s)
            self.pieces.append(replace(piece, deferred=True))
            return []
        piece = replace(piece, words=self._transcribe(piece, final=False))
        self.pieces.append(piece)
        return list(piece.words)

    def _transcribe(self, piece: Piece, *, final: bool) -> tuple[Word, ...]:
        try:
            words = self.transcriber(piece.samples, offset_s=piece.offset_s,
                                     speaker=piece.speaker, final=final)
        except Exception as e:  # live mode: log, count, carry on (STYLE.md, errors)
            self.errors += 1
            log.error("transcribing %.1f-%.1f s failed: %s", piece.start, piece.end, e)
            return ()
        # keep words inside the piece (padding may catch the edge of the previous one)
        return tuple(w for w in words if w.end > piece.start - 0.05 and w.start < piece.end + 0.1)

    def _cue(self, speech_end_s: float) -> None:
        if self.lag_s > self.options.max_lag_s:
            return
        degraded = self.lag_s > self.options.degrade_lag_s
        if degraded != self.degraded:
            self.degraded = degraded
            self.hook("live.degraded", self.lag_s if degraded else 0.0)
        try:
            session = self.analyze_now(quick=degraded)
        except CoachError as e:  # live mode: log, count, carry on; finish() analyses again
            self.errors += 1
            log.error("analysing the exchange failed: %s", e)
            return
        if session is None:
            return
        exchange = answered_exchange(session)
        if exchange is None:
            return
        said = len(exchange.response_words)
        if self._cued.get(exchange.index) == said:
            return
        self._cued[exchange.index] = said  # more words later (a pause mid-answer): cue again
        cue = Cue(exchange.index, speech_end_s, cue_feedback(session, exchange), self.clock())
        self.cues.append(cue)
        if self.listener is not None:
            self.listener.on_cue(cue)
        self.hook("live.cue", cue)

    def analyze_now(self, *, source: str = "live", quick: bool = False) -> Session | None:
        """Run the batch stages on every word so far; None when there are no words yet.

        ``quick``: language labels from the rules only (no trained model), when behind.
        """
        words = self.words
        if not words:
            return None
        config = self.config
        if quick and config.language.use_model:
            config = replace(config, language=replace(config.language, use_model=False))
        self.session = self._analyze(words, config, source=source, session_id=self.session_id)
        if self.listener is not None:
            self.listener.on_session(self.session)
        self.hook("live.session", self.session)
        return self.session

    def finish(self, *, final_pass: bool | None = None) -> Session | None:
        """Close open pieces, transcribe deferred ones, and return the final Session.

        Args:
          final_pass: Re-transcribe every piece with the full ``transcribe`` options (default
            ``live.final_pass``); deferred pieces are transcribed either way.
        """
        for channel in self._channels:
            span = channel.close()
            if span is not None:
                self._close_piece(channel, *span)
        self.lag_s = 0.0
        full = self.options.final_pass if final_pass is None else final_pass
        for k, piece in enumerate(self.pieces):
            if piece.deferred or full:
                self.pieces[k] = replace(piece, words=self._transcribe(piece, final=True),
                                         deferred=False)
        return self.analyze_now()


__all__ = ["Cue", "LiveSession", "Piece"]
