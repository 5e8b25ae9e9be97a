"""Language feedback: praise, tips and concerns built from labels and metrics.

- :func:`language_feedback`: per exchange, an escalating phrase earns a ``concern`` (with a
  reflection suggested from the partner's words); three closed questions in a row a ``tip``;
  a good complex reflection ``praise``; the weakest exchanges without any reflection get a
  ``tip`` with a suggested reflection. For the session, the MITI indicators earn praise or a
  tip against their thresholds.

Codes (stable): ``language_<flag>`` for each escalating flag, ``closed_question_run``,
``good_complex_reflection``, ``suggested_reflection``, ``reflection_to_question_low``,
``reflection_to_question_good``, ``open_questions_low``, ``complex_reflections_good``.
"""

from __future__ import annotations

from listening_coach.config import LanguageOptions, build_options
from listening_coach.feedback import clock, counted
from listening_coach.language.metrics import MITI_THRESHOLDS, words_of
from listening_coach.language.rules import ESCALATING_FLAGS, FLAGS
from listening_coach.language.suggest import suggest_reflection
from listening_coach.types import Exchange, Feedback, Label, Metric, join_words

_FLAG_ADVICE = {
    "command": "Commands tend to escalate",
    "blame": "Blame puts them on the defensive",
    "arguing": "Arguing with their account tends to escalate",
    "dismissive_but": "A 'but' after an acknowledgement cancels it",
    "threat": "Threats escalate",
    "policy": "Hiding behind policy sounds like you don't care",
}


def _quote(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def _metric(metrics: tuple[Metric, ...], name: str, exchange: int | None) -> Metric | None:
    for m in metrics:
        if m.name == name and m.exchange == exchange:
            return m
    return None


def _because(metrics: tuple[Metric, ...], names: tuple[str, ...], exchange: int | None) -> tuple[Metric, ...]:
    return tuple(m for n in names if (m := _metric(metrics, n, exchange)) is not None)


def _escalation_feedback(
    exchanges: dict[int, Exchange], labels: list[Label], metrics: tuple[Metric, ...]
) -> tuple[list[Feedback], set[int]]:
    out: list[Feedback] = []
    seen: set[int] = set()
    for lab in labels:
        flags = [f for f in lab.flags if f in ESCALATING_FLAGS]
        if not flags or lab.exchange is None or lab.exchange in seen:
            continue
        flag = min(flags, key=FLAGS.index)
        exchange = exchanges.get(lab.exchange)
        partner = join_words([w for w in exchange.prompt_words if not w.unclear]) if exchange else ""
        suggestion = suggest_reflection(partner) if partner else None
        lead = "'Calm down' tends to escalate" if "calm down" in lab.text.lower() else (
            _FLAG_ADVICE[flag]
        )
        message = f"{lead} ({clock(lab.start)}: {_quote(lab.text)})"
        message += f"; try naming the feeling: {_quote(suggestion, 140)}" if suggestion else (
            "; try reflecting what they said instead"
        )
        out.append(
            Feedback(
                "concern", message, lab.exchange,
                _because(metrics, (f"language.flag.{flag}",), lab.exchange),
                words_of(tuple(exchanges.values()), [lab]), f"language_{flag}",
            )
        )
        seen.add(lab.exchange)
    return out, seen


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
                    _because(metrics, ("language.closed_questions",), last.exchange),
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
) -> tuple[Feedback, ...]:
    """Turn language labels and metrics into a few messages with their evidence.

    Args:
      exchanges: The session's exchanges.
      labels: From :func:`label_exchanges`.
      metrics: From :func:`language_metrics` (other metrics are ignored).
      options: ``min_confidence`` (praise needs it), ``closed_question_run``,
        ``max_suggestions``.

    Returns:
      Feedback in exchange order, session items (exchange None) last.
    """
    opts = build_options(LanguageOptions, options, "language")
    ordered = sorted(labels, key=lambda lab: (lab.start, lab.end))
    by_index = {e.index: e for e in exchanges}
    out, flagged = _escalation_feedback(by_index, ordered, metrics)
    out += _closed_runs(ordered, opts.closed_question_run, metrics, exchanges)

    complex_ = [
        lab for lab in ordered
        if lab.label == "reflection" and lab.subtype == "complex"
        and lab.confidence >= opts.min_confidence and lab.exchange not in flagged
    ]
    for lab in sorted(complex_, key=lambda x: -(x.confidence * (x.fidelity or 0.5)))[:2]:
        out.append(
            Feedback(
                "praise", f"Good complex reflection at {clock(lab.start)}: {_quote(lab.text)}",
                lab.exchange, _because(metrics, ("language.complex_reflections",), lab.exchange),
                words_of(exchanges, [lab]), "good_complex_reflection",
            )
        )

    # The weakest exchanges: the partner spoke, the trainee answered with no reflection.
    weak: list[tuple[float, Exchange, str]] = []
    for exchange in exchanges:
        if not exchange.prompt or not exchange.response or exchange.index in flagged:
            continue
        mine = [lab for lab in ordered if lab.exchange == exchange.index]
        if any(lab.label in ("reflection", "validation") for lab in mine):
            continue
        suggestion = suggest_reflection(join_words([w for w in exchange.prompt_words if not w.unclear]))
        if suggestion is None:
            continue
        closed = sum(1 for lab in mine if lab.label == "question" and lab.subtype == "closed")
        weakness = 1.0 + closed + len(exchange.prompt_words) / 50.0
        weak.append((weakness, exchange, suggestion))
    for _, exchange, suggestion in sorted(weak, key=lambda w: -w[0])[: opts.max_suggestions]:
        out.append(
            Feedback(
                "tip", f"No reflection at {clock(exchange.response[0].start)}; it could have "
                f"sounded like: {_quote(suggestion, 140)}",
                exchange.index, _because(metrics, ("language.reflections",), exchange.index),
                exchange.response_words, "suggested_reflection",
            )
        )

    out.sort(key=lambda f: f.exchange if f.exchange is not None else -1)
    out += _session_feedback(metrics)
    return tuple(out)


def _session_feedback(metrics: tuple[Metric, ...]) -> list[Feedback]:
    out: list[Feedback] = []
    questions = _metric(metrics, "language.questions", None)
    reflections = _metric(metrics, "language.reflections", None)
    rq = _metric(metrics, "language.reflection_to_question", None)
    n_q = questions.value if questions else 0.0
    n_r = reflections.value if reflections else 0.0
    fair, good = MITI_THRESHOLDS["language.reflection_to_question"]
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
        out.append(Feedback(
            "praise", text,
            None, (rq,), rq.evidence, "reflection_to_question_good"))
    open_ = _metric(metrics, "language.percent_open_questions", None)
    fair, good = MITI_THRESHOLDS["language.percent_open_questions"]
    if open_ is not None and n_q >= 3 and open_.value < fair:
        out.append(Feedback(
            "tip", f"{open_.value:.0f}% of your questions were open (aim for {fair:.0f}%, "
            f"{good:.0f}% is competent) — start with what or how", None, (open_,),
            open_.evidence, "open_questions_low"))
    complex_ = _metric(metrics, "language.percent_complex_reflections", None)
    fair, good = MITI_THRESHOLDS["language.percent_complex_reflections"]
    if complex_ is not None and n_r >= 3 and complex_.value >= good:
        out.append(Feedback(
            "praise", f"{complex_.value:.0f}% of your reflections were complex (MITI good: "
            f"{good:.0f}%)", None, (complex_,), complex_.evidence, "complex_reflections_good"))
    return out
