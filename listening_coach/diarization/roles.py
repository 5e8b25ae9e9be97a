"""Which diarized speaker is the trainee: a configurable rule with a confidence.

- :func:`choose_roles`: diarizer labels -> ``trainee`` / ``partner`` (others keep their label).

Rules (``DiarizeOptions.role_rule``):

- ``first``: the first to speak is the trainee (drills where the trainee opens).
- ``less``: the one who talks less is the trainee (listening roles talk well under 50%).
- ``enrolment``: the speaker whose voice is closest to a clip of the trainee's voice.
- ``manual``: the coach names the label (``trainee=`` / ``DiarizeOptions.trainee_speaker``).
- ``listener``: the speaker whose utterances read like a listener's (reflections, questions,
  validation, affirmation, apologies, backchannels: the language model's labels) and whose
  partner sounds agitated (commands, blame, arguing, threats) is the trainee (:mod:`.listener`).
- ``auto`` (default): ``listener`` weighted 1, ``less`` 0.5, and ``enrolment`` 2 when a clip is
  given, as signed votes; the sign picks the trainee, the size is the confidence.

Confidence in [0, 1] says how clearly the rule separated the two candidates (e.g. for ``less``
a 20/80 talk split is clear, 49/51 is a coin flip), scaled by the count confidence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.config import LanguageOptions
from listening_coach.diarization.types import Diarization
from listening_coach.errors import AudioError, ConfigError
from listening_coach.types import PARTNER, TRAINEE, Speaker, Word

RULES = ("auto", "listener", "first", "less", "enrolment", "manual")
LOW_CONFIDENCE = 0.3  # below this the report says the roles may be swapped


def _talk_times(diarization: Diarization, words: Sequence[Word]) -> dict[Speaker, float]:
    times: dict[Speaker, float] = {}
    if words and any(w.speaker for w in words):
        for w in words:
            if w.speaker:
                times[w.speaker] = times.get(w.speaker, 0.0) + w.duration
    else:
        for s in diarization.segments:
            times[s.speaker] = times.get(s.speaker, 0.0) + s.duration
    return times


def _first_times(diarization: Diarization, words: Sequence[Word]) -> dict[Speaker, float]:
    first: dict[Speaker, float] = {}
    source = [(w.start, w.speaker) for w in words if w.speaker] or [
        (s.start, s.speaker) for s in diarization.segments
    ]
    for start, who in sorted(source):
        first.setdefault(who, start)
    return first


def choose_roles(
    diarization: Diarization,
    words: Sequence[Word] = (),
    rule: str = "auto",
    *,
    enrolment: np.ndarray | None = None,
    trainee: Speaker | None = None,
    language: LanguageOptions | None = None,
) -> tuple[dict[Speaker, Speaker], float]:
    """Map diarizer labels to roles by ``rule``.

    Args:
      diarization: The diarizer's result (labels, talk time, voiceprints).
      words: Words with diarizer labels, if transcribed (talk time and first speech come from
        them when given, else from the segments).
      rule: one of :data:`RULES`.
      enrolment: For ``enrolment``: float32 16 kHz samples of the trainee alone (>= 1 s), or a
        256-d embedding.
      trainee: For ``manual``: the diarizer label of the trainee.
      language: :class:`~listening_coach.config.LanguageOptions` for ``listener``/``auto``
        (None: defaults).

    Returns:
      ({label: "trainee" | "partner" | label}, confidence). The two most talkative speakers
      (the trainee plus one other) get roles; further speakers keep their labels. One speaker
      only: that speaker is the trainee, with confidence 0 (nobody to compare with).

    Raises:
      ConfigError: unknown rule, or a rule without what it needs.
      AudioError: an enrolment clip too short to embed.
    """
    if rule not in RULES:
        raise ConfigError(f"diarize.role_rule must be one of {', '.join(RULES)}, got {rule!r}")
    talk = _talk_times(diarization, words)
    labels = sorted(talk, key=lambda k: -talk[k])
    if not labels:
        return {}, 0.0
    if len(labels) == 1:
        return {labels[0]: TRAINEE}, 0.0
    pair = labels[:2]
    if rule == "manual":
        if trainee is None or trainee not in talk:
            raise ConfigError(
                f"role_rule 'manual' needs diarize.trainee_speaker set to one of {sorted(talk)}, "
                f"got {trainee!r}"
            )
        chosen, confidence = trainee, 1.0
        if chosen not in pair:
            pair = [chosen, labels[0]]
    elif rule in ("less", "listener", "auto"):
        chosen, confidence = _by_votes(rule, diarization, words, talk, pair, enrolment, language)
    elif rule == "first":
        chosen, confidence = _by_first(diarization, words, pair)
    else:
        chosen, confidence = _by_enrolment(diarization, pair, enrolment)
    confidence *= 0.5 + 0.5 * diarization.count_confidence
    return _mapping(talk, pair, chosen), round(float(confidence), 3)


def _mapping(talk: dict[Speaker, float], pair: list[Speaker], chosen: Speaker) -> dict[Speaker, Speaker]:
    """``chosen`` is the trainee, the other of ``pair`` the partner; others keep their label."""
    mapping: dict[Speaker, Speaker] = {k: k for k in talk}
    mapping[chosen] = TRAINEE
    other = next(k for k in pair if k != chosen)
    mapping[other] = PARTNER
    return mapping


def _by_votes(
    rule: str,
    diarization: Diarization,
    words: Sequence[Word],
    talk: dict[Speaker, float],
    pair: list[Speaker],
    enrolment: np.ndarray | None,
    language: LanguageOptions | None,
) -> tuple[Speaker, float]:
    """``less``, ``listener`` or ``auto``: the trainee of ``pair`` by weighted, signed votes."""
    a, b = pair
    votes = [(0.5 if rule == "auto" else 1.0, _less_vote(talk, a, b))] if rule != "listener" else []
    if rule != "less":
        from listening_coach.diarization.listener import listener_vote

        votes.append((1.0, listener_vote(words, a, b, language)))
    if rule == "auto" and enrolment is not None:
        enrolled, conf = _by_enrolment(diarization, pair, enrolment)
        votes.append((2.0, conf if enrolled == a else -conf))
    total = sum(w * v for w, v in votes) / sum(w for w, _ in votes)
    return a if total >= 0 else b, float(np.clip(abs(total), 0.0, 1.0))


def _by_first(diarization: Diarization, words: Sequence[Word], pair: list[Speaker]) -> tuple[Speaker, float]:
    """``first``: the first of ``pair`` to speak, surer the longer the other waited (2 s: sure)."""
    first = _first_times(diarization, words)
    order = sorted(pair, key=lambda k: first.get(k, np.inf))
    gap = first.get(order[1], np.inf) - first.get(order[0], 0.0)
    return order[0], float(np.clip(gap / 2.0, 0.0, 1.0))


def _less_vote(talk: dict[Speaker, float], a: Speaker, b: Speaker) -> float:
    """+1 .. -1: how clearly ``a`` (positive) or ``b`` talks less (a 20/80 split is clear)."""
    share = talk[a] / max(talk[a] + talk[b], 1e-9)
    return float(np.clip((0.5 - share) / 0.3, -1.0, 1.0))


def _by_enrolment(
    diarization: Diarization, pair: list[Speaker], enrolment: np.ndarray | None
) -> tuple[Speaker, float]:
    from listening_coach.diarization.embed import embed_windows

    if enrolment is None:
        raise ConfigError(
            "role_rule 'enrolment' needs a clip of the trainee's voice: set "
            "diarize.enrolment_path to a WAV of the trainee speaking alone (>= 1 s)"
        )
    enrolment = np.asarray(enrolment, dtype=np.float32).reshape(-1)
    if enrolment.shape == (256,):
        voice = enrolment
    else:
        if len(enrolment) < SAMPLE_RATE:
            raise AudioError(
                f"The enrolment clip is {len(enrolment) / SAMPLE_RATE:.2f} s; record at least 1 s of "
                "the trainee speaking alone"
            )
        step = SAMPLE_RATE // 2
        spans = [(s, s + 24000) for s in range(0, max(len(enrolment) - 24000, 0) + 1, step)]
        voice = embed_windows(enrolment, spans).mean(axis=0)
    voice = voice / max(float(np.linalg.norm(voice)), 1e-9)
    sims = {}
    for who in pair:
        vp = diarization.voiceprint(who)
        sims[who] = float(vp @ voice) if vp is not None else -1.0
    a, b = sorted(pair, key=lambda k: -sims[k])
    return a, float(np.clip((sims[a] - sims[b]) / 0.2, 0.0, 1.0))
