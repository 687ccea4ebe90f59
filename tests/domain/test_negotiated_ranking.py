"""Negotiated tenders: proposals ranked by technical + price score, not by lowest price."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from nara.domain.enums import Category
from nara.domain.evaluation import rank_negotiated

ON = date(2025, 11, 26)  # national default 80:20 (70:30 from 2026-01-02)


def test_worked_example_higher_total_beats_lower_price() -> None:
    # Services, weights 80:20; negotiation needs 85% of 80 = 68 technical points.
    # A: 100,000,000 KRW, technical 72 -> eligible
    # B:  90,000,000 KRW, technical 69 -> eligible
    # C:  80,000,000 KRW, technical 60 -> not eligible (below 68), so not ranked
    # Lowest eligible price = 90,000,000.
    # A: price score 20 x 90/100 = 18.0000; total 72 + 18 = 90.0000 -> rank 1
    # B: price score 20 x 90/90  = 20.0000; total 69 + 20 = 89.0000 -> rank 2
    ranked = rank_negotiated(
        category=Category.SERVICES,
        proposals=[("A", 100_000_000, 72), ("B", 90_000_000, 69), ("C", 80_000_000, 60)],
        on=ON,
        seed=1,
    )
    by = {p.bidder: p for p in ranked}
    assert (by["A"].rank, by["B"].rank, by["C"].rank) == (1, 2, None)
    assert by["A"].score.price_score == Decimal("18.0000")
    assert by["A"].score.total == Decimal("90.0000")
    assert by["B"].score.total == Decimal("89.0000")
    assert not by["C"].score.eligible
    assert [p.bidder for p in ranked] == ["A", "B", "C"]


proposal = st.tuples(
    st.integers(min_value=1_000_000, max_value=10**10),
    st.integers(min_value=0, max_value=80),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(proposal, min_size=1, max_size=12), st.integers(min_value=0, max_value=2**62))
def test_ranks_are_a_total_order_by_total_and_reproducible(
    props: list[tuple[int, int]], seed: int
) -> None:
    proposals = [(f"B{i:02d}", price, tech) for i, (price, tech) in enumerate(props)]
    ranked = rank_negotiated(category=Category.GOODS, proposals=proposals, on=ON, seed=seed)
    again = rank_negotiated(category=Category.GOODS, proposals=proposals, on=ON, seed=seed)
    assert ranked == again
    ranks = [p for p in ranked if p.rank is not None]
    assert [p.rank for p in ranks] == list(range(1, len(ranks) + 1))
    assert all(p.score.eligible for p in ranks)
    totals = [p.score.total for p in ranks]
    assert totals == sorted(totals, reverse=True)
