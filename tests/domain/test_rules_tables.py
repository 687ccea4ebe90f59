"""The rule tables themselves: every key resolves to exactly one row on every date."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from nara.domain.enums import AgencyKind, Category, Method, WorkType
from nara.domain.errors import RuleViolation
from nara.domain.rules import (
    BASELINE,
    BN,
    LOWER_LIMITS,
    NOTICE_PERIODS,
    TABLES,
    M,
    format_amount,
    rules_on,
)
from nara.domain.rules.doc import render

# Every date on which some row takes effect, the day before each, and the far future.
CHANGE_DAYS = sorted(
    {row.effective_from for rows in TABLES.values() for row in rows}
    | {
        date.fromordinal(row.effective_from.toordinal() - 1)
        for rows in TABLES.values()
        for row in rows
        if row.effective_from > BASELINE
    }
    | {date(2027, 12, 31), date(2030, 1, 1)}
)
# Every band edge, one won either side of it, and a few plain amounts.
EDGES = sorted(
    {
        edge + delta
        for rows in (NOTICE_PERIODS, LOWER_LIMITS)
        for row in rows
        for edge in (row.band.lower, row.band.upper or 0)
        for delta in (-1, 0, 1)
        if edge + delta > 0
    }
    | {1, 50 * M, 10**13}
)


@pytest.mark.parametrize("day", CHANGE_DAYS, ids=str)
def test_every_key_has_exactly_one_row_in_force(day: date) -> None:
    book = rules_on(day)
    for category in Category:
        for price in EDGES:
            for method in Method:
                for urgent in (False, True):
                    book.notice_period(
                        category=category, method=method, estimated_price=price, urgent=urgent
                    )
            for kind in AgencyKind:
                book.lower_limit(category=category, agency_kind=kind, estimated_price=price)
            book.qualification(category=category, estimated_price=price)
        book.reserve_rounding(category=category)
        book.negotiated(category=category)
        book.performance_guarantee(category=category)
        book.private_contract(category=category)
    for kind in AgencyKind:
        book.reserve_prices(agency_kind=kind)
    for work_type in WorkType:
        book.defect_guarantee(work_type=work_type)
    book.deadlines()
    book.predetermined_price()
    book.bid_guarantee()
    book.advance_payment()
    book.payment_terms()
    book.outage()


def test_every_row_names_its_source() -> None:
    for rows in TABLES.values():
        for row in rows:
            assert len(row.source) > 20, row


def test_before_the_tables_start_nothing_is_in_force() -> None:
    with pytest.raises(RuleViolation) as caught:
        rules_on(date(2024, 12, 31)).bid_guarantee()
    assert caught.value.rule == "rules-in-force"


def test_national_construction_lower_limits_change_on_2026_01_30() -> None:
    def rate(day: date, price: int) -> Decimal | None:
        return (
            rules_on(day)
            .lower_limit(
                category=Category.CONSTRUCTION,
                agency_kind=AgencyKind.NATIONAL,
                estimated_price=price,
            )
            .rate
        )

    before, after = date(2026, 1, 29), date(2026, 1, 30)
    assert [rate(before, p) for p in (100 * M, 500 * M, 3 * BN, 7 * BN, 20 * BN)] == [
        Decimal("87.745"),
        Decimal("87.745"),
        Decimal("86.745"),
        Decimal("85.495"),
        Decimal("79.995"),
    ]
    assert [rate(after, p) for p in (100 * M, 500 * M, 3 * BN, 7 * BN, 20 * BN)] == [
        Decimal("89.745"),
        Decimal("89.745"),
        Decimal("88.745"),
        Decimal("87.495"),
        Decimal("81.995"),
    ]
    assert rate(after, 30 * BN) is None  # comprehensive evaluation, no lower limit


def test_local_construction_lower_limits_rose_on_2025_07_01() -> None:
    def rate(day: date) -> Decimal | None:
        return (
            rules_on(day)
            .lower_limit(
                category=Category.CONSTRUCTION, agency_kind=AgencyKind.LOCAL, estimated_price=2 * BN
            )
            .rate
        )

    assert rate(date(2025, 6, 30)) == Decimal("86.745")
    assert rate(date(2025, 7, 1)) == Decimal("88.745")


def test_rules_on_reads_an_aware_datetime_on_the_seoul_clock() -> None:
    # 2026-01-29 15:30 UTC is 2026-01-30 00:30 KST: the new table applies.
    book = rules_on(datetime(2026, 1, 29, 15, 30, tzinfo=UTC))
    assert book.day == date(2026, 1, 30)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (5 * BN, "5 bn"),
        (30 * BN, "30 bn"),
        (500 * BN, "500 bn"),
        (8_800 * M, "8.8 bn"),
        (300 * M, "300 M"),
        (100 * M, "100 M"),
        (12_345, "12,345 KRW"),
    ],
)
def test_amounts_in_words(amount: int, words: str) -> None:
    assert format_amount(amount) == words


def test_docs_show_the_tables_the_code_uses() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    assert render() in docs.read_text(encoding="utf-8"), (
        "docs/rules.md is out of step with nara/domain/rules/;"
        " paste the output of `python -m nara.domain.rules.doc` into it"
    )
