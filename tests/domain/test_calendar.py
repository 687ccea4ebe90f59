"""Business days, working hours, payment and inspection due dates, late-payment interest."""

from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nara.domain.calendar import (
    HOLIDAYS,
    SEOUL,
    add_business_days,
    inspection_due,
    is_business_day,
    is_holiday,
    is_working_time,
    late_payment_interest,
    next_working_time,
    payment_due,
)
from nara.domain.errors import RuleViolation
from nara.domain.public_holidays import ADDED, FIRST_YEAR, LAST_YEAR


def kst(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SEOUL)


COVERED = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 11, 30))
AWARE = st.builds(
    lambda day, minutes: datetime.combine(day, time(0), tzinfo=SEOUL) + timedelta(minutes=minutes),
    COVERED,
    st.integers(0, 24 * 60 - 1),
)


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (date(2026, 2, 13), True),  # Friday before Seollal
        (date(2026, 2, 16), False),  # day before Seollal (Monday)
        (date(2026, 2, 17), False),  # Seollal
        (date(2026, 2, 18), False),  # day after Seollal
        (date(2026, 2, 19), True),
        (date(2026, 3, 2), False),  # substitute for 1 March (a Sunday)
        (date(2026, 5, 25), False),  # substitute for Buddha's Birthday (a Sunday)
        (date(2026, 6, 3), False),  # local elections
        (date(2026, 8, 17), False),  # substitute for Liberation Day (a Saturday)
        (date(2026, 9, 26), False),  # Saturday, day after Chuseok: no substitute
        (date(2026, 9, 28), True),  # Monday after Chuseok: Saturday gives no substitute
        (date(2026, 10, 5), False),  # substitute for National Foundation Day (a Saturday)
        (date(2025, 1, 27), False),  # temporary holiday
        (date(2025, 6, 3), False),  # presidential election
        (date(2025, 10, 8), False),  # substitute for Chuseok on a Sunday
        (date(2027, 2, 9), False),  # substitute for Seollal on a Sunday
        (date(2027, 12, 27), False),  # substitute for Christmas (a Saturday)
        (date(2027, 6, 7), True),  # Memorial Day on a Sunday has no substitute
        (date(2026, 12, 26), False),  # plain Saturday
    ],
)
def test_business_days(day: date, business: bool) -> None:
    assert is_business_day(day) is business


# The public holidays of each year as government offices observe them, written out by
# hand: 2025-2027 are the dates of the hand-kept list the calendar had before it used
# the `holidays` package (each checked against the Public Holidays Act, the KASI almanac
# and the Cabinet's designations); 2028-2030 follow the Act and the election days fixed
# by the Public Official Election Act art. 34.
EXPECTED_HOLIDAYS: dict[int, tuple[tuple[int, int], ...]] = {
    2025: (
        *((1, 1), (1, 27), (1, 28), (1, 29), (1, 30), (3, 1), (3, 3), (5, 5), (5, 6)),
        *((6, 3), (6, 6), (8, 15), (10, 3), (10, 5), (10, 6), (10, 7), (10, 8), (10, 9)),
        (12, 25),
    ),
    2026: (
        *((1, 1), (2, 16), (2, 17), (2, 18), (3, 1), (3, 2), (5, 1), (5, 5), (5, 24)),
        *((5, 25), (6, 3), (6, 6), (7, 17), (8, 15), (8, 17), (9, 24), (9, 25), (9, 26)),
        *((10, 3), (10, 5), (10, 9), (12, 25)),
    ),
    2027: (
        *((1, 1), (2, 6), (2, 7), (2, 8), (2, 9), (3, 1), (5, 1), (5, 3), (5, 5), (5, 13)),
        *((6, 6), (7, 17), (7, 19), (8, 15), (8, 16), (9, 14), (9, 15), (9, 16), (10, 3)),
        *((10, 4), (10, 9), (10, 11), (12, 25), (12, 27)),
    ),
    2028: (
        *((1, 1), (1, 26), (1, 27), (1, 28), (3, 1), (4, 12), (5, 1), (5, 2), (5, 5)),
        *((6, 6), (7, 17), (8, 15), (10, 2), (10, 3), (10, 4), (10, 5), (10, 9), (12, 25)),
    ),
    2029: (
        *((1, 1), (2, 12), (2, 13), (2, 14), (3, 1), (5, 1), (5, 5), (5, 7), (5, 20)),
        *((5, 21), (6, 6), (7, 17), (8, 15), (9, 21), (9, 22), (9, 23), (9, 24), (10, 3)),
        *((10, 9), (12, 25)),
    ),
    2030: (
        *((1, 1), (2, 2), (2, 3), (2, 4), (2, 5), (3, 1), (3, 27), (5, 1), (5, 5), (5, 6)),
        *((5, 9), (6, 6), (6, 12), (7, 17), (8, 15), (9, 11), (9, 12), (9, 13), (10, 3)),
        *((10, 9), (12, 25)),
    ),
}


def _holidays_in(year: int) -> set[date]:
    return {d for d in HOLIDAYS if d.year == year}


