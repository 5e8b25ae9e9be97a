"""The JSON mapping as written by hand before issue 16 (reference for test_report_mapping).


- :data:`SCHEMA_VERSION`: bumped on any incompatible change; documented in ``docs/schema.md``.
- :func:`to_dict` / :func:`session_from_dict`: round-trip a session through plain data. Times
  are rounded to milliseconds; words are stored once and referenced by index elsewhere.
- :func:`write_json`: atomic write (temp file + rename), so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from listening_coach.report.atomic import atomic_write_text  # noqa: F401
from listening_coach.config import config_from_dict, config_to_dict
from listening_coach.errors import OutputError
from listening_coach.feedback import quote
from listening_coach.types import (
    Event,
    Exchange,
    Feedback,
    Label,
    Metric,
    Session,
    Transcript,
    Turn,
    VoiceFrames,
    Word,
)
from listening_coach.version import __version__

SCHEMA_VERSION = "1.2"
VOICE_HOP_S = 0.1  # the JSON keeps voice every 100 ms


def _t(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


def _word(w: Word) -> dict[str, Any]:
    return {
        "start": _t(w.start),
        "end": _t(w.end),
        "text": w.text,
        "speaker": w.speaker,
        "probability": round(w.probability, 3),
        "speaker_confidence": round(w.speaker_confidence, 3),
    }


def to_dict(session: Session) -> dict[str, Any]:
    """Return the session as JSON-ready data (schema ``SCHEMA_VERSION``)."""
    index = {w: i for i, w in enumerate(session.words)}
    turn_index = {t: i for i, t in enumerate(session.turns)}

    def refs(words: Iterable[Word]) -> list[int]:
        return [index[w] for w in words if w in index]

    def metric(m: Metric) -> dict[str, Any]:
        return {
            "name": m.name,
            "value": m.value,
            "unit": m.unit,
            "exchange": m.exchange,
            "evidence": refs(m.evidence),
        }

    tr = session.transcript
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"listening-coach {__version__}",
        "id": session.id,
        "source": session.source,
        "transcript": None
        if tr is None
        else {
            "model": tr.model,
            "options": dict(tr.options),
            "duration_s": _t(tr.duration),
            "channels": tr.channels,
            "sample_rate": tr.sample_rate,
            "speakers": list(tr.speakers),
            "notes": list(tr.notes),
        },
        "config": config_to_dict(session.config),
        "summary": {m.name: m.value for m in session.metrics if m.exchange is None},
        "words": [_word(w) for w in session.words],
        "turns": [
            {
                "speaker": t.speaker,
                "start": _t(t.start),
                "end": _t(t.end),
                "text": t.text,
                "backchannel": t.backchannel,
                "unclear": t.unclear,
                "unclear_s": _t(t.unclear_s),
                "words": refs(t.words),
            }
            for t in session.turns
        ],
        "exchanges": [
            {
                "index": ex.index,
                "start": _t(ex.start),
                "end": _t(ex.end),
                "response_latency": _t(ex.response_latency),
                "prompt": [turn_index[t] for t in ex.prompt],
                "response": [turn_index[t] for t in ex.response],
                "backchannels": [turn_index[t] for t in ex.backchannels],
            }
            for ex in session.exchanges
        ],
        "events": [
            {
                "kind": e.kind,
                "start": _t(e.start),
                "end": _t(e.end),
                "speaker": e.speaker,
                "other": e.other,
                "exchange": e.exchange,
                "evidence": refs(e.evidence),
            }
            for e in session.events
        ],
        "metrics": [metric(m) for m in session.metrics],
        "labels": [
            {
                "start": _t(lb.start),
                "end": _t(lb.end),
                "text": lb.text,
                "label": lb.label,
                "subtype": lb.subtype,
                "confidence": round(lb.confidence, 3),
                "flags": list(lb.flags),
                "exchange": lb.exchange,
                "source": lb.source,
                "scores": {k: round(v, 3) for k, v in lb.scores},
                "fidelity": None if lb.fidelity is None else round(lb.fidelity, 3),
            }
            for lb in session.labels
        ],
        "feedback": [
            {
                "level": f.level,
                "code": f.code,
                "message": f.message,
                "exchange": f.exchange,
                "at": _t(f.evidence[0].start) if f.evidence else None,
                "quote": quote(f.evidence, 12) if f.evidence else None,
                "because": [metric(m) for m in f.because],
                "evidence": refs(f.evidence),
                "more": f.more,
            }
            for f in session.feedback
        ],
        "voice": _voice_dict(session.voice),
    }


def _voice_dict(voice: VoiceFrames | None) -> dict[str, Any] | None:
    if voice is None:
        return None
    step = max(int(round(VOICE_HOP_S / voice.hop_s)), 1)

    def thin(a: np.ndarray) -> list[float | None]:
        n = a.shape[0] // step
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN blocks are silence
            blocks = a[: n * step].reshape(n, step)
            vals = np.nanmedian(blocks, axis=1) if n else np.zeros(0)
        return [None if not math.isfinite(v) else round(float(v), 1) for v in vals]

    return {
        "hop_s": voice.hop_s * step,
        "speakers": {
            s: {"loudness_db": thin(lo), "pitch_hz": thin(dict(voice.pitch_hz)[s])}
            for s, lo in voice.loudness_db
        },
    }


def session_from_dict(data: dict[str, Any]) -> Session:
    """Rebuild a :class:`Session` from :func:`to_dict` output (voice frames at 100 ms)."""
    version = str(data.get("schema_version", ""))
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise OutputError(f"Session JSON has schema {version!r}; this version reads {SCHEMA_VERSION}")
    words = tuple(
        Word(
            w["start"], w["end"], w["text"], w["speaker"], w["probability"], w.get("speaker_confidence", 1.0)
        )
        for w in data["words"]
    )

    def ws(ids: list[int]) -> tuple[Word, ...]:
        return tuple(words[i] for i in ids)

    def metric(m: dict[str, Any]) -> Metric:
        return Metric(m["name"], m["value"], m["unit"], m["exchange"], ws(m["evidence"]))

    turns = tuple(Turn(t["speaker"], ws(t["words"]), t["backchannel"]) for t in data["turns"])
    exchanges = tuple(
        Exchange(
            e["index"],
            tuple(turns[i] for i in e["prompt"]),
            tuple(turns[i] for i in e["response"]),
            tuple(turns[i] for i in e["backchannels"]),
        )
        for e in data["exchanges"]
    )
    tr = data.get("transcript")
    voice = data.get("voice")
    return Session(
        id=data["id"],
        source=data["source"],
        words=words,
        turns=turns,
        exchanges=exchanges,
        events=tuple(
            Event(e["kind"], e["start"], e["end"], e["speaker"], e["other"], e["exchange"], ws(e["evidence"]))
            for e in data["events"]
        ),
        metrics=tuple(metric(m) for m in data["metrics"]),
        feedback=tuple(
            Feedback(
                f["level"],
                f["message"],
                f["exchange"],
                tuple(metric(m) for m in f["because"]),
                ws(f["evidence"]),
                f["code"],
                bool(f.get("more", False)),
            )
            for f in data["feedback"]
        ),
        config=config_from_dict(data["config"]),
        transcript=None
        if tr is None
        else Transcript(
            tr["model"],
            tuple(sorted(tr["options"].items())),
            tr["duration_s"],
            tr["channels"],
            tr["sample_rate"],
            tuple(tr["speakers"]),
            tuple(tr["notes"]),
        ),
        labels=tuple(
            Label(
                lb["start"],
                lb["end"],
                lb["text"],
                lb["label"],
                lb["confidence"],
                lb["subtype"],
                tuple(lb["flags"]),
                lb["exchange"],
                lb["source"],
                tuple(lb["scores"].items()),
                lb["fidelity"],
            )
            for lb in data["labels"]
        ),
        voice=None
        if voice is None
        else VoiceFrames(
            voice["hop_s"],
            tuple(
                (s, np.array([np.nan if v is None else v for v in d["loudness_db"]], np.float32))
                for s, d in voice["speakers"].items()
            ),
            tuple(
                (s, np.array([np.nan if v is None else v for v in d["pitch_hz"]], np.float32))
                for s, d in voice["speakers"].items()
            ),
        ),
    )


def write_json(session: Session, path: str | Path) -> Path:
    """Write ``to_dict(session)`` atomically; returns the path.

    Raises:
      OutputError: the folder cannot be created or written.
    """
    return atomic_write_text(path, json.dumps(to_dict(session), indent=1, ensure_ascii=False))
