"""The session summary: counts over the exchanges, each with its evidence.

- :func:`session_feedback`: interruptions, escalating language, unacknowledged emotional
  lines, sustained fast speech, talk share, encouragers, the de-escalation effect, fillers.

Only judgements go here; numbers that only describe (the overall pace when it is neither
sustained-fast nor in the target range, the partner's average change) stay in the metrics
table. The pace is praised only when nothing in the session criticised it.
"""

from __future__ import annotations

from listening_coach.config import FeedbackOptions
from listening_coach.feedback.exchange import Lookup, PaceTargets
from listening_coach.feedback.text import clock, counted, percent
from listening_coach.metrics.names import MetricName
from listening_coach.types import Exchange, Feedback

_FLAG_NAMES = {
    "language_command": "a command", "language_blame": "blame", "language_arguing": "arguing",
    "language_dismissive_but": "a dismissive “but”", "language_policy": "hiding behind policy",
    "language_threat": "a threat",
}


def _listening(exchanges: tuple[Exchange, ...], get: Lookup, fb: FeedbackOptions) -> list[Feedback]:
    items: list[Feedback] = []
    interruptions = get(MetricName.OVERLAP_INTERRUPTIONS, None)
    if interruptions is not None and interruptions.value > 0:
        items.append(Feedback(
            "concern", f"You interrupted {counted(interruptions.value, 'time')} in "
            f"{counted(len(exchanges), 'exchange')}.", None, (interruptions,),
            interruptions.evidence[:6], "interruptions"))
    elif interruptions is not None and exchanges:
        items.append(Feedback(
            "praise", "You never interrupted: every partner line was heard to the end.", None,
            (interruptions,), (), "no_interruptions"))
    backchannels = get(MetricName.OVERLAP_BACKCHANNELS, None)
    if backchannels is not None and backchannels.value > 0:
        items.append(Feedback(
            "praise", f"{counted(backchannels.value, 'minimal encourager')} (“mm-hm”, “I see”) "
            "kept your partner talking.", None, (backchannels,), backchannels.evidence[:4],
            "backchannels"))
    share = get(MetricName.TALK_SHARE, None)
    if share is not None and share.value > fb.max_talk_share:
        items.append(Feedback(
            "tip", f"You did {percent(share.value)} of the talking; in a listening role aim "
            f"for well under {percent(fb.max_talk_share)}.", None, (share,), (), "talk_share"))
    elif share is not None:
        items.append(Feedback(
            "praise", f"You did {percent(share.value)} of the talking and let your partner do "
            "most of it.", None, (share,), (), "talk_share"))
    return items


def _language(per_exchange: list[Feedback]) -> list[Feedback]:
    items: list[Feedback] = []
    flagged = [f for f in per_exchange if f.code in _FLAG_NAMES]
    if flagged:
        where = "; ".join(
            f"{_FLAG_NAMES[f.code]} at {clock(f.evidence[0].start if f.evidence else None)}"
            for f in flagged[:4])
        items.append(Feedback(
            "concern", f"Escalating language in {counted(len({f.exchange for f in flagged}), 'exchange')}"
            f": {where}. Reflect what they said instead.", None,
            tuple(m for f in flagged for m in f.because), flagged[0].evidence[:8],
            "escalating_language"))
    missed = [f for f in per_exchange if f.code == "missed_emotion"]
    if missed:
        items.append(Feedback(
            "concern", f"{counted(len(missed), 'emotional line')} got no acknowledgement ("
            + ", ".join(clock(f.evidence[0].start if f.evidence else None) for f in missed[:4])
            + "): name the feeling before you answer.", None, (),
            missed[0].evidence[:1], "missed_emotions"))
    return items


def _pace(
    get: Lookup, fb: FeedbackOptions, pace: PaceTargets, per_exchange: list[Feedback], speaking_s: float
) -> list[Feedback]:
    wpm, fast = get(MetricName.PACE_WPM, None), get(MetricName.PACE_FAST_STRETCHES, None)
    items: list[Feedback] = []
    if fast is not None and fast.value > 0:
        items.append(Feedback(
            "tip", f"You spoke above {pace.fast_wpm:.0f} words/min for at least "
            f"{pace.fast_sustained_s:.0f} s {counted(fast.value, 'time')}: slow down to "
            f"{pace.target_wpm_min:.0f}-{pace.target_wpm_max:.0f} words/min.", None,
            tuple(m for m in (fast, wpm) if m is not None), fast.evidence, "fast_stretches"))
    criticised = items or any(f.code == "fast_answer" for f in per_exchange)
    enough = speaking_s >= fb.min_pace_speech_s
    if (wpm is not None and not criticised and enough
            and pace.target_wpm_min <= wpm.value <= pace.target_wpm_max):
        items.append(Feedback(
            "praise", f"An unhurried pace: {wpm.value:.0f} words/min overall (aim "
            f"{pace.target_wpm_min:.0f}-{pace.target_wpm_max:.0f}).", None, (wpm,), (), "pace"))
    fillers = get(MetricName.PACE_FILLERS_PER_MIN, None)
    if fillers is not None and fillers.value > fb.fillers_per_min:
        items.append(Feedback(
            "tip", f"About {fillers.value:.0f} fillers per minute (at least: the transcriber "
            "drops many “um”s). Replace them with a silent pause.", None, (fillers,), (),
            "fillers"))
    return items


def _effect(get: Lookup) -> list[Feedback]:
    """Praise only a clear calming after listening responses; the numbers are in the table."""
    n = get(MetricName.EFFECT_LISTENING_RESPONSES, None)
    louder = get(MetricName.EFFECT_AFTER_LISTENING_LOUDNESS_CHANGE_DB, None)
    faster = get(MetricName.EFFECT_AFTER_LISTENING_WPM_CHANGE, None)
    if n is None or n.value < 2:
        return []
    parts = []
    if louder is not None and louder.value <= -2.0:
        parts.append(f"{-louder.value:.0f} dB quieter")
    if faster is not None and faster.value <= -10.0:
        parts.append(f"{-faster.value:.0f} words/min slower")
    if not parts:
        return []
    because = tuple(m for m in (n, louder, faster) if m is not None)
    return [Feedback(
        "praise", f"After your {counted(n.value, 'listening response')} (reflection, "
        f"validation, “mm-hm” or a pause) your partner's next line came {' and '.join(parts)} "
        "on average: listening calmed them.", None, because, (), "deescalation_effect")]


def session_feedback(
    exchanges: tuple[Exchange, ...],
    get: Lookup,
    options: FeedbackOptions,
    pace: PaceTargets,
    per_exchange: list[Feedback],
) -> list[Feedback]:
    """Every session item, unranked; ``per_exchange`` are the exchange items (all of them)."""
    speaking_s = sum(t.duration for ex in exchanges for t in ex.response)
    pace_items = _pace(get, options, pace, per_exchange, speaking_s)
    if not any(ex.prompt for ex in exchanges):  # the trainee alone: no partner to listen to
        return pace_items
    share = get(MetricName.TALK_SHARE, None)
    if share is not None and share.value == 0:  # nothing to praise: the trainee never spoke
        return [Feedback(
            "concern",
            "No trainee speech was found (nothing beyond backchannels), so there is nothing to "
            "score: check the channel map (--channels) and that the trainee's microphone recorded.",
            None, (share,), (), "no_trainee_speech",
        )]
    return _listening(exchanges, get, options) + _language(per_exchange) + pace_items + _effect(get)