@pytest.mark.parametrize("year", sorted(EXPECTED_HOLIDAYS))
def test_holidays_of_each_year(year: int) -> None:
    assert _holidays_in(year) == {date(year, m, d) for m, d in EXPECTED_HOLIDAYS[year]}


@pytest.mark.parametrize("year", [2025, 2026, 2027, 2028, 2029, 2030])
def test_the_calendar_is_the_holidays_package_plus_the_table(year: int) -> None:
    korea = set(holidays.country_holidays("KR", years=year))
    added = {d for d in ADDED if d.year == year}
    assert not added & korea, "a day of ADDED is now listed by `holidays`: drop its row"
    assert _holidays_in(year) == korea | added


@pytest.mark.parametrize(
    ("day", "why"),
    [
        # Cabinet decision of 2025-01-08 (temporary holiday before Seollal).
        (date(2025, 1, 27), "temporary holiday"),
        # Early presidential election after the impeachment (21st president).
        (date(2025, 6, 3), "presidential election"),
        # 9th nationwide local elections: first Wednesday from 31 May (art. 34(1)3).
        (date(2026, 6, 3), "local elections"),
        # 23rd National Assembly election: first Wednesday from 9 April (art. 34(1)2).
        (date(2028, 4, 12), "National Assembly election"),
        # Presidential election: the term that began 2025-06-04 ends 2030-06-03; first
        # Wednesday from the 70th day before (art. 34(1)1).
        (date(2030, 3, 27), "presidential election"),
        # Local elections: 5 June is the day before Memorial Day, so the Wednesday of the
        # following week (art. 34(2)).
        (date(2030, 6, 12), "local elections"),
    ],
)
def test_election_days_and_temporary_holidays(day: date, why: str) -> None:
    assert is_holiday(day), why
    assert not is_business_day(day)


def test_a_payment_claimed_before_the_2028_election_is_due_a_day_later() -> None:
    # Claim Mon 2028-04-10; Wed 04-12 is the National Assembly election: Tue 11 (1),
    # Thu 13 (2), Fri 14 (3), Mon 17 (4), Tue 18 (5).
    assert payment_due(kst(2028, 4, 10, 14)) == kst(2028, 4, 18, 23, 59, 59)


def test_years_outside_the_calendar_are_refused() -> None:
    assert (FIRST_YEAR, LAST_YEAR) == (2025, 2050)
    for day in (date(2024, 12, 31), date(2051, 1, 3)):
        with pytest.raises(RuleViolation) as caught:
            is_business_day(day)
        assert "2025-2050" in str(caught.value)
    assert is_holiday(date(2050, 12, 25))


def test_chuseok_gives_one_substitute_for_each_day_it_overlaps() -> None:
    # Chuseok 2039: Sat 1, Sun 2 (Chuseok on a Sunday), Mon 3 Oct (also National
    # Foundation Day): the Sunday and the overlap each give a substitute, Tue 4 and Wed 5.
    assert not is_business_day(date(2039, 10, 4))
    assert not is_business_day(date(2039, 10, 5))
    assert is_business_day(date(2039, 10, 6))


def test_later_years_are_judged_by_the_rules() -> None:
    # Chuseok 2028 is 2-4 Oct and overlaps National Foundation Day (3 Oct): one
    # substitute, Thu 5 Oct. Seollal 2028 is 26-28 Jan (Wed-Fri): no substitute.
    assert not is_business_day(date(2028, 10, 5))
    assert is_business_day(date(2028, 10, 6))
    assert is_business_day(date(2028, 1, 25)) and not is_business_day(date(2028, 1, 26))
    # A claim on Fri 29 Sep 2028 is due 5 business days later, skipping Chuseok:
    # Mon 2 - Thu 5 Oct are holidays, so Fri 6 (1), 10 (2; 9 is Hangul Day), 11, 12, 13.
    assert add_business_days(date(2028, 9, 29), 5) == date(2028, 10, 13)


def test_add_business_days_across_chuseok_2026() -> None:
    # Wed 23 Sep 2026 + 5 business days: 24, 25 Chuseok, 26 Sat, 27 Sun are skipped;
    # Mon 28 (1), Tue 29 (2), Wed 30 (3), Thu 1 Oct (4), Fri 2 Oct (5).
    assert add_business_days(date(2026, 9, 23), 5) == date(2026, 10, 2)
    assert add_business_days(date(2026, 10, 2), -5) == date(2026, 9, 23)
    assert add_business_days(date(2026, 9, 26), 0) == date(2026, 9, 28)


def test_payment_due_worked_example() -> None:
    # Claim Wed 2026-09-23 15:00 KST; the claim day is not counted; 5 business days as
    # above end on Fri 2026-10-02; due at the end of that day.
    assert payment_due(kst(2026, 9, 23, 15)) == kst(2026, 10, 2, 23, 59, 59)
    # A claim on Saturday 2026-12-26: Mon 28 (1) Tue 29 (2) Wed 30 (3) Thu 31 (4),
    # Fri 1 Jan 2027 is New Year's Day, Mon 4 Jan (5).
    assert payment_due(kst(2026, 12, 26, 11)) == kst(2027, 1, 4, 23, 59, 59)


