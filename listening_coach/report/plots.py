"""Matplotlib figures for the HTML reports, returned as inline SVG text.

- :func:`timeline_svg`: both speakers' turns over time, overlaps coloured by kind
  (interruption / backchannel / terminal overlap / other), exchanges marked; long recordings
  wrap onto several rows.
- :func:`pace_voice_svg`: pace per exchange (trainee and partner, target band), loudness and
  pitch over time: one level per turn (median) over the faint frame contour when the session
  carries frames, else per-exchange metrics.
- :func:`turn_levels`: the per-turn median loudness or pitch of one speaker.
- :func:`progress_svg`: one trainee's progress metrics across recordings.

The object API (``Figure``) is used, never ``pyplot``: no global state, safe in workers. SVG
text stays text (``svg.fonttype = none``) and ids are salted per figure so several SVGs can
share one page.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from listening_coach.metrics.names import MetricName
from listening_coach.types import PARTNER, TRAINEE, Session, Span

COLORS = {
    PARTNER: "#4c72b0",
    TRAINEE: "#55a868",
    "interruption": "#d62728",
    "backchannel": "#17becf",
    "terminal_overlap": "#ff9f1c",
    "overlap": "#9e9e9e",
}
OVERLAP_KINDS = ("interruption", "backchannel", "terminal_overlap", "overlap")
# the trainee's and the partner's per-turn level in the loudness and pitch panels
_LOUDNESS = (MetricName.VOICE_LOUDNESS_DB, MetricName.VOICE_PARTNER_LOUDNESS_DB)
_PITCH = (MetricName.VOICE_PITCH_MEDIAN_HZ, MetricName.VOICE_PARTNER_PITCH_MEDIAN_HZ)
ROW_S = 120.0  # a timeline row covers this much time when the recording is long


def _svg(fig: Any, salt: str) -> str:
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    # Responsive: drop fixed width/height, keep the viewBox.
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1', text, count=1)


def _figure(width_in: float, height_in: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=96)
    fig.set_layout_engine("constrained")
    return fig


def timeline_svg(session: Session, *, duration: float | None = None) -> str:
    """Return the timeline of both speakers as SVG text."""
    end = duration or max((w.end for w in session.words), default=1.0)
    end = max(end, 1.0)
    rows = max(1, math.ceil(end / ROW_S)) if end > 1.5 * ROW_S else 1
    span = end / rows if rows == 1 else ROW_S
    fig = _figure(10.0, 0.4 + 1.05 * rows)
    axes = fig.subplots(rows, 1, squeeze=False)[:, 0]
    lanes = {PARTNER: 1.0, TRAINEE: 0.0}
    for r, ax in enumerate(axes):
        lo, hi = r * span, min((r + 1) * span, end) if rows > 1 else end
        for speaker, y in lanes.items():
            bars = [(t.start, max(t.duration, 0.05)) for t in session.turns
                    if t.speaker == speaker and t.end >= lo and t.start <= hi]
            ax.broken_barh(bars, (y - 0.3, 0.6), facecolors=COLORS[speaker], alpha=0.85)
        for event in session.events:
            if event.kind in OVERLAP_KINDS and event.end >= lo and event.start <= hi:
                ax.axvspan(event.start, max(event.end, event.start + 0.05), ymin=0.05, ymax=0.95,
                           color=COLORS[event.kind], alpha=0.45, lw=0)
        for ex in session.exchanges:
            if lo <= ex.start <= hi:
                ax.axvline(ex.start, color="#444", lw=0.6, ls=":")
                ax.text(ex.start, 1.55, f"{ex.index}", fontsize=7, ha="center", va="center")
        ax.set_xlim(lo, lo + span if rows > 1 else hi)
        ax.set_ylim(-0.6, 1.75)
        ax.set_yticks([0.0, 1.0], ["trainee", "partner"], fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.spines[["top", "right", "left"]].set_visible(False)
    axes[-1].set_xlabel("time (s); numbers mark exchanges", fontsize=8)
    from matplotlib.patches import Patch

    handles = [Patch(color=COLORS[k], alpha=0.6, label=k.replace("_", " "))
               for k in OVERLAP_KINDS]
    fig.legend(handles=handles, loc="outside upper right", ncols=4, fontsize=7, frameon=False)
    return _svg(fig, "timeline")


def _reduce(curve: np.ndarray, hop_s: float, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    step = max(1, math.ceil(len(curve) / max_points))
    n = len(curve) // step * step
    if n == 0:
        return np.zeros(0), np.zeros(0)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            values = np.nanmedian(np.asarray(curve[:n], dtype=float).reshape(-1, step), axis=1)
    times = (np.arange(len(values)) * step + step / 2) * hop_s
    return times, values


def _speech_only(loudness_db: np.ndarray, margin_db: float = 10.0) -> np.ndarray:
    """Blank frames near the channel's noise floor (10th percentile), so silence is a gap."""
    curve = np.asarray(loudness_db, dtype=float).copy()
    finite = curve[np.isfinite(curve)]
    if finite.size:
        curve[curve < np.percentile(finite, 10) + margin_db] = np.nan
    return curve


