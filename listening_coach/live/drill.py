"""The drill engine: scenario prompts, capture, recording, the live driver, the session file.

- :class:`Drill`: runs one drill and returns a :class:`DrillResult`. Two modes:
  *scripted* (a :class:`~listening_coach.live.scenario.Scenario`; its lines are played and the
  trainee answers on one microphone) and *live* (no scenario; two input channels, trainee and
  partner, analysed like a two-channel recording).
- :class:`DrillResult`: the final :class:`~listening_coach.types.Session` and what happened.
- The scripted partner (state, lines, voice) is :class:`~listening_coach.live.scripted.ScriptedPartner`.

Nothing is lost: every block is written to ``OUT/ID.wav`` as it arrives (channel 0 the
microphone, channel 1 what the loudspeaker played, in scripted mode); ``OUT/ID.json`` is
rewritten after each exchange; Ctrl-C, a vanished device or a full disk end the drill with
the recording and the finished exchanges kept. The engine never prints: it reports through
``hook(step, artifact)`` with steps ``drill.prompt``, ``drill.partner`` (a
:class:`~listening_coach.live.partner.Step` after each scored exchange), ``drill.state`` and the
``live.*`` steps of :class:`~listening_coach.live.session.LiveSession`. In scripted mode
``ID.json`` also holds a ``drill`` record: outcome, agitation curve, what moved it.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.config import DEFAULT_CONFIG, Config
from listening_coach.live.echo import EchoGate
from listening_coach.errors import CoachError, DeviceError, OutputError
from listening_coach.hooks import Hook, Step, no_hook
from listening_coach.live.recorder import Recorder
from listening_coach.live.scenario import Scenario
from listening_coach.live.scripted import ScriptedPartner
from listening_coach.live.speech import Transcriber
from listening_coach.live.session import Cue, LiveSession
from listening_coach.types import PARTNER, TRAINEE, AudioChunk, Session, Speaker
from listening_coach.feedback import counted

log = logging.getLogger(__name__)

StopReason = Literal["finished", "interrupted", "device_error", "output_error", "source_ended"]


class AudioSource(Protocol):
    """What the drill reads from: :class:`~listening_coach.live.capture.Capture` or a replay."""

    overflows: int

    @property
    def time_s(self) -> float: ...
    def __iter__(self) -> Iterator[AudioChunk]: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


class PlayerLike(Protocol):
    """What the drill plays prompts on: :class:`~listening_coach.live.playback.Player` or a fake."""

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
    drill: dict[str, Any] | None = None  # scripted: the partner's record (ScriptedPartner.summary)


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
      voice: ``voice(text, band)`` -> the partner's samples; default
        :class:`~listening_coach.live.partner_voice.PartnerVoice` (Piper, else espeak-ng).
      trainee: Who is practising (saved in the session file for the cohort view).
      background_voice: Prepare likely next lines on a background thread (False: tests).
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
        voice: Callable[[str, str], np.ndarray] | None = None,
        session_id: str | None = None,
        echo: bool = True,
        trainee: str = "",
        background_voice: bool = True,
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
        self.hook: Hook = hook or no_hook
        self.id = session_id or time.strftime("drill-%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:4]
        self.recording = self.out_dir / f"{self.id}.wav"
        self.session_file = self.out_dir / f"{self.id}.json"
        self.echo = EchoGate(max_delay_s=config.live.echo_max_delay_s,
                             gate_ratio=config.live.echo_gate_ratio) if scenario and echo else None
        self.live = LiveSession(config, channels=channels, transcriber=transcriber,
                                hook=self._on_live, listener=self, session_id=self.id,
                                echo=self.echo)
        self.trainee = trainee
        self.partner = ScriptedPartner(
            scenario, self.live, config, player=player, echo=self.echo, voice=voice,
            hook=self._on_partner, background=background_voice) if scenario else None
        self._write_failed: str | None = None

    # -- the live analysis' control channel (streaming.LiveListener) ----------------------------
    def on_speech(self, speaker: Speaker, speaking: bool) -> None:
        if self.partner is not None:
            self.partner.on_speech(speaker, speaking)

    def on_turn_end(self, speaker: Speaker, end_s: float) -> None:
        if self.partner is not None:
            self.partner.on_turn_end(speaker, end_s)

    def on_cue(self, cue: Cue) -> None:
        if self.partner is not None:
            self.partner.on_cue(cue)

    def on_session(self, session: Session) -> None:
        self._save(session)

    def _on_live(self, step: Step, artifact: object) -> None:
        self.hook(step, artifact)  # looked up per call: a UI may set ``drill.hook`` later

    def _on_partner(self, step: Step, artifact: object) -> None:
        if step == "drill.partner" and self.live.session is not None:
            self._save(self.live.session)  # the new state, with the exchange that moved it
        self.hook(step, artifact)

    def _save(self, session: Session) -> None:
        from listening_coach.report.atomic import atomic_write_text
        from listening_coach.report.json import to_dict

        try:
            data = to_dict(session)
            if self.partner is not None:
                data["drill"] = {"trainee": self.trainee, **self.partner.summary()}
            elif self.trainee:
                data["drill"] = {"trainee": self.trainee}
            atomic_write_text(self.session_file, json.dumps(data, indent=1, ensure_ascii=False))
        except OutputError as e:
            self._write_failed = str(e)
            log.error("%s", e)

    # -- main loop ---------------------------------------------------------------------------
    def run(self) -> DrillResult:
        """Run until the script ends, the source ends, Ctrl-C, or a device or disk failure."""
        stopped, message, recorder = self._listen()
        self.hook("drill.state", "analysing")
        session, message = self._final_session(message)
        if session is not None:
            self._save(session)
        recorded = recorder.duration_s if recorder is not None else 0.0
        kept = f"recording ({recorded:.0f} s) kept at {self.recording}"
        if session is not None and self._write_failed is None:
            kept += f"; {counted(len(session.exchanges), 'exchange')} in {self.session_file}"
        elif self._write_failed:
            kept += f"; the session file could not be written: {self._write_failed}"
        message = f"{message}; {kept}" if message else kept
        drill = self.partner.summary() if self.partner is not None else None
        if drill is not None:
            steps = counted(len(drill["steps"]), "exchange")
            message = f"Partner {drill['outcome']} after {steps}; {message}"
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
            drill=drill,
        )

    def _listen(self) -> tuple[StopReason, str, Recorder | None]:
        """Record and analyse block by block until something stops the drill; close the devices.

        Returns why it stopped, the message for a stop that was not the script's end, and the
        recorder (None when it could not be opened).
        """
        stopped: StopReason = "finished"
        message = ""
        recorder: Recorder | None = None
        try:
            recorder = Recorder(self.recording, channels=len(self.channels) + (1 if self.scenario else 0))
            if self.partner is not None:
                self.hook("drill.state", "preparing the partner's voice")
                self.partner.prepare()  # every line is ready before the first block
            self.hook("drill.state", "listening")
            for chunk in self._chunks():
                if not self._take(chunk, recorder):
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
            if self.partner is not None:
                self.partner.close()
            if recorder is not None:
                recorder.close()
        return stopped, message, recorder

    def _take(self, chunk: AudioChunk, recorder: Recorder) -> bool:
        """Record one block, analyse it live and let the partner act; False when the script ends."""
        if self.partner is not None:
            self.partner.note_block(chunk)
        recorder.write(self._with_prompt(chunk))
        self.live.insert_audio_chunk(chunk)
        behind = max(0.0, self.source.time_s - (chunk.start + chunk.samples.shape[1] / SAMPLE_RATE))
        self.live.process_iter(behind_s=behind)
        now = chunk.start + chunk.samples.shape[1] / SAMPLE_RATE
        return self.partner is None or self.partner.step(now, self.source.time_s)

    def _final_session(self, message: str) -> tuple[Session | None, str]:
        """The final analysis (the last live one if it fails), and the message that says so."""
        try:
            return self.live.finish(), message
        except CoachError as e:  # keep the last live analysis rather than nothing
            log.error("final analysis failed: %s", e)
            message = f"{message}; final analysis failed ({e})" if message else (
                f"final analysis failed ({e}); the last live analysis is kept")
            return self.live.session, message

    def _chunks(self) -> Iterable[AudioChunk]:
        return self.source

    def _with_prompt(self, chunk: AudioChunk) -> np.ndarray:
        """The block to record: the microphone, plus in scripted mode what was played."""
        samples = np.atleast_2d(chunk.samples)
        if self.partner is None:
            return samples
        return np.vstack([samples, self.partner.played(chunk.start, samples.shape[1])[None, :]])
