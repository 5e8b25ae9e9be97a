"""Allowed values of config options, declared once per field, and the checks that use them.

- :func:`opt`: a field's default with its :class:`Bounds` (``beam_size: int = opt(5, ge=1)``).
- :func:`bounds_of`: the bounds a field declared (for checks and ``docs/config.toml``).
- :func:`coerce` / :func:`check_ranges`: type and range checks with one-line errors that name
  the key, the value and what is allowed.
- :func:`parse_channel_map`: who is on each channel (``"-,trainee,partner"``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from listening_coach.errors import ConfigError

T = TypeVar("T")
ROLES = ("trainee", "partner")
SKIP_CHANNEL = ("-", "none", "ignore")  # a channel map entry that leaves a channel out


@dataclass(frozen=True, slots=True)
class Bounds:
    """The values one option allows, declared next to it with :func:`opt`.

    ``at_most`` / ``below`` name another field of the same section that this one must not
    exceed / must stay under (``target_wpm_min`` at most ``target_wpm_max``).
    """

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    choices: tuple[str, ...] = ()
    at_most: str | None = None
    below: str | None = None

    def describe(self) -> str:
        """Say what is allowed, e.g. ``"1 or more"``, ``"0 to 1"``, ``"one of cpu, cuda"``."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.ge is not None and self.le is not None:
            return f"{_num(self.ge)} to {_num(self.le)}"
        parts = []
        if self.ge is not None:
            parts.append(f"{_num(self.ge)} or more")
        if self.gt is not None:
            parts.append(f"more than {_num(self.gt)}")
        if self.le is not None:
            parts.append(f"at most {_num(self.le)}")
        if self.at_most:
            parts.append(f"at most {self.at_most}")
        if self.below:
            parts.append(f"less than {self.below}")
        return " and ".join(parts)

    def allows(self, value: Any) -> bool:
        if self.choices:
            return value in self.choices
        return not (
            (self.ge is not None and value < self.ge)
            or (self.gt is not None and value <= self.gt)
            or (self.le is not None and value > self.le)
        )


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def opt(
    default: T,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    choices: tuple[str, ...] = (),
    at_most: str | None = None,
    below: str | None = None,
    parse: Callable[[Any, str], Any] | None = None,
) -> T:
    """Declare an option's default and allowed values: ``beam_size: int = opt(5, ge=1)``.

    ``parse(value, where)`` replaces the usual type check for values with their own syntax
    (a channel map) and raises :class:`ConfigError` itself.
    """
    bounds = Bounds(ge=ge, gt=gt, le=le, choices=choices, at_most=at_most, below=below)
    return field(default=default, metadata={"bounds": bounds, "parse": parse})


def bounds_of(f: dataclasses.Field[Any]) -> Bounds | None:
    """The :class:`Bounds` a field declared with :func:`opt`; None when it has none."""
    bounds = f.metadata.get("bounds")
    return bounds if isinstance(bounds, Bounds) and bounds != Bounds() else None


def parse_channel_map(value: str | Sequence[str], where: str = "--channels") -> tuple[str, ...]:
    """Parse who is on each channel, in order: ``"partner,trainee"`` or ``"-,trainee,partner"``.

    Each entry is ``trainee``, ``partner`` or a skip mark (``-``, ``none``, ``ignore``); each role
    appears at most once and at least one appears.

    Raises:
      ConfigError: unknown names, a role named twice, an empty entry, or no role at all.

    Examples:
      >>> parse_channel_map("-, Trainee,partner")
      ('-', 'trainee', 'partner')
    """
    items = value.split(",") if isinstance(value, str) else list(value)
    if not all(isinstance(n, str) for n in items):
        raise ConfigError(f"{where} must be a list of names, got {value!r}")
    names = tuple(n.strip().lower() for n in items)
    text = value if isinstance(value, str) else ",".join(items)
    unknown = [n for n in names if n not in ROLES + SKIP_CHANNEL]
    twice = sorted({n for n in names if n in ROLES and names.count(n) > 1})
    problem = (
        f"unknown name(s) {', '.join(repr(n) for n in unknown)}" if unknown
        else f"{' and '.join(twice)} named twice" if twice
        else "no trainee or partner" if not set(names) & set(ROLES)
        else None
    )
    if problem:
        raise ConfigError(
            f"{where} {text!r}: {problem}; name each channel in order trainee, partner or - to "
            "skip it (e.g. partner,trainee or -,trainee,partner)"
        )
    return names


def coerce(value: Any, default: Any, where: str) -> Any:
    """Check ``value`` has the type of ``default`` (ints widen to floats; a comma-separated
    string becomes a tuple) and is finite; returns it converted.

    Raises:
      ConfigError: ``"pace.fast_wpm must be a number, got 'fast'"``.
    """
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return value
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        if isinstance(default, int) and not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(f"{where} must be a finite number, got {value!r}")
        return type(default)(value)
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} must be a list of strings, got {value!r}")
        return tuple(value)
    if default is None or isinstance(default, str):
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, got {value!r}")
        return value
    return value


def check_ranges(options: Any, section: str = "") -> None:
    """Check every field of one options dataclass against the :class:`Bounds` it declares:
    each field's own range first, then how fields relate (``min`` at most ``max``).

    Raises:
      ConfigError: ``"pace.target_wpm_min must be more than 0, got -50.0"``: key, allowed
        range, value.
    """
    prefix = f"{section}." if section else ""
    declared = [(f.name, b) for f in fields(options) if (b := bounds_of(f)) is not None]
    for name, bounds in declared:
        value = getattr(options, name)
        if not bounds.allows(value):
            raise ConfigError(f"{prefix}{name} must be {bounds.describe()}, got {value!r}")
    for name, bounds in declared:
        value = getattr(options, name)
        for other, strict in ((bounds.at_most, False), (bounds.below, True)):
            if other is None:
                continue
            limit = getattr(options, other)
            if value > limit or (strict and value == limit):
                relation = "less than" if strict else "at most"
                raise ConfigError(f"{prefix}{name} must be {relation} {prefix}{other} "
                                  f"({limit!r}), got {value!r}")
