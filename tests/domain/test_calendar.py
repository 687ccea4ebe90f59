"""Business days, working hours, payment and inspection due dates, late-payment interest."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nara.domain.calendar import (
    HOLIDAYS,
    SEOUL,
    add_business_days,
    inspection_due,
    is_business_day,
    is_working_time,
    late_payment_interest,
    next_working_time,
    payment_due,
)
from nara.domain.errors import RuleViolation
from nara.domain.holiday_rules import computed_holidays


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


def test_holiday_data_has_a_source_and_covers_the_lunar_holidays() -> None:
    lunar = [d for d, name in HOLIDAYS.items() if "[lunar]" in name]
    # 3 days of Seollal + 3 of Chuseok + Buddha's Birthday, per year
    assert len(lunar) == 3 * 7
    assert all("[" in name for name in HOLIDAYS.values())
    assert all(d.year in (2025, 2026, 2027) for d in HOLIDAYS)


def test_years_beyond_the_lunar_tables_are_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        is_business_day(date(2051, 1, 3))
    assert "2025-2050" in str(caught.value)


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_the_rules_reproduce_the_listed_years_except_elections(year: int) -> None:
    listed = {d for d, name in HOLIDAYS.items() if d.year == year}
    one_off = {
        d
        for d, name in HOLIDAYS.items()
        if d.year == year and ("[elec]" in name or "[temp]" in name)
    }
    assert set(computed_holidays(year)) == listed - one_off


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
