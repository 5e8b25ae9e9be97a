"""Progress hooks: ``hook(step, artifact)`` after each named step (progress bars, UIs, debugging).

A hook only watches: the analysis never depends on what it does. (The drill's partner reacts
to the live analysis through :class:`listening_coach.live.session.LiveListener`, a typed control
channel, not through the hook.)

Steps and their artifacts:

- :func:`listening_coach.pipeline.analyze`: ``block`` (start s, duration s) per decoded block,
  ``transcribe`` and ``diarize`` (words), ``turns`` (exchanges), ``metrics``, ``feedback``.
- :func:`listening_coach.coach.batch.run_batch`: ``batch.start`` (BatchPlan), ``batch.item``
  (BatchProgress) per recording, ``batch.done`` (BatchResult).
- :class:`listening_coach.live.session.LiveSession`: ``live.speech`` (speaker, speaking),
  ``live.words`` (new words), ``live.turn_end`` (speaker, end s), ``live.cue`` (Cue),
  ``live.session`` (Session), ``live.lag`` (s), ``live.degraded`` (s behind, 0.0 caught up).
- :class:`listening_coach.live.drill.Drill`: ``drill.state`` (str), ``drill.prompt`` (dict),
  ``drill.partner`` (partner Step), and the ``live.*`` steps.
"""

from __future__ import annotations

from typing import Literal, Protocol

Step = Literal[
    "block", "transcribe", "diarize", "turns", "metrics", "feedback",
    "batch.start", "batch.item", "batch.done",
    "live.speech", "live.words", "live.turn_end", "live.cue", "live.session", "live.lag",
    "live.degraded",
    "drill.state", "drill.prompt", "drill.partner",
]


class Hook(Protocol):
    """``hook(step, artifact)``: called after each named :data:`Step`."""

    def __call__(self, step: Step, artifact: object, /) -> None: ...


def no_hook(step: Step, artifact: object, /) -> None:
    """The default hook: does nothing."""
