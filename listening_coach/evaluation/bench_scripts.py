"""Seeded role-plays for the hard-conditions benchmark (``make bench-accuracy``).

- :func:`bench_roleplay`: role-play number ``i`` of the benchmark: a scene from
  :data:`~listening_coach.evaluation.bench_scenes.SCENES` on a fixed skeleton, with seeded choices of
  lines, backchannel word and timing, and recording conditions.
- :func:`render_bench`: render it, retrying with other overlap offsets when a scripted
  overlap does not come out unambiguous (the engines speak at slightly different paces).
- :func:`condition_of`: the condition labels of a rendered truth (for per-condition tables).

Skeleton (P partner, T trainee; every role-play has all of these)::

    P opening (long)      T backchannel in its middle (one of six kinds)     T reflection
    P emotional line      T [hesitation: "I hear you." 1.2 s "..."] open question | missed emotion
    P line, 1.8-2.4 s effective pause, P line                T validation | affirmation
    P line cut off        T interrupts (policy | blame)
    P one or two words    T "Okay/Well/So ..." command | threat | dismissive "but"
    P escalates           T answer cut off by the partner interrupting
    P interruption        T reflection (fast, ~195 words/min, in half of them)
    P closing             T affirmation | validation (after 5.5 s of dead air in half of them)

Conditions cycle so that every six role-plays hold each engine pairing (both espeak-ng; Piper
partner; Piper trainee) in each band (wide; phone); role-plays 6-11 have the trainee and 18-23
the partner 10 dB quieter than the other (0-5 and 12-17: equal levels); noise SNR
(20-40 dB), bleed (12-24 dB) and bleed delay (1-5 ms) are drawn from the seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from listening_coach.evaluation.bench_scenes import BACKCHANNELS, FAULTS, SCENES
from listening_coach.testing.roleplay import Line, Rendered, RolePlay, render
from listening_coach.testing.roleplay_audio import PIPER_VOICE
from listening_coach.types import PARTNER as P
from listening_coach.types import TRAINEE as T

ENGINES = (
    (("trainee", "en-gb+f3"), ("partner", "en-us")),
    (("trainee", "en-gb+f3"), ("partner", PIPER_VOICE)),
    (("trainee", PIPER_VOICE), ("partner", "en-us")),
)
_INTERRUPT_AT = (-1.3, -1.2, -1.4, -1.15, -1.35)  # after_s of interruptions, tried in order
_BACKCHANNEL_SPEED = {"Mm-hm.": 165}


def bench_roleplay(i: int, seed: int = 12, attempt: int = 0) -> RolePlay:
    """Role-play number ``i`` of the benchmark seeded by ``seed`` (``attempt``: overlap offsets)."""
    scene_name = sorted(SCENES)[i % len(SCENES)]
    scene = SCENES[scene_name]
    rng = np.random.default_rng([seed, i])
    lines = _bench_lines(scene, i, rng, cut_at=_INTERRUPT_AT[attempt % len(_INTERRUPT_AT)])
    quiet = (T, P)[(i // 12) % 2]  # one speaker 10 dB down in role-plays 6-11 and 18-23
    return RolePlay(
        name=f"bench{i:02d}_{scene_name}",
        title=scene["title"],
        lines=tuple(lines),
        voices=ENGINES[i % 3],
        bleed_db=round(float(rng.uniform(12.0, 24.0)), 1),
        bleed_delay_ms=round(float(rng.uniform(1.0, 5.0)), 1),
        snr_db=round(float(rng.uniform(20.0, 40.0)), 1),
        levels_db=((quiet, -10.0),) if (i // 6) % 2 else (),
        band="phone" if (i // 3) % 2 else "wide",
        seed=seed * 1000 + i,
    )


def _bench_lines(scene: dict[str, str], i: int, rng: np.random.Generator, *, cut_at: float) -> list[Line]:
    """The script of role-play ``i`` in ``scene``: which moves it plays drawn from ``rng``."""
    flip = rng.random(8) < 0.5
    backchannel = BACKCHANNELS[i % len(BACKCHANNELS)]
    fault = tuple(FAULTS)[(i // 2) % len(FAULTS)]
    reflection = "simple" if flip[0] else "complex"
    answer = "question" if flip[1] else "missed"
    support, closing = ("validation", "affirmation") if flip[2] else ("affirmation", "validation")
    interrupt = "policy" if flip[3] else "blame"  # the scene's slot; its family is blame_arguing
    fast, dead_air, hesitate = bool(flip[4]), i % 2 == 1, bool(flip[5])
    reflection_text = scene[reflection]
    if reflection == "simple" and flip[6]:
        reflection_text = "So " + reflection_text[0].lower() + reflection_text[1:]
    answer_family = "open_question" if answer == "question" else "no_response_to_emotion"
    lines = [
        Line(P, scene["opening"], after_s=0.0, speed_wpm=125),
        Line(T, backchannel, after_s=-3.1,
             speed_wpm=_BACKCHANNEL_SPEED.get(backchannel, 130), expect="backchannel",
             move="backchannel"),
        Line(T, reflection_text, after_s=0.8, speed_wpm=105, move=f"{reflection} reflection",
             feedback=(f"{reflection}_reflection",)),
        Line(P, scene["emotional"], after_s=0.6, speed_wpm=120),
        *([Line(T, "I hear you.", after_s=0.9, speed_wpm=105, move="start of a hesitant turn")]
          if hesitate else []),
        Line(T, scene[answer], after_s=1.2 if hesitate else 1.0, speed_wpm=105,
             move=("after a hesitation, " if hesitate else "") + answer, feedback=(answer_family,)),
        Line(P, scene["pause_a"], after_s=0.7, speed_wpm=120),
        Line(P, scene["pause_b"], after_s=round(float(rng.uniform(1.8, 2.4)), 2), speed_wpm=120,
             move="goes on after an effective pause"),
        Line(T, scene[support], after_s=0.9, speed_wpm=105, move=support, feedback=(support,)),
        Line(P, scene["cut"], after_s=0.6, speed_wpm=125, move="cut off"),
        Line(T, scene[interrupt], after_s=cut_at, speed_wpm=150, expect="interruption",
             move=f"interruption, {interrupt}",
             feedback=("policy",) if interrupt == "policy" else ("blame_arguing",)),
        Line(P, scene["short"], after_s=0.4, speed_wpm=115, move="short line after being interrupted"),
        Line(T, FAULTS[fault][int(flip[7])], after_s=0.6, speed_wpm=115, move=fault, feedback=(fault,)),
        Line(P, scene["escalate"], after_s=0.5, speed_wpm=125),
        Line(T, scene["t_cut"], after_s=0.9, speed_wpm=105, move="cut off by the partner"),
        Line(P, scene["interrupt"], after_s=cut_at, speed_wpm=150, expect="interruption"),
        Line(T, scene["final"], after_s=0.8, speed_wpm=155 if fast else 105,
             move="complex reflection" + (", fast" if fast else ""),
             feedback=("complex_reflection", *(("fast_answer",) if fast else ()))),
        Line(P, scene["closing"], after_s=0.6, speed_wpm=120),
        Line(T, scene[closing], after_s=5.5 if dead_air else 1.0, speed_wpm=105,
             move=closing + (", after dead air" if dead_air else ""), feedback=(closing,)),
    ]
    return lines


def render_bench(i: int, seed: int = 12, attempts: int = len(_INTERRUPT_AT)) -> Rendered:
    """Render role-play ``i``, trying other overlap offsets if one comes out ambiguous.

    Raises:
      ValueError: no attempt gave unambiguous scripted overlaps.
    """
    errors = []
    for attempt in range(attempts):
        try:
            return render(bench_roleplay(i, seed, attempt))
        except ValueError as e:
            errors.append(str(e))
    raise ValueError(f"benchmark role-play {i}: every attempt failed; last: {errors[-1]}")


def condition_of(truth: dict[str, Any]) -> dict[str, str]:
    """Condition labels of a truth: ``engine``, ``band``, ``snr``, ``bleed``, ``levels``."""
    engines = {s: ("piper" if v.startswith("piper:") else "espeak") for s, v in truth["voices"].items()}
    piper = [s for s, e in engines.items() if e == "piper"]
    snr = truth.get("snr_db")
    return {
        "engine": f"piper {piper[0]}" if piper else "espeak-ng",
        "band": truth.get("band", "wide"),
        "snr": "-" if snr is None else ("20-30 dB" if snr < 30 else "30-40 dB"),
        "bleed": "12-18 dB" if truth["bleed_db"] < 18 else "18-24 dB",
        "levels": "10 dB apart" if truth.get("levels_db") else "equal",
    }

