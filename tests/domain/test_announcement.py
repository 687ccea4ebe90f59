"""Announcement checks: notice period, deadline on the hour, hourly capacity, opening."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nara.domain.announcement import check_announcement, minimum_notice_days
from nara.domain.clock import SEOUL
from nara.domain.enums import AgencyKind, Category, Method
from nara.domain.errors import RuleViolation
from nara.domain.rules import BN, M


def kst(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SEOUL)


ON = date(2026, 3, 2)


NATIONAL, LOCAL = AgencyKind.NATIONAL, AgencyKind.LOCAL


@pytest.mark.parametrize(
    ("kind", "category", "method", "price", "urgent", "days"),
    [
        # State Contracts Act decree art. 35.
        (NATIONAL, Category.GOODS, Method.GENERAL, 50 * M, False, 7),
        (NATIONAL, Category.SERVICES, Method.LIMITED, 5 * BN, False, 7),
        (NATIONAL, Category.CONSTRUCTION, Method.GENERAL, 1 * BN - 1, False, 7),
        (NATIONAL, Category.CONSTRUCTION, Method.GENERAL, 1 * BN, False, 15),
        (NATIONAL, Category.CONSTRUCTION, Method.DESIGNATED, 5 * BN - 1, False, 15),
        (NATIONAL, Category.CONSTRUCTION, Method.GENERAL, 5 * BN, False, 40),
        (NATIONAL, Category.CONSTRUCTION, Method.GENERAL, 8_800 * M, False, 40),
        (NATIONAL, Category.SERVICES, Method.NEGOTIATED, 100 * M - 1, False, 40),
        (NATIONAL, Category.SERVICES, Method.NEGOTIATED, 1 * BN, False, 40),
        (NATIONAL, Category.SERVICES, Method.NEGOTIATED, 1 * BN, True, 10),
        (NATIONAL, Category.CONSTRUCTION, Method.GENERAL, 20 * BN, True, 5),
        (NATIONAL, Category.GOODS, Method.PRIVATE, 10 * M, False, 0),
        # Local Contracts Act decree art. 33 and 43.
        (LOCAL, Category.GOODS, Method.GENERAL, 50 * M, False, 7),
        (LOCAL, Category.CONSTRUCTION, Method.GENERAL, 1 * BN - 1, False, 7),
        (LOCAL, Category.CONSTRUCTION, Method.GENERAL, 1 * BN, False, 15),
        (LOCAL, Category.CONSTRUCTION, Method.GENERAL, 5 * BN, False, 30),
        (LOCAL, Category.CONSTRUCTION, Method.GENERAL, 8_800 * M - 1, False, 30),
        (LOCAL, Category.CONSTRUCTION, Method.GENERAL, 8_800 * M, False, 40),
        (LOCAL, Category.SERVICES, Method.NEGOTIATED, 100 * M - 1, False, 10),
        (LOCAL, Category.SERVICES, Method.NEGOTIATED, 100 * M, False, 20),
        (LOCAL, Category.SERVICES, Method.NEGOTIATED, 1 * BN, False, 40),
        (LOCAL, Category.SERVICES, Method.NEGOTIATED, 1 * BN, True, 10),
        (LOCAL, Category.CONSTRUCTION, Method.GENERAL, 20 * BN, True, 5),
    ],
)
def test_minimum_notice_days_by_the_agencys_law(
    kind: AgencyKind, category: Category, method: Method, price: int, urgent: bool, days: int
) -> None:
    assert (
        minimum_notice_days(
            category=category,
            method=method,
            estimated_price=price,
            urgent=urgent,
            on=ON,
            agency_kind=kind,
        )
        == days
    )


def test_notice_period_message_names_rule_value_and_earliest_deadline() -> None:
    # Construction of 6 bn announced 2026-11-28 10:00 needs 30 days:
    # 2026-11-28 10:00 + 30 days = 2026-12-28 10:00.
    with pytest.raises(RuleViolation) as caught:
        check_announcement(
            category=Category.CONSTRUCTION,
            method=Method.GENERAL,
            estimated_price=6 * BN,
            announced_at=kst(2026, 11, 28, 10),
            deadline=kst(2026, 12, 21, 10),
            opening_at=kst(2026, 12, 21, 11),
            agency_kind=AgencyKind.LOCAL,
        )
    error = caught.value
    assert error.rule == "notice-period"
    assert error.field == "deadline"
    assert error.suggestion == kst(2026, 12, 28, 10)
    assert str(error) == (
        "general competitive construction 5 bn to under 8.8 bn (local law) needs a 30-day"
        " notice period;"
        " deadline 2026-12-21 10:00 KST is too early, earliest deadline 2026-12-28 10:00 KST"
    )


def test_earliest_deadline_is_rounded_up_to_the_hour() -> None:
    # Announced 09:20; 7 days later is 09:20, so the earliest deadline on the hour is 10:00.
    with pytest.raises(RuleViolation) as caught:
        check_announcement(
            category=Category.GOODS,
            method=Method.GENERAL,
            estimated_price=50 * M,
            announced_at=kst(2026, 3, 2, 9, 20),
            deadline=kst(2026, 3, 9, 9),
            opening_at=kst(2026, 3, 9, 10),
        )
    assert caught.value.suggestion == kst(2026, 3, 9, 10)


def test_exactly_the_minimum_notice_is_enough() -> None:
    check_announcement(
        category=Category.CONSTRUCTION,
        method=Method.GENERAL,
        estimated_price=6 * BN,
        announced_at=kst(2026, 11, 28, 10),
        deadline=kst(2026, 12, 28, 10),
        opening_at=kst(2026, 12, 28, 11),
        agency_kind=AgencyKind.LOCAL,
    )


def test_the_same_works_need_40_days_under_the_national_decree() -> None:
    # State decree art. 35: works of 5 bn or more without a site briefing, 40 days; the
    # 30-day deadline a local government may set is too early for a national agency.
    with pytest.raises(RuleViolation) as caught:
        check_announcement(
            category=Category.CONSTRUCTION,
            method=Method.GENERAL,
            estimated_price=6 * BN,
            announced_at=kst(2026, 11, 28, 10),
            deadline=kst(2026, 12, 28, 10),
            opening_at=kst(2026, 12, 28, 11),
        )
    assert caught.value.suggestion == kst(2027, 1, 7, 10)
    assert "(national law) needs a 40-day notice period" in str(caught.value)


def test_the_announcement_date_picks_the_rules() -> None:
    # The notice period is judged on the KST announcement date; the tables start 2025-01-01.
    with pytest.raises(RuleViolation) as caught:
        check_announcement(
            category=Category.GOODS,
            method=Method.GENERAL,
            estimated_price=50 * M,
            announced_at=kst(2024, 12, 31, 10),
            deadline=kst(2025, 1, 10, 10),
            opening_at=kst(2025, 1, 10, 11),
        )
    assert caught.value.rule == "rules-in-force"


def test_deadline_must_be_on_the_hour() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_announcement(
            category=Category.GOODS,
            method=Method.GENERAL,
            estimated_price=50 * M,
            announced_at=kst(2026, 3, 2, 10),
            deadline=kst(2026, 3, 10, 10, 30),
            opening_at=kst(2026, 3, 10, 11),
        )
    assert caught.value.rule == "deadline-on-the-hour"
    assert caught.value.suggestion == kst(2026, 3, 10, 11)
    # The compressed-time demo may skip the clock rules.
    check_announcement(
        category=Category.GOODS,
        method=Method.GENERAL,
        estimated_price=50 * M,
        announced_at=kst(2026, 3, 2, 10),
        deadline=kst(2026, 3, 10, 10, 30),
        opening_at=kst(2026, 3, 10, 11),
        check_clock_rules=False,
        tenders_in_deadline_hour=5_000,
    )


def test_hourly_capacity_proposes_the_next_free_hour() -> None:
    # 10:00 and 11:00 on Tue 2026-03-10 are full (1,500 each); 12:00 has 1,499: one slot left.
    loads = {kst(2026, 3, 10, 10): 1_500, kst(2026, 3, 10, 11): 1_500, kst(2026, 3, 10, 12): 1_499}
    with pytest.raises(RuleViolation) as caught:
        check_announcement(
            category=Category.GOODS,
            method=Method.GENERAL,
            estimated_price=50 * M,
            announced_at=kst(2026, 3, 2, 10),
            deadline=kst(2026, 3, 10, 10),
            opening_at=kst(2026, 3, 10, 11),
            deadline_hour_loads=loads,
        )
    assert caught.value.rule == "deadline-hour-capacity"
    assert caught.value.suggestion == kst(2026, 3, 10, 12)
    assert str(caught.value) == (
        "at most 1,500 tenders may share a deadline hour and 2026-03-10 10:00 KST already has"
        " 1,500; the next free hour is 2026-03-10 12:00 KST"
    )


def test_hourly_capacity_skips_evenings_and_holidays() -> None:
    # Fri 2026-09-18 17:00 and 18:00 are full: the next free working hour is Mon 21 Sep 09:00.
    loads = {kst(2026, 9, 18, 17): 1_500, kst(2026, 9, 18, 18): 1_500}
    with pytest.raises(RuleViolation) as caught:
        check_announcement(
            category=Category.GOODS,
            method=Method.GENERAL,
            estimated_price=50 * M,
            announced_at=kst(2026, 9, 1, 10),
            deadline=kst(2026, 9, 18, 17),
            opening_at=kst(2026, 9, 18, 18),
            deadline_hour_loads=loads,
        )
    assert caught.value.suggestion == kst(2026, 9, 21, 9)


def test_hourly_capacity_without_loads_still_refuses() -> None:
    check_announcement(
        category=Category.GOODS,
        method=Method.GENERAL,
        estimated_price=50 * M,
        announced_at=kst(2026, 3, 2, 10),
        deadline=kst(2026, 3, 10, 10),
        opening_at=kst(2026, 3, 10, 11),
        tenders_in_deadline_hour=1_499,
    )
    with pytest.raises(RuleViolation) as caught:
        check_announcement(
            category=Category.GOODS,
            method=Method.GENERAL,
            estimated_price=50 * M,
            announced_at=kst(2026, 3, 2, 10),
            deadline=kst(2026, 3, 10, 10),
            opening_at=kst(2026, 3, 10, 11),
            tenders_in_deadline_hour=1_500,
        )
    assert caught.value.suggestion is None
    assert "choose another hour" in str(caught.value)


def test_opening_must_follow_the_deadline() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_announcement(
            category=Category.GOODS,
            method=Method.GENERAL,
            estimated_price=50 * M,
            announced_at=kst(2026, 3, 2, 10),
            deadline=kst(2026, 3, 10, 10),
            opening_at=kst(2026, 3, 10, 10),
        )
    assert caught.value.rule == "opening-after-deadline"
    assert caught.value.suggestion == kst(2026, 3, 10, 11)


@pytest.mark.parametrize("naive", ["announced_at", "deadline", "opening_at"])
def test_naive_datetimes_are_refused(naive: str) -> None:
    times = {
        "announced_at": kst(2026, 3, 2, 10),
        "deadline": kst(2026, 3, 10, 10),
        "opening_at": kst(2026, 3, 10, 11),
    }
    times[naive] = times[naive].replace(tzinfo=None)
    with pytest.raises(RuleViolation) as caught:
        check_announcement(
            category=Category.GOODS,
            method=Method.GENERAL,
            estimated_price=50 * M,
            announced_at=times["announced_at"],
            deadline=times["deadline"],
            opening_at=times["opening_at"],
        )
    assert caught.value.field == naive


@pytest.mark.parametrize("price", [0, -1])
def test_estimated_price_must_be_positive(price: int) -> None:
    with pytest.raises(RuleViolation):
        minimum_notice_days(
            category=Category.GOODS,
            method=Method.GENERAL,
            estimated_price=price,
            urgent=False,
            on=ON,
        )


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(list(Category)),
    st.sampled_from(list(Method)),
    st.integers(1, 50 * BN),
    st.booleans(),
    st.integers(0, 50 * 24),
)
def test_a_proposed_deadline_is_accepted(
    category: Category, method: Method, price: int, urgent: bool, hours_after: int
) -> None:
    announced = kst(2026, 3, 2, 10) + timedelta(hours=hours_after)
    deadline = announced + timedelta(hours=1)
    try:
        check_announcement(
            category=category,
            method=method,
            estimated_price=price,
            announced_at=announced,
            deadline=deadline,
            opening_at=deadline + timedelta(hours=1),
            urgent=urgent,
        )
        return
    except RuleViolation as error:
        proposal = error.suggestion
    assert isinstance(proposal, datetime)
    check_announcement(
        category=category,
        method=method,
        estimated_price=price,
        announced_at=announced,
        deadline=proposal,
        opening_at=proposal + timedelta(hours=1),
        urgent=urgent,
    )
