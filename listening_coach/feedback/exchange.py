"""Per-exchange feedback rules: one small function per kind of message.

Each rule takes an :class:`ExchangeContext` and returns :class:`Feedback` items with their
evidence (the words quoted, the metrics behind the number). Which of them a trainee sees first
is decided in :mod:`listening_coach.feedback.budget`.

Evidence thresholds (issue 13): no pace judgement from a turn of fewer than
``feedback.fast_min_words`` words or less than ``feedback.min_pace_speech_s`` of speech; no escalation claim
unless the partner's loudness, pitch *and* pace all rose above the partner's own first prompts
by the configured margins (and the message says by how much).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from listening_coach.config import FeedbackOptions, PaceOptions
from listening_coach.feedback.text import clock, quote
from listening_coach.metrics.names import MetricName
from listening_coach.metrics.pace import count_syllables
from listening_coach.types import TRAINEE, Event, Exchange, Feedback, Metric, Turn


# get(name, exchange) -> the metric, or None: MetricIndex(metrics).get
Lookup = Callable[[str, int | None], Metric | None]


@dataclass(frozen=True, slots=True)
class PaceTargets:
    """The ``[pace]`` values feedback judges by and quotes; feedback reads no other section."""

    target_wpm_min: float
    target_wpm_max: float
    fast_wpm: float
    fast_sustained_s: float

    @classmethod
    def of(cls, pace: PaceOptions) -> PaceTargets:
        return cls(pace.target_wpm_min, pace.target_wpm_max, pace.fast_wpm, pace.fast_sustained_s)


DEFAULT_PACE_TARGETS = PaceTargets.of(PaceOptions())


@dataclass(frozen=True, slots=True)
class ExchangeContext:
    exchange: Exchange
    events: tuple[Event, ...]  # this exchange's events
    get: Lookup
    options: FeedbackOptions
    pace: PaceTargets
    exchanges: tuple[Exchange, ...]  # all of them (for the partner's baseline)
    own_pace: float | None = None  # the trainee's median stretch, syllables/s (see fast_answer)
    partner_overlaps: tuple[float, ...] = ()  # when the partner cut in (a cut turn has no pace)
    trainee_speech_s: float = 0.0  # the trainee's timed speech in the session (all stretches)

    @property
    def i(self) -> int:
        return self.exchange.index

    @property
    def speaking_s(self) -> float:
        """The trainee's speaking time in this exchange (response turns, pauses included)."""
        return sum(t.duration for t in self.exchange.response)


def _metrics(*found: Metric | None) -> tuple[Metric, ...]:
    return tuple(m for m in found if m is not None)


def interruptions(c: ExchangeContext) -> list[Feedback]:
    return [
        Feedback(
            "concern",
            f"At {clock(e.start)} you started {quote(e.evidence)} while your partner was still "
            f"talking ({e.duration:.1f} s of overlap). Let them finish, then answer.",
            c.i, _metrics(c.get(MetricName.OVERLAP_INTERRUPTIONS, c.i)), e.evidence, "interrupted",
        )
        for e in c.events if e.kind == "interruption" and e.speaker == TRAINEE
    ]


def stretches(turns: tuple[Turn, ...], gap_s: float) -> list[Turn]:
    """The turns cut at silences of ``gap_s`` or more: stretches of continuous speech."""
    out: list[Turn] = []
    for turn in turns:
        run = [turn.words[0]]
        for w in turn.words[1:]:
            if w.start - run[-1].end >= gap_s:
                out.append(Turn(turn.speaker, tuple(run)))
                run = []
            run.append(w)
        out.append(Turn(turn.speaker, tuple(run)))
    return out


def syllable_rate(turn: Turn) -> float:
    """Syllables per second of a stretch (its intelligible words; spelling-based count)."""
    syllables = sum(count_syllables(w.text) for w in turn.words if not w.unclear)
    return syllables / turn.duration if turn.duration > 0 else 0.0


def repeats_itself(turn: Turn) -> bool:
    """An ASR repetition loop ("we can't wait no, can't wait we no, ..." for one short
    sentence), not speech whose pace can be timed: fewer than half the words distinct and one
    of them said four times or more."""
    counts = Counter(w.bare for w in turn.words)
    return len(counts) < len(turn.words) / 2 and max(counts.values()) >= 4


