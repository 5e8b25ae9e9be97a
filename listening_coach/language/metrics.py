"""Language metrics per exchange and per session, with MITI indicators.

- :func:`language_metrics`: labels -> ``language.*`` metrics. Per exchange (and, with
  ``exchange=None``, for the session): ``language.utterances``, ``language.reflections``,
  ``language.simple_reflections``, ``language.complex_reflections``, ``language.questions``,
  ``language.open_questions``, ``language.closed_questions``, ``language.validations``,
  ``language.escalations`` (utterances with an escalating flag) and one
  ``language.flag.<name>`` per flag; ``language.fidelity`` (best reflection of the exchange,
  mean for the session) where there is a reflection.
- Session MITI indicators: ``language.reflection_to_question`` (R / max(Q, 1)),
  ``language.percent_complex_reflections`` and ``language.percent_open_questions`` (only
  when there is something to divide).

Evidence is the words of the utterances counted.
"""

from __future__ import annotations

from collections.abc import Iterable

from listening_coach.config import LanguageOptions, build_options
from listening_coach.language.rules import ESCALATING_FLAGS, FLAGS, SKILL_FLAGS
from listening_coach.metrics.names import MetricName, flag_metric, measured
from listening_coach.types import Exchange, Label, Metric, Word

ALL_FLAGS: tuple[str, ...] = tuple(dict.fromkeys(FLAGS + SKILL_FLAGS))
# MITI 4.2.1 / 3.1.1 thresholds (PRODUCT.md): fair and good levels.
MITI_THRESHOLDS: dict[str, tuple[float, float]] = {
    MetricName.LANGUAGE_REFLECTION_TO_QUESTION: (1.0, 2.0),
    MetricName.LANGUAGE_PERCENT_COMPLEX_REFLECTIONS: (40.0, 50.0),
    MetricName.LANGUAGE_PERCENT_OPEN_QUESTIONS: (50.0, 70.0),
}


def words_of(exchanges: tuple[Exchange, ...], labels: Iterable[Label]) -> tuple[Word, ...]:
    """Return the trainee words inside the labels' time spans (their evidence)."""
    spans = [(lab.exchange, lab.start, lab.end) for lab in labels]
    out: list[Word] = []
    for exchange in exchanges:
        for word in exchange.response_words:
            if any(
                e == exchange.index
                and start - 1e-6 <= word.start
                and (word.start < end - 1e-6 or abs(word.start - start) <= 1e-6)
                for e, start, end in spans
            ):
                out.append(word)
    return tuple(out)


def _counts(labels: list[Label]) -> dict[str, list[Label]]:
    """The labels each ``language.*`` count counts, by metric name."""
    groups: dict[str, list[Label]] = {
        MetricName.LANGUAGE_UTTERANCES: [lab for lab in labels if lab.label != "unknown"],
        MetricName.LANGUAGE_REFLECTIONS: [lab for lab in labels if lab.label == "reflection"],
        MetricName.LANGUAGE_SIMPLE_REFLECTIONS: [
            lab for lab in labels if lab.label == "reflection" and lab.subtype == "simple"
        ],
        MetricName.LANGUAGE_COMPLEX_REFLECTIONS: [
            lab for lab in labels if lab.label == "reflection" and lab.subtype == "complex"
        ],
        MetricName.LANGUAGE_QUESTIONS: [lab for lab in labels if lab.label == "question"],
        MetricName.LANGUAGE_OPEN_QUESTIONS: [
            lab for lab in labels if lab.label == "question" and lab.subtype == "open"
        ],
        MetricName.LANGUAGE_CLOSED_QUESTIONS: [
            lab for lab in labels if lab.label == "question" and lab.subtype == "closed"
        ],
        MetricName.LANGUAGE_VALIDATIONS: [
            lab for lab in labels
            if lab.label in ("validation", "affirmation") or "validation" in lab.flags
        ],
        MetricName.LANGUAGE_ESCALATIONS: [lab for lab in labels if ESCALATING_FLAGS & set(lab.flags)],
    }
    for flag in ALL_FLAGS:
        groups[flag_metric(flag)] = [lab for lab in labels if flag in lab.flags]
    return groups


def _metrics_for(
    exchanges: tuple[Exchange, ...], labels: list[Label], exchange: int | None
) -> list[Metric]:
    out = []
    for name, group in _counts(labels).items():
        out.append(measured(name, float(len(group)), exchange, words_of(exchanges, group)))
    reflections = [lab for lab in labels if lab.label == "reflection" and lab.fidelity is not None]
    if reflections:
        values = [lab.fidelity for lab in reflections if lab.fidelity is not None]
        value = max(values) if exchange is not None else sum(values) / len(values)
        out.append(
            MetricName.LANGUAGE_FIDELITY.at(round(value, 3), exchange, words_of(exchanges, reflections))
        )
    return out


def language_metrics(
    exchanges: tuple[Exchange, ...],
    labels: tuple[Label, ...],
    options: LanguageOptions | dict[str, object] | None = None,
) -> tuple[Metric, ...]:
    """Count labels per exchange and for the session, plus the MITI indicators.

    Args:
      exchanges: The session's exchanges (for evidence words).
      labels: From :func:`label_exchanges`.
      options: Language options (unused today; kept for a stable signature).

    Returns:
      Per-exchange metrics for every exchange with a trainee response, then session metrics.
    """
    build_options(LanguageOptions, options, "language")
    out: list[Metric] = []
    for exchange in exchanges:
        if not exchange.response:
            continue
        mine = [lab for lab in labels if lab.exchange == exchange.index]
        out.extend(_metrics_for(exchanges, mine, exchange.index))
    everything = list(labels)
    out.extend(_metrics_for(exchanges, everything, None))
    groups = _counts(everything)
    reflections = groups[MetricName.LANGUAGE_REFLECTIONS]
    questions = groups[MetricName.LANGUAGE_QUESTIONS]
    if reflections or questions:
        out.append(
            MetricName.LANGUAGE_REFLECTION_TO_QUESTION.at(
                round(len(reflections) / max(len(questions), 1), 3),
                None, words_of(exchanges, reflections + questions),
            )
        )
    if reflections:
        complex_ = groups[MetricName.LANGUAGE_COMPLEX_REFLECTIONS]
        out.append(
            MetricName.LANGUAGE_PERCENT_COMPLEX_REFLECTIONS.at(
                round(100.0 * len(complex_) / len(reflections), 1), None, words_of(exchanges, complex_)
            )
        )
    if questions:
        open_ = groups[MetricName.LANGUAGE_OPEN_QUESTIONS]
        out.append(
            MetricName.LANGUAGE_PERCENT_OPEN_QUESTIONS.at(
                round(100.0 * len(open_) / len(questions), 1), None, words_of(exchanges, open_)
            )
        )
    return tuple(out)


def miti_level(name: str, value: float) -> str | None:
    """Return "below fair", "fair" or "good" for a MITI indicator, None for other metrics.

    Examples:
      >>> miti_level("language.reflection_to_question", 1.5)
      'fair'
    """
    if name not in MITI_THRESHOLDS:
        return None
    fair, good = MITI_THRESHOLDS[name]
    return "good" if value >= good else "fair" if value >= fair else "below fair"
