"""Comprehensive evaluation of works of 30 bn or more: the worked example of docs/rules.md,
the tie rules and the invariants of the balanced price and the price score."""

from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nara.domain.comprehensive import (
    NonPriceScore,
    balanced_price,
    comprehensive_price_score,
    rank_comprehensive,
)
from nara.domain.enums import AgencyKind, AwardMethod, Category, Method
from nara.domain.errors import RuleViolation
from nara.domain.ranking import award_method, lottery_key
from nara.domain.rules import BN, rules_on

ON = date(2026, 3, 2)
PREDETERMINED = 50 * BN
ROW = rules_on(ON).comprehensive(agency_kind=AgencyKind.NATIONAL, estimated_price=45 * BN)


def test_works_of_30_bn_or_more_are_awarded_by_comprehensive_evaluation() -> None:
    def method(price: int, how: Method = Method.GENERAL) -> AwardMethod:
        return award_method(
            category=Category.CONSTRUCTION,
            method=how,
            agency_kind=AgencyKind.LOCAL,
            estimated_price=price,
            on=ON,
        )

    assert method(30 * BN - 1) is AwardMethod.QUALIFICATION
    assert method(30 * BN) is AwardMethod.COMPREHENSIVE
    assert method(30 * BN, Method.NEGOTIATED) is AwardMethod.NEGOTIATED


def test_worked_example() -> None:
    # Predetermined 50 bn; bids from 70% (35 bn) to 100% count for the balanced price:
    # A 40, B 41, C 42, D 43, E 44, F 46 (G 30 is below 70%, H 50.5 above 100%).
    # Six bids: the highest 40% (2: F, E) and the lowest 20% (1: A) are left out;
    # balanced price = (41 + 42 + 43) / 3 = 42 bn.
    # Price score = 50 x (1 - 2 x |bid - 42| / 42): C 50, B and D 47.6190, A and E 45.2381.
    bids = [
        ("A", 40 * BN),
        ("B", 41 * BN),
        ("C", 42 * BN),
        ("D", 43 * BN),
        ("E", 44 * BN),
        ("F", 46 * BN),
        ("G", 30 * BN),
        ("H", 50_500_000_000),
    ]
    scores = {
        "A": NonPriceScore(Decimal(45), Decimal(1)),
        "B": NonPriceScore(Decimal(47), Decimal("0.5")),
        "C": NonPriceScore(Decimal(48), Decimal(2)),
        "D": NonPriceScore(Decimal(49)),
        "E": NonPriceScore(Decimal(50)),
        "F": NonPriceScore(Decimal(50), Decimal(2)),
        "G": NonPriceScore(Decimal(50), Decimal(2)),
        "H": NonPriceScore(Decimal(50), Decimal(2)),
    }
    evaluation = rank_comprehensive(
        agency_kind=AgencyKind.NATIONAL,
        estimated_price=45 * BN,
        bids=bids,
        scores=scores,
        predetermined_price=PREDETERMINED,
        on=ON,
        seed=7,
    )
    assert evaluation.balanced_price == 42 * BN
    assert not evaluation.confirmed  # the table is marked unconfirmed; the tender still runs
    table = {s.bidder: (s.price_score, s.total, s.rank) for s in evaluation.scores}
    assert table == {
        "C": (Decimal("50.0000"), Decimal("100.0000"), 1),
        "D": (Decimal("47.6190"), Decimal("96.6190"), 2),
        "E": (Decimal("45.2381"), Decimal("95.2381"), 3),
        "B": (Decimal("47.6190"), Decimal("95.1190"), 4),
        "F": (Decimal("40.4762"), Decimal("92.4762"), 5),
        "A": (Decimal("45.2381"), Decimal("91.2381"), 6),
        "G": (Decimal("21.4286"), Decimal("73.4286"), 7),
        "H": (Decimal("29.7619"), Decimal("81.7619"), None),  # above the predetermined price
    }
    assert evaluation.winner is not None and evaluation.winner.bidder == "C"


