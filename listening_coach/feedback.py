"""Metrics and events -> a few short messages per exchange, each with its evidence.

- :func:`give_feedback`: per exchange at most ``max_items_per_exchange`` items (the most
  important problem first, and a praise when there is one), then a session summary.
- :func:`clock`: seconds as ``mm:ss``, for messages and every other time a person reads.

Every message quotes the words and time that triggered it and names the number behind it, so a
score explains itself (PRODUCT.md: what users ask for). Thresholds come from the config.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from listening_coach.config import Config
from listening_coach.types import (
    TRAINEE, Event, Exchange, Feedback, FeedbackLevel, Metric, Word, join_words,
)

_RANK = {"concern": 0, "tip": 1, "praise": 2}


def clock(seconds: float | None, *, tenths: bool = False) -> str:
    """Format seconds as ``mm:ss`` (or ``h:mm:ss``), truncated as media players show time.

    Every time a person reads (feedback text, HTML report, batch ETA) goes through here, so
    the same moment reads the same everywhere; ``tenths`` adds a truncated tenth of a second.

    Examples:
      >>> clock(74.6), clock(3725.0), clock(74.66, tenths=True), clock(None)
      ('01:14', '1:02:05', '01:14.6', '–')
    """
    if seconds is None or not math.isfinite(seconds):
        return "–"
    total = int(max(seconds, 0.0))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    text = f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
    if tenths:
        text += f".{int(max(seconds, 0.0) * 10) % 10}"
    return text


def counted(n: float, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun, singular or plural, for messages a person reads.

    Examples:
      >>> counted(1, "time"), counted(3.0, "exchange"), counted(2, "reflection", "reflections")
      ('1 time', '3 exchanges', '2 reflections')
    """
    k = int(round(n))
    return f"{k} {noun if k == 1 else (plural or noun + 's')}"


def quote(words: tuple[Word, ...] | list[Word], max_words: int = 8) -> str:
    """Return the words as a short quotation, with an ellipsis when cut."""
    text = join_words(tuple(words[:max_words]))
    return f"“{text}{'…' if len(words) > max_words else ''}”"


@dataclass(frozen=True, slots=True)
class _Candidate:
    priority: float
    item: Feedback


class _Lookup:
    def __init__(self, metrics: tuple[Metric, ...]) -> None:
        self._by = {(m.name, m.exchange): m for m in metrics}

    def __call__(self, name: str, exchange: int | None) -> Metric | None:
        return self._by.get((name, exchange))


def _exchange_candidates(
    ex: Exchange, events: tuple[Event, ...], get: _Lookup, config: Config
) -> list[_Candidate]:
    fb, pace = config.feedback, config.pace
    i = ex.index
    out: list[_Candidate] = []

    def add(
        priority: float,
        level: str,
        code: str,
        message: str,
        because: tuple[Metric | None, ...],
        evidence: tuple[Word, ...],
    ) -> None:
        metrics = tuple(m for m in because if m is not None)
        out.append(_Candidate(priority, Feedback(level, message, i, metrics, evidence, code)))  # type: ignore[arg-type]

    own = [e for e in events if e.exchange == i]
    for e in (e for e in own if e.kind == "interruption" and e.speaker == TRAINEE):
        add(
            10,
            "concern",
            "interrupted",
            f"At {clock(e.start)} you started {quote(e.evidence)} while your partner was still talking "
            f"({e.duration:.1f} s of overlap). Let them finish, then answer.",
            (get("overlap.interruptions", i),),
            e.evidence,
        )
    wpm = get("pace.wpm", i)
    if wpm is not None and wpm.value > pace.fast_wpm:
        add(
            7,
            "tip",
            "fast_pace",
            f"You spoke at {wpm.value:.0f} words/min from {clock(wpm.evidence[0].start)} "
            f"({quote(wpm.evidence, 6)}). Slow down to {pace.target_wpm_min:.0f}-{pace.target_wpm_max:.0f}: "
            "an unhurried voice sounds more empathic.",
            (wpm,),
            wpm.evidence[:6],
        )
    vs_base = get("pace.wpm_vs_baseline", i)
    if (
        vs_base is not None
        and vs_base.value >= pace.speedup_ratio
        and wpm is not None
        and wpm.value > pace.target_wpm_max
    ):
        add(
            6,
            "tip",
            "speeding_up",
            f"You sped up to {wpm.value:.0f} words/min, {100 * (vs_base.value - 1):.0f}% faster than at the "
            "start of the drill. Under pressure, slow down on purpose.",
            (vs_base, wpm),
            wpm.evidence[:6],
        )
    _mirroring(ex, get, config, add)
    latency = get("timing.response_latency", i)
    prompt_s = sum(t.duration for t in ex.prompt)
    if latency is not None and 0 <= latency.value < fb.quick_latency_s and prompt_s >= 3.0:
        add(
            4,
            "tip",
            "quick_reply",
            f"You answered {latency.value:.1f} s after your partner finished {quote(ex.prompt_words[-5:])} "
            f"at {clock(ex.prompt[-1].end)}. A one-second pause shows you took it in.",
            (latency,),
            latency.evidence,
        )
    elif latency is not None and 0.5 <= latency.value <= 2.0 and prompt_s >= 3.0:
        add(
            2,
            "praise",
            "good_latency",
            f"You left {latency.value:.1f} s after your partner finished before answering at "
            f"{clock(ex.response[0].start)}: unhurried.",
            (latency,),
            latency.evidence,
        )
    for e in (e for e in own if e.kind == "effective_pause"):
        add(
            5,
            "praise",
            "effective_pause",
            f"At {clock(e.start)} you let a {e.duration:.1f} s silence sit after {quote(e.evidence[-5:])}, "
            "and your partner went on. That is listening.",
            (get("timing.effective_pauses", i),),
            e.evidence[-5:],
        )
    backchannels = [e for e in own if e.kind == "backchannel" and e.speaker == TRAINEE]
    if backchannels:
        e = backchannels[0]
        add(
            4,
            "praise",
            "backchannel",
            f"Your {quote(e.evidence)} at {clock(e.start)} encouraged your partner to keep talking.",
            (get("overlap.backchannels", i),),
            e.evidence,
        )
    longest = max((t for t in ex.response), key=lambda t: t.duration, default=None)
    if longest is not None and longest.duration > fb.monologue_s:
        add(
            5,
            "tip",
            "monologue",
            f"You talked for {longest.duration:.0f} s without a break from {clock(longest.start)}. "
            "Shorter answers leave room for your partner.",
            (),
            longest.words[:6],
        )
    if wpm is not None and pace.target_wpm_min <= wpm.value <= pace.target_wpm_max:
        add(1, "praise", "calm_pace", f"Calm pace: {wpm.value:.0f} words/min.", (wpm,), wpm.evidence[:6])
    return out