def test_inspection_due_worked_example() -> None:
    # Notice Sat 2026-09-12; + 14 days = Sat 2026-09-26 (day after Chuseok) -> the period
    # ends on the next business day, Mon 2026-09-28.
    assert inspection_due(kst(2026, 9, 12, 15)) == kst(2026, 9, 28, 23, 59, 59)
    # Notice Tue 2026-03-03; + 14 = Tue 2026-03-17, a business day.
    assert inspection_due(kst(2026, 3, 3, 9)) == kst(2026, 3, 17, 23, 59, 59)


def test_due_dates_read_the_seoul_clock() -> None:
    # 2026-09-22 16:00 UTC is 2026-09-23 01:00 KST: the claim is on the 23rd in Seoul.
    claimed = datetime(2026, 9, 22, 16, tzinfo=UTC)
    assert payment_due(claimed) == kst(2026, 10, 2, 23, 59, 59)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        payment_due(datetime(2026, 3, 3, 10))
    assert caught.value.rule == "aware-datetime"


def test_late_payment_interest_worked_example() -> None:
    # 100,000,000 KRW due 2026-10-02, paid 2026-10-12 (10 days late) at 4.50% a year:
    # 100,000,000 x 450 x 10 / (10,000 x 365) = 450,000,000,000 / 3,650,000 = 123,287.67
    # -> 123,287 KRW (rounded down).
    due = kst(2026, 10, 2, 23, 59, 59)
    assert (
        late_payment_interest(
            amount=100_000_000, due=due, paid=kst(2026, 10, 12, 10), annual_rate_bp=450
        )
        == 123_287
    )
    # Paid the next morning: 1 day late: 100,000,000 x 450 / 3,650,000 = 12,328.77 -> 12,328.
    assert (
        late_payment_interest(
            amount=100_000_000, due=due, paid=kst(2026, 10, 3, 9), annual_rate_bp=450
        )
        == 12_328
    )
    assert late_payment_interest(amount=100_000_000, due=due, paid=due, annual_rate_bp=450) == 0


@settings(max_examples=80, deadline=None)
@given(AWARE)
def test_due_dates_never_fall_on_a_weekend_or_holiday(claimed: datetime) -> None:
    for due in (payment_due(claimed), inspection_due(claimed)):
        assert is_business_day(due.date())
        assert due > claimed


@settings(max_examples=80, deadline=None)
@given(AWARE, st.integers(0, 10**12), st.integers(0, 2_000), st.integers(0, 10**6))
def test_interest_is_zero_when_paid_on_time(
    due: datetime, amount: int, rate_bp: int, early_seconds: int
) -> None:
    paid = due - timedelta(seconds=early_seconds)
    assert late_payment_interest(amount=amount, due=due, paid=paid, annual_rate_bp=rate_bp) == 0


@settings(max_examples=60, deadline=None)
@given(AWARE, st.integers(1, 10**12), st.integers(1, 2_000), st.integers(1, 400))
def test_interest_grows_with_days_late(due: datetime, amount: int, rate_bp: int, days: int) -> None:
    one = late_payment_interest(
        amount=amount, due=due, paid=due + timedelta(days=days), annual_rate_bp=rate_bp
    )
    more = late_payment_interest(
        amount=amount, due=due, paid=due + timedelta(days=days + 1), annual_rate_bp=rate_bp
    )
    assert 0 <= one <= more
    assert one == amount * rate_bp * days // 3_650_000


def test_next_working_time() -> None:
    # Inside working hours: unchanged.
    assert next_working_time(kst(2026, 3, 3, 17, 30)) == kst(2026, 3, 3, 17, 30)
    assert next_working_time(kst(2026, 3, 3, 18, 0)) == kst(2026, 3, 3, 18, 0)
    # Friday 19:30 past working hours -> Monday, at the original 10:00.
    assert next_working_time(kst(2026, 3, 6, 19, 30), time_of_day=time(10)) == kst(2026, 3, 9, 10)
    # Saturday -> Monday at the same clock time when no original time is given.
    assert next_working_time(kst(2026, 3, 7, 11)) == kst(2026, 3, 9, 11)
    # Before 09:00 on a business day with a later original time: the same day.
    assert next_working_time(kst(2026, 3, 4, 1), time_of_day=time(10)) == kst(2026, 3, 4, 10)
    # Friday before Chuseok 2026 (Wed 23 Sep 20:00): 24-27 are off -> Mon 28 Sep.
    assert next_working_time(kst(2026, 9, 23, 20), time_of_day=time(14)) == kst(2026, 9, 28, 14)


@settings(max_examples=80, deadline=None)
@given(AWARE, st.times(min_value=time(9), max_value=time(18)))
def test_next_working_time_lands_in_working_time(at: datetime, clock: time) -> None:
    moved = next_working_time(at, time_of_day=clock)
    assert moved >= at
    assert is_working_time(moved)
    if not is_working_time(at):
        assert moved.time() == clock
