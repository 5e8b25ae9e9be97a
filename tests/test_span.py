"""Span algebra: intersection, hull, containment and merging agree with plain interval arithmetic."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listening_coach.span import Span, merge_spans
from listening_coach.types import Event, Turn, Word

SETTINGS = settings(deadline=None, derandomize=bool(os.environ.get("CI")))
times = st.floats(0.0, 100.0, allow_nan=False)
spans = st.tuples(times, times).map(lambda t: Span(min(t), max(t)))


@SETTINGS
@given(spans, spans)
def test_intersection_is_the_shared_time(a: Span, b: Span) -> None:
    both = a & b
    assert both == b & a
    assert both.duration == pytest.approx(max(0.0, min(a.end, b.end) - max(a.start, b.start)))
    assert both.duration == a.overlap(b)
    assert bool(both) == a.overlaps(b)
    if both:
        assert both in a and both in b


@SETTINGS
@given(spans, spans)
def test_union_is_the_hull_of_non_empty_spans(a: Span, b: Span) -> None:
    hull = a | b
    assert hull == b | a or not (a and b)
    for part in (a, b):
        if part:
            assert part in hull
    if a and b:
        assert (hull.start, hull.end) == (min(a.start, b.start), max(a.end, b.end))


@SETTINGS
@given(st.lists(spans, max_size=8), st.floats(0.0, 2.0))
def test_merged_spans_are_sorted_disjoint_and_cover_the_input(parts: list[Span], gap: float) -> None:
    merged = merge_spans(parts, gap)
    for before, after in zip(merged, merged[1:]):
        assert after.start - before.end >= gap and after.start > before.end
    for part in parts:
        assert any(part in m for m in merged)
    assert sum(m.duration for m in merged) <= sum(p.duration for p in parts) + gap * len(parts) + 1e-9


def test_a_time_or_a_span_is_in_a_span_and_other_things_are_not() -> None:
    span = Span(1.0, 2.0)
    assert 1.0 in span and 2.0 in span and 2.5 not in span
    assert Span(1.2, 1.8) in span and Span(0.5, 1.5) not in span
    assert "1.5" not in span


def test_a_reversed_or_nan_span_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match="pass start first"):
        Span(3.0, 1.0)
    with pytest.raises(ValueError, match="pass start first"):
        Span(0.0, float("nan"))


def test_records_give_their_span_without_changing_their_fields() -> None:
    words = (Word(0.5, 0.9, " I"), Word(1.0, 1.4, " see"))
    assert words[0].span == Span(0.5, 0.9)
    assert Turn("trainee", words).span == Span(0.5, 1.4)
    assert Event("overlap", 2.0, 2.5).span.duration == pytest.approx(0.5)
