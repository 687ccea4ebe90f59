"""Qualification review, negotiated scores, failed tenders and private contracts."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nara.domain.enums import AgencyKind, Category, Method
from nara.domain.errors import RuleViolation
from nara.domain.evaluation import (
    negotiated_score,
    private_contract_allowed,
    qualification_review,
    tender_failed,
)
from nara.domain.rules import M

ON = date(2026, 3, 2)
ON_2025 = date(2025, 12, 1)


def review(bid: int, capability: Decimal | int, *, estimated: int = 500 * M) -> Decimal:
    result = qualification_review(
        category=Category.CONSTRUCTION,
        estimated_price=estimated,
        bid_price=bid,
        predetermined_price=100_000_000,
        capability_score=capability,
        on=ON,
    )
    assert result.total == result.price_score + result.capability_score
    assert result.passed is (result.total >= result.pass_mark)
    return result.total


def test_qualification_worked_example_of_goods() -> None:
    # Goods: 30 price points, pass mark 85, no A value; predetermined 100,000,000.
    # Bid 88,500,000: 88.50%; 30 - 2 x |88 - 88.5| = 29; + capability 56 = 85: passes.
    result = qualification_review(
        category=Category.GOODS,
        estimated_price=100 * M,
        bid_price=88_500_000,
        predetermined_price=100_000_000,
        capability_score=56,
        on=ON,
    )
    assert (result.price_score, result.total, result.pass_mark, result.passed) == (
        Decimal(29),
        Decimal(85),
        Decimal(85),
        True,
    )
    # Bid 50,000,000: 30 - 2 x 38 = -46, floored at the minimum of 2 points.
    assert (
        qualification_review(
            category=Category.GOODS,
            estimated_price=100 * M,
            bid_price=50_000_000,
            predetermined_price=100_000_000,
            capability_score=0,
            on=ON,
        ).price_score
        == 2
    )


@pytest.mark.parametrize("capability", [71, -1, 65.0, True])
def test_capability_out_of_range_or_float_is_refused(capability: object) -> None:
    with pytest.raises(RuleViolation) as caught:
        review(88_000_000, capability)  # type: ignore[arg-type]
    assert caught.value.field == "capability_score"


def test_negotiated_default_weights_by_law_and_date() -> None:
    def weights(on: date, kind: AgencyKind) -> tuple[int, int]:
        score = negotiated_score(
            category=Category.SERVICES,
            technical_score=0,
            bid_price=1,
            lowest_price=1,
            on=on,
            agency_kind=kind,
        )
        return score.technical_weight, score.price_weight

    assert weights(date(2026, 1, 1), AgencyKind.NATIONAL) == (80, 20)
    assert weights(date(2026, 1, 2), AgencyKind.NATIONAL) == (70, 30)
    assert weights(date(2026, 1, 2), AgencyKind.LOCAL) == (80, 20)


def test_negotiated_score_worked_example() -> None:
    # 80:20 (national, before 2026-01-02). Technical 72 of 80 (90% >= 85%: eligible).
    # Lowest 900,000,000, this 1,000,000,000:
    # price score 20 x 900,000,000 / 1,000,000,000 = 18.0000; total 90.0000.
    score = negotiated_score(
        category=Category.SERVICES,
        technical_score=72,
        bid_price=1_000 * M,
        lowest_price=900 * M,
        on=ON_2025,
    )
    assert (score.technical_weight, score.price_weight) == (80, 20)
    assert (score.price_score, score.total, score.eligible) == (
        Decimal("18.0000"),
        Decimal("90.0000"),
        True,
    )
    # This 970,000,000: 20 x 900 / 970 = 18.556701... -> cut to 18.5567.
    # Technical 67 of 80 is 83.75% < 85%: not eligible for negotiation.
    score = negotiated_score(
        category=Category.SERVICES,
        technical_score=67,
        bid_price=970 * M,
        lowest_price=900 * M,
        on=ON_2025,
    )
    assert (score.price_score, score.eligible) == (Decimal("18.5567"), False)
    # The lowest bid gets the whole price weight: 60:40 -> 40.
    score = negotiated_score(
        category=Category.GOODS,
        technical_score=Decimal("51"),
        bid_price=900 * M,
        lowest_price=900 * M,
        on=ON,
        technical_weight=60,
    )
    assert (score.price_score, score.eligible) == (Decimal("40.0000"), True)  # 51/60 = 85%


@pytest.mark.parametrize("weight", [55, 95])
def test_negotiated_weights_outside_90_10_to_60_40_are_refused(weight: int) -> None:
    with pytest.raises(RuleViolation) as caught:
        negotiated_score(
            category=Category.GOODS,
            technical_score=50,
            bid_price=100,
            lowest_price=100,
            on=ON,
            technical_weight=weight,
        )
    assert caught.value.rule == "negotiated-weights"


def test_lowest_price_above_this_price_is_refused() -> None:
    with pytest.raises(RuleViolation):
        negotiated_score(
            category=Category.GOODS, technical_score=50, bid_price=100, lowest_price=101, on=ON
        )


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 10**12), st.integers(1, 10**12), st.integers(60, 90))
def test_price_score_never_exceeds_the_price_weight(a: int, b: int, weight: int) -> None:
    lowest, price = sorted((a, b))
    score = negotiated_score(
        category=Category.GOODS,
        technical_score=0,
        bid_price=price,
        lowest_price=lowest,
        on=ON,
        technical_weight=weight,
    )
    assert 0 <= score.price_score <= 100 - weight


@pytest.mark.parametrize(
    ("method", "valid_bids", "failed"),
    [
        (Method.GENERAL, 0, True),
        (Method.GENERAL, 1, True),
        (Method.GENERAL, 2, False),
        (Method.LIMITED, 1, True),
        (Method.DESIGNATED, 1, True),
        (Method.NEGOTIATED, 1, True),
        (Method.PRIVATE, 0, True),
        (Method.PRIVATE, 1, False),
    ],
)
def test_failed_tenders(method: Method, valid_bids: int, failed: bool) -> None:
    assert tender_failed(method=method, valid_bids=valid_bids) is failed


def test_private_contract_after_the_re_announcement_fails() -> None:
    # Round 0 fails: re-announce. Round 1 fails too: private contract allowed.
    assert not private_contract_allowed(round=0, failed_rounds=1)
    assert private_contract_allowed(round=1, failed_rounds=2)
    assert private_contract_allowed(round=2, failed_rounds=3)
    # Round 1 still open after one failure: not yet.
    assert not private_contract_allowed(round=1, failed_rounds=1)
    with pytest.raises(RuleViolation):
        private_contract_allowed(round=0, failed_rounds=2)


def test_private_contract_below_the_small_value_threshold() -> None:
    assert private_contract_allowed(
        round=0, failed_rounds=0, category=Category.GOODS, estimated_price=20 * M, on=ON
    )
    assert not private_contract_allowed(
        round=0, failed_rounds=0, category=Category.GOODS, estimated_price=20 * M + 1, on=ON
    )
    assert private_contract_allowed(
        round=0, failed_rounds=0, category=Category.CONSTRUCTION, estimated_price=160 * M, on=ON
    )
