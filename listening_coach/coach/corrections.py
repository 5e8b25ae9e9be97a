"""Coach corrections: overrule a label or an event, re-score, and measure agreement.

A corrections file sits next to a session's JSON: ``NAME.corrections.toml`` (or ``.json``)::

    coach = "Dana"
    reviewed = [1, 2, 3, 5]    # exchanges checked; what is not corrected there is agreed
                               # (reviewed = "all" for every exchange)
    [[label]]
    exchange = 4               # "exchange 4 is a complex reflection"
    label = "reflection"
    subtype = "complex"
    utterance = 1              # only when the exchange has several labelled utterances
    note = "adds the feeling under the complaint"

    [[event]]
    at = 12.3                  # seconds: the event that spans this time
    was = "interruption"       # optional: the kind the model gave (picks among several)
    kind = "backchannel"       # "that overlap was a backchannel"; "none" deletes it

- :func:`load_corrections` / :func:`find_corrections`: read and locate such a file.
- :func:`apply_corrections`: a new session with the coach's labels (``source="coach"``,
  confidence 1) and events, and metrics and feedback recomputed from them.
- :func:`rescore`: metrics and feedback again from given labels and events.

Agreement over many corrections files lives in :mod:`listening_coach.coach.agreement`.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from listening_coach.errors import ConfigError
from listening_coach.feedback import counted
from listening_coach.metrics.names import FROM_AUDIO
from listening_coach.pipeline import Overrides, score
from listening_coach.types import EVENT_KINDS, Event, Label, Session

SUBTYPES = {"reflection": ("simple", "complex"), "question": ("open", "closed")}
SUFFIXES = (".corrections.toml", ".corrections.json")
AT_TOLERANCE_S = 1.0  # an event "at" a time may start or end this far away


@dataclass(frozen=True, slots=True)
class LabelCorrection:
    """The coach's label for one trainee utterance of an exchange."""

    exchange: int
    label: str
    subtype: str | None = None
    utterance: int | None = None  # 1-based among the exchange's labels
    note: str = ""


@dataclass(frozen=True, slots=True)
class EventCorrection:
    """The coach's kind for the event around ``at`` ("none": there was no such event)."""

    at: float
    kind: str
    was: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Corrections:
    """Everything one coach said about one session."""

    labels: tuple[LabelCorrection, ...] = ()
    events: tuple[EventCorrection, ...] = ()
    reviewed: tuple[int, ...] | Literal["all"] = ()
    coach: str = ""
    path: Path | None = None

    def reviewed_exchanges(self, session: Session) -> set[int]:
        """Exchanges the coach looked at: listed as reviewed, or corrected."""
        if self.reviewed == "all":
            indices = {e.index for e in session.exchanges}
        else:
            indices = set(self.reviewed)
        indices |= {c.exchange for c in self.labels}
        indices |= {e.exchange for e in _matched_events(session, self) if e.exchange is not None}
        return indices


def _where(path: Path | None, kind: str, n: int) -> str:
    return f"{path.name if path else 'corrections'} [[{kind}]] #{n}"


def _label_correction(raw: dict[str, Any], where: str) -> LabelCorrection:
    unknown = set(raw) - {"exchange", "label", "subtype", "utterance", "note"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; valid keys: exchange, "
                          "label, subtype, utterance, note")
    if not isinstance(raw.get("exchange"), int) or not isinstance(raw.get("label"), str):
        raise ConfigError(f"{where}: needs exchange = NUMBER and label = \"reflection\" (etc.)")
    label = raw["label"].strip().lower()
    subtype = raw.get("subtype")
    subtype = subtype.strip().lower() if isinstance(subtype, str) and subtype.strip() else None
    if subtype and subtype not in SUBTYPES.get(label, ()):
        allowed = " or ".join(SUBTYPES.get(label, ())) or "nothing"
        raise ConfigError(f"{where}: subtype {subtype!r} does not fit label {label!r}; "
                          f"use {allowed}")
    utterance = raw.get("utterance")
    if utterance is not None and (not isinstance(utterance, int) or utterance < 1):
        raise ConfigError(f"{where}: utterance must be 1, 2, ... (the n-th labelled utterance)")
    return LabelCorrection(raw["exchange"], label, subtype, utterance, str(raw.get("note", "")))


def _event_correction(raw: dict[str, Any], where: str) -> EventCorrection:
    unknown = set(raw) - {"at", "kind", "was", "note"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; valid keys: at, kind, "
                          "was, note")
    at, kind, was = raw.get("at"), raw.get("kind"), raw.get("was")
    if not isinstance(at, (int, float)) or isinstance(at, bool) or not isinstance(kind, str):
        raise ConfigError(f"{where}: needs at = SECONDS and kind = \"backchannel\" (etc.)")
    for value, name in ((kind, "kind"), (was, "was")):
        if value is not None and value not in EVENT_KINDS + ("none",):
            raise ConfigError(f"{where}: {name} {value!r} is not an event kind; use one of "
                              f"{', '.join(EVENT_KINDS)} or none")
    return EventCorrection(float(at), kind, was, str(raw.get("note", "")))


