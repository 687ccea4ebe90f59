"""Qualification review of works with the A value: one test per worked example of
docs/rules.md ("Qualification review, worked examples"), and the formula's invariants."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nara.domain.a_value import A_VALUE_ITEMS, a_value
from nara.domain.enums import AgencyKind, Category
from nara.domain.errors import RuleViolation
from nara.domain.evaluation import qualification_price_score, qualification_review
from nara.domain.ranking import lower_limit_price, lower_limit_rate
from nara.domain.rules import BN, M, rules_on

ON_2026 = date(2026, 3, 2)  # the standard of 2026-01-30: reference 90%
ON_2025 = date(2025, 12, 1)  # before it: reference 88%


def review(
    estimated: int, predetermined: int, a: int, bid: int, capability: int, on: date = ON_2026
) -> tuple[Decimal, Decimal, Decimal, bool, bool]:
    r = qualification_review(
        category=Category.CONSTRUCTION,
        estimated_price=estimated,
        bid_price=bid,
        predetermined_price=predetermined,
        capability_score=capability,
        on=on,
        a_value=a,
    )
    assert r.total == r.price_score + r.capability_score
    return r.scored_rate, r.price_score, r.total, r.passed, r.fixed


# ---- the worked examples, one per band (national, announced 2026-03-02) --------------


def test_worked_example_under_300_m() -> None:
    # 90 price points, 20 x |90 - rate|, fixed 85 from 90.25%, pass mark 95.
    # (181,600,000 - 20,000,000) / (200,000,000 - 20,000,000) = 0.897777... -> 0.8978:
    # 90 - 20 x 0.22 = 85.6; + capability 10 = 95.6: passes.
    assert review(200 * M, 200_000_000, 20_000_000, 181_600_000, 10) == (
        Decimal("89.78"),
        Decimal("85.6"),
        Decimal("95.6"),
        True,
        False,
    )
    # 190,000,000: 170 / 180 = 0.9444 -> 94.44% >= 90.25%: the fixed 85 points exactly.
    assert review(200 * M, 200_000_000, 20_000_000, 190_000_000, 10)[1:] == (
        Decimal(85),
        Decimal(95),
        True,
        True,
    )


def test_worked_example_300_m_to_1_bn() -> None:
    # 80 points, 20 x |90 - rate|, pass 95 (capability out of 20).
    # 453,000,000: 403 / 450 = 0.89555... -> 89.56%: 80 - 8.8 = 71.2 + 20 = 91.2: fails.
    assert review(500 * M, 500_000_000, 50_000_000, 453_000_000, 20)[1:4] == (
        Decimal("71.2"),
        Decimal("91.2"),
        False,
    )
    # 454,000,000: 404 / 450 = 0.89777... -> 89.78%: 80 - 4.4 = 75.6 + 20 = 95.6: passes.
    assert review(500 * M, 500_000_000, 50_000_000, 454_000_000, 20)[1:4] == (
        Decimal("75.6"),
        Decimal("95.6"),
        True,
    )


def test_worked_example_1_to_5_bn() -> None:
    # 70 points, 4 x |90 - rate|, pass 95 (capability out of 30).
    # 2,680,000,000: 2,380 / 2,700 = 0.88148 -> 88.15%: 70 - 7.4 = 62.6 + 30 = 92.6: fails.
    assert review(3 * BN, 3 * BN, 300 * M, 2_680_000_000, 30)[1:4] == (
        Decimal("62.6"),
        Decimal("92.6"),
        False,
    )
    # 2,700,000,000: 2,400 / 2,700 = 0.88888 -> 88.89%: 70 - 4.44 = 65.56 + 30 = 95.56.
    assert review(3 * BN, 3 * BN, 300 * M, 2_700_000_000, 30)[1:4] == (
        Decimal("65.56"),
        Decimal("95.56"),
        True,
    )


def test_worked_example_5_to_10_bn() -> None:
    # 50 points, 2 x |90 - rate|, pass 95 (capability out of 50).
    # 6,200,000,000: 5,500 / 6,300 = 0.87301 -> 87.30%: 50 - 5.4 = 44.6 + 50 = 94.6: fails.
    assert review(7 * BN, 7 * BN, 700 * M, 6_200_000_000, 50)[1:4] == (
        Decimal("44.6"),
        Decimal("94.6"),
        False,
    )
    # 6,230,000,000: 5,530 / 6,300 = 0.87777 -> 87.78%: 50 - 4.44 = 45.56 + 50 = 95.56.
    assert review(7 * BN, 7 * BN, 700 * M, 6_230_000_000, 50)[1:4] == (
        Decimal("45.56"),
        Decimal("95.56"),
        True,
    )


def test_worked_example_10_to_30_bn() -> None:
    # 30 points, 1 x |90 - rate|, fixed 22 from 98%, pass 92 (capability out of 70).
    # 16,800,000,000: 14.8 / 18 = 0.82222 -> 82.22%: 30 - 7.78 = 22.22 + 70 = 92.22: passes.
    assert review(20 * BN, 20 * BN, 2 * BN, 16_800_000_000, 70)[1:4] == (
        Decimal("22.22"),
        Decimal("92.22"),
        True,
    )
    # 19,800,000,000: 17.8 / 18 -> 98.89% >= 98%: the fixed 22 points.
    assert review(20 * BN, 20 * BN, 2 * BN, 19_800_000_000, 70)[1:] == (
        Decimal(22),
        Decimal(92),
        True,
        True,
    )


def test_a_bid_is_scored_by_the_formula_of_its_date() -> None:
    # 178,000,000 under 300 M: (178 - 20) / 180 = 0.87777 -> 87.78%.
    # Announced 2025-12-01 (reference 88): 90 - 20 x 0.22 = 85.6, passes with 10.
    # Announced 2026-03-02 (reference 90): 90 - 20 x 2.22 = 45.6, fails.
    assert review(200 * M, 200_000_000, 20_000_000, 178_000_000, 10, ON_2025)[1:4] == (
        Decimal("85.6"),
        Decimal("95.6"),
        True,
    )
    assert review(200 * M, 200_000_000, 20_000_000, 178_000_000, 10, ON_2026)[1:4] == (
        Decimal("45.6"),
        Decimal("55.6"),
        False,
    )


def test_without_the_a_value_the_plain_rate_is_scored() -> None:
    # No A value: 181,600,000 / 200,000,000 = 90.80% -> fixed 85 (>= 90.25%).
    # With A = 20,000,000 the same bid scores 85.6 (first worked example).
    assert review(200 * M, 200_000_000, 0, 181_600_000, 10)[:2] == (Decimal("90.80"), Decimal(85))


def test_the_a_value_is_the_sum_of_its_items() -> None:
    items = dict.fromkeys(A_VALUE_ITEMS, 1_000_000)
    assert a_value(items, category=Category.CONSTRUCTION) == 7_000_000
    assert a_value({}) == 0
    with pytest.raises(RuleViolation) as caught:
        a_value({"lunch": 1})
    assert caught.value.rule == "a-value-items"
    with pytest.raises(RuleViolation):
        a_value({"national_pension": -1})
    with pytest.raises(RuleViolation):
        a_value({"national_pension": 1}, category=Category.GOODS)


def test_an_a_value_at_or_above_the_predetermined_price_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        review(200 * M, 200_000_000, 200_000_000, 190_000_000, 10)
    assert caught.value.rule == "a-value"


# ---- invariants ------------------------------------------------------------------------

BANDS = [200 * M, 500 * M, 3 * BN, 7 * BN, 20 * BN]
DAYS = [ON_2025, ON_2026]


@st.composite
def tenders(draw: st.DrawFn) -> tuple[int, int, int, date, AgencyKind]:
    estimated = draw(st.sampled_from(BANDS))
    predetermined = estimated * draw(st.integers(970, 1030)) // 1000
    a = predetermined * draw(st.integers(0, 300)) // 1000
    return (
        estimated,
        predetermined,
        a,
        draw(st.sampled_from(DAYS)),
        draw(st.sampled_from(AgencyKind)),
    )


def _score(t: tuple[int, int, int, date, AgencyKind], bid: int) -> Decimal:
    estimated, predetermined, a, on, kind = t
    return qualification_price_score(
        category=Category.CONSTRUCTION,
        estimated_price=estimated,
        bid_price=bid,
        predetermined_price=predetermined,
        on=on,
        agency_kind=kind,
        a_value=a,
    )[0]


@settings(max_examples=300, deadline=None)
@given(tenders(), st.integers(500, 1000), st.integers(500, 1000))
def test_monotone_in_price_on_each_side_of_the_reference(
    t: tuple[int, int, int, date, AgencyKind], x: int, y: int
) -> None:
    estimated, predetermined, a, on, kind = t
    row = rules_on(on).qualification(
        category=Category.CONSTRUCTION, estimated_price=estimated, agency_kind=kind
    )
    low, high = sorted((x, y))
    p_low = a + (predetermined - a) * low // 1000
    p_high = a + (predetermined - a) * high // 1000
    peak = a + (predetermined - a) * row.reference_rate / 100
    if p_high <= peak:  # below the reference a higher price scores at least as much
        assert _score(t, p_low) <= _score(t, p_high)
    if p_low >= peak:  # above it, no more
        assert _score(t, p_low) >= _score(t, p_high)


@settings(max_examples=300, deadline=None)
@given(tenders(), st.integers(1, 2000))
def test_the_score_stays_between_its_floor_and_its_points(
    t: tuple[int, int, int, date, AgencyKind], permille: int
) -> None:
    estimated, predetermined, _, on, kind = t
    row = rules_on(on).qualification(
        category=Category.CONSTRUCTION, estimated_price=estimated, agency_kind=kind
    )
    score = _score(t, max(1, predetermined * permille // 1000))
    assert row.min_price_points <= score <= row.price_points


@settings(max_examples=300, deadline=None)
@given(tenders(), st.integers(0, 10_000))
def test_the_fixed_score_region_is_exact(
    t: tuple[int, int, int, date, AgencyKind], spread: int
) -> None:
    estimated, predetermined, a, on, kind = t
    row = rules_on(on).qualification(
        category=Category.CONSTRUCTION, estimated_price=estimated, agency_kind=kind
    )
    assert row.fixed_score is not None and row.fixed_from_rate is not None
    start = lower_limit_price(
        predetermined_price=predetermined, rate=row.fixed_from_rate, a_value=a
    )
    bid = start + (predetermined - start) * spread // 10_000  # from the fixed rate up to 100%
    assert _score(t, bid) == row.fixed_score


@settings(max_examples=300, deadline=None)
@given(tenders())
def test_a_bid_at_the_lower_limit_with_full_capability_passes(
    t: tuple[int, int, int, date, AgencyKind],
) -> None:
    estimated, predetermined, a, on, kind = t
    rate = lower_limit_rate(
        category=Category.CONSTRUCTION, agency_kind=kind, estimated_price=estimated, on=on
    )
    bid = lower_limit_price(predetermined_price=predetermined, rate=rate, a_value=a)
    row = rules_on(on).qualification(
        category=Category.CONSTRUCTION, estimated_price=estimated, agency_kind=kind
    )
    result = qualification_review(
        category=Category.CONSTRUCTION,
        estimated_price=estimated,
        bid_price=bid,
        predetermined_price=predetermined,
        capability_score=row.capability_points,
        on=on,
        agency_kind=kind,
        a_value=a,
    )
    assert result.passed, (bid, result)