def fast_answer(c: ExchangeContext) -> list[Feedback]:
    """The fastest sustained stretch of the answer (speech without a pause of
    ``pace_stretch_gap_s``): ``fast_min_words`` words over
    ``min_pace_speech_s`` or more, not cut into by the partner, above ``pace.fast_wpm`` and
    ``fast_vs_own_ratio`` times the trainee's own usual pace. A 4-word answer has no meaningful
    pace, and a naturally fast talker is not told on every exchange.

    Against the trainee's own pace the rate is compared in syllables per second, not words:
    words vary in length from sentence to sentence ("You want action this week, not more
    talking" has 11 syllables in 8 words, "I am really glad you called" 8 in 6), so at the same
    speaking rate two answers differ by 10-20% in words/min, as much as the margin judged.
    A stretch that repeats itself is an ASR loop and is not timed. Nothing is judged before
    the trainee has spoken ``min_pace_evidence_s`` (8 s) in the session."""
    pace, fb = c.pace, c.options
    if c.trainee_speech_s < fb.min_pace_evidence_s:
        return []
    rates = [
        (60.0 * len(t.words) / t.duration, syllable_rate(t), t)
        for t in stretches(c.exchange.response, fb.pace_stretch_gap_s)
        if len(t.words) >= fb.fast_min_words and t.duration >= fb.min_pace_speech_s
        and not any(t.start <= at <= t.end for at in c.partner_overlaps) and not repeats_itself(t)
    ]
    if not rates:
        return []
    wpm, rate, turn = max(rates, key=lambda r: r[1])
    if wpm <= pace.fast_wpm or (c.own_pace is not None and rate < fb.fast_vs_own_ratio * c.own_pace):
        return []  # a fast talker's usual pace is no news on every exchange
    usual = (f", {100 * (rate / c.own_pace - 1):.0f}% faster than your usual pace"
             if c.own_pace else "")
    metric = MetricName.PACE_TURN_WPM.at(round(wpm, 1), c.i, turn.words)
    return [Feedback(
        "tip",
        f"You answered at {wpm:.0f} words/min{usual} ({len(turn.words)} words in "
        f"{turn.duration:.1f} s from {clock(turn.start)}: {quote(turn.words, 6)}). Slow down to "
        f"{pace.target_wpm_min:.0f}-{pace.target_wpm_max:.0f}: an unhurried voice sounds more "
        "empathic.",
        c.i, _metrics(metric, c.get(MetricName.PACE_WPM, c.i)), turn.words[:6], "fast_answer",
    )]


def partner_escalation(c: ExchangeContext) -> tuple[list[str], tuple[Metric, ...]] | None:
    """How the partner's prompt in this exchange rose above their own first prompts, or None
    unless loudness, pitch and pace all rose by the configured margins."""
    fb = c.options
    names = (MetricName.VOICE_PARTNER_LOUDNESS_DB, MetricName.VOICE_PARTNER_PITCH_MEDIAN_HZ,
             MetricName.PACE_PARTNER_WPM)
    now = [c.get(n, c.i) for n in names]
    if any(m is None for m in now):
        return None
    base: list[list[float]] = []
    for ex in c.exchanges:
        if ex.index >= c.i or len(base) >= fb.escalation_baseline_prompts:
            break
        found = [c.get(n, ex.index) for n in names]
        if all(m is not None for m in found):
            base.append([m.value for m in found if m is not None])
    if len(base) < fb.escalation_baseline_prompts:
        return None
    loud0, pitch0, wpm0 = (sum(col) / len(col) for col in zip(*base))
    loud, pitch, wpm = (m.value for m in now if m is not None)
    d_db, d_st, ratio = loud - loud0, 12 * math.log2(pitch / pitch0), wpm / wpm0
    if d_db < fb.escalation_loudness_db or d_st < fb.escalation_pitch_st or (
        ratio < fb.escalation_pace_ratio
    ):
        return None
    parts = [f"{d_db:.0f} dB louder", f"{d_st:.1f} semitones higher",
             f"{100 * (ratio - 1):.0f}% faster"]
    return parts, _metrics(*now)


