"""Korean business days, working hours and the payment clock.

Everything is evaluated on the wall clock of Asia/Seoul (KST, UTC+9, no daylight
saving since 1988). Public holidays are data, not a library: the list below is
what government offices observe under the Public Holidays Act (공휴일에 관한 법률)
and the Regulation on Holidays of Government Offices (관공서의 공휴일에 관한 규정),
for the years in `COVERED_YEARS`. Later years, up to `COMPUTED_UNTIL`, are judged by
the rules of the Act (`holiday_rules`), which reproduce the listed years except for
election days and one-off temporary holidays: add each new year's list here when the
government announces it. A date outside both is refused, never silently a working day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from nara.domain.clock import SEOUL, require_aware
from nara.domain.errors import RuleViolation
from nara.domain.holiday_rules import computed_holidays
from nara.domain.rules import rules_on

__all__ = [
    "COVERED_YEARS",
    "HOLIDAYS",
    "SEOUL",
    "add_business_days",
    "days_late",
    "end_of_day",
    "inspection_due",
    "is_business_day",
    "is_holiday",
    "is_working_time",
    "late_payment_interest",
    "next_business_day",
    "next_working_time",
    "payment_due",
    "require_aware",
]

COVERED_YEARS = range(2025, 2028)
COMPUTED_UNTIL = 2050  # the last year the lunar calendar tables cover

# Sources, for every date below:
#   [law]  Public Holidays Act art. 2 and the Regulation on Holidays of Government Offices
#          art. 2: fixed-date holidays (1 Jan, 1 Mar, 5 May, 6 Jun, 15 Aug, 3 Oct, 9 Oct, 25 Dec),
#          the day before, of and after Seollal (lunar 1/1) and Chuseok (lunar 8/15),
#          Buddha's Birthday (lunar 4/8) and election days of public elections.
#   [sub]  Public Holidays Act art. 3 (substitute holidays): Seollal and Chuseok days falling
#          on a Sunday or another holiday; 1 Mar, 5 May, 15 Aug, 3 Oct, 9 Oct, Buddha's
#          Birthday and 25 Dec (the last two since May 2023) falling on a Saturday, Sunday or
#          another holiday give the first following non-holiday weekday. Memorial Day (6 Jun)
#          and 1 Jan have no substitute.
#   [2026] Amendment of the Public Holidays Act promulgated 2026-02-10: Labour Day (노동절,
#          1 May) and Constitution Day (제헌절, 17 Jul) become public holidays with
#          substitutes, from 2026. Taken from the python-holidays project's record of the
#          amendment (its references cite law.go.kr and the Ministry of Personnel
#          Management); not checked against the official gazette here.
#   [lunar] Solar dates of lunar holidays from the Korea Astronomy and Space Science
#          Institute's almanac, cross-checked with the korean-lunar-calendar package:
#          Seollal 2025-01-29, 2026-02-17, 2027-02-07; Buddha's Birthday 2025-05-05,
#          2026-05-24, 2027-05-13; Chuseok 2025-10-06, 2026-09-25, 2027-09-15.
#   [temp] Temporary holidays designated by the Cabinet.
#   [elec] Election days (Public Official Election Act art. 34 and 35).
HOLIDAYS: dict[date, str] = {
    # 2025
    date(2025, 1, 1): "New Year's Day [law]",
    date(2025, 1, 27): "temporary holiday before Seollal [temp] (Cabinet, 2025-01-08)",
    date(2025, 1, 28): "day before Seollal [law][lunar]",
    date(2025, 1, 29): "Seollal [law][lunar]",
    date(2025, 1, 30): "day after Seollal [law][lunar]",
    date(2025, 3, 1): "Independence Movement Day [law] (Saturday)",
    date(2025, 3, 3): "substitute for Independence Movement Day [sub]",
    date(2025, 5, 5): "Children's Day and Buddha's Birthday [law][lunar]",
    date(2025, 5, 6): "substitute for Children's Day / Buddha's Birthday [sub]",
    date(2025, 6, 3): "21st presidential election [elec] (early election)",
    date(2025, 6, 6): "Memorial Day [law]",
    date(2025, 8, 15): "Liberation Day [law]",
    date(2025, 10, 3): "National Foundation Day [law]",
    date(2025, 10, 5): "day before Chuseok [law][lunar] (Sunday)",
    date(2025, 10, 6): "Chuseok [law][lunar]",
    date(2025, 10, 7): "day after Chuseok [law][lunar]",
    date(2025, 10, 8): "substitute for Chuseok (the Sunday) [sub]",
    date(2025, 10, 9): "Hangul Day [law]",
    date(2025, 12, 25): "Christmas [law]",
    # 2026
    date(2026, 1, 1): "New Year's Day [law]",
    date(2026, 2, 16): "day before Seollal [law][lunar]",
    date(2026, 2, 17): "Seollal [law][lunar]",
    date(2026, 2, 18): "day after Seollal [law][lunar]",
    date(2026, 3, 1): "Independence Movement Day [law] (Sunday)",
    date(2026, 3, 2): "substitute for Independence Movement Day [sub]",
    date(2026, 5, 1): "Labour Day [2026]",
    date(2026, 5, 5): "Children's Day [law]",
    date(2026, 5, 24): "Buddha's Birthday [law][lunar] (Sunday)",
    date(2026, 5, 25): "substitute for Buddha's Birthday [sub]",
    date(2026, 6, 3): "9th nationwide local elections [elec]",
    date(2026, 6, 6): "Memorial Day [law] (Saturday, no substitute)",
    date(2026, 7, 17): "Constitution Day [2026]",
    date(2026, 8, 15): "Liberation Day [law] (Saturday)",
    date(2026, 8, 17): "substitute for Liberation Day [sub]",
    date(2026, 9, 24): "day before Chuseok [law][lunar]",
    date(2026, 9, 25): "Chuseok [law][lunar]",
    date(2026, 9, 26): "day after Chuseok [law][lunar] (Saturday: no substitute for Chuseok)",
    date(2026, 10, 3): "National Foundation Day [law] (Saturday)",
    date(2026, 10, 5): "substitute for National Foundation Day [sub]",
    date(2026, 10, 9): "Hangul Day [law]",
    date(2026, 12, 25): "Christmas [law]",
    # 2027 (no public election falls in 2027)
    date(2027, 1, 1): "New Year's Day [law]",
    date(2027, 2, 6): "day before Seollal [law][lunar] (Saturday)",
    date(2027, 2, 7): "Seollal [law][lunar] (Sunday)",
    date(2027, 2, 8): "day after Seollal [law][lunar]",
    date(2027, 2, 9): "substitute for Seollal (the Sunday) [sub]",
    date(2027, 3, 1): "Independence Movement Day [law]",
    date(2027, 5, 1): "Labour Day [2026] (Saturday)",
    date(2027, 5, 3): "substitute for Labour Day [2026][sub]",
    date(2027, 5, 5): "Children's Day [law]",
    date(2027, 5, 13): "Buddha's Birthday [law][lunar]",
    date(2027, 6, 6): "Memorial Day [law] (Sunday, no substitute)",
    date(2027, 7, 17): "Constitution Day [2026] (Saturday)",
    date(2027, 7, 19): "substitute for Constitution Day [2026][sub]",
    date(2027, 8, 15): "Liberation Day [law] (Sunday)",
    date(2027, 8, 16): "substitute for Liberation Day [sub]",
    date(2027, 9, 14): "day before Chuseok [law][lunar]",
    date(2027, 9, 15): "Chuseok [law][lunar]",
    date(2027, 9, 16): "day after Chuseok [law][lunar]",
    date(2027, 10, 3): "National Foundation Day [law] (Sunday)",
    date(2027, 10, 4): "substitute for National Foundation Day [sub]",
    date(2027, 10, 9): "Hangul Day [law] (Saturday)",
    date(2027, 10, 11): "substitute for Hangul Day [sub]",
    date(2027, 12, 25): "Christmas [law] (Saturday)",
    date(2027, 12, 27): "substitute for Christmas [sub]",
}

# Working hours of government offices: 09:00-18:00 (Regulation on the Service of State
# Public Officials art. 9). A time exactly at 18:00 is still inside working hours.
WORKDAY_START = time(9, 0)
WORKDAY_END = time(18, 0)

END_OF_DAY = time(23, 59, 59)


def _holidays_of(year: int) -> Mapping[date, str]:
    if year in COVERED_YEARS:
        return HOLIDAYS
    return computed_holidays(year)


def _covered(day: date) -> None:
    if not COVERED_YEARS.start <= day.year <= COMPUTED_UNTIL:
        raise RuleViolation(
            rule="holiday-calendar",
            field="date",
            value=day.isoformat(),
            accepted=f"a date in {COVERED_YEARS.start}-{COMPUTED_UNTIL}",
            message=(
                f"public holidays are known for {COVERED_YEARS.start}-{COMPUTED_UNTIL}"
                f" only, so {day.isoformat()} cannot be judged a business day;"
                " add that year's holidays to nara/domain/calendar.py"
            ),
        )


def is_holiday(day: date) -> bool:
    """True on a public holiday (not on an ordinary weekend)."""
    _covered(day)
    return day in _holidays_of(day.year)


def is_business_day(day: date) -> bool:
    """True on a weekday that is not a public holiday."""
    _covered(day)
    return day.weekday() < 5 and day not in _holidays_of(day.year)


def add_business_days(day: date, n: int) -> date:
    """The n-th business day after `day` (before it when n is negative).

    `day` itself is never counted (the first day of a period is excluded, Civil Act
    art. 157); with n == 0 the result is `day` if it is a business day, else the
    next business day.
    """
    if n == 0:
        while not is_business_day(day):
            day += timedelta(days=1)
        return day
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_business_day(day):
            remaining -= 1
    return day


def next_business_day(day: date) -> date:
    """The first business day strictly after `day`."""
    return add_business_days(day, 1)


def is_working_time(at: datetime) -> bool:
    """True inside 09:00-18:00 KST on a business day."""
    local = require_aware(at, "at")
    return is_business_day(local.date()) and WORKDAY_START <= local.time() <= WORKDAY_END


def next_working_time(at: datetime, *, time_of_day: time | None = None) -> datetime:
    """Move a time that falls outside working hours onto the next working day.

    A time inside working hours on a business day is returned unchanged (on the
    Seoul clock). Otherwise the result is the next working day at `time_of_day`
    (default: the clock time of `at`), always later than `at`: the outage rule
    uses it with the tender's original deadline or opening time. Weekends and
    holidays do not count as working days.

    A time before 09:00 on a business day may land later that same day, when
    `time_of_day` is still ahead (01:00 Tuesday with 10:00 gives 10:00 Tuesday).
    """
    local = require_aware(at, "at")
    if is_working_time(local):
        return local
    clock = time_of_day if time_of_day is not None else local.time().replace(tzinfo=None)
    day = local.date()
    if not (is_business_day(day) and local.time() < WORKDAY_START):
        day = next_business_day(day)
    while True:
        candidate = datetime.combine(day, clock, tzinfo=SEOUL)
        if candidate > local:
            return candidate
        day = next_business_day(day)


def end_of_day(day: date) -> datetime:
    """23:59:59 KST on `day`: the last moment a date-only deadline is met."""
    return datetime.combine(day, END_OF_DAY, tzinfo=SEOUL)


def payment_due(claimed_at: datetime, *, business_days: int | None = None) -> datetime:
    """When a valid payment claim must be paid: end of the 5th business day after it.

    The claim day is not counted; weekends and public holidays are skipped
    (Enforcement Decree of the State Contracts Act art. 58). The count comes from
    the rule table in force on the claim date unless `business_days` is given.
    """
    local = require_aware(claimed_at, "claimed_at")
    if business_days is None:
        business_days = rules_on(local.date()).payment_terms().payment_business_days
    return end_of_day(add_business_days(local.date(), business_days))


def inspection_due(notified_at: datetime, *, days: int | None = None) -> datetime:
    """When inspection must be finished: end of the 14th day after the completion notice.

    Calendar days, the notice day not counted; a period ending on a weekend or
    holiday ends on the next business day (Civil Act art. 161).
    """
    local = require_aware(notified_at, "notified_at")
    if days is None:
        days = rules_on(local.date()).payment_terms().inspection_days
    return end_of_day(add_business_days(local.date() + timedelta(days=days), 0))


def days_late(*, due: datetime, paid: datetime) -> int:
    """Whole calendar days between the due date and the payment date (KST), 0 if on time."""
    due_local = require_aware(due, "due")
    paid_local = require_aware(paid, "paid")
    if paid_local <= due_local:
        return 0
    return max(0, (paid_local.date() - due_local.date()).days)


def late_payment_interest(
    *, amount: int, due: datetime, paid: datetime, annual_rate_bp: int
) -> int:
    """Interest in whole KRW on a late payment: amount x rate x days late / 365, rounded down.

    `annual_rate_bp` is the yearly rate in basis points (e.g. 450 for 4.50%); the
    rate is set by the caller (Enforcement Decree art. 59 ties it to the banks'
    average lending rate). Zero when paid on or before `due`.
    """
    if amount < 0:
        raise RuleViolation(
            rule="late-payment-interest",
            field="amount",
            value=amount,
            accepted="zero or more KRW",
            message=f"late-payment interest needs a non-negative amount, got {amount:,} KRW",
        )
    if annual_rate_bp < 0:
        raise RuleViolation(
            rule="late-payment-interest",
            field="annual_rate_bp",
            value=annual_rate_bp,
            accepted="zero or more basis points",
            message=f"late-payment interest needs a non-negative rate, got {annual_rate_bp} bp",
        )
    late = days_late(due=due, paid=paid)
    return amount * annual_rate_bp * late // (10_000 * 365)
