"""The drill engine: scenario prompts, capture, recording, the live driver, the session file.

- :class:`Drill`: runs one drill and returns a :class:`DrillResult`. Two modes:
  *scripted* (a :class:`~listening_coach.scenario.Scenario`; its lines are played and the
  trainee answers on one microphone) and *live* (no scenario; two input channels, trainee and
  partner, analysed like a two-channel recording).
- :class:`DrillResult`: the final :class:`~listening_coach.types.Session` and what happened.
- :func:`line_audio`: a partner line's samples (its audio file, else espeak-ng).

Nothing is lost: every block is written to ``OUT/ID.wav`` as it arrives (channel 0 the
microphone, channel 1 what the loudspeaker played, in scripted mode); ``OUT/ID.json`` is
rewritten after each exchange; Ctrl-C, a vanished device or a full disk end the drill with
the recording and the finished exchanges kept. The engine never prints: it reports through
``hook(step, artifact)`` with steps ``drill.prompt``, ``drill.state`` and the ``live.*`` steps
of :class:`~listening_coach.streaming.LiveSession`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, cast

import numpy as np

from listening_coach.config import DEFAULT_CONFIG, Config
from listening_coach.echo import EchoGate
from listening_coach.errors import AudioError, CoachError, DeviceError, OutputError
from listening_coach.recorder import Recorder
from listening_coach.scenario import Escalation, PartnerLine, Scenario
from listening_coach.live_speech import Transcriber
from listening_coach.streaming import Cue, LiveSession
from listening_coach.synth import partner_words
from listening_coach.types import PARTNER, TRAINEE, AudioChunk, Session, Speaker
from listening_coach.feedback import counted

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000  # Hz
Hook = Callable[[str, object], None]
StopReason = Literal["finished", "interrupted", "device_error", "output_error", "source_ended"]
NEXT_LINE_AFTER_S = 1.2  # silence after the trainee's answer before the partner goes on


class AudioSource(Protocol):
    """What the drill reads from: :class:`~listening_coach.capture.Capture` or a replay."""

    overflows: int

    @property
    def time_s(self) -> float: ...
    def __iter__(self) -> Iterator[AudioChunk]: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


class PlayerLike(Protocol):
    """What the drill plays prompts on: :class:`~listening_coach.playback.Player` or a fake."""

    def play(self, samples: np.ndarray) -> None: ...
    @property
    def playing(self) -> bool: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class DrillResult:
    """What a drill produced, including why it ended."""

    session: Session | None
    recording: Path
    session_file: Path | None
    stopped_by: StopReason
    message: str  # one line for the trainee: why it ended, what was kept
    overflows: int
    cues: tuple[Cue, ...]
    recorded_s: float
    echo_gated_s: float
    errors: int  # pieces that failed to transcribe (the drill went on)


def line_audio(line: PartnerLine | Escalation, scenario: Scenario) -> np.ndarray:
    """Return a line's samples (float32 mono 16 kHz): its audio file, else espeak-ng."""
    if line.audio is not None:
        from listening_coach.audio import load_audio

        return np.asarray(load_audio(line.audio).mean(axis=0), dtype=np.float32)
    from listening_coach.synth import synthesize

    return synthesize(line.text, voice=scenario.voice, speed_wpm=scenario.speed_wpm)


