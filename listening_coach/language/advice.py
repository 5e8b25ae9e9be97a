"""Language feedback: praise, tips and concerns built from labels and metrics.

- :func:`language_feedback`: per exchange, each escalating flag earns a ``concern`` (with a
  reflection suggested from the partner's words, when one can be trusted); an emotional partner
  line the trainee did not acknowledge earns a ``missed_emotion`` concern; three closed
  questions in a row a ``tip``; each reflection (simple or complex), validation, open question
  and affirmation the trainee made earns ``praise``. For the session, the MITI indicators earn
  praise or a tip against their thresholds.

Codes (stable): ``language_<flag>`` for each escalating flag, ``missed_emotion``,
``closed_question_run``, ``good_complex_reflection``, ``good_simple_reflection``,
``validation``, ``open_question``, ``affirmation``, ``reflection_to_question_low``,
``reflection_to_question_good``, ``open_questions_low``, ``complex_reflections_good``.

A suggestion reuses partner words only if they were heard surely and the sentence is a
well-formed clause (:func:`~listening_coach.language.suggest.build_suggestion`); otherwise the
advice is generic, with no made-up sentence.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from listening_coach.config import FeedbackOptions, LanguageOptions, build_options
from listening_coach.feedback import clock, counted, quote
from listening_coach.language.metrics import MITI_THRESHOLDS, words_of
from listening_coach.language.rules import ESCALATING_FLAGS, FLAGS
from listening_coach.language.suggest import Suggestion, build_suggestion, emotional_line
from listening_coach.metrics.names import MetricIndex, MetricName, flag_metric
from listening_coach.types import Exchange, Feedback, Label, Metric

_FLAG_ADVICE = {
    "command": "Commands tend to escalate",
    "blame": "Blame puts them on the defensive",
    "arguing": "Arguing with their account tends to escalate",
    "dismissive_but": "A 'but' after an acknowledgement cancels it",
    "threat": "Threats escalate",
    "policy": "Hiding behind policy sounds like you don't care",
}
_ACKNOWLEDGING_FLAGS = frozenset({"validation", "emotion_label", "summary", "apology"})
_PRAISE = {
    # code: (what it is, why it helps)
    "good_complex_reflection": ("Complex reflection", "it adds the meaning behind their words"),
    "good_simple_reflection": ("Reflection", "it shows you heard them"),
    "validation": ("Validation", "it tells them their reaction makes sense"),
    "open_question": ("Open question", "it invites them to tell more"),
    "affirmation": ("Affirmation", "it recognises what they did well"),
}


_PRAISE_METRICS = {
    "good_complex_reflection": (MetricName.LANGUAGE_COMPLEX_REFLECTIONS, MetricName.LANGUAGE_FIDELITY),
    "good_simple_reflection": (MetricName.LANGUAGE_SIMPLE_REFLECTIONS, MetricName.LANGUAGE_FIDELITY),
    "validation": (MetricName.LANGUAGE_VALIDATIONS, flag_metric("validation")),
    "open_question": (MetricName.LANGUAGE_OPEN_QUESTIONS,),
    "affirmation": (flag_metric("affirmation"),),
}


def _quote(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def _metric(metrics: tuple[Metric, ...], name: str, exchange: int | None) -> Metric | None:
    return MetricIndex(metrics).get(name, exchange)


def _because(metrics: tuple[Metric, ...], names: tuple[str, ...], exchange: int | None) -> tuple[Metric, ...]:
    return tuple(m for n in names if (m := _metric(metrics, n, exchange)) is not None)


class _Gates(NamedTuple):
    """The evidence gates of suggested reflections (``[feedback]`` keys, passed in by name)."""

    suggestion_min_probability: float
    suggestion_check_grammar: bool


_FEEDBACK = FeedbackOptions()
_DEFAULT_GATES = _Gates(_FEEDBACK.suggestion_min_probability, _FEEDBACK.suggestion_check_grammar)


def _suggestion(exchange: Exchange | None, fb: _Gates) -> Suggestion | None:
    if exchange is None or not exchange.prompt:
        return None
    heard = [w for w in exchange.prompt_words if not w.unclear]
    return build_suggestion(heard, min_probability=fb.suggestion_min_probability,
                            check_grammar=fb.suggestion_check_grammar)


def _escalation_feedback(
    exchanges: dict[int, Exchange], labels: list[Label], metrics: tuple[Metric, ...],
    fb: _Gates,
) -> list[Feedback]:
    """One concern per escalating flag per exchange, the first with a suggested reflection."""
    out: list[Feedback] = []
    seen: set[tuple[int, str]] = set()
    for lab in labels:
        if lab.exchange is None:
            continue
        for flag in sorted((f for f in lab.flags if f in ESCALATING_FLAGS), key=FLAGS.index):
            if (lab.exchange, flag) in seen:
                continue
            first = not any(e == lab.exchange for e, _ in seen)
            seen.add((lab.exchange, flag))
            lead = "'Calm down' tends to escalate" if flag == "command" and (
                "calm down" in lab.text.lower()) else _FLAG_ADVICE[flag]
            message = f"{lead} ({clock(lab.start)}: {_quote(lab.text)})"
            suggestion = _suggestion(exchanges.get(lab.exchange), fb) if first else None
            message += (f"; try reflecting instead, for example {_quote(suggestion.text, 140)}"
                        if suggestion else "; try reflecting what they said and how they feel")
            out.append(Feedback(
                "concern", message, lab.exchange,
                _because(metrics, (flag_metric(flag),), lab.exchange),
                words_of(tuple(exchanges.values()), [lab]), f"language_{flag}"))
    return out


_INFO_QUESTION = re.compile(
    r"^(?:(?:so|and|okay|ok|well|i hear you|i see|right)[,.]?\s+)*"
    r"(?:which|where|when|who|whose|(?:what(?:'s| is| was| are)\s+(?:the|your|her|his|their)\b)"
    # a request for a document or detail: "May I see your boarding pass?"
    r"|(?:may|can|could)\s+i\s+(?:see|have|get|take|check)\s+(?:your|the)\b)",
    re.IGNORECASE)
# "I hear you. What have they told you?" heard as one sentence without its question mark: an
# open question after an acknowledgement ("what I hear", "what you're saying" reflect instead).
_ACK_THEN_QUESTION = re.compile(
    r"^(?:so\s+)?(?:i hear you|i see|i understand|okay|ok|right)[,.]?\s+(?:what|how)\s+(?!i\b|you\b)",
    re.IGNORECASE)


def _invites(lab: Label) -> bool:
    """An open question that invites the partner to tell more ("What happened?", "How are you
    coping?"), not a request for a detail ("Which flat number...?", "What is the reference
    number...?"), whatever wh-word it starts with."""
    return (lab.label == "question" and lab.subtype == "open"
            and _INFO_QUESTION.match(lab.text.strip()) is None)


def _acknowledges(lab: Label, min_confidence: float) -> bool:
    """An answer that takes the partner's feeling in: a reflection or validation (sure
    enough, and more than "I hear you."), a named feeling, a summary, an apology, or an open
    question that invites them to say more."""
    if _ACKNOWLEDGING_FLAGS & set(lab.flags):
        return True
    if _invites(lab) or _ACK_THEN_QUESTION.match(lab.text.strip()):
        return True
    if _INFO_QUESTION.match(lab.text.strip()):
        return False  # "I hear you, which flat number..." asks for a detail, whatever its label
    return (lab.label in ("reflection", "validation") and lab.confidence >= min_confidence
            and len(lab.text.split()) >= 4)


def _missed_emotions(
    exchanges: tuple[Exchange, ...], labels: list[Label], metrics: tuple[Metric, ...],
    fb: _Gates, flagged: set[int], min_confidence: float,
) -> list[Feedback]:
    """The partner's turn carried emotion and nothing in the answer took it in."""
    out: list[Feedback] = []
    for ex in exchanges:
        if not ex.prompt or not ex.response:
            continue
        heard = [w for w in ex.prompt_words if not w.unclear]
        found = emotional_line(heard, min_probability=fb.suggestion_min_probability)
        if found is None:
            continue
        mine = [lab for lab in labels if lab.exchange == ex.index]
        if any(_acknowledges(lab, min_confidence) for lab in mine):
            continue
        word, clause = found
        message = (f"Your partner said {quote(clause, 10)} at {clock(word.start)} and your answer "
                   f"at {clock(ex.response[0].start)} did not acknowledge it")
        suggestion = None if ex.index in flagged else _suggestion(ex, fb)
        message += (f"; it could have sounded like {_quote(suggestion.text, 140)}" if suggestion
                    else "; name what they feel before you answer")
        out.append(Feedback(
            "concern", message, ex.index, _because(metrics, (MetricName.LANGUAGE_REFLECTIONS,), ex.index),
            (word, *ex.response_words[:6]), "missed_emotion"))
    return out


def _praise_codes(lab: Label) -> list[str]:
    """What one utterance earns; a validation or affirmation worded like a reflection ("Of
    course you are upset...") is praised as what it does, not also as a reflection."""
    if "affirmation" in lab.flags:
        return ["affirmation"]
    if lab.label == "validation" or "validation" in lab.flags:
        return ["validation"]
    codes = []
    if lab.label == "reflection" and not _INFO_QUESTION.match(lab.text.strip()):
        codes.append("good_complex_reflection" if lab.subtype == "complex" else "good_simple_reflection")
    if lab.label == "validation" or "validation" in lab.flags:
        codes.append("validation")
    if _invites(lab):
        codes.append("open_question")
    if lab.label == "affirmation":
        codes.append("affirmation")
    return codes


def _praise(exchanges: tuple[Exchange, ...], labels: list[Label], metrics: tuple[Metric, ...],
            min_confidence: float) -> list[Feedback]:
    """One praise per skill per exchange: the most confident utterance showing it."""
    best: dict[tuple[int, str], Label] = {}
    prompted = {ex.index for ex in exchanges if ex.prompt}
    for lab in labels:
        # a phrase rule ("anyone would", "it took courage") is evidence of its own; a model
        # label must be sure enough
        flagged = {"validation", "affirmation"} & set(lab.flags)
        if lab.exchange is None or (lab.confidence < min_confidence and not flagged):
            continue
        if set(lab.flags) & ESCALATING_FLAGS:
            continue  # "I understand, but you have to..." is not a validation to praise
        for code in _praise_codes(lab):
            if "reflection" in code and lab.exchange not in prompted:
                continue  # nothing the partner said to reflect
            key = (lab.exchange, code)
            if key not in best or lab.confidence > best[key].confidence:
                best[key] = lab
    out = []
    for (exchange, code), lab in best.items():
        what, why = _PRAISE[code]
        carried = (f"; it carries back {100 * lab.fidelity:.0f}% of their words and feelings"
                   if lab.fidelity is not None and lab.fidelity >= 0.3 and "reflection" in code
                   else "")
        out.append(Feedback(
            "praise", f"{what} at {clock(lab.start)}: {_quote(lab.text)} — {why}{carried}.",
            exchange, _because(metrics, _PRAISE_METRICS[code], exchange),
            words_of(exchanges, [lab]), code))
    return out


def _closed_runs(labels: list[Label], run: int, metrics: tuple[Metric, ...],
                 exchanges: tuple[Exchange, ...]) -> list[Feedback]:
    out: list[Feedback] = []
    streak: list[Label] = []
    for lab in [*labels, None]:
        if lab is not None and lab.label == "question" and lab.subtype == "closed":
            streak.append(lab)
            continue
        if lab is not None and lab.label in ("other", "unknown") and len(lab.text.split()) <= 2:
            continue  # "okay." between questions does not break the run
        if len(streak) >= run:
            last = streak[-1]
            words = ["Two", "Three", "Four", "Five", "Six"]
            count = words[len(streak) - 2] if len(streak) <= 6 else str(len(streak))
            out.append(
                Feedback(
                    "tip",
                    f"{count} closed questions in a row ({clock(streak[0].start)}–"
                    f"{clock(last.end)}) — try an open one: “What happened?” or “How is that "
                    "for you?”",
                    last.exchange,
                    _because(metrics, (MetricName.LANGUAGE_CLOSED_QUESTIONS,), last.exchange),
                    words_of(exchanges, streak), "closed_question_run",
                )
            )
        streak = []
    return out


def language_feedback(
    exchanges: tuple[Exchange, ...],
    labels: tuple[Label, ...],
    metrics: tuple[Metric, ...],
    options: LanguageOptions | dict[str, object] | None = None,
    *,
    suggestion_min_probability: float = _DEFAULT_GATES.suggestion_min_probability,
    suggestion_check_grammar: bool = _DEFAULT_GATES.suggestion_check_grammar,
) -> tuple[Feedback, ...]:
    """Turn language labels and metrics into messages with their evidence (unranked: the
    per-exchange budget is applied by :func:`listening_coach.feedback.give_feedback`).

    Args:
      exchanges: The session's exchanges.
      labels: From :func:`label_exchanges`.
      metrics: From :func:`language_metrics` (other metrics are ignored).
      options: ``min_confidence`` (praise needs it), ``closed_question_run``.
      suggestion_min_probability, suggestion_check_grammar: The evidence gates of suggested
        reflections (the ``[feedback]`` keys of those names; the pipeline passes them).

    Returns:
      Feedback in exchange order, session items (exchange None) last.
    """
    opts = build_options(LanguageOptions, options, "language")
    fb = _Gates(suggestion_min_probability, suggestion_check_grammar)
    ordered = sorted(labels, key=lambda lab: (lab.start, lab.end))
    by_index = {e.index: e for e in exchanges}
    out = _escalation_feedback(by_index, ordered, metrics, fb)
    flagged = {f.exchange for f in out if f.exchange is not None}
    out += _missed_emotions(exchanges, ordered, metrics, fb, flagged, opts.min_confidence)
    out += _closed_runs(ordered, opts.closed_question_run, metrics, exchanges)
    out += _praise(exchanges, ordered, metrics, opts.min_confidence)
    out.sort(key=lambda f: f.exchange if f.exchange is not None else -1)
    out += _session_feedback(metrics)
    return tuple(out)


def _session_feedback(metrics: tuple[Metric, ...]) -> list[Feedback]:
    out: list[Feedback] = []
    questions = _metric(metrics, MetricName.LANGUAGE_QUESTIONS, None)
    reflections = _metric(metrics, MetricName.LANGUAGE_REFLECTIONS, None)
    rq = _metric(metrics, MetricName.LANGUAGE_REFLECTION_TO_QUESTION, None)
    n_q = questions.value if questions else 0.0
    n_r = reflections.value if reflections else 0.0
    fair, good = MITI_THRESHOLDS[MetricName.LANGUAGE_REFLECTION_TO_QUESTION]
    if rq is not None and n_q >= 3 and rq.value < fair:
        out.append(Feedback(
            "tip", f"{counted(n_r, 'reflection')} for {counted(n_q, 'question')} (aim for at least "
            f"{fair:g}:1, {good:g}:1 is good) — answer a question with a reflection",
            None, (rq,), rq.evidence, "reflection_to_question_low"))
    elif rq is not None and n_r >= 3 and rq.value >= good:
        text = (f"{counted(n_r, 'reflection')} for {counted(n_q, 'question')}: a "
                f"{rq.value:.1f}:1 ratio, MITI 'good' is {good:g}:1" if n_q else
                f"{counted(n_r, 'reflection')} and no questions: you reflected rather than "
                f"asked (MITI 'good' is {good:g} reflections per question)")
        # without questions the ratio metric (R / max(Q, 1)) is no ratio: cite the count
        because = (rq,) if n_q or reflections is None else (reflections,)
        out.append(Feedback(
            "praise", text,
            None, because, rq.evidence, "reflection_to_question_good"))
    open_ = _metric(metrics, MetricName.LANGUAGE_PERCENT_OPEN_QUESTIONS, None)
    fair, good = MITI_THRESHOLDS[MetricName.LANGUAGE_PERCENT_OPEN_QUESTIONS]
    if open_ is not None and n_q >= 3 and open_.value < fair:
        out.append(Feedback(
            "tip", f"{open_.value:.0f}% of your questions were open (aim for {fair:.0f}%, "
            f"{good:.0f}% is competent) — start with what or how", None, (open_,),
            open_.evidence, "open_questions_low"))
    complex_ = _metric(metrics, MetricName.LANGUAGE_PERCENT_COMPLEX_REFLECTIONS, None)
    fair, good = MITI_THRESHOLDS[MetricName.LANGUAGE_PERCENT_COMPLEX_REFLECTIONS]
    if complex_ is not None and n_r >= 3 and complex_.value >= good:
        out.append(Feedback(
            "praise", f"{complex_.value:.0f}% of your reflections were complex (MITI good: "
            f"{good:.0f}%)", None, (complex_,), complex_.evidence, "complex_reflections_good"))
    return out
