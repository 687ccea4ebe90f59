"""Announcement checks: notice period, deadline on the hour, hourly capacity, opening order.

Changing the conditions of a live tender is not an edit: the workflow cancels it
and re-announces under the next round of the notice number (`NoticeNo.next_round`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from nara.domain.calendar import WORKDAY_END, WORKDAY_START, is_business_day
from nara.domain.clock import SEOUL, format_kst, require_aware
from nara.domain.enums import AgencyKind, Category, Method
from nara.domain.errors import RuleViolation
from nara.domain.rules import ANY_AMOUNT, NoticePeriodRow, rules_on

ONE_HOUR = timedelta(hours=1)
# How far ahead a free deadline hour is looked for before giving up on a proposal.
PROPOSAL_HORIZON = timedelta(days=31)

_METHOD_WORDS = {
    Method.GENERAL: "general competitive",
    Method.LIMITED: "limited competitive",
    Method.DESIGNATED: "designated competitive",
    Method.NEGOTIATED: "negotiated",
    Method.PRIVATE: "private",
}


def _require_price(estimated_price: int) -> None:
    if (
        isinstance(estimated_price, bool)
        or not isinstance(estimated_price, int)
        or estimated_price <= 0
    ):
        raise RuleViolation(
            rule="estimated-price",
            field="estimated_price",
            value=estimated_price,
            accepted="a positive whole number of KRW",
            message=f"estimated price {estimated_price!r} must be a positive whole number of KRW",
        )


def notice_period_rule(
    *,
    category: Category,
    method: Method,
    estimated_price: int,
    urgent: bool,
    on: date,
    agency_kind: AgencyKind = AgencyKind.NATIONAL,
) -> NoticePeriodRow:
    """The notice-period row in force on `on` for these terms, under the agency's law."""
    _require_price(estimated_price)
    return rules_on(on).notice_period(
        category=category,
        method=method,
        estimated_price=estimated_price,
        urgent=urgent,
        agency_kind=agency_kind,
    )


def minimum_notice_days(
    *,
    category: Category,
    method: Method,
    estimated_price: int,
    urgent: bool,
    on: date,
    agency_kind: AgencyKind = AgencyKind.NATIONAL,
) -> int:
    """Minimum calendar days from announcement to bid deadline."""
    return notice_period_rule(
        category=category,
        method=method,
        estimated_price=estimated_price,
        urgent=urgent,
        on=on,
        agency_kind=agency_kind,
    ).days


def ceil_to_hour(at: datetime) -> datetime:
    """`at` if it is on the hour, else the next full hour (Seoul clock)."""
    local = at.astimezone(SEOUL)
    floor = local.replace(minute=0, second=0, microsecond=0)
    return floor if floor == local else floor + ONE_HOUR


def is_on_the_hour(at: datetime) -> bool:
    local = at.astimezone(SEOUL)
    return local.minute == 0 and local.second == 0 and local.microsecond == 0


def next_free_deadline_hour(
    after: datetime, loads: Mapping[datetime, int], *, capacity: int
) -> datetime | None:
    """The first hour after `after`, in working hours on a business day, with room left.

    `loads` maps deadline hours (aware, any zone) to the tenders already due then;
    hours missing from it are empty. None when nothing is free within 31 days.
    """
    by_hour = {
        require_aware(hour, "deadline_hour_loads").replace(minute=0, second=0, microsecond=0): count
        for hour, count in loads.items()
    }
    candidate = ceil_to_hour(after)
    if candidate == after.astimezone(SEOUL):
        candidate += ONE_HOUR
    limit = candidate + PROPOSAL_HORIZON
    while candidate <= limit:
        in_hours = WORKDAY_START <= candidate.time() <= WORKDAY_END
        if in_hours and is_business_day(candidate.date()) and by_hour.get(candidate, 0) < capacity:
            return candidate
        candidate += ONE_HOUR
    return None


def _describe(category: Category, method: Method, row: NoticePeriodRow) -> str:
    urgent = "urgent " if row.urgent else ""
    band = "" if row.band == ANY_AMOUNT else f" {row.band}"
    law = "local" if row.agency_kind is AgencyKind.LOCAL else "national"
    return f"{urgent}{_METHOD_WORDS[method]} {category.value}{band} ({law} law)"