def mirrored_escalation(c: ExchangeContext) -> list[Feedback]:
    """The partner escalated (loudness, pitch and pace together) and the trainee followed."""
    fb = c.options
    escalated = partner_escalation(c)
    if escalated is None:
        return []
    rise, partner_metrics = escalated
    own_louder = c.get(MetricName.VOICE_LOUDNESS_VS_BASELINE_DB, c.i)
    own_faster = c.get(MetricName.PACE_WPM_VS_BASELINE, c.i)
    followed = []
    if own_louder is not None and own_louder.value >= fb.followed_louder_db:
        followed.append(f"{own_louder.value:.0f} dB louder")
    if (own_faster is not None and own_faster.value >= fb.speedup_ratio
            and c.speaking_s >= fb.min_pace_speech_s):
        followed.append(f"{100 * (own_faster.value - 1):.0f}% faster")
    if not followed:
        return []
    ex = c.exchange
    return [Feedback(
        "tip",
        f"Your partner escalated at {clock(ex.prompt[0].start)} ({', '.join(rise)} than their "
        f"first lines) and you followed: {' and '.join(followed)} than your own start. Keep "
        "your voice level and slow when they rise.",
        c.i, partner_metrics + _metrics(own_louder, own_faster), ex.response_words[:6],
        "mirrored_escalation",
    )]


def latency(c: ExchangeContext) -> list[Feedback]:
    ex, fb = c.exchange, c.options
    found = c.get(MetricName.TIMING_RESPONSE_LATENCY, c.i)
    if found is None or sum(t.duration for t in ex.prompt) < 3.0:
        return []
    if 0 <= found.value < fb.quick_latency_s:
        return [Feedback(
            "tip",
            f"You answered {found.value:.1f} s after your partner finished "
            f"{quote(ex.prompt_words[-5:])} at {clock(ex.prompt[-1].end)}. A one-second pause "
            "shows you took it in.",
            c.i, (found,), found.evidence, "quick_reply",
        )]
    if 0.5 <= found.value <= 2.0:
        return [Feedback(
            "praise",
            f"You left {found.value:.1f} s after your partner finished before answering at "
            f"{clock(ex.response[0].start)}: unhurried.",
            c.i, (found,), found.evidence, "good_latency",
        )]
    return []


def pauses_and_encouragers(c: ExchangeContext) -> list[Feedback]:
    out = [
        Feedback(
            "praise",
            f"At {clock(e.start)} you let a {e.duration:.1f} s silence sit after "
            f"{quote(e.evidence[-5:])}, and your partner went on. That is listening.",
            c.i, _metrics(c.get(MetricName.TIMING_EFFECTIVE_PAUSES, c.i)), e.evidence[-5:],
            "effective_pause",
        )
        for e in c.events if e.kind == "effective_pause"
    ]
    backchannels = [e for e in c.events if e.kind == "backchannel" and e.speaker == TRAINEE]
    if backchannels:
        e = backchannels[0]
        out.append(Feedback(
            "praise",
            f"Your {quote(e.evidence)} at {clock(e.start)} encouraged your partner to keep talking.",
            c.i, _metrics(c.get(MetricName.OVERLAP_BACKCHANNELS, c.i)), e.evidence, "backchannel",
        ))
    return out


def monologue(c: ExchangeContext) -> list[Feedback]:
    longest = max(c.exchange.response, key=lambda t: t.duration, default=None)
    if longest is None or longest.duration <= c.options.monologue_s:
        return []
    return [Feedback(
        "tip",
        f"You talked for {longest.duration:.0f} s without a break from {clock(longest.start)}. "
        "Shorter answers leave room for your partner.",
        c.i, (MetricName.TALK_TURN_S.at(round(longest.duration, 2), c.i, longest.words),),
        longest.words[:6], "monologue",
    )]


RULES: tuple[Callable[[ExchangeContext], list[Feedback]], ...] = (
    interruptions, fast_answer, mirrored_escalation, latency,
    pauses_and_encouragers, monologue,
)


def exchange_feedback(c: ExchangeContext) -> list[Feedback]:
    """Every rule's items for one exchange, unranked."""
    return [item for rule in RULES for item in rule(c)]