def test_ties_go_to_non_price_points_then_the_lower_price_then_the_lottery() -> None:
    # Balanced price of 40 and 44 (two bids: nothing trimmed) = 42 bn.
    # X at 40 and Y at 44 both score 45.2381 for price; X has 50 capability, Y 48 + 2 social:
    # equal totals and equal non-price points, so the lower price (X) wins.
    scores = {"X": NonPriceScore(Decimal(50)), "Y": NonPriceScore(Decimal(48), Decimal(2))}
    bids = [("X", 40 * BN), ("Y", 44 * BN)]
    ranked = rank_comprehensive(
        agency_kind=AgencyKind.NATIONAL,
        estimated_price=45 * BN,
        bids=bids,
        scores=scores,
        predetermined_price=PREDETERMINED,
        on=ON,
        seed=1,
    )
    assert [(s.bidder, s.total, s.rank) for s in ranked.scores] == [
        ("X", Decimal("95.2381"), 1),
        ("Y", Decimal("95.2381"), 2),
    ]
    # Equal totals, different non-price points: the worked example's bids A-F give the
    # balanced price 42 bn. C at 42 bn scores
    # 50 for price + 40 = 90; D at 43 bn 47.6190 + 42.3810 = 90.0000 as well: D's higher
    # non-price points win, although C bid the balanced price itself.
    six = [
        ("A", 40 * BN),
        ("B", 41 * BN),
        ("C", 42 * BN),
        ("D", 43 * BN),
        ("E", 44 * BN),
        ("F", 46 * BN),
    ]
    points = {b: NonPriceScore(Decimal(0)) for b, _ in six}
    points["C"] = NonPriceScore(Decimal(40))
    points["D"] = NonPriceScore(Decimal("42.3810"))
    ranked = rank_comprehensive(
        agency_kind=AgencyKind.NATIONAL,
        estimated_price=45 * BN,
        bids=six,
        scores=points,
        predetermined_price=PREDETERMINED,
        on=ON,
        seed=1,
    )
    assert ranked.balanced_price == 42 * BN
    assert [(s.bidder, s.total) for s in ranked.scores[:2]] == [
        ("D", Decimal("90.0000")),
        ("C", Decimal("90.0000")),
    ]
    # Same price, same points: the seeded lottery decides, reproducibly.
    same = [("P", 42 * BN), ("Q", 42 * BN)]
    even = {"P": NonPriceScore(Decimal(40)), "Q": NonPriceScore(Decimal(40))}
    for seed in range(5):
        winner = rank_comprehensive(
            agency_kind=AgencyKind.LOCAL,
            estimated_price=45 * BN,
            bids=same,
            scores=even,
            predetermined_price=PREDETERMINED,
            on=ON,
            seed=seed,
        ).winner
        expected = min("PQ", key=lambda b: lottery_key(seed, 42 * BN, b))
        assert winner is not None and winner.bidder == expected


def test_every_bid_needs_one_score_within_its_points() -> None:
    bids = [("X", 40 * BN), ("Y", 44 * BN)]
    with pytest.raises(RuleViolation) as caught:
        rank_comprehensive(
            agency_kind=AgencyKind.NATIONAL,
            estimated_price=45 * BN,
            bids=bids,
            scores={"X": NonPriceScore(Decimal(50))},
            predetermined_price=PREDETERMINED,
            on=ON,
            seed=1,
        )
    assert caught.value.rule == "one-score-per-bid" and "missing Y" in str(caught.value)
    with pytest.raises(RuleViolation) as caught:
        rank_comprehensive(
            agency_kind=AgencyKind.LOCAL,  # no social points under the local table
            estimated_price=45 * BN,
            bids=bids,
            scores={"X": NonPriceScore(Decimal(50)), "Y": NonPriceScore(Decimal(40), Decimal(1))},
            predetermined_price=PREDETERMINED,
            on=ON,
            seed=1,
        )
    assert caught.value.rule == "score" and caught.value.field == "scores.Y.social"


PRICES = st.lists(st.integers(30 * BN, 55 * BN), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(PRICES)
def test_the_balanced_price_lies_among_the_counted_bids(prices: list[int]) -> None:
    balanced = balanced_price(prices=prices, predetermined_price=PREDETERMINED, row=ROW)
    counted = [p for p in prices if 35 * BN <= p <= PREDETERMINED]
    if not counted:
        assert balanced == PREDETERMINED
    else:
        assert min(counted) <= balanced <= max(counted)
    # The order the bids arrive in does not matter.
    assert balanced_price(prices=prices[::-1], predetermined_price=PREDETERMINED, row=ROW) == (
        balanced
    )


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 100 * BN), st.integers(1, 100 * BN), st.integers(30 * BN, 50 * BN))
def test_the_price_score_falls_with_the_distance_from_the_balanced_price(
    a: int, b: int, balanced: int
) -> None:
    near, far = sorted((a, b), key=lambda p: abs(p - balanced))
    s_near = comprehensive_price_score(price=near, balanced=balanced, row=ROW)
    s_far = comprehensive_price_score(price=far, balanced=balanced, row=ROW)
    assert s_near >= s_far
    assert ROW.min_price_points <= s_far <= s_near <= ROW.price_points
    assert comprehensive_price_score(price=balanced, balanced=balanced, row=ROW) == ROW.price_points


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(30 * BN, 55 * BN), st.integers(0, 50), st.integers(0, 2)),
        min_size=1,
        max_size=12,
    ),
    st.integers(0, 2**62),
)
def test_the_winner_has_the_highest_total_among_bids_that_may_win(
    entries: list[tuple[int, int, int]], seed: int
) -> None:
    bids = [(f"b{n}", price) for n, (price, _, _) in enumerate(entries)]
    scores = {
        f"b{n}": NonPriceScore(Decimal(cap), Decimal(social))
        for n, (_, cap, social) in enumerate(entries)
    }
    result = rank_comprehensive(
        agency_kind=AgencyKind.NATIONAL,
        estimated_price=45 * BN,
        bids=bids,
        scores=scores,
        predetermined_price=PREDETERMINED,
        on=ON,
        seed=seed,
    )
    ranked = [s for s in result.scores if s.rank is not None]
    assert [s.rank for s in ranked] == list(range(1, len(ranked) + 1))
    assert {s.bidder for s in ranked} == {b for b, p in bids if p <= PREDETERMINED}
    assert all(x.total >= y.total for x, y in pairwise(ranked))
