"""A simulated trainee for drills without a person: tests, demos and the latency benchmark.

- :class:`SimulatedRoom`: an audio source (like :class:`~listening_coach.capture.Capture`)
  that listens to the drill's prompts through its hook and answers each one with the next
  recorded clip, after a chosen response latency (or while the prompt still plays: a
  barge-in). It can also leak the prompt into the microphone (loudspeaker echo). It keeps the
  true end of every answer, measured from the clip's audio, for latency measurements.

Usage::

    room = SimulatedRoom(answers, realtime=True)
    drill = Drill(room, scenario=..., hook=room.hook)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from listening_coach.types import AudioChunk

SAMPLE_RATE = 16_000  # Hz


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
        self.answer_spans: list[tuple[float, float]] = []  # true speech span of each answer
        self.wall_start: float | None = None

    @property
    def time_s(self) -> float:
        return self._position / SAMPLE_RATE

    def hook(self, step: str, artifact: object) -> None:
        """Give this to the drill as its hook: it hears the prompts and schedules answers."""
        if step == "drill.prompt":
            self._on_prompt(artifact)  # type: ignore[arg-type]
        if self._next_hook is not None:
            self._next_hook(step, artifact)

    def _on_prompt(self, info: dict[str, Any]) -> None:
        from listening_coach.synth import measure_spans

        start = int(round(info["start_s"] * SAMPLE_RATE))
        if self.echo_gain > 0 and "samples" in info:
            self._placed.append((start + self.echo_delay, self.echo_gain * info["samples"]))
        k = len(self.answer_spans)
        if k >= len(self.answers):
            return
        clip = self.answers[k]
        if k in self.barge_in_s:
            at = start + int(self.barge_in_s[k] * SAMPLE_RATE)
        else:
            at = start + int((info["duration_s"] + self.latency_s) * SAMPLE_RATE)
        at = max(at, self._position)
        spans = measure_spans(clip) or ((0.0, clip.size / SAMPLE_RATE),)
        self._placed.append((at, clip))
        self.answer_spans.append((at / SAMPLE_RATE + spans[0][0], at / SAMPLE_RATE + spans[-1][1]))

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
