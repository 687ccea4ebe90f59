"""Korean business days, working hours and the payment clock.

Everything is evaluated on the wall clock of Asia/Seoul (KST, UTC+9, no daylight
saving since 1988). Public holidays come from `public_holidays`: the `holidays`
package (Korea) plus a dated table of the days it lacks, for `COVERED_YEARS`. A date
outside those years is refused, never silently a working day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from nara.domain.clock import SEOUL, require_aware
from nara.domain.errors import RuleViolation
from nara.domain.public_holidays import FIRST_YEAR, LAST_YEAR, PUBLIC_HOLIDAYS, YEARS
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

# The years the calendar can judge, and their public holidays (date -> name).
COVERED_YEARS = YEARS
HOLIDAYS = PUBLIC_HOLIDAYS

# Working hours of government offices: 09:00-18:00 (Regulation on the Service of State
# Public Officials art. 9). A time exactly at 18:00 is still inside working hours.
WORKDAY_START = time(9, 0)
WORKDAY_END = time(18, 0)

END_OF_DAY = time(23, 59, 59)


def _covered(day: date) -> None:
    if day.year not in COVERED_YEARS:
        raise RuleViolation(
            rule="holiday-calendar",
            field="date",
            value=day.isoformat(),
            accepted=f"a date in {FIRST_YEAR}-{LAST_YEAR}",
            message=(
                f"public holidays are known for {FIRST_YEAR}-{LAST_YEAR}"
                f" only, so {day.isoformat()} cannot be judged a business day;"
                " extend the years of nara/domain/public_holidays.py"
            ),
        )


def is_holiday(day: date) -> bool:
    """True on a public holiday (not on an ordinary weekend)."""
    _covered(day)
    return day in HOLIDAYS


def is_business_day(day: date) -> bool:
    """True on a weekday that is not a public holiday."""
    _covered(day)
    return day.weekday() < 5 and day not in HOLIDAYS


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
