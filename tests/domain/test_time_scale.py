"""Compressed time of rehearsals: scale 1 changes nothing (older payment histories replay
on it), a compressed deadline stretches back to the law's, and lateness keeps its order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from nara.domain.time_scale import compress, lateness_by_law, stretch

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
offsets = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400))
scales = st.integers(min_value=1, max_value=100_000)


@given(offsets)
def test_scale_one_is_the_law_itself(ahead: timedelta) -> None:
    at = NOW + ahead
    assert compress(NOW, at, 1) is at and stretch(NOW, at, 1) is at
    assert lateness_by_law(due_by_law=at, due_at=at, paid=at + ahead, scale=1) == at + ahead


@given(offsets, st.integers(min_value=2, max_value=100_000))
def test_a_compressed_deadline_stretches_back_to_the_laws(ahead: timedelta, scale: int) -> None:
    by_law = NOW + ahead
    due_at = compress(NOW, by_law, scale)
    assert NOW <= due_at <= by_law
    assert abs(stretch(NOW, due_at, scale) - by_law) <= timedelta(milliseconds=scale)


@given(offsets, offsets, scales)
def test_later_payments_are_never_less_late(first: timedelta, more: timedelta, scale: int) -> None:
    by_law = NOW + timedelta(days=7)
    due_at = compress(NOW, by_law, scale)
    early = lateness_by_law(due_by_law=by_law, due_at=due_at, paid=due_at + first, scale=scale)
    late = lateness_by_law(
        due_by_law=by_law, due_at=due_at, paid=due_at + first + more, scale=scale
    )
    assert by_law <= early <= late
    on_time = lateness_by_law(due_by_law=by_law, due_at=due_at, paid=NOW, scale=scale)
    assert on_time <= by_law  # paid in time: no day of interest
