"""Self-contained, offline HTML reports: one file per recording, and a batch index page.

- :func:`render_report`: a session as one HTML file: a timeline of both speakers with overlaps
  coloured by kind, pace and voice over time, MITI indicators against their thresholds, one
  card per exchange (words, labels with confidence, feedback with evidence, metrics), the
  recording embedded (Opus, as a ``data:`` URI) with a play button per exchange, and menus
  that build the coach's ``NAME.corrections.toml`` for download.
- :func:`write_report`: the same, written to a file atomically.
- :func:`render_index`: the batch page: recordings, failures, and progress per trainee.

Plots are matplotlib figures inlined as SVG (text kept as text, so files stay small and
searchable); no CDN, no external file. Every transcript string goes through Jinja2's
autoescape: markup in a transcript is shown, never run.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from listening_coach.metrics.names import MetricName
from listening_coach.report.atomic import atomic_write_text
from listening_coach.audio import SAMPLE_RATE, iter_blocks, probe
from listening_coach.report.summary import PROGRESS_METRICS, format_progress, summarize_session
from listening_coach.types import EVENT_KINDS
from listening_coach.errors import AudioError
from listening_coach.feedback import clock, latency_phrase, percent
from listening_coach.types import RecordingInfo
from listening_coach.report.plots import pace_voice_svg, progress_svg, timeline_svg
from listening_coach.types import PARTNER, TRAINEE, Session

logger = logging.getLogger(__name__)

# What a coach can pick in the report's correction menus ("label/subtype").
LABEL_OPTIONS = ("reflection/simple", "reflection/complex", "question/open", "question/closed",
                 "information", "advice", "affirmation", "validation", "other")
# MITI 4.2.1 / 3.1.1 thresholds (PRODUCT.md): (fair, good)
MITI_THRESHOLDS = {
    "reflection_question_ratio": (1.0, 2.0),
    "complex_reflection_share": (0.4, 0.5),
    "open_question_share": (0.5, 0.7),
}


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("listening_coach.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = clock
    env.filters["clock_tenths"] = functools.partial(clock, tenths=True)
    env.filters["num"] = _num
    env.filters["latency"] = latency_phrase
    env.filters["progress"] = _progress
    env.filters["fidelity"] = fidelity_phrase
    return env


def _progress(value: Any, unit: str) -> str:
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.strip():
        try:
            number = float(value)
        except ValueError:
            return value
    return format_progress(number, unit)


FIDELITY_HELP = ("Fidelity: how much of the partner's words and feelings the reflection carries "
                 "back (their content words, feelings counted double).")


def fidelity_phrase(value: float | None) -> str:
    """A reflection's fidelity as a trainee reads it; empty when it cannot be measured.

    Examples:
      >>> fidelity_phrase(0.62), fidelity_phrase(0.0), fidelity_phrase(None)
      ('carries back 62% of their words and feelings', 'in its own words (none of theirs carried back)', '')
    """
    if value is None or not math.isfinite(value):
        return ""
    if value <= 0:
        return "in its own words (none of theirs carried back)"
    return f"carries back {100 * value:.0f}% of their words and feelings"


def _num(value: Any, digits: int = 2) -> str:
    if isinstance(value, str) and value.strip():
        try:
            value = float(value)
        except ValueError:
            return str(value)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return "–"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"


def miti_indicators(session: Session) -> list[dict[str, Any]]:
    """Return the MITI summary indicators with their thresholds and a rating.

    Values are the session's ``language.*`` metrics when present (else computed from the
    labels); counts come from the labels (coach corrections included when applied).
    """
    labels = [lb for lb in session.labels if lb.source != "ignored"]
    reflections = [lb for lb in labels if lb.label == "reflection"]
    questions = [lb for lb in labels if lb.label == "question"]
    complex_n = sum(1 for lb in reflections if lb.subtype == "complex")
    open_n = sum(1 for lb in questions if lb.subtype == "open")
    values = {
        "reflection_question_ratio": (len(reflections) / len(questions) if questions else None,
                                      f"{len(reflections)} reflections : {len(questions)} questions"),
        "complex_reflection_share": (complex_n / len(reflections) if reflections else None,
                                     f"{complex_n} of {len(reflections)} reflections"),
        "open_question_share": (open_n / len(questions) if questions else None,
                                f"{open_n} of {len(questions)} questions"),
    }
    titles = {"reflection_question_ratio": "Reflection-to-question ratio",
              "complex_reflection_share": "Complex reflections",
              "open_question_share": "Open questions"}
    # The pipeline's own session metrics win, so the table and the feedback never disagree.
    for key, name in (("reflection_question_ratio", MetricName.LANGUAGE_REFLECTION_TO_QUESTION),
                      ("complex_reflection_share", MetricName.LANGUAGE_PERCENT_COMPLEX_REFLECTIONS),
                      ("open_question_share", MetricName.LANGUAGE_PERCENT_OPEN_QUESTIONS)):
        m = session.metric(name)
        if m is not None and math.isfinite(m.value):
            values[key] = (m.value / 100.0 if m.unit == "%" else m.value, values[key][1])
    # undefined without a denominator: "— (no questions)", never "3:1" for 3 reflections
    missing = {"reflection_question_ratio": "no questions" if not questions else None,
               "complex_reflection_share": "no reflections" if not reflections else None,
               "open_question_share": "no questions" if not questions else None}
    for key, why in missing.items():
        if why is not None:
            values[key] = (None, values[key][1])
    out = []
    for key, (value, counts) in values.items():
        fair, good = MITI_THRESHOLDS[key]
        if value is None:
            rating = "n/a"
        else:
            rating = "good" if value >= good else "fair" if value >= fair else "below"
        share = key.endswith("share")
        shown = f"— ({missing[key] or 'not measured'})" if value is None else (
            percent(value) if share else f"{_num(value)}:1")
        out.append({"key": key, "title": titles[key], "value": value, "counts": counts,
                    "fair": fair, "good": good, "rating": rating, "share": share,
                    "shown": shown})
    if not reflections and not questions and not session.labels:
        for item in out:
            item["counts"] = "no language labels in this session"
    return out


def encode_audio(path: str | Path, *, bitrate_kbps: int = 24, max_s: float = 3600.0) -> str | None:
    """Return the recording as a mono Ogg/Opus ``data:`` URI, or None if it cannot be embedded.

    Streams through :func:`listening_coach.audio.iter_blocks`, so long files are never held whole.
    """
    import av

    try:
        info = probe(path)
        if info.duration_s > max_s:
            logger.info("%s is %.0f s long; not embedded (max_audio_s=%.0f)", path,
                        info.duration_s, max_s)
            return None
        buffer = io.BytesIO()
        with av.open(buffer, "w", format="ogg") as out:
            stream = out.add_stream("libopus", rate=SAMPLE_RATE)
            stream.bit_rate = bitrate_kbps * 1000
            stream.layout = "mono"
            for _, block in iter_blocks(path, block_s=60.0):
                mono = np.ascontiguousarray(block.mean(axis=0, dtype=np.float32)[None, :])
                frame = av.AudioFrame.from_ndarray(mono, format="flt", layout="mono")
                frame.sample_rate = SAMPLE_RATE
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
    except (AudioError, av.error.FFmpegError, OSError) as e:
        logger.warning("Audio of %s not embedded in the report: %s", path, e)
        return None
    return "data:audio/ogg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def summary_tiles(session: Session) -> list[dict[str, str]]:
    """Return the headline numbers of a session (from the cohort summary) as display tiles,
    formatted exactly as the batch index shows them."""
    values = summarize_session(session)
    return [{"key": pm.key, "title": pm.title, "value": format_progress(values.get(pm.key), pm.unit)}
            for pm in PROGRESS_METRICS]


def _exchange_view(session: Session, index: int) -> dict[str, Any]:
    ex = next(e for e in session.exchanges if e.index == index)
    return {
        "index": ex.index, "start": ex.start, "end": ex.end,
        "latency": ex.response_latency,
        "prompt": [t.text for t in ex.prompt],
        "response": [t.text for t in ex.response],
        "backchannels": [t.text for t in ex.backchannels],
        "labels": [lb for lb in session.labels if lb.exchange == ex.index],
        "events": [e for e in session.events if e.exchange == ex.index],
        "feedback": [f for f in session.feedback if f.exchange == ex.index and not f.more],
        "more": [f for f in session.feedback if f.exchange == ex.index and f.more],
        "metrics": [m for m in session.metrics if m.exchange == ex.index],
    }


def render_report(
    session: Session,
    *,
    audio: str | Path | None = None,
    info: RecordingInfo | None = None,
    title: str | None = None,
    corrections_note: str | None = None,
) -> str:
    """Return one self-contained HTML page for ``session``.

    Args:
      session: The analysis (with coach corrections applied, if any).
      audio: The recording to embed; None tries ``session.source``. Embedding follows
        ``session.config.report`` (``embed_audio``, ``audio_bitrate_kbps``, ``max_audio_s``).
      info: Trainee, date and scenario, shown in the header.
      title: Page title; default the session id.
      corrections_note: A line saying which coach corrections were applied.
    """
    options = session.config.report
    audio_uri = None
    if options.embed_audio:
        candidate = Path(audio) if audio is not None else Path(session.source)
        if candidate.is_file():
            audio_uri = encode_audio(candidate, bitrate_kbps=options.audio_bitrate_kbps,
                                     max_s=options.max_audio_s)
    duration = session.transcript.duration if session.transcript else (
        max((w.end for w in session.words), default=0.0))
    template = _environment().get_template("report.html.j2")
    return str(template.render(
        title=title or session.id,
        session=session,
        info=info or RecordingInfo(),
        duration=duration,
        audio_uri=audio_uri,
        timeline_svg=timeline_svg(session, duration=duration),
        pace_voice_svg=pace_voice_svg(session, duration=duration,
                                      max_points=options.voice_points),
        miti=miti_indicators(session),
        tiles=summary_tiles(session),
        session_metrics=[m for m in session.metrics if m.exchange is None],
        session_feedback=[f for f in session.feedback if f.exchange is None and not f.more],
        session_more=[f for f in session.feedback if f.exchange is None and f.more],
        fidelity_help=FIDELITY_HELP,
        exchanges=[_exchange_view(session, e.index) for e in session.exchanges],
        corrections_note=corrections_note,
        TRAINEE=TRAINEE, PARTNER=PARTNER,
        label_options=LABEL_OPTIONS,
        event_options=EVENT_KINDS + ("none",),
    ))


def write_report(session: Session, path: str | Path, **kwargs: Any) -> Path:
    """Render :func:`render_report` into ``path`` atomically; returns the path."""
    path = Path(path)
    atomic_write_text(path, render_report(session, **kwargs))
    return path


def render_index(recordings: Sequence[dict[str, Any]], cohort: Sequence[dict[str, Any]]) -> str:
    """Return the batch index page: recordings (linked), failures, and progress per trainee."""
    trainees: dict[str, list[dict[str, Any]]] = {}
    for row in cohort:
        trainees.setdefault(row["trainee"], []).append(row)
    charts = {name: progress_svg(rows, PROGRESS_METRICS) for name, rows in trainees.items()
              if len(rows) > 1}
    template = _environment().get_template("index.html.j2")
    return str(template.render(
        recordings=[r for r in recordings if r.get("status") != "failed"],
        failures=[r for r in recordings if r.get("status") == "failed"],
        trainees=trainees, charts=charts, metrics=PROGRESS_METRICS,
    ))
