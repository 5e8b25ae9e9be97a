"""A simulated trainee for drills without a person: tests, demos and the latency benchmark.

- :class:`SimulatedRoom`: an audio source (like :class:`~listening_coach.live.capture.Capture`)
  that listens to the drill's prompts through its hook and answers each one with the next
  recorded clip, after a chosen response latency (or while the prompt still plays: a
  barge-in). It can also leak the prompt into the microphone (loudspeaker echo). It keeps the
  true end of every answer, measured from the clip's audio, for latency measurements.

Usage::

    room = SimulatedRoom(answers, realtime=True)
    drill = Drill(room, scenario=..., hook=room.hook)
    trainee = ScriptedTrainee(good_listener(scenario))  # answers chosen from each line's text

- :class:`ScriptedTrainee`: answers each line with text a policy picks from it, spoken by
  espeak-ng; :func:`good_listener` and :func:`poor_listener` are the two policies the drill
  tests use (resolve vs escalate every bundled scenario).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.types import AudioChunk, Span

if TYPE_CHECKING:
    from listening_coach.live.scenario import Scenario


class SimulatedRoom:
    """Answer each prompt with the next clip.

    Args:
      answers: Mono 16 kHz float32 clips, one per prompt, in order.
      latency_s: Silence between the end of a prompt and the answer.
      barge_in_s: Per answer index, start this many seconds after the prompt *starts*
        instead (an interruption).
      echo_gain: How loud the prompt reaches the microphone (0: headphones).
      echo_delay_s: Loudspeaker-to-microphone delay.
      block_s: Block length delivered.
      realtime: Deliver blocks at the pace of real time (benchmarks); otherwise as fast as read.
      tail_s: Silence after the last answer before the source ends.
      hook: Called with every hook event too (chain a UI).
    """

    def __init__(
        self,
        answers: Sequence[np.ndarray],
        *,
        latency_s: float = 0.8,
        barge_in_s: dict[int, float] | None = None,
        echo_gain: float = 0.0,
        echo_delay_s: float = 0.08,
        block_s: float = 0.1,
        realtime: bool = False,
        tail_s: float = 4.0,
        max_s: float = 600.0,
        hook: Callable[[str, object], None] | None = None,
    ) -> None:
        self.answers = [np.asarray(a, dtype=np.float32).reshape(-1) for a in answers]
        self.latency_s = latency_s
        self.barge_in_s = barge_in_s or {}
        self.echo_gain = echo_gain
        self.echo_delay = int(echo_delay_s * SAMPLE_RATE)
        self.block = int(block_s * SAMPLE_RATE)
        self.realtime = realtime
        self.tail_s = tail_s
        self.max_s = max_s
        self._next_hook = hook
        self.overflows = 0
        self._position = 0
        self._stop = threading.Event()
        self._placed: list[tuple[int, np.ndarray]] = []  # (start sample, clip) in the mic
        self.answer_spans: list[Span] = []  # true speech span of each answer
        self.speech_spans: list[tuple[Span, ...]] = []  # its speech, in pieces
        self.wall_start: float | None = None

    @property
    def time_s(self) -> float:
        """Audio delivered so far; in real time, what a microphone would have delivered by
        now (a drill that falls behind sees it, as with a real capture)."""
        if self.realtime and self.wall_start is not None:
            ahead = int((time.monotonic() - self.wall_start) * SAMPLE_RATE)
            return max(self._position, ahead) / SAMPLE_RATE
        return self._position / SAMPLE_RATE

    def hook(self, step: str, artifact: object) -> None:
        """Give this to the drill as its hook: it hears the prompts and schedules answers."""
        if step == "drill.prompt":
            self._on_prompt(artifact)  # type: ignore[arg-type]
        if self._next_hook is not None:
            self._next_hook(step, artifact)

    def _on_prompt(self, info: dict[str, Any]) -> None:
        from listening_coach.live.synth import measure_spans

        start = int(round(info["start_s"] * SAMPLE_RATE))
        if self.echo_gain > 0 and "samples" in info:
            self._placed.append((start + self.echo_delay, self.echo_gain * info["samples"]))
        k = len(self.answer_spans)
        answer = self.next_answer(k, info)
        if answer is None:
            return
        clip, barge_in_s = answer
        if barge_in_s is not None:
            at = start + int(barge_in_s * SAMPLE_RATE)
        else:
            at = start + int((info["duration_s"] + self.latency_s) * SAMPLE_RATE)
        at = max(at, self._position)
        spans = measure_spans(clip) or (Span(0.0, clip.size / SAMPLE_RATE),)
        self._placed.append((at, clip))
        self.answer_spans.append(Span(at / SAMPLE_RATE + spans[0].start, at / SAMPLE_RATE + spans[-1].end))
        self.speech_spans.append(tuple(s.shifted(at / SAMPLE_RATE) for s in spans))

    def next_answer(self, k: int, info: dict[str, Any]) -> tuple[np.ndarray, float | None] | None:
        """The ``k``-th answer's clip and its barge-in time (None: after the line), or None."""
        if k >= len(self.answers):
            return None
        return self.answers[k], self.barge_in_s.get(k)

    def _done(self) -> bool:
        if self._position >= self.max_s * SAMPLE_RATE:
            return True
        if len(self.answer_spans) < len(self.answers) or not self._placed:
            return False
        last = max(s + c.size for s, c in self._placed)
        return self._position >= last + self.tail_s * SAMPLE_RATE

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._stop.set()

    def __iter__(self) -> Iterator[AudioChunk]:
        self.wall_start = time.monotonic()
        while not self._stop.is_set() and not self._done():
            a, n = self._position, self.block
            mic = np.zeros(n, dtype=np.float32)
            for start, clip in self._placed:
                lo, hi = max(a, start), min(a + n, start + clip.size)
                if hi > lo:
                    mic[lo - a : hi - a] += clip[lo - start : hi - start]
            if self.realtime:
                due = self.wall_start + (a + n) / SAMPLE_RATE
                time.sleep(max(0.0, due - time.monotonic()))
            self._position = a + n
            yield AudioChunk(start=a / SAMPLE_RATE, samples=mic[None, :])


