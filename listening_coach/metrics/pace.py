"""Pace, fillers, talk share and monologues.

- :func:`count_syllables`: a spelling-based syllable estimate (no dictionary needed).
- :func:`pace_metrics`: WPM and articulation rate per exchange, relative to the partner and to
  the trainee's own baseline (the first ``baseline_exchanges``), plus sustained fast stretches.
- :func:`talk_metrics`: trainee talk share, longest monologue, longest partner story, fillers.

WPM counts the trainee's words over their speaking time (first word start to last word end of
each response turn, pauses included; unclear speech, which has no words to count, is left out);
articulation rate counts syllables per second with pauses of ``articulation_pause_s`` or more
left out.
"""

from __future__ import annotations

import re

from listening_coach.config import PaceOptions, PauseOptions
from listening_coach.metrics.names import MetricName
from listening_coach.types import TRAINEE, Exchange, Metric, Turn, Word

FILLERS = frozenset({"um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm", "mm"})
_VOWELS = re.compile(r"[aeiouy]+")


def count_syllables(word: str) -> int:
    """Estimate the syllables in one word from its spelling.

    Examples:
      >>> [count_syllables(w) for w in ("I", "hear", "frustrating", "make", "okay")]
      [1, 1, 3, 1, 2]
    """
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 1 if any(c.isdigit() for c in word) else 0
    groups = len(_VOWELS.findall(w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1
    return max(groups, 1)


def _speaking(turns: tuple[Turn, ...]) -> tuple[list[Word], float]:
    """Intelligible words and their speaking time (unclear speech has no words to count)."""
    clear = [t.clear_words for t in turns]
    words = [w for ws in clear for w in ws]
    return words, sum(max(w.end for w in ws) - ws[0].start for ws in clear if ws)


def _articulation(words: list[Word], pause_s: float) -> float | None:
    if not words:
        return None
    syllables = sum(count_syllables(w.text) for w in words)
    voiced = words[-1].end - words[0].start
    for a, b in zip(words, words[1:]):
        gap = b.start - a.end
        if gap >= pause_s:
            voiced -= gap
    return syllables / voiced if voiced > 0 else None


def pace_metrics(
    exchanges: tuple[Exchange, ...],
    options: PaceOptions,
    *,
    articulation_pause_s: float = PauseOptions().articulation_pause_s,
) -> tuple[Metric, ...]:
    """Return ``pace.*`` metrics per exchange and for the session.

    ``articulation_pause_s`` is ``[pauses]``'s: pauses this long are left out of articulation rate.
    """
    metrics: list[Metric] = []
    trainee_rates: list[float] = []
    for ex in exchanges:
        words, seconds = _speaking(ex.response)
        if len(words) < options.min_words or seconds <= 0:
            continue
        wpm = 60.0 * len(words) / seconds
        trainee_rates.append(wpm)
        evidence = tuple(words)
        metrics.append(MetricName.PACE_WPM.at(round(wpm, 1), ex.index, evidence))
        rate = _articulation(words, articulation_pause_s)
        if rate is not None:
            metrics.append(MetricName.PACE_ARTICULATION_RATE.at(round(rate, 2), ex.index, evidence))
        p_words, p_seconds = _speaking(ex.prompt)
        if len(p_words) >= options.min_words and p_seconds > 0:
            partner_wpm = 60.0 * len(p_words) / p_seconds
            metrics.append(MetricName.PACE_PARTNER_WPM.at(round(partner_wpm, 1), ex.index))
            metrics.append(MetricName.PACE_WPM_VS_PARTNER.at(round(wpm / partner_wpm, 3), ex.index))
        baseline = trainee_rates[: options.baseline_exchanges]
        if len(trainee_rates) > options.baseline_exchanges:
            relative = wpm / (sum(baseline) / len(baseline))
            metrics.append(MetricName.PACE_WPM_VS_BASELINE.at(round(relative, 3), ex.index))
    all_words, all_seconds = _speaking(tuple(t for ex in exchanges for t in ex.response))
    if len(all_words) >= options.min_words and all_seconds > 0:
        metrics.append(MetricName.PACE_WPM.at(round(60.0 * len(all_words) / all_seconds, 1)))
        rate = _articulation(all_words, articulation_pause_s)
        if rate is not None:
            metrics.append(MetricName.PACE_ARTICULATION_RATE.at(round(rate, 2)))
    fast = _fast_stretches(all_words, options.fast_wpm, options.fast_sustained_s)
    metrics.append(
        MetricName.PACE_FAST_STRETCHES.at(float(len(fast)), None, tuple(w for s in fast for w in s[:3]))
    )
    return tuple(metrics)


def _fast_stretches(words: list[Word], fast_wpm: float, window_s: float) -> list[list[Word]]:
    """Windows of ``window_s`` of continuous trainee speech above ``fast_wpm`` (non-overlapping)."""
    stretches: list[list[Word]] = []
    i = 0
    while i < len(words):
        j = i
        while (
            j + 1 < len(words)
            and words[j + 1].start - words[j].end < 1.5
            and words[j].end - words[i].start < window_s
        ):
            j += 1
        span = words[j].end - words[i].start
        if span >= window_s and 60.0 * (j - i + 1) / span > fast_wpm:
            stretches.append(words[i : j + 1])
            i = j + 1
        else:
            i += 1
    return stretches


def talk_metrics(exchanges: tuple[Exchange, ...], turns: tuple[Turn, ...]) -> tuple[Metric, ...]:
    """Return ``talk.*`` metrics and ``pace.fillers``/``pace.fillers_per_min``.

    Talk share is the trainee's share of speaking time (union of word spans per speaker).
    Fillers are counted in the transcript; Whisper drops many "um"/"uh" unless
    ``transcribe.verbatim_fillers`` is on, so the count is a lower bound.
    """
    metrics: list[Metric] = []
    for ex in exchanges:
        trainee = sum(t.duration for t in ex.response)
        partner = sum(t.duration for t in ex.prompt)
        if trainee + partner > 0:
            metrics.append(MetricName.TALK_SHARE.at(round(trainee / (trainee + partner), 3), ex.index))
    floor = [t for t in turns if not t.backchannel]
    trainee_turns = [t for t in floor if t.speaker == TRAINEE]
    partner_turns = [t for t in floor if t.speaker != TRAINEE]
    trainee_s = sum(t.duration for t in trainee_turns)
    partner_s = sum(t.duration for t in partner_turns)
    if trainee_s + partner_s > 0:
        metrics.append(MetricName.TALK_SHARE.at(round(trainee_s / (trainee_s + partner_s), 3)))
    if trainee_turns:
        longest = max(trainee_turns, key=lambda t: t.duration)
        metrics.append(
            MetricName.TALK_LONGEST_MONOLOGUE.at(round(longest.duration, 3), None, longest.words[:8])
        )
    if partner_turns:
        longest = max(partner_turns, key=lambda t: t.duration)
        metrics.append(
            MetricName.TALK_LONGEST_PARTNER_TURN.at(round(longest.duration, 3), None, longest.words[:8])
        )
    fillers = tuple(w for t in trainee_turns for w in t.words if w.bare in FILLERS)
    metrics.append(MetricName.PACE_FILLERS.at(float(len(fillers)), None, fillers))
    if trainee_s > 0:
        metrics.append(MetricName.PACE_FILLERS_PER_MIN.at(round(60.0 * len(fillers) / trainee_s, 2)))
    return tuple(metrics)