class Drill:
    """One drill. Build it, then call :meth:`run` (blocks until the drill ends).

    Args:
      source: Where the microphone audio comes from (a started or unstarted capture).
      scenario: Scripted mode; None is live mode with ``channels`` people.
      config: The same config the batch analysis takes.
      out_dir: Where ``ID.wav`` and ``ID.json`` go.
      player: Plays prompts; None means prompts are not audible (tests, or the loudspeaker is
        fed by someone else) but are still timed as if played.
      channels: The speaker on each input channel.
      hook: Receives progress for a UI.
      transcriber: Overrides the Whisper transcriber (tests).
      prompt_audio: Overrides :func:`line_audio` (tests).
    """

    def __init__(
        self,
        source: AudioSource,
        *,
        scenario: Scenario | None = None,
        config: Config = DEFAULT_CONFIG,
        out_dir: str | Path = "out",
        player: PlayerLike | None = None,
        channels: tuple[Speaker, ...] = (TRAINEE,),
        hook: Hook | None = None,
        transcriber: Transcriber | None = None,
        prompt_audio: Callable[[Any, Scenario], np.ndarray] = line_audio,
        session_id: str | None = None,
        echo: bool = True,
    ) -> None:
        if scenario is not None and channels != (TRAINEE,):
            raise DeviceError("A scripted drill records the trainee on one channel; "
                              "use live mode (no --scenario) for two people")
        if scenario is None and set(channels) != {TRAINEE, PARTNER}:
            raise DeviceError("Live role-play needs two input channels, e.g. --channels "
                              "trainee,partner")
        self.source = source
        self.scenario = scenario
        self.config = config
        self.out_dir = Path(out_dir)
        self.player = player
        self.channels = channels
        self.hook: Hook = hook or (lambda step, artifact: None)
        self.prompt_audio = prompt_audio
        self.id = session_id or time.strftime("drill-%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:4]
        self.recording = self.out_dir / f"{self.id}.wav"
        self.session_file = self.out_dir / f"{self.id}.json"
        self.echo = EchoGate(max_delay_s=config.live.echo_max_delay_s,
                             gate_ratio=config.live.echo_gate_ratio) if scenario and echo else None
        self.live = LiveSession(config, channels=channels, transcriber=transcriber,
                                hook=self._on_live, session_id=self.id, echo=self.echo)
        # scripted-mode state
        self._queue: list[tuple[str, Any]] = [("line", line) for line in (scenario.lines if scenario else ())]
        self._used_escalations: set[int] = set()
        self._prompt = np.zeros(0, dtype=np.float32)
        self._prompt_start = 0.0
        self._prompt_end = -1.0
        self._line: Any = None
        self._trainee_speaking = False
        self._answer_end: float | None = None  # audio time the trainee's last turn ended
        self._waiting_since = 0.0
        self._saved_exchanges = 0
        self._write_failed: str | None = None

    # -- hooks ------------------------------------------------------------------------------
    def _on_live(self, step: str, artifact: object) -> None:
        if step == "live.speech":
            speaker, speaking = cast(tuple[str, bool], artifact)
            if speaker == TRAINEE:
                self._trainee_speaking = bool(speaking)
                if speaking:
                    self._answer_end = None
        elif step == "live.turn_end":
            speaker, _ = cast(tuple[str, float], artifact)
            answered = any(w.speaker == TRAINEE and w.end > self._prompt_start
                           for w in self.live.words)
            if speaker == TRAINEE and answered:  # a noise burst is not an answer
                self._answer_end = self.live.time_s
        elif step == "live.session":
            self._save(artifact)  # type: ignore[arg-type]
        self.hook(step, artifact)

    def _save(self, session: Session) -> None:
        from listening_coach.report import write_json

        try:
            write_json(session, self.session_file)
            self._saved_exchanges = len(session.exchanges)
        except OutputError as e:
            self._write_failed = str(e)
            log.error("%s", e)

    # -- scripted partner -------------------------------------------------------------------
    def _play_next(self, now: float) -> None:
        kind, item = self._queue.pop(0)
        assert self.scenario is not None
        try:
            samples = self.prompt_audio(item, self.scenario)
        except AudioError as e:  # a bad line must not end the drill: show its text instead
            log.error("cannot voice the line %r: %s", item.text, e)
            samples = np.zeros(int(2.0 * SAMPLE_RATE), dtype=np.float32)
        self._line = item
        self._prompt, self._prompt_start = samples, now
        self._prompt_end = now + samples.size / SAMPLE_RATE
        if self.echo is not None:
            self.echo.play(samples, now)
        if self.player is not None:
            self.player.play(samples)
        from listening_coach.synth import measure_spans

        spans = measure_spans(samples) or ((0.0, samples.size / SAMPLE_RATE),)
        self.live.add_words(partner_words(item.text, spans, now))
        self._answer_end = None
        self._waiting_since = self._prompt_end
        self.hook("drill.prompt", {"kind": kind, "text": item.text, "start_s": now,
                                   "duration_s": samples.size / SAMPLE_RATE, "samples": samples,
                                   "left": sum(1 for k, _ in self._queue if k == "line")})

    def _escalate(self) -> None:
        """Queue the scenario's escalation if the trainee just did what triggers it."""
        session = self.live.session
        if self.scenario is None or session is None or not session.exchanges:
            return
        last = session.exchanges[-1].index
        triggers: set[str] = {str(e.kind) for e in session.events
                              if e.exchange == last and e.speaker == TRAINEE}
        triggers |= {flag for lab in session.labels if lab.exchange == last for flag in lab.flags}
        triggers |= {f.code for f in session.feedback if f.exchange == last}
        matched = {t for t in self.scenario_triggers() if any(t in x for x in triggers)}
        found = self.scenario.escalation_for(matched, self._used_escalations)
        if found is not None:
            index, escalation = found
            self._used_escalations.add(index)
            self._queue.insert(0, ("escalation", escalation))

    def scenario_triggers(self) -> set[str]:
        return {e.when for e in self.scenario.escalations} if self.scenario else set()

    def _scripted_step(self, now: float, clock_s: float) -> bool:
        """Advance the script; returns False when the drill is over.

        ``now`` is the audio time processed so far; ``clock_s`` the capture clock (what the
        device has delivered), which is when a prompt started now would be heard.
        """
        playing = self.player.playing if self.player is not None else now < self._prompt_end
        if playing or now < self._prompt_end or self._trainee_speaking:
            return True
        if self._answer_end is not None:
            ready = now - self._answer_end >= NEXT_LINE_AFTER_S
        else:
            line_wait = self._current_wait()
            ready = now - self._waiting_since >= line_wait
        if not ready:
            return True
        if self._answer_end is not None:
            self._escalate()
        if not self._queue:
            return False
        self._play_next(clock_s)
        return True

    def _current_wait(self) -> float:
        if self._prompt_end < 0:
            return 0.0  # the first line plays at once
        wait = getattr(self._line, "wait_s", None)
        return float(wait) if wait else self.config.live.answer_timeout_s

    # -- main loop ---------------------------------------------------------------------------
    def run(self) -> DrillResult:
        """Run until the script ends, the source ends, Ctrl-C, or a device or disk failure."""
        stopped: StopReason = "finished"
        message = ""
        recorder: Recorder | None = None
        try:
            recorder = Recorder(self.recording, channels=len(self.channels) + (1 if self.scenario else 0))
            self.hook("drill.state", "listening")
            for chunk in self._chunks():
                recorder.write(self._with_prompt(chunk))
                self.live.insert_audio_chunk(chunk)
                behind = max(0.0, self.source.time_s - (chunk.start + chunk.samples.shape[1] / SAMPLE_RATE))
                self.live.process_iter(behind_s=behind)
                now = chunk.start + chunk.samples.shape[1] / SAMPLE_RATE
                if self.scenario is not None and not self._scripted_step(now, self.source.time_s):
                    break
            else:
                stopped = "source_ended"
        except KeyboardInterrupt:
            stopped, message = "interrupted", "Drill stopped (Ctrl-C)"
        except DeviceError as e:
            stopped, message = "device_error", str(e)
        except OutputError as e:
            stopped, message = "output_error", str(e)
        finally:
            self.source.stop()
            self.source.close()
            if self.player is not None:
                self.player.close()
            if recorder is not None:
                recorder.close()
        self.hook("drill.state", "analysing")
        try:
            session = self.live.finish()
        except CoachError as e:  # keep the last live analysis rather than nothing
            log.error("final analysis failed: %s", e)
            message = f"{message}; final analysis failed ({e})" if message else (
                f"final analysis failed ({e}); the last live analysis is kept")
            session = self.live.session
        if session is not None:
            self._save(session)
        recorded = recorder.duration_s if recorder is not None else 0.0
        kept = f"recording ({recorded:.0f} s) kept at {self.recording}"
        if session is not None and self._write_failed is None:
            kept += f"; {counted(len(session.exchanges), 'exchange')} in {self.session_file}"
        elif self._write_failed:
            kept += f"; the session file could not be written: {self._write_failed}"
        message = f"{message}; {kept}" if message else kept
        self.hook("drill.state", "done")
        return DrillResult(
            session=session,
            recording=self.recording,
            session_file=self.session_file if session is not None and not self._write_failed else None,
            stopped_by=stopped,
            message=message,
            overflows=int(getattr(self.source, "overflows", 0)),
            cues=tuple(self.live.cues),
            recorded_s=recorded,
            echo_gated_s=self.echo.gated_s if self.echo is not None else 0.0,
            errors=self.live.errors,
        )

    def _chunks(self) -> Iterable[AudioChunk]:
        return self.source

    def _with_prompt(self, chunk: AudioChunk) -> np.ndarray:
        """The block to record: the microphone, plus in scripted mode what was played."""
        samples = np.atleast_2d(chunk.samples)
        if self.scenario is None:
            return samples
        n = samples.shape[1]
        played = np.zeros(n, dtype=np.float32)
        a = int(round((chunk.start - self._prompt_start) * SAMPLE_RATE))
        lo, hi = max(a, 0), min(a + n, self._prompt.size)
        if hi > lo:
            played[lo - a : hi - a] = self._prompt[lo:hi]
        return np.vstack([samples, played[None, :]])
