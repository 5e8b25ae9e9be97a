"""The readable per-exchange summary the CLI prints (:func:`render_text`)."""

from __future__ import annotations

from listening_coach.feedback import clock, counted, latency_phrase
from listening_coach.metrics.names import MetricIndex, MetricName
from listening_coach.types import Feedback, Session

_MARK = {"praise": "+", "tip": "~", "concern": "!"}


def render_text(session: Session) -> str:
    """Return a readable per-exchange summary (plain text, one screen per few exchanges)."""
    get = MetricIndex(session.metrics)
    last_word = max((w.end for w in session.words), default=0.0)
    duration = session.transcript.duration if session.transcript else last_word
    lines = [f"{session.id}: {counted(len(session.exchanges), 'exchange')}, {duration:.0f} s"]
    if session.transcript and session.transcript.notes:
        lines += [f"  note: {n}" for n in session.transcript.notes]
    for ex in session.exchanges:
        facts = []
        if (m := get.get(MetricName.TIMING_RESPONSE_LATENCY, ex.index)) is not None:
            facts.append(latency_phrase(m.value))
        if (m := get.get(MetricName.PACE_WPM, ex.index)) is not None:
            facts.append(f"{m.value:.0f} wpm")
        lines.append(f"\nExchange {ex.index}  {clock(ex.start)}-{clock(ex.end)}  " + "  ".join(facts))
        for turn in ex.prompt:
            lines.append(f"  partner {clock(turn.start)}: {_cut(turn.text)}")
        for turn in ex.response:
            lines.append(f"  trainee {clock(turn.start)}: {_cut(turn.text)}")
        lines += _items([f for f in session.feedback if f.exchange == ex.index])
    lines.append("\nSession")
    lines += _items([f for f in session.feedback if f.exchange is None])
    return "\n".join(lines)


def _items(items: list[Feedback]) -> list[str]:
    """Shown items with their mark; the "more" list after them, indented and marked."""
    lines = [f"   {_MARK[f.level]} {f.message}" for f in items if not f.more]
    more = [f for f in items if f.more]
    if more:
        lines.append(f"     more ({len(more)}):")
        lines += [f"     {_MARK[f.level]} {f.message}" for f in more]
    return lines


def _cut(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
