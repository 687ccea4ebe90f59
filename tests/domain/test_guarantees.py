"""Guarantee amounts and the advance-payment cap."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nara.domain.enums import Category, WorkType
from nara.domain.errors import RuleViolation
from nara.domain.guarantees import (
    advance_payment_cap,
    advance_payment_guarantee_amount,
    bid_guarantee_amount,
    check_advance_payment,
    defect_guarantee_amount,
    performance_guarantee_amount,
    performance_guarantee_days,
)

ON = date(2026, 3, 2)


def test_worked_examples() -> None:
    # Bid guarantee: 5% of 123,456,789 = 6,172,839.45 -> at least 6,172,840.
    assert bid_guarantee_amount(123_456_789) == 6_172_840
    assert bid_guarantee_amount(123_456_789, on=ON) == 6_172_840
    # Performance: goods 10% of 123,456,789 = 12,345,678.9 -> 12,345,679;
    # construction 15% of 1,000,000,001 = 150,000,000.15 -> 150,000,001.
    assert (
        performance_guarantee_amount(category=Category.GOODS, contract_amount=123_456_789, on=ON)
        == 12_345_679
    )
    assert (
        performance_guarantee_amount(category=Category.SERVICES, contract_amount=10_000, on=ON)
        == 1_000
    )
    assert (
        performance_guarantee_amount(
            category=Category.CONSTRUCTION, contract_amount=1_000_000_001, on=ON
        )
        == 150_000_001
    )
    assert performance_guarantee_days(on=ON) == 10
    # Defect guarantee on 2,000,000,000: bridges and tunnels 5% = 100,000,000;
    # roads and buildings 3% = 60,000,000; other works 2% = 40,000,000.
    amounts = [
        defect_guarantee_amount(work_type=w, contract_amount=2_000_000_000, on=ON)
        for w in (WorkType.BRIDGE_TUNNEL, WorkType.ROAD_BUILDING, WorkType.OTHER)
    ]
    assert amounts == [100_000_000, 60_000_000, 40_000_000]
    # Advance cap: 70% of 123,456,789 = 86,419,752.3 -> at most 86,419,752.
    assert advance_payment_cap(contract_amount=123_456_789, on=ON) == 86_419_752
    assert advance_payment_guarantee_amount(86_419_752) == 86_419_752


def test_an_advance_above_the_cap_is_refused() -> None:
    check_advance_payment(advance=70_000, contract_amount=100_000, on=ON)
    with pytest.raises(RuleViolation) as caught:
        check_advance_payment(advance=70_001, contract_amount=100_000, on=ON)
    assert caught.value.suggestion == 70_000
    assert "70%" in str(caught.value)


@pytest.mark.parametrize("amount", [-1, 1.5, True])
def test_amounts_must_be_whole_won(amount: object) -> None:
    with pytest.raises(RuleViolation):
        bid_guarantee_amount(amount)  # type: ignore[arg-type]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**14), st.sampled_from(list(Category)))
def test_guarantees_are_at_least_the_share_and_less_than_a_won_above(
    amount: int, category: Category
) -> None:
    bid = bid_guarantee_amount(amount, on=ON)
    assert bid * 100 >= amount * 5 > (bid - 1) * 100
    rate = 15 if category is Category.CONSTRUCTION else 10
    performance = performance_guarantee_amount(category=category, contract_amount=amount, on=ON)
    assert performance * 100 >= amount * rate > (performance - 1) * 100
    cap = advance_payment_cap(contract_amount=amount, on=ON)
    assert cap * 100 <= amount * 70 < (cap + 1) * 100
