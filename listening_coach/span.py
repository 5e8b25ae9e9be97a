"""A stretch of time: :class:`Span`, the value every interval in the package is.

Modelled on pyannote-core's ``Segment``: frozen, in float seconds, ``&`` for the common part,
``|`` for the hull, ``in`` for containment, and ``bool`` for "is there any time in it". Records
that carry their own ``start``/``end`` fields (:class:`~listening_coach.types.Word`,
``Turn``, ``Event``) give a ``span`` property instead of holding one, so the JSON schema keeps
its flat ``start``/``end`` keys. :func:`merge_spans` joins spans that overlap or nearly touch.

::

    a       |-------|            Span(1, 4)
    b            |--------|      Span(3, 7)
    a & b        |--|            Span(3, 4)
    a | b   |-------------|      Span(1, 7)
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

Seconds = float


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """The time from ``start`` to ``end`` seconds; zero length is allowed and is empty.

    Examples:
      >>> a, b = Span(1.0, 4.0), Span(3.0, 7.0)
      >>> a & b
      Span(start=3.0, end=4.0)
      >>> a | b
      Span(start=1.0, end=7.0)
      >>> a.overlaps(b), 3.5 in a, Span(2.0, 3.0) in a, b in a
      (True, True, True, False)
      >>> a.duration, a.middle
      (3.0, 2.5)
      >>> bool(a & Span(5.0, 6.0)), bool(Span(2.0, 2.0))
      (False, False)
      >>> start, end = a
      >>> Span(2.0, 1.0)
      Traceback (most recent call last):
      ValueError: Span ends before it starts (2.0 > 1.0): pass start first, then end
    """

    start: Seconds
    end: Seconds

    def __post_init__(self) -> None:
        if not self.end >= self.start:  # also refuses NaN
            raise ValueError(f"Span ends before it starts ({self.start} > {self.end}): "
                             "pass start first, then end")

    @property
    def duration(self) -> Seconds:
        return self.end - self.start

    @property
    def middle(self) -> Seconds:
        return (self.start + self.end) / 2

    def __bool__(self) -> bool:
        """True when the span holds any time (positive duration)."""
        return self.end > self.start

    def __iter__(self) -> Iterator[Seconds]:
        """Unpack the bounds: ``start, end = span``."""
        yield self.start
        yield self.end

    def __and__(self, other: Span) -> Span:
        """The time both spans share; an empty span at the later start when they are disjoint."""
        start = max(self.start, other.start)
        return Span(start, max(start, min(self.end, other.end)))

    def __or__(self, other: Span) -> Span:
        """The smallest span that holds both (the hull); an empty span adds nothing.

        >>> Span(1.0, 2.0) | Span(5.0, 5.0)
        Span(start=1.0, end=2.0)
        """
        if not other:
            return self
        if not self:
            return other
        return Span(min(self.start, other.start), max(self.end, other.end))

    def __contains__(self, item: object) -> bool:
        """A time (float seconds) inside the closed span, or a span wholly within it."""
        if isinstance(item, Span):
            return self.start <= item.start and item.end <= self.end
        if isinstance(item, numbers.Real):
            return self.start <= float(item) <= self.end
        return False

    def overlaps(self, other: Span) -> bool:
        """True when the spans share a positive stretch of time (touching is not overlapping)."""
        return min(self.end, other.end) > max(self.start, other.start)

    def overlap(self, other: Span) -> Seconds:
        """Seconds the two spans share (0.0 when disjoint).

        >>> Span(0.0, 2.0).overlap(Span(1.5, 9.0)), Span(0.0, 1.0).overlap(Span(3.0, 4.0))
        (0.5, 0.0)
        """
        return max(0.0, min(self.end, other.end) - max(self.start, other.start))

    def clamp(self, time: Seconds) -> Seconds:
        """The time in the span nearest to ``time``.

        >>> Span(1.0, 2.0).clamp(0.2), Span(1.0, 2.0).clamp(1.5), Span(1.0, 2.0).clamp(7.0)
        (1.0, 1.5, 2.0)
        """
        return min(max(time, self.start), self.end)

    def shifted(self, by: Seconds) -> Span:
        """The same span ``by`` seconds later (earlier when negative).

        >>> Span(1.0, 2.0).shifted(10.0)
        Span(start=11.0, end=12.0)
        """
        return Span(self.start + by, self.end + by)


def merge_spans(spans: Iterable[Span], gap_s: Seconds = 0.0) -> list[Span]:
    """Sort ``spans`` and join those that overlap, touch, or lie less than ``gap_s`` apart.

    >>> merge_spans([Span(3.0, 4.0), Span(0.0, 1.0), Span(0.5, 2.0), Span(2.0, 2.5)])
    [Span(start=0.0, end=2.5), Span(start=3.0, end=4.0)]
    >>> merge_spans([Span(0.0, 1.0), Span(1.05, 2.0)], gap_s=0.1)
    [Span(start=0.0, end=2.0)]
    """
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and ((gap := span.start - merged[-1].end) <= 0.0 or gap < gap_s):
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


class _Bounded(Protocol):
    @property
    def start(self) -> Seconds: ...
    @property
    def end(self) -> Seconds: ...


class Timed:
    """Mixin for records with their own ``start`` and ``end`` fields: ``record.span``."""

    __slots__ = ()

    @property
    def span(self: _Bounded) -> Span:
        return Span(self.start, self.end)
