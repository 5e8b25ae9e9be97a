"""Serialize a :class:`Session` at the edge: JSON with a versioned schema.

- :data:`SCHEMA_VERSION`: bumped on any incompatible change; documented in ``docs/schema.md``.
- :func:`to_dict` / :func:`session_from_dict`: round-trip a session through plain data. Times
  are rounded to milliseconds; words are stored once and referenced by index elsewhere.
- :func:`write_json`: atomic write (temp file + rename), so a crash never leaves half a file.

The mapping is generated from the fields of the frozen records in :mod:`listening_coach.types`:
each field becomes the key of its name, converted by its annotation (see :func:`_write`), so a
new field needs no change here. :data:`SHAPES` lists only where the schema deliberately differs
(key order, keys computed for readers, a renamed key, a field with its own conversion).
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from listening_coach.config import config_from_dict, config_to_dict
from listening_coach.errors import OutputError
from listening_coach.feedback import quote
from listening_coach.report.atomic import atomic_write_text
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


@dataclass
class _Pool:
    """The session's words and turns: stored once, referred to by index everywhere else."""

    words: tuple[Word, ...] = ()
    turns: tuple[Turn, ...] = ()
    word_index: dict[Word, int] = field(default_factory=dict)
    turn_index: dict[Turn, int] = field(default_factory=dict)

    def keep_words(self, words: tuple[Word, ...]) -> tuple[Word, ...]:
        self.words, self.word_index = words, {w: i for i, w in enumerate(words)}
        return words

    def keep_turns(self, turns: tuple[Turn, ...]) -> tuple[Turn, ...]:
        self.turns, self.turn_index = turns, {t: i for i, t in enumerate(turns)}
        return turns


Hook = Callable[[Any, _Pool], Any]


@dataclass(frozen=True, slots=True)
class Shape:
    """Where a record's JSON object differs from its fields; every other field maps by rule.

    Args:
      first: JSON keys written first, in this order; the other fields follow in declaration
        order (so a new field lands at the end with no change here).
      extra: keys computed for readers and skipped when read: a property of the record (None:
        converted by its return annotation) or a hook of the record.
      keys: field name -> JSON key, where they differ.
      write / read: per-field hooks where the annotation rule does not fit.
    """

    first: tuple[str, ...] = ()
    extra: Mapping[str, Hook | None] = field(default_factory=dict)
    keys: Mapping[str, str] = field(default_factory=dict)
    write: Mapping[str, Hook] = field(default_factory=dict)
    read: Mapping[str, Hook] = field(default_factory=dict)


