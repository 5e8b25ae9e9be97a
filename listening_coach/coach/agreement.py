"""Model-vs-coach agreement over every corrections file collected.

- :func:`judgements`: (model, coach) pairs of one session, per label type: ``label`` (main
  behaviour), ``reflection`` (simple/complex), ``question`` (open/closed), ``event`` (overlap
  and pause kinds). In a reviewed exchange, what the coach did not correct counts as agreed.
- :func:`evaluate_folder`: walk a folder for ``NAME.corrections.toml`` next to ``NAME.json``.
- :class:`Agreement`: per type, n, accuracy, Cohen's kappa and the disagreements.
- :func:`render_agreement`: a plain-text table.

Human coders agree only moderately on single utterances (kappa about 0.3-0.65, PRODUCT.md),
so kappa is the number to watch; accuracy alone flatters a model that says "other" a lot.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from listening_coach.coach.corrections import (
    SUFFIXES,
    Corrections,
    LabelCorrection,
    _target_event,
    _target_label,
    _where,
    load_corrections,
)
from listening_coach.errors import ConfigError, OutputError
from listening_coach.report.json import session_from_dict
from listening_coach.types import Session
from listening_coach.feedback import counted

TYPES = ("label", "reflection", "question", "event")


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement of one label type: ``pairs`` are (model, coach)."""

    kind: str
    pairs: tuple[tuple[str, str], ...]

    @property
    def n(self) -> int:
        return len(self.pairs)

    @property
    def accuracy(self) -> float | None:
        return sum(m == c for m, c in self.pairs) / self.n if self.pairs else None

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa; None when undefined (no pairs, or one class only on both sides)."""
        if not self.pairs:
            return None
        n = self.n
        observed = sum(m == c for m, c in self.pairs) / n
        model, coach = Counter(m for m, _ in self.pairs), Counter(c for _, c in self.pairs)
        expected = sum(model[k] * coach[k] for k in set(model) | set(coach)) / (n * n)
        if math.isclose(expected, 1.0):
            return None
        return (observed - expected) / (1 - expected)

    @property
    def confusions(self) -> list[tuple[str, str, int]]:
        """(model, coach, count) for the disagreements, most frequent first."""
        counts = Counter((m, c) for m, c in self.pairs if m != c)
        return [(m, c, k) for (m, c), k in counts.most_common()]


def judgements(session: Session, corrections: Corrections) -> dict[str, list[tuple[str, str]]]:
    """Return (model, coach) pairs per type for one session; see the module docstring."""
    out: dict[str, list[tuple[str, str]]] = {t: [] for t in TYPES}
    coach_labels: dict[int, LabelCorrection] = {}
    for n, c in enumerate(corrections.labels, start=1):
        coach_labels[_target_label(session, c, _where(corrections.path, "label", n))] = c
    reviewed = corrections.reviewed_exchanges(session)
    for i, lb in enumerate(session.labels):
        if lb.exchange not in reviewed:
            continue
        found = coach_labels.get(i)
        coach_label, coach_sub = (found.label, found.subtype) if found else (lb.label, lb.subtype)
        out["label"].append((lb.label, coach_label))
        for kind in ("reflection", "question"):
            if lb.label == kind and coach_label == kind and lb.subtype and coach_sub:
                out[kind].append((lb.subtype, coach_sub))
    coach_events = {}
    for ec in corrections.events:
        j = _target_event(session, ec)
        if j is None:
            raise ConfigError(f"{corrections.path}: no event at {ec.at:.1f} s to compare with")
        coach_events[j] = ec.kind
    for j, event in enumerate(session.events):
        if j in coach_events or event.exchange in reviewed:
            out["event"].append((event.kind, coach_events.get(j, event.kind)))
    return out


def evaluate_folder(folder: str | Path) -> tuple[dict[str, Agreement], list[Path]]:
    """Compare the model with the coach over every corrections file under ``folder``.

    Returns:
      Agreement per type, and the corrections files used.

    Raises:
      ConfigError: the folder holds no corrections file, or one has no session JSON beside it.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ConfigError(f"{root} is not a folder; pass the folder that holds the reports")
    files = sorted(p for suffix in SUFFIXES for p in root.rglob(f"*{suffix}"))
    if not files:
        raise ConfigError(f"No *.corrections.toml files under {root}; write one next to a "
                          "report's NAME.json (see docs/coach.md)")
    pairs: dict[str, list[tuple[str, str]]] = {t: [] for t in TYPES}
    for path in files:
        stem = path.name[: -len(next(s for s in SUFFIXES if path.name.endswith(s)))]
        json_path = path.with_name(stem + ".json")
        try:
            data = json.loads(json_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path.name} has no {json_path.name} beside it; keep the "
                              "corrections next to the session JSON they correct") from None
        except (OSError, ValueError) as e:
            raise ConfigError(f"{json_path} cannot be read: {e}") from None
        try:
            session = session_from_dict(data)
        except (OutputError, KeyError, TypeError, ValueError, IndexError) as e:
            raise ConfigError(f"{json_path} is not a complete session JSON ({e})") from None
        for kind, found in judgements(session, load_corrections(path)).items():
            pairs[kind] += found
    return {k: Agreement(k, tuple(v)) for k, v in pairs.items()}, files


def render_agreement(results: dict[str, Agreement], files: Sequence[Path]) -> str:
    """Return a plain-text agreement table."""
    lines = [f"Model vs coach over {counted(len(files), 'corrections file')}",
             f"{'type':<12}{'n':>6}{'accuracy':>10}{'kappa':>8}  most frequent disagreements"]
    for kind in TYPES:
        a = results[kind]
        acc = "-" if a.accuracy is None else f"{a.accuracy:.2f}"
        kappa = "-" if a.kappa is None else f"{a.kappa:.2f}"
        conf = ", ".join(f"{m}->{c} x{k}" for m, c, k in a.confusions[:3]) or "-"
        lines.append(f"{kind:<12}{a.n:>6}{acc:>10}{kappa:>8}  {conf}")
    return "\n".join(lines)