def _mirroring(ex: Exchange, get: _Lookup, config: Config, add: Callable[..., None]) -> None:
    """Partner escalated (louder or faster than their previous line) and the trainee followed.

    A calm voice stays level or drops when the partner escalates (PRODUCT.md, Voice).
    """
    i = ex.index
    if i == 0:
        return
    louder = get("effect.partner_loudness_change_db", i - 1)
    faster = get("effect.partner_wpm_change", i - 1)
    escalated = (louder is not None and louder.value >= config.voice.louder_db) or (
        faster is not None and faster.value >= config.feedback.escalation_wpm
    )
    if not escalated:
        return
    own_louder = get("voice.loudness_vs_baseline_db", i)
    own_faster = get("pace.wpm_vs_baseline", i)
    followed = []
    if own_louder is not None and own_louder.value >= config.voice.louder_db:
        followed.append(f"{own_louder.value:.0f} dB louder")
    if own_faster is not None and own_faster.value >= config.pace.speedup_ratio:
        followed.append(f"{100 * (own_faster.value - 1):.0f}% faster")
    if not followed:
        return
    words = ex.response_words
    add(
        8,
        "tip",
        "mirrored_escalation",
        f"Your partner escalated at {clock(ex.prompt[0].start) if ex.prompt else clock(ex.start)} and "
        f"you followed: {' and '.join(followed)} than your own start. Keep your voice level and slow "
        "when they rise.",
        (louder, faster, own_louder, own_faster),
        words[:6],
    )


def _pick(candidates: list[_Candidate], limit: int) -> list[Feedback]:
    """Most important problem first; then a second concern if there is one, else the best
    praise; then the rest by importance."""
    ordered = sorted(candidates, key=lambda c: (_RANK[c.item.level], -c.priority))
    problems = [c for c in ordered if c.item.level != "praise"]
    praise = [c for c in ordered if c.item.level == "praise"]
    concerns = [c for c in problems[1:] if c.item.level == "concern"]
    chosen = problems[:1] + (concerns[:1] or praise[:1])
    chosen += [c for c in ordered if c not in chosen][: max(limit - len(chosen), 0)]
    return [c.item for c in chosen[:limit]]


