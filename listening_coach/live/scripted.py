"""The scripted partner of a drill: says a line, waits for the answer, reacts to it.

- :class:`ScriptedPartner`: driven by :class:`~listening_coach.live.drill.Drill` (``step`` per audio
  block; ``on_speech`` / ``on_turn_end`` / ``on_cue``, the live analysis' control channel,
  through the drill). After each answer it scores the exchange
  (:class:`~listening_coach.live.partner.PartnerState`), then says the next line in the new state's
  voice (:mod:`listening_coach.live.partner_voice`), about as soon as the trainee's cue is shown.

Timing rules (audio seconds)::

    partner  |== line ==|                         |== next line ==|
    trainee              |~~ answer ~~|..0.8 s..cue.|                 next line: after the cue,
                                                                     >= MIN_GAP_S after the answer
    partner  |== line ==========|      |== reaction ==|               a barge-in: the next line
    trainee        |~~ over-talk ~~|                                  waits turn_gap_s + 0.2 after
                                                                      the line, so the two lines
                                                                      stay two turns
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.config import Config
from listening_coach.live.echo import EchoGate
from listening_coach.errors import AudioError, CoachError, MissingExtra
from listening_coach.hooks import Hook, no_hook
from listening_coach.live.partner import Answer, PartnerState, Step
from listening_coach.live.partner_voice import PartnerVoice, VoiceCache
from listening_coach.live.scenario import BANDS, PartnerLine, Reaction, Scenario, band_of
from listening_coach.live.session import Cue, LiveSession
from listening_coach.live.synth import measure_spans, partner_words
from listening_coach.types import TRAINEE, AudioChunk, Event, Label, Session, Span, Speaker, Word

log = logging.getLogger(__name__)

MIN_GAP_S = 0.8  # the partner never starts sooner than this after the trainee stopped
FALLBACK_S = 4.0  # no cue this long after the answer (cues paused, compute behind): score it
END_TAIL_S = 1.5  # after the last line, listen this long before the drill ends
Voice = Callable[[str, str], np.ndarray]


class ScriptedPartner:
    """The partner of a scripted drill (see the module docstring).

    Args:
      scenario: What the partner says and how they react.
      live: The drill's live analysis (words in, sessions and cues out).
      config: ``live.answer_timeout_s`` and ``turns.turn_gap_s`` are used here.
      player: Plays the lines (None: timed as if played).
      echo: Told what was played, to remove it from the microphone.
      voice: ``voice(text, band)`` -> samples; default :class:`PartnerVoice` (Piper or espeak-ng).
      hook: Receives ``drill.prompt`` (dict) and ``drill.partner`` (:class:`Step`).
      background: Render likely next lines on a background thread (False: at once, tests).
    """

    def __init__(self, scenario: Scenario, live: LiveSession, config: Config, *,
                 player: Any = None, echo: EchoGate | None = None, voice: Voice | None = None,
                 hook: Hook | None = None, background: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.scenario = scenario
        self.state = PartnerState(scenario)
        self.live = live
        self.config = config
        self.player = player
        self.echo = echo
        self.hook: Hook = hook or no_hook
        self.clock = clock
        render = voice or PartnerVoice(espeak_voice=scenario.voice, speed_wpm=scenario.speed_wpm)
        self.voice_engine = getattr(render, "engine", "custom")
        self.cache = VoiceCache(render, background=background)
        self.prompt = np.zeros(0, dtype=np.float32)
        self.prompt_start = 0.0
        self.prompt_end = -1.0
        self.line = ""
        self.kind = "line"
        self.wait_s = config.live.answer_timeout_s
        self.answer_end: float | None = None  # end of the trainee's speech after this line
        self.trainee_speaking = False
        self.cue: Cue | None = None
        self.over = False
        self.delays: list[float] = []  # trainee's cue ready -> partner's line started (s)
        self._levels: list[tuple[float, float]] = []  # (block start, dBFS) of the microphone
        self._answer_levels: list[float] = []

    # -- events from the drill ------------------------------------------------------------
    def prepare(self) -> None:
        """Render every line the partner can say, in every band it can be said in, before the
        drill starts (a neural voice takes about a second per line on a busy 2-core machine;
        the trainee must not wait for it mid-drill)."""
        self._audio(self.scenario.opening, self.state.band)
        self.cache.render_now(self._every_line())

    def _every_line(self) -> list[tuple[str, str]]:
        s, keys = self.scenario, []
        for line in s.lines[1:]:
            if line.audio is None:
                keys += [(line.text, b) for b in ((line.band,) if line.band else BANDS)]
        for r in s.reactions:
            if r.audio is None:  # a fault's reaction follows a rise, a skill's a drop
                bands = ("upset", "angry") if s.weight(r.when) > 0 else ("calm", "upset")
                keys += [(r.text, b) for b in bands]
        end = s.ending
        keys += [(end.resolved, "calm"), (end.escalated, "angry")]
        keys += [(end.unresolved, b) for b in BANDS]
        return [k for k in dict.fromkeys(keys) if k[0]]

    def on_speech(self, speaker: Speaker, speaking: bool) -> None:
        if speaker == TRAINEE:
            self.trainee_speaking = speaking
            if speaking:
                self.answer_end = None

    def on_turn_end(self, speaker: Speaker, end_s: float) -> None:
        answered = any(w.speaker == TRAINEE and w.end > self.prompt_start for w in self.live.words)
        if speaker == TRAINEE and answered and self.prompt_end >= 0:  # not a noise burst
            self.answer_end = end_s

    def on_cue(self, cue: Cue) -> None:
        if cue.speech_end_s >= self.prompt_start:
            self.cue = cue

    def note_block(self, chunk: AudioChunk) -> None:
        """Remember the microphone's level per block (for the 'loud reply' signal)."""
        mic = np.atleast_2d(chunk.samples)[0]
        rms = float(np.sqrt(np.mean(mic.astype(np.float64) ** 2))) if mic.size else 0.0
        self._levels.append((chunk.start, 20 * np.log10(max(rms, 1e-6))))

    def played(self, start: float, n: int) -> np.ndarray:
        """What the loudspeaker played from ``start`` for ``n`` samples (for the recording)."""
        out = np.zeros(n, dtype=np.float32)
        a = int(round((start - self.prompt_start) * SAMPLE_RATE))
        lo, hi = max(a, 0), min(a + n, self.prompt.size)
        if hi > lo:
            out[lo - a : hi - a] = self.prompt[lo:hi]
        return out

    # -- the conversation -----------------------------------------------------------------
    def step(self, now: float, clock_s: float) -> bool:
        """Advance; False when the drill is over. ``now``: audio processed; ``clock_s``: the
        capture clock (when a line started now is heard)."""
        if self.prompt_end < 0:
            self._say("line", self.scenario.opening, clock_s)
            return True
        playing = self.player.playing if self.player is not None else False
        if playing or now < self.prompt_end or self.trainee_speaking:
            return True
        if self.over:
            return now < self.prompt_end + END_TAIL_S
        if self.answer_end is None:
            if now - self.prompt_end < self.wait_s:
                return True
            cued = False
        else:
            since = now - self.answer_end
            cued = self.cue is not None and self.cue.speech_end_s >= self.answer_end - 0.1
            if since < MIN_GAP_S or not (cued or since >= FALLBACK_S):
                return True
            if (self.answer_end < self.prompt_end + 0.3  # only talked over the line
                    and now - self.prompt_end < self.config.turns.turn_gap_s + 0.2):
                return True
        self._respond(clock_s, cued)
        return True

    def _respond(self, clock_s: float, cued: bool) -> None:
        session = self.live.session
        if not cued:
            try:
                session = self.live.analyze_now()
            except CoachError as e:  # score what we have; the final report analyses again
                log.error("analysing the answer failed: %s", e)
        step = self.state.update(self._answer(session), line=self.line, kind=self.kind)
        self.hook("drill.partner", step)
        choice = self.state.choose()
        if choice is None:
            self.over, self.prompt_end = True, min(self.prompt_end, clock_s)
            return
        kind, item = choice
        cue = self.cue if cued else None
        self._say(kind, item, clock_s)  # the line is playing from here
        if cue is not None:
            self.delays.append(self.clock() - cue.produced_at)
        self.over = kind == "ending"

    def _answer(self, session: Session | None) -> Answer:
        start = self.prompt_start
        words: tuple[Word, ...] = ()
        labels: tuple[Label, ...] = ()
        events: tuple[Event, ...] = ()
        if session is not None:
            words = tuple(w for w in session.words if w.speaker == TRAINEE and w.end > start)
            labels = tuple(lb for lb in session.labels if lb.end > start)
            events = tuple(e for e in session.events if e.speaker == TRAINEE and e.start >= start)
        level = baseline = None
        if words:
            a, b = words[0].start, words[-1].end
            blocks = [db for t, db in self._levels if a - 0.1 <= t <= b
                      and not self.prompt_start - 0.1 <= t <= self.prompt_end]
            if blocks:
                level = float(np.percentile(blocks, 90))
                baseline = statistics.median(self._answer_levels) if self._answer_levels else None
                self._answer_levels.append(level)
        return Answer(words, labels, events, self.line, self.prompt_end, level, baseline)

    def _band_for(self, kind: str, text: str) -> str:
        if kind == "ending":
            return {"resolved": "calm", "escalated": "angry"}.get(self.state.outcome or "", self.state.band)
        return self.state.band

    def _audio(self, item: PartnerLine | Reaction | str, band: str) -> np.ndarray:
        audio = getattr(item, "audio", None)
        text = item if isinstance(item, str) else item.text
        try:
            if audio is not None:
                from listening_coach.audio import load_audio

                return np.asarray(load_audio(Path(audio)).mean(axis=0), dtype=np.float32)
            return self.cache.get(text, band)
        except (AudioError, MissingExtra) as e:  # a bad line must not end the drill
            log.error("cannot voice the line %r: %s", text, e)
            return np.zeros(int(2.0 * SAMPLE_RATE), dtype=np.float32)

    def _say(self, kind: str, item: PartnerLine | Reaction | str, clock_s: float) -> None:
        text = item if isinstance(item, str) else item.text
        band = self._band_for(kind, text)
        samples = self._audio(item, band)
        self.prompt, self.prompt_start = samples, clock_s
        self.prompt_end = clock_s + samples.size / SAMPLE_RATE
        if self.echo is not None:
            self.echo.play(samples, clock_s)
        if self.player is not None:
            self.player.play(samples)
        spans = measure_spans(samples) or (Span(0.0, samples.size / SAMPLE_RATE),)
        self.live.add_words(partner_words(text, spans, clock_s))
        self.line, self.kind = text, kind
        wait = getattr(item, "wait_s", None)
        self.wait_s = float(wait) if wait else self.config.live.answer_timeout_s
        self.answer_end, self.cue = None, None
        self.hook("drill.prompt", {"kind": kind, "text": text, "start_s": clock_s,
                                   "duration_s": samples.size / SAMPLE_RATE, "samples": samples,
                                   "band": band, "agitation": self.state.agitation})
        if kind != "ending":
            self.cache.prefetch(self._likely_next())

    def _likely_next(self) -> list[tuple[str, str]]:
        """What the partner may say next, most likely first, as (text, band): the next line
        in this band and the neighbouring ones, the ending within reach, then the reactions."""
        state, here, a = self.state, self.state.band, self.state.agitation
        lower, higher = band_of(max(0.0, a - 2.5)), band_of(min(10.0, a + 2.5))
        keys = [(ln.text, b) for b in dict.fromkeys((here, lower, higher))
                if (ln := state.peek(b)) is not None]
        end = self.scenario.ending
        if a - 2.5 <= end.goal:
            keys.append((end.resolved, "calm"))
        if a + 2.5 > end.ceiling:
            keys.append((end.escalated, "angry"))
        keys += [(r.text, higher) for r in self.scenario.reactions if r.audio is None]
        return [k for k in dict.fromkeys(keys) if k[0]][:8]

    def summary(self) -> dict[str, Any]:
        """The drill's partner record for the session JSON (``drill`` key, docs/schema.md)."""
        s = self.scenario
        return {
            "scenario": s.name, "title": s.title, "difficulty": s.difficulty,
            "voice": self.voice_engine, "outcome": self.state.outcome or "unfinished",
            "start_agitation": s.agitation, "goal": s.ending.goal, "ceiling": s.ending.ceiling,
            "agitation": list(self.state.curve), "needs": [n.name for n in s.needs],
            "needs_met": sorted(self.state.met),
            "partner_start_after_cue_s": [round(d, 3) for d in self.delays],
            "steps": [_step_dict(st) for st in self.state.steps],
        }

    def close(self) -> None:
        self.cache.close()


def _step_dict(step: Step) -> dict[str, Any]:
    return {"exchange": step.exchange, "partner": step.line, "kind": step.kind,
            "trainee": step.said, "before": step.before, "after": step.after,
            "needs_met": list(step.needs_met),
            "moves": [{"signal": m.signal, "delta": m.delta, "words": m.words} for m in step.moves]}


__all__ = ["ScriptedPartner"]