def _t(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


def _objects(records: tuple[Any, ...], pool: _Pool) -> list[dict[str, Any]]:
    return [_obj(r, pool) for r in records]


SHAPES: dict[type, Shape] = {
    Word: Shape(),
    Turn: Shape(
        first=("speaker", "start", "end", "text", "backchannel", "unclear", "unclear_s"),
        extra={"start": None, "end": None, "text": None, "unclear": None, "unclear_s": None},
    ),
    Exchange: Shape(
        first=("index", "start", "end", "response_latency"),
        extra={"start": None, "end": None, "response_latency": None},
    ),
    Event: Shape(),
    Metric: Shape(write={"value": lambda v, _: v}),  # measured values keep full precision
    Label: Shape(first=("start", "end", "text", "label", "subtype")),
    Feedback: Shape(
        first=("level", "code", "message", "exchange", "at", "quote"),
        extra={
            "at": lambda f, _: _t(f.evidence[0].start) if f.evidence else None,
            "quote": lambda f, _: quote(f.evidence, 12) if f.evidence else None,
        },
    ),
    Transcript: Shape(
        keys={"duration": "duration_s"}, read={"options": lambda v, _: tuple(sorted(v.items()))}
    ),
    Session: Shape(
        first=("id", "source", "transcript", "config", "summary", "words", "turns", "exchanges",
               "events", "metrics", "labels"),
        extra={"summary": lambda s, _: {m.name: m.value for m in s.metrics if m.exchange is None}},
        write={
            "words": _objects,
            "turns": _objects,
            "config": lambda c, _: config_to_dict(c),
            "voice": lambda v, _: _voice_dict(v),
        },
        read={
            "words": lambda v, pool: pool.keep_words(tuple(_record(Word, w, pool) for w in v)),
            "turns": lambda v, pool: pool.keep_turns(tuple(_record(Turn, t, pool) for t in v)),
            "config": lambda v, _: config_from_dict(v),
            "voice": lambda v, _: _voice_from_dict(v),
        },
    ),
}
_RECORDS = {cls.__name__: cls for cls in SHAPES}
_ITEMS = re.compile(r"tuple\[(.+), \.\.\.\]")  # tuple[X, ...] -> a list of X
_PAIRS = re.compile(r"tuple\[tuple\[(?:str|Speaker), (.+)\], \.\.\.\]")  # -> {str: X}


def _write(annotation: str, value: Any, pool: _Pool) -> Any:
    """Convert a field's value to JSON data by its annotation (types.py postpones them: strings)."""
    base = annotation.removesuffix(" | None")
    if value is None:
        return None
    if base == "Seconds":
        return round(float(value), 3)  # times to the millisecond
    if base == "float":
        return round(value, 3)
    if base == "tuple[Word, ...]":
        return [pool.word_index[w] for w in value if w in pool.word_index]
    if base == "tuple[Turn, ...]":
        return [pool.turn_index[t] for t in value]
    if pair := _PAIRS.fullmatch(base):
        return {k: _write(pair[1], v, pool) for k, v in value}
    if item := _ITEMS.fullmatch(base):
        return [_write(item[1], v, pool) for v in value]
    if base in _RECORDS:
        return _obj(value, pool)
    return value


def _read(annotation: str, value: Any, pool: _Pool) -> Any:
    """The inverse of :func:`_write` (times and rounded floats are read as they are)."""
    base = annotation.removesuffix(" | None")
    if value is None:
        return None
    if base == "tuple[Word, ...]":
        return tuple(pool.words[i] for i in value)
    if base == "tuple[Turn, ...]":
        return tuple(pool.turns[i] for i in value)
    if pair := _PAIRS.fullmatch(base):
        return tuple((k, _read(pair[1], v, pool)) for k, v in value.items())
    if item := _ITEMS.fullmatch(base):
        return tuple(_read(item[1], v, pool) for v in value)
    if base in _RECORDS:
        return _record(_RECORDS[base], value, pool)
    return value


def _obj(record: Any, pool: _Pool) -> dict[str, Any]:
    """One record as a JSON object, shaped by :data:`SHAPES`."""
    cls = type(record)
    shape = SHAPES[cls]
    out: dict[str, Any] = {}
    for f in fields(cls):
        hook, value = shape.write.get(f.name), getattr(record, f.name)
        out[shape.keys.get(f.name, f.name)] = hook(value, pool) if hook else _write(str(f.type), value, pool)
    for key, computed in shape.extra.items():
        if computed is None:
            returns = getattr(cls, key).fget.__annotations__["return"]
            out[key] = _write(str(returns), getattr(record, key), pool)
        else:
            out[key] = computed(record, pool)
    return {key: out[key] for key in shape.first} | out


def _record(cls: type, data: dict[str, Any], pool: _Pool) -> Any:
    """Rebuild one record from its JSON object; a missing key takes the field's default."""
    shape = SHAPES[cls]
    values: dict[str, Any] = {}
    for f in fields(cls):
        key = shape.keys.get(f.name, f.name)
        if key not in data:
            if f.default is MISSING and f.default_factory is MISSING:
                raise OutputError(
                    f"Session JSON: a {cls.__name__} lacks {key!r}; is it a listening-coach session file?"
                )
            continue
        hook = shape.read.get(f.name)
        values[f.name] = hook(data[key], pool) if hook else _read(str(f.type), data[key], pool)
    return cls(**values)


def to_dict(session: Session) -> dict[str, Any]:
    """Return the session as JSON-ready data (schema ``SCHEMA_VERSION``)."""
    pool = _Pool()
    pool.keep_words(session.words)
    pool.keep_turns(session.turns)
    head = {"schema_version": SCHEMA_VERSION, "generator": f"listening-coach {__version__}"}
    return head | _obj(session, pool)


def session_from_dict(data: dict[str, Any]) -> Session:
    """Rebuild a :class:`Session` from :func:`to_dict` output (voice frames at 100 ms)."""
    version = str(data.get("schema_version", ""))
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise OutputError(f"Session JSON has schema {version!r}; this version reads {SCHEMA_VERSION}")
    session: Session = _record(Session, data, _Pool())
    return session


def _voice_dict(voice: VoiceFrames | None) -> dict[str, Any] | None:
    """Voice frames decimated to :data:`VOICE_HOP_S` (block medians); NaN (silent) as null."""
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


def _voice_from_dict(voice: dict[str, Any] | None) -> VoiceFrames | None:
    if voice is None:
        return None

    def frames(key: str) -> tuple[tuple[str, np.ndarray], ...]:
        return tuple(
            (s, np.array([np.nan if v is None else v for v in d[key]], np.float32))
            for s, d in voice["speakers"].items()
        )

    return VoiceFrames(voice["hop_s"], frames("loudness_db"), frames("pitch_hz"))


def write_json(session: Session, path: str | Path) -> Path:
    """Write ``to_dict(session)`` atomically; returns the path.

    Raises:
      OutputError: the folder cannot be created or written.
    """
    return atomic_write_text(path, json.dumps(to_dict(session), indent=1, ensure_ascii=False))