def _session_items(exchanges: tuple[Exchange, ...], get: _Lookup, config: Config) -> list[Feedback]:
    fb = config.feedback
    items: list[Feedback] = []
    if not any(ex.prompt for ex in exchanges):  # the trainee alone: no partner to listen to
        return items + _pace_items(get, config)
    share = get("talk.share", None)
    if share is not None and share.value == 0:  # nothing to praise: the trainee never spoke
        return [Feedback(
            "concern",
            "No trainee speech was found (nothing beyond backchannels), so there is nothing to "
            "score: check the channel map (--channels) and that the trainee's microphone recorded.",
            None, (share,), (), "no_trainee_speech",
        )]
    interruptions = get("overlap.interruptions", None)
    if interruptions is not None and interruptions.value > 0:
        items.append(
            Feedback(
                "concern",
                f"You interrupted {counted(interruptions.value, 'time')} in "
                f"{counted(len(exchanges), 'exchange')}.",
                None,
                (interruptions,),
                interruptions.evidence[:6],
                "interruptions",
            )
        )
    elif interruptions is not None and exchanges:
        items.append(
            Feedback(
                "praise",
                "You never interrupted: every partner line was heard to the end.",
                None,
                (interruptions,),
                (),
                "no_interruptions",
            )
        )
    backchannels = get("overlap.backchannels", None)
    if backchannels is not None and backchannels.value > 0:
        items.append(
            Feedback(
                "praise",
                f"{counted(backchannels.value, 'minimal encourager')} (“mm-hm”, “I see”) "
                "kept your partner talking.",
                None,
                (backchannels,),
                backchannels.evidence[:4],
                "backchannels",
            )
        )
    if share is not None and share.value > fb.max_talk_share:
        items.append(
            Feedback(
                "tip",
                f"You did {100 * share.value:.0f}% of the talking; in a listening role "
                f"aim for well under {100 * fb.max_talk_share:.0f}%.",
                None,
                (share,),
                (),
                "talk_share",
            )
        )
    elif share is not None:
        items.append(
            Feedback(
                "praise",
                f"You did {100 * share.value:.0f}% of the talking and let your partner do most of it.",
                None,
                (share,),
                (),
                "talk_share",
            )
        )
    return items + _effect_items(get) + _pace_items(get, config)


def _effect_items(get: _Lookup) -> list[Feedback]:
    """How the partner's next line changed after listening responses vs the others."""
    listening_n = get("effect.listening_responses", None)
    louder = get("effect.after_listening_loudness_change_db", None)
    faster = get("effect.after_listening_wpm_change", None)
    if listening_n is None or (louder is None and faster is None):
        return []
    parts = []
    if louder is not None:
        parts.append(f"{abs(louder.value):.1f} dB {'quieter' if louder.value <= 0 else 'louder'}")
    if faster is not None:
        parts.append(f"{abs(faster.value):.0f} words/min {'slower' if faster.value <= 0 else 'faster'}")
    text = (f"After your {counted(listening_n.value, 'listening response')} (reflection, validation, "
            f"“mm-hm” or a pause), your partner's next line came {' and '.join(parts)} on average")
    other_louder = get("effect.after_other_loudness_change_db", None)
    other_faster = get("effect.after_other_wpm_change", None)
    others = []
    if other_louder is not None:
        others.append(f"{other_louder.value:+.1f} dB")
    if other_faster is not None:
        others.append(f"{other_faster.value:+.0f} words/min")
    if others:
        text += f"; after your other responses: {', '.join(others)}"
    calmer = sum(m.value for m in (louder, faster) if m is not None) <= 0
    because = tuple(m for m in (listening_n, louder, faster, other_louder, other_faster) if m is not None)
    return [Feedback("praise" if calmer else "tip", text + ".", None, because, (), "deescalation_effect")]


def _pace_items(get: _Lookup, config: Config) -> list[Feedback]:
    fb, pace = config.feedback, config.pace
    items: list[Feedback] = []
    wpm = get("pace.wpm", None)
    fast = get("pace.fast_stretches", None)
    if wpm is not None:
        level: FeedbackLevel = (
            "tip" if wpm.value > pace.fast_wpm or (fast is not None and fast.value) else "praise"
        )
        text = (
            f"Your pace overall: {wpm.value:.0f} words/min (aim {pace.target_wpm_min:.0f}-"
            f"{pace.target_wpm_max:.0f})."
        )
        if fast is not None and fast.value:
            text += (
                f" {fast.value:.0f} stretch(es) above {pace.fast_wpm:.0f} words/min"
                f" for {pace.fast_sustained_s:.0f} s."
            )
        because = tuple(m for m in (wpm, fast) if m is not None)
        items.append(Feedback(level, text, None, because, (), "pace"))
    fillers = get("pace.fillers_per_min", None)
    if fillers is not None and fillers.value > fb.fillers_per_min:
        items.append(
            Feedback(
                "tip",
                f"About {fillers.value:.0f} fillers per minute (at least: the transcriber "
                "drops many “um”s). Replace them with a silent pause.",
                None,
                (fillers,),
                (),
                "fillers",
            )
        )
    return items


def give_feedback(
    exchanges: tuple[Exchange, ...],
    events: tuple[Event, ...],
    metrics: tuple[Metric, ...],
    config: Config,
    *,
    extra: tuple[Feedback, ...] = (),
) -> tuple[Feedback, ...]:
    """Return per-exchange feedback (in exchange order) then the session summary.

    ``extra`` holds items from other stages (language); they compete for the same per-exchange
    slots and are added to the summary.
    """
    get = _Lookup(metrics)
    out: list[Feedback] = []
    for ex in exchanges:
        candidates = _exchange_candidates(ex, events, get, config)
        for item in (f for f in extra if f.exchange == ex.index):
            weight = {"concern": 9.0, "tip": 6.5, "praise": 4.5}[item.level]
            candidates.append(_Candidate(weight, item))
        out.extend(_pick(candidates, config.feedback.max_items_per_exchange))
    out.extend(_session_items(exchanges, get, config))
    out.extend(f for f in extra if f.exchange is None)
    return tuple(out)