def corrections_from_dict(data: dict[str, Any], path: Path | None = None) -> Corrections:
    """Build :class:`Corrections` from parsed TOML/JSON; see the module docstring."""
    unknown = set(data) - {"label", "event", "reviewed", "coach"}
    if unknown:
        raise ConfigError(f"{path or 'corrections'}: unknown key(s) {sorted(unknown)}; valid: "
                          "coach, reviewed, [[label]], [[event]]")
    reviewed = data.get("reviewed", ())
    if reviewed != "all":
        if not isinstance(reviewed, (list, tuple)) or not all(isinstance(i, int) for i in reviewed):
            raise ConfigError(f"{path or 'corrections'}: reviewed must be a list of exchange "
                              "numbers or \"all\"")
        reviewed = tuple(reviewed)
    labels = tuple(_label_correction(dict(r), _where(path, "label", i + 1))
                   for i, r in enumerate(data.get("label", ())))
    events = tuple(_event_correction(dict(r), _where(path, "event", i + 1))
                   for i, r in enumerate(data.get("event", ())))
    return Corrections(labels, events, reviewed, str(data.get("coach", "")), path)


def load_corrections(path: str | Path) -> Corrections:
    """Read a ``.toml`` or ``.json`` corrections file.

    Raises:
      ConfigError: the file is unreadable, not TOML/JSON, or a correction is malformed.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"Corrections file {path} does not exist") from None
    except (OSError, ValueError) as e:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        raise ConfigError(f"Corrections file {path} cannot be read: {e}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"Corrections file {path} must hold a table of corrections")
    return corrections_from_dict(data, path)


def find_corrections(json_path: str | Path) -> Corrections | None:
    """Return the corrections kept next to ``NAME.json``, or None."""
    json_path = Path(json_path)
    stem = json_path.name[: -len(".json")] if json_path.name.endswith(".json") else json_path.stem
    for suffix in SUFFIXES:
        candidate = json_path.with_name(stem + suffix)
        if candidate.is_file():
            return load_corrections(candidate)
    return None


def _target_label(session: Session, c: LabelCorrection, where: str) -> int:
    indices = [i for i, lb in enumerate(session.labels) if lb.exchange == c.exchange]
    if not any(e.index == c.exchange for e in session.exchanges):
        raise ConfigError(f"{where}: exchange {c.exchange} does not exist (the session has "
                          f"{len(session.exchanges)} exchanges)")
    if not indices:
        raise ConfigError(f"{where}: exchange {c.exchange} has no labelled trainee utterance")
    if c.utterance is not None:
        if c.utterance > len(indices):
            raise ConfigError(f"{where}: exchange {c.exchange} has {len(indices)} labelled "
                              f"utterance(s), not {c.utterance}")
        return indices[c.utterance - 1]
    if len(indices) > 1:
        raise ConfigError(f"{where}: exchange {c.exchange} has {len(indices)} labelled "
                          f"utterances; add utterance = 1..{len(indices)}")
    return indices[0]


def _target_event(session: Session, c: EventCorrection) -> int | None:
    best: tuple[float, int] | None = None
    for i, e in enumerate(session.events):
        if c.was is not None and e.kind != c.was:
            continue
        if e.start - AT_TOLERANCE_S <= c.at <= e.end + AT_TOLERANCE_S:
            distance = 0.0 if e.start <= c.at <= e.end else min(abs(c.at - e.start),
                                                                abs(c.at - e.end))
            if best is None or distance < best[0]:
                best = (distance, i)
    return None if best is None else best[1]


def _matched_events(session: Session, corrections: Corrections) -> list[Event]:
    return [session.events[i] for c in corrections.events
            if (i := _target_event(session, c)) is not None]


def apply_corrections(session: Session, corrections: Corrections) -> Session:
    """Return ``session`` with the coach's labels and events, re-scored.

    Raises:
      ConfigError: a correction names an exchange, utterance or event that is not there.
    """
    labels = list(session.labels)
    for n, c in enumerate(corrections.labels, start=1):
        i = _target_label(session, c, _where(corrections.path, "label", n))
        labels[i] = replace(labels[i], label=c.label, subtype=c.subtype, confidence=1.0,
                            source="coach", scores=())
    events: list[Event | None] = list(session.events)
    for n, ec in enumerate(corrections.events, start=1):
        j = _target_event(session, ec)
        if j is None:
            near = ", ".join(f"{e.kind} at {e.start:.1f}s" for e in session.events
                             if abs(e.start - ec.at) < 10) or "none within 10 s"
            raise ConfigError(f"{_where(corrections.path, 'event', n)}: no "
                              f"{ec.was or 'event'} at {ec.at:.1f} s (events near: {near})")
        old = session.events[j]
        events[j] = None if ec.kind == "none" else replace(old, kind=ec.kind)  # type: ignore[arg-type]
    return rescore(session, labels=tuple(labels), events=tuple(e for e in events if e))


def rescore(session: Session, *, labels: tuple[Label, ...], events: tuple[Event, ...]) -> Session:
    """Recompute metrics and feedback of ``session`` from the given labels and events.

    Goes through the pipeline's own tail (:func:`listening_coach.pipeline.score`), so corrected
    scores, the effect metrics included, follow exactly the rules of a fresh analysis. Voice
    metrics that cannot be measured again (a session loaded from JSON keeps voice frames only
    at 100 ms, or none) are carried over unchanged.
    """
    carried = tuple(m for m in session.metrics if m.name in FROM_AUDIO)
    return score(session, Overrides(labels=labels, events=events, carried=carried))


def describe(corrections: Corrections) -> str:
    """One line for the report header: who corrected what."""
    who = f" by {corrections.coach}" if corrections.coach else ""
    return (f"Coach corrections{who} applied: {counted(len(corrections.labels), 'label')}, "
            f"{counted(len(corrections.events), 'event')}"
            + (f" (from {corrections.path.name})" if corrections.path else "") + ".")