def check_announcement(
    *,
    category: Category,
    method: Method,
    estimated_price: int,
    announced_at: datetime,
    deadline: datetime,
    opening_at: datetime,
    urgent: bool = False,
    tenders_in_deadline_hour: int = 0,
    check_clock_rules: bool = True,
    deadline_hour_loads: Mapping[datetime, int] | None = None,
    agency_kind: AgencyKind = AgencyKind.NATIONAL,
) -> None:
    """Refuse an announcement that breaks a rule; return None when it may go out.

    Checks, in order: aware datetimes; a positive estimated price; the minimum
    notice period in force on the announcement date; the deadline on the hour;
    at most the hourly capacity of deadlines in that hour (`tenders_in_deadline_hour`
    counts the *other* tenders already due then; `deadline_hour_loads`, when given,
    lets the error propose the next free hour); the opening after the deadline.
    `check_clock_rules=False` skips the on-the-hour and capacity checks (for the
    compressed-time demo only). The notice period is the one of the agency's law
    (`agency_kind`: national or local decree).

    Raises:
        RuleViolation: naming the rule, the value and what would be accepted.
    """
    announced = require_aware(announced_at, "announced_at")
    due = require_aware(deadline, "deadline")
    opening = require_aware(opening_at, "opening_at")
    _require_price(estimated_price)
    book = rules_on(announced.date())

    row = book.notice_period(
        category=category,
        method=method,
        estimated_price=estimated_price,
        urgent=urgent,
        agency_kind=agency_kind,
    )
    earliest = announced + timedelta(days=row.days)
    if due < earliest or due <= announced:
        proposal = (
            ceil_to_hour(max(earliest, announced + timedelta(microseconds=1)))
            if check_clock_rules
            else max(earliest, announced)
        )
        raise RuleViolation(
            rule="notice-period",
            field="deadline",
            value=due.isoformat(),
            accepted=f"on or after {format_kst(proposal)}",
            suggestion=proposal,
            message=(
                f"{_describe(category, method, row)} needs a {row.days}-day notice period;"
                f" deadline {format_kst(due)} is too early, earliest deadline"
                f" {format_kst(proposal)}"
            ),
        )

    if check_clock_rules:
        if not is_on_the_hour(due):
            proposal = ceil_to_hour(due)
            raise RuleViolation(
                rule="deadline-on-the-hour",
                field="deadline",
                value=due.isoformat(),
                accepted="a deadline on the hour, e.g. " + format_kst(proposal),
                suggestion=proposal,
                message=(
                    f"deadline {due:%Y-%m-%d %H:%M:%S} KST is not on the hour; deadlines fall"
                    f" on the hour, e.g. {format_kst(proposal)}"
                ),
            )
        capacity = book.deadlines().tenders_per_hour
        load = tenders_in_deadline_hour
        if deadline_hour_loads is not None:
            known = {
                require_aware(h, "deadline_hour_loads"): n for h, n in deadline_hour_loads.items()
            }
            load = max(load, known.get(due, 0))
        if load >= capacity:
            free = (
                next_free_deadline_hour(due, deadline_hour_loads, capacity=capacity)
                if deadline_hour_loads is not None
                else None
            )
            proposal_text = (
                f"; the next free hour is {format_kst(free)}"
                if free is not None
                else "; choose another hour"
            )
            raise RuleViolation(
                rule="deadline-hour-capacity",
                field="deadline",
                value=due.isoformat(),
                accepted=f"an hour with fewer than {capacity:,} deadlines",
                suggestion=free,
                message=(
                    f"at most {capacity:,} tenders may share a deadline hour and"
                    f" {format_kst(due)} already has {load:,}{proposal_text}"
                ),
            )

    if opening <= due:
        proposal = due + ONE_HOUR
        raise RuleViolation(
            rule="opening-after-deadline",
            field="opening_at",
            value=opening.isoformat(),
            accepted=f"after the deadline {format_kst(due)}",
            suggestion=proposal,
            message=(
                f"opening {format_kst(opening)} must come after the deadline"
                f" {format_kst(due)}, e.g. {format_kst(proposal)}"
            ),
        )