def turn_levels(
    session: Session, speaker: str, panel: str
) -> list[tuple[Span, float]]:
    """``(span, median)`` per turn of ``speaker``: loudness (dB, speech frames only) or
    pitch (Hz, voiced frames), so a trainee reads one level per turn ("you got louder here")."""
    voice = session.voice
    if voice is None:
        return []
    curve = voice.loudness(speaker) if panel == "loudness" else voice.pitch(speaker)
    if curve is None:
        return []
    values = _speech_only(curve) if panel == "loudness" else np.asarray(curve, dtype=float)
    out = []
    for turn in (t for t in session.turns if t.speaker == speaker and not t.backchannel):
        a = int(turn.start / voice.hop_s)
        b = min(int(math.ceil(turn.end / voice.hop_s)), values.shape[0])
        frames = values[a:b]
        frames = frames[np.isfinite(frames)]
        if frames.size >= 5:
            out.append((turn.span, float(np.median(frames))))
    return out


def _per_exchange(session: Session, name: str) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for ex in session.exchanges:
        m = session.metric(name, ex.index)
        if m is not None and math.isfinite(m.value):
            xs.append((ex.start + ex.end) / 2)
            ys.append(m.value)
    return xs, ys


def pace_voice_svg(session: Session, *, duration: float | None = None,
                   max_points: int = 600) -> str:
    """Return pace, loudness and pitch over time as SVG text.

    Loudness and pitch are drawn as one level per turn (the median of its speech frames) over
    the faint frame-level contour, so a change from one turn to the next reads at a glance.
    """
    end = max(duration or max((w.end for w in session.words), default=1.0), 1.0)
    panels: list[str] = ["pace"]
    voice = session.voice
    has_frames = voice is not None and bool(voice.loudness_db)
    if has_frames or any(m.name == _LOUDNESS[0] for m in session.metrics):
        panels.append("loudness")
    if (voice is not None and bool(voice.pitch_hz)) or any(m.name == _PITCH[0] for m in session.metrics):
        panels.append("pitch")
    fig = _figure(10.0, 0.4 + 1.5 * len(panels))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    pace = session.config.pace
    for ax, panel in zip(axes, panels):
        if panel == "pace":
            ax.axhspan(pace.target_wpm_min, pace.target_wpm_max, color=COLORS[TRAINEE],
                       alpha=0.12, lw=0, label="target pace")
            ax.axhline(pace.fast_wpm, color=COLORS["interruption"], lw=0.6, ls="--",
                       label="fast")
            for speaker, name in ((TRAINEE, MetricName.PACE_WPM), (PARTNER, MetricName.PACE_PARTNER_WPM)):
                xs, ys = _per_exchange(session, name)
                if xs:
                    ax.plot(xs, ys, "o-", color=COLORS[speaker], ms=3, lw=1, label=speaker)
            ax.set_ylabel("words/min", fontsize=8)
        else:
            frames = (voice.loudness_db if panel == "loudness" else voice.pitch_hz) if voice else ()
            metric, partner_metric = _LOUDNESS if panel == "loudness" else _PITCH
            if frames and voice is not None:
                for speaker, curve in frames:
                    color = COLORS.get(speaker, "#666")
                    if panel == "loudness":
                        curve = _speech_only(curve)
                    t, v = _reduce(curve, voice.hop_s, max_points)
                    ax.plot(t, v, color=color, lw=0.5, alpha=0.25)  # the raw contour, faint
                    levels = turn_levels(session, speaker, panel)
                    for k, (span, level) in enumerate(levels):
                        ax.hlines(level, span.start, span.end, color=color, lw=2.5,
                                  label=f"{speaker} (median per turn)" if k == 0 else None)
            else:
                for speaker, name in ((TRAINEE, metric), (PARTNER, partner_metric)):
                    xs, ys = _per_exchange(session, name)
                    if xs:
                        ax.plot(xs, ys, "o-", color=COLORS[speaker], ms=3, lw=1, label=speaker)
            ax.set_ylabel("loudness (dB)" if panel == "loudness" else "pitch (Hz)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, frameon=False, loc="upper right", ncols=4)
    axes[-1].set_xlim(0, end)
    axes[-1].set_xlabel("time (s)", fontsize=8)
    return _svg(fig, "pacevoice")


def progress_svg(rows: Sequence[dict[str, Any]], metrics: Sequence[Any]) -> str:
    """Return small multiples of one trainee's metrics across recordings (x: recording no.)."""
    shown = [pm for pm in metrics if any(r.get(pm.key) is not None for r in rows)]
    if not shown:
        return ""
    cols = min(4, len(shown))
    nrows = math.ceil(len(shown) / cols)
    fig = _figure(10.0, 1.6 * nrows + 0.2)
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    for ax, pm in zip(axes, shown):
        pts = [(r["n"], r[pm.key]) for r in rows if r.get(pm.key) is not None]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color=COLORS[TRAINEE], ms=3)
        if pts:
            ax.axhline(pts[0][1], color="#888", lw=0.6, ls="--")
        ax.set_title(pm.title, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xticks([r["n"] for r in rows])
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[len(shown):]:
        ax.set_visible(False)
    salt = "progress-" + str(rows[0].get("trainee", "")) if rows else "progress"
    return _svg(fig, salt)