Policy = Callable[[str, int], "tuple[str, float | None] | None"]


class ScriptedTrainee(SimulatedRoom):
    """A trainee whose answer to each line is chosen by ``policy(line_text, k)`` and spoken by
    espeak-ng: ``(text, barge_in_s)`` (``barge_in_s`` None: answer after the line), or None
    to stay silent. The texts said are in :attr:`texts`, aligned with ``answer_spans``.
    The source ends when the drill stops it (or at ``max_s``)."""

    def __init__(self, policy: Policy, *, voice: str = "en-gb+f3", speed_wpm: int = 130,
                 gain: float = 1.0, **kwargs: Any) -> None:
        super().__init__([], **kwargs)
        self.policy = policy
        self.voice, self.speed_wpm, self.gain = voice, speed_wpm, gain
        self.texts: list[str] = []

    def next_answer(self, k: int, info: dict[str, Any]) -> tuple[np.ndarray, float | None] | None:
        from listening_coach.live.synth import synthesize

        if info.get("kind") == "ending":
            return None
        chosen = self.policy(str(info["text"]), k)
        if chosen is None:
            return None
        text, barge_in_s = chosen
        self.texts.append(text)
        clip = synthesize(text, voice=self.voice, speed_wpm=self.speed_wpm) * self.gain
        return clip.astype(np.float32), barge_in_s

    def _done(self) -> bool:
        return self._position >= self.max_s * SAMPLE_RATE


def good_listener(scenario: Scenario) -> Policy:
    """Reflect the feeling and the partner's words, validate, ask an open question about a need
    the line is about; answer after a pause, never over the partner."""
    needs = {n.name: n for n in scenario.needs}
    about = {line.text: line.need for line in scenario.lines}
    asked: list[str] = []

    def policy(line: str, k: int) -> tuple[str, float | None]:
        need = needs.get(about.get(line) or "") or next(
            (n for n in scenario.needs if n.name not in asked), None)
        topic = need.words[0] if need is not None else "all this"  # the first: a phrase
        if need is not None:
            asked.append(need.name)
        feeling = ("worried", "frustrated", "upset")[k % 3]
        return (f"It sounds like you are really {feeling} about {topic}. That makes sense. "
                "What would help you most right now?", None)

    return policy


POOR_ANSWERS = (
    "Calm down. You need to listen to me, but that is our policy.",
    "Look, you have to calm down, there is nothing I can do about it.",
    "You need to stop shouting, but those are the rules.",
)


def poor_listener(scenario: Scenario) -> Policy:
    """Commands, "but", policy; talks over every other line one second in."""

    def policy(line: str, k: int) -> tuple[str, float | None]:
        return POOR_ANSWERS[k % len(POOR_ANSWERS)], 1.0 if k % 2 == 0 else None

    return policy
