"""Bid rates, lower limits and the candidate order."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nara.domain.enums import AgencyKind, Category
from nara.domain.errors import RuleViolation
from nara.domain.ranking import (
    BidPrice,
    bid_rate,
    lower_limit_price,
    lower_limit_rate,
    meets_lower_limit,
    rank_bids,
)
from nara.domain.rules import BN, M


def test_bid_rate_is_cut_not_rounded() -> None:
    # 87,999,999 / 100,000,000 = 87.999999% -> 87.999, not 88.000.
    assert bid_rate(price=87_999_999, predetermined_price=100_000_000) == Decimal("87.999")
    assert bid_rate(price=88_000_000, predetermined_price=100_000_000) == Decimal("88.000")
    # 1 / 3 = 33.333...% -> 33.333
    assert bid_rate(price=1, predetermined_price=3) == Decimal("33.333")


@pytest.mark.parametrize(
    ("category", "kind", "price", "on", "rate"),
    [
        (Category.CONSTRUCTION, AgencyKind.NATIONAL, 500 * M, date(2026, 1, 29), "87.745"),
        (Category.CONSTRUCTION, AgencyKind.NATIONAL, 500 * M, date(2026, 1, 30), "89.745"),
        (Category.CONSTRUCTION, AgencyKind.NATIONAL, 15 * BN, date(2025, 5, 1), "79.995"),
        (Category.CONSTRUCTION, AgencyKind.LOCAL, 7 * BN, date(2025, 7, 1), "87.495"),
        (Category.GOODS, AgencyKind.NATIONAL, 50 * M, date(2026, 3, 2), "84.245"),
        (Category.GOODS, AgencyKind.NATIONAL, 300 * M, date(2026, 3, 2), "80.495"),
        (Category.SERVICES, AgencyKind.LOCAL, 100 * M, date(2026, 3, 2), "87.745"),
    ],
)
def test_lower_limit_rates(
    category: Category, kind: AgencyKind, price: int, on: date, rate: str
) -> None:
    assert lower_limit_rate(
        category=category, agency_kind=kind, estimated_price=price, on=on
    ) == Decimal(rate)


@pytest.mark.parametrize("price", [1 * M, 100 * M, 230 * M, 10 * BN])
def test_sme_competitive_goods_have_88_percent_at_any_amount(price: int) -> None:
    for kind in AgencyKind:
        assert lower_limit_rate(
            category=Category.GOODS,
            agency_kind=kind,
            estimated_price=price,
            on=date(2026, 3, 2),
            sme_competitive=True,
        ) == Decimal("88.000")
    # The flag is about goods: services keep their own table.
    assert lower_limit_rate(
        category=Category.SERVICES,
        agency_kind=AgencyKind.NATIONAL,
        estimated_price=price,
        on=date(2026, 3, 2),
        sme_competitive=True,
    ) == lower_limit_rate(
        category=Category.SERVICES,
        agency_kind=AgencyKind.NATIONAL,
        estimated_price=price,
        on=date(2026, 3, 2),
    )


def test_the_lower_limit_with_an_a_value() -> None:
    # Predetermined 200,000,000, A 20,000,000, 89.745%: 20,000,000 + 180,000,000 x 0.89745
    # = 181,541,000 exactly; one won less is below the limit.
    rate = Decimal("89.745")
    assert lower_limit_price(predetermined_price=200_000_000, rate=rate, a_value=20_000_000) == (
        181_541_000
    )
    assert meets_lower_limit(
        price=181_541_000, predetermined_price=200_000_000, rate=rate, a_value=20_000_000
    )
    assert not meets_lower_limit(
        price=181_540_999, predetermined_price=200_000_000, rate=rate, a_value=20_000_000
    )
    # Without the A value the same bid is far above the plain limit of 179,490,000.
    assert lower_limit_price(predetermined_price=200_000_000, rate=rate) == 179_490_000


def test_no_lower_limit_for_comprehensive_evaluation() -> None:
    with pytest.raises(RuleViolation) as caught:
        lower_limit_rate(
            category=Category.CONSTRUCTION,
            agency_kind=AgencyKind.NATIONAL,
            estimated_price=30 * BN,
            on=date(2026, 3, 2),
        )
    assert "종합심사낙찰제" in str(caught.value)


def test_the_lower_limit_is_compared_exactly() -> None:
    # 87,745 / 100,000 = 87.745% exactly: qualifies; one won less does not.
    assert meets_lower_limit(price=87_745, predetermined_price=100_000, rate=Decimal("87.745"))
    assert not meets_lower_limit(price=87_744, predetermined_price=100_000, rate=Decimal("87.745"))


def test_ties_are_drawn_by_lottery_and_reproducible() -> None:
    bids = [BidPrice(f"B{i}", 95_000) for i in range(5)] + [BidPrice("low", 90_000)]
    first = rank_bids(
        bids=bids, predetermined_price=100_000, lower_limit_rate=Decimal("87.745"), seed=99
    )
    again = rank_bids(
        bids=list(reversed(bids)),
        predetermined_price=100_000,
        lower_limit_rate=Decimal("87.745"),
        seed=99,
    )
    assert first == again
    assert first.candidates[0].bidder == "low" and first.candidates[0].lottery is None
    assert sorted(b.lottery or 0 for b in first.candidates[1:]) == [1, 2, 3, 4, 5]
    other_seeds = {
        tuple(
            b.bidder
            for b in rank_bids(
                bids=bids, predetermined_price=100_000, lower_limit_rate=Decimal("87.745"), seed=s
            ).candidates
        )
        for s in range(20)
    }
    assert len(other_seeds) > 1  # the seed, not the input order, decides


def test_a_bidder_bids_once() -> None:
    with pytest.raises(RuleViolation) as caught:
        rank_bids(
            bids=[BidPrice("A", 95_000), BidPrice("A", 96_000)],
            predetermined_price=100_000,
            lower_limit_rate=Decimal("87.745"),
            seed=1,
        )
    assert caught.value.rule == "one-bid-per-bidder"


BIDS = st.lists(
    st.tuples(st.text(alphabet="ABCDEFGH", min_size=1, max_size=4), st.integers(50_000, 120_000)),
    max_size=40,
    unique_by=lambda bid: bid[0],
)


@settings(max_examples=80, deadline=None)
@given(
    BIDS,
    st.integers(80_000, 120_000),
    st.sampled_from(["79.995", "87.745", "89.745"]),
    st.integers(0, 2**64),
)
def test_ranking_is_a_total_order_and_below_limit_never_wins(
    raw: list[tuple[str, int]], predetermined: int, rate_text: str, seed: int
) -> None:
    rate = Decimal(rate_text)
    bids = [BidPrice(name, price) for name, price in raw]
    ranking = rank_bids(
        bids=bids, predetermined_price=predetermined, lower_limit_rate=rate, seed=seed
    )
    listed = ranking.candidates + ranking.below_limit
    assert sorted(b.bidder for b in listed) == sorted(b.bidder for b in bids)
    for group in (ranking.candidates, ranking.below_limit):
        assert [b.rank for b in group] == list(range(1, len(group) + 1))
        assert [b.price for b in group] == sorted(b.price for b in group)
    for bid in ranking.candidates:
        assert bid.price * 100 >= predetermined * rate
        assert bid.bid_rate >= rate
    for bid in ranking.below_limit:
        assert bid.price * 100 < predetermined * rate
        assert bid.bid_rate < rate
    # The same seed gives the same order whatever order the bids came in.
    shuffled = rank_bids(
        bids=list(reversed(bids)),
        predetermined_price=predetermined,
        lower_limit_rate=rate,
        seed=seed,
    )
    assert shuffled == ranking
