"""Deadline extension after an outage."""

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nara.domain.calendar import SEOUL, is_business_day, is_working_time
from nara.domain.errors import RuleViolation
from nara.domain.outage import extend_for_outage


def kst(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SEOUL)


def extend(
    deadline: datetime, opening: datetime, start: datetime, back: datetime
) -> tuple[datetime, datetime, bool]:
    result = extend_for_outage(
        deadline=deadline, opening_at=opening, outage_start=start, recovery=back
    )
    return result.deadline, result.opening_at, result.moved


# Outage Tue 2026-03-03 09:27-10:30 (63 minutes, not a long outage).
START, BACK = kst(2026, 3, 3, 9, 27), kst(2026, 3, 3, 10, 30)


def test_deadline_inside_the_outage() -> None:
    # 10:00 falls inside: deadline -> recovery + 2 h = 12:30, opening -> recovery + 3 h = 13:30.
    assert extend(kst(2026, 3, 3, 10), kst(2026, 3, 3, 11), START, BACK) == (
        kst(2026, 3, 3, 12, 30),
        kst(2026, 3, 3, 13, 30),
        True,
    )
    # A deadline exactly at the outage start is inside it.
    assert extend(START, kst(2026, 3, 3, 11), START, BACK)[0] == kst(2026, 3, 3, 12, 30)


def test_deadline_within_two_hours_after_recovery() -> None:
    # 12:00 is within 2 h after 10:30: both move by 2 h, to 14:00 and 15:00.
    assert extend(kst(2026, 3, 3, 12), kst(2026, 3, 3, 13), START, BACK) == (
        kst(2026, 3, 3, 14),
        kst(2026, 3, 3, 15),
        True,
    )
    # Exactly at recovery and exactly 2 h after still count.
    assert extend(BACK, kst(2026, 3, 3, 11, 30), START, BACK)[0] == kst(2026, 3, 3, 12, 30)
    assert extend(kst(2026, 3, 3, 12, 30), kst(2026, 3, 3, 13, 30), START, BACK)[0] == kst(
        2026, 3, 3, 14, 30
    )


def test_unaffected_tenders_keep_their_times() -> None:
    # 12:31 is more than 2 h after recovery; 09:00 was before the outage with its opening too.
    assert extend(kst(2026, 3, 3, 12, 31), kst(2026, 3, 3, 14), START, BACK) == (
        kst(2026, 3, 3, 12, 31),
        kst(2026, 3, 3, 14),
        False,
    )
    assert extend(kst(2026, 3, 3, 9), kst(2026, 3, 3, 9, 20), START, BACK)[2] is False


def test_opening_inside_the_outage_after_an_earlier_deadline() -> None:
    # Deadline 09:00 closed before the outage; opening 10:00 fell inside it:
    # the opening moves to recovery + 3 h = 13:30.
    assert extend(kst(2026, 3, 3, 9), kst(2026, 3, 3, 10), START, BACK) == (
        kst(2026, 3, 3, 9),
        kst(2026, 3, 3, 13, 30),
        True,
    )


def test_long_outage() -> None:
    # Outage 09:00-12:00 (3 h > 2 h): deadline 10:00 -> recovery + 24 h = Wed 12:00,
    # opening 11:00 -> recovery + 25 h = Wed 13:00.
    assert extend(
        kst(2026, 3, 3, 10), kst(2026, 3, 3, 11), kst(2026, 3, 3, 9), kst(2026, 3, 3, 12)
    ) == (kst(2026, 3, 4, 12), kst(2026, 3, 4, 13), True)
    # Exactly 2 h is not long: 09:00-11:00, deadline 10:00 -> 13:00.
    assert extend(
        kst(2026, 3, 3, 10), kst(2026, 3, 3, 11), kst(2026, 3, 3, 9), kst(2026, 3, 3, 11)
    )[0] == kst(2026, 3, 3, 13)


def test_past_working_hours_goes_to_the_next_working_day_at_the_original_time() -> None:
    # Fri 2026-03-06 outage 15:00-16:30; deadline 16:00 -> 18:30, past 18:00 ->
    # Mon 2026-03-09 at the original 16:00; opening 17:00 -> 19:30 -> Mon 17:00.
    result = extend_for_outage(
        deadline=kst(2026, 3, 6, 16),
        opening_at=kst(2026, 3, 6, 17),
        outage_start=kst(2026, 3, 6, 15),
        recovery=kst(2026, 3, 6, 16, 30),
    )
    assert (result.deadline, result.opening_at) == (kst(2026, 3, 9, 16), kst(2026, 3, 9, 17))
    assert "next working day" in result.reason


def test_long_outage_before_chuseok_skips_the_holidays() -> None:
    # Wed 2026-09-23 outage 10:00-14:00 (4 h): deadline 11:00 -> Thu 24 Sep 14:00, a Chuseok
    # holiday; 24-27 Sep are off, so Mon 28 Sep at the original 11:00; opening 12:00 likewise.
    assert extend(
        kst(2026, 9, 23, 11), kst(2026, 9, 23, 12), kst(2026, 9, 23, 10), kst(2026, 9, 23, 14)
    ) == (kst(2026, 9, 28, 11), kst(2026, 9, 28, 12), True)


def test_recovery_before_start_is_refused() -> None:
    with pytest.raises(RuleViolation):
        extend_for_outage(deadline=BACK, opening_at=BACK, outage_start=BACK, recovery=START)


WORKING_DAYS = st.dates(min_value=date(2025, 1, 2), max_value=date(2027, 11, 30)).filter(
    is_business_day
)


@settings(max_examples=120, deadline=None)
@given(
    WORKING_DAYS,
    st.integers(9, 17),  # deadline hour
    st.integers(1, 8),  # hours from deadline to opening
    st.integers(-6 * 60, 6 * 60),  # outage start, minutes relative to the deadline
    st.integers(0, 30 * 60),  # outage length in minutes
)
def test_an_extended_deadline_is_never_earlier_and_the_opening_follows_it(
    day: date, hour: int, gap: int, offset: int, length: int
) -> None:
    deadline = datetime.combine(day, time(hour), tzinfo=SEOUL)
    opening = deadline + timedelta(hours=gap)
    start = deadline + timedelta(minutes=offset)
    back = start + timedelta(minutes=length)
    assume(is_working_time(opening))
    result = extend_for_outage(
        deadline=deadline, opening_at=opening, outage_start=start, recovery=back
    )
    assert result.deadline >= deadline
    assert result.opening_at >= opening
    assert result.opening_at > result.deadline
    if result.moved:
        assert result.deadline == deadline or result.deadline > back
        assert is_working_time(result.deadline)
        assert is_working_time(result.opening_at)
    else:
        assert (result.deadline, result.opening_at) == (deadline, opening)
