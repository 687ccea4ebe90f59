"""Opening the sealed bids as one pure calculation (`nara.domain.opening.open_bids`).

`_as_the_activity_computes` below is the computation of the opening activity
(`TenderSteps.open_bids` in nara/activities/tender_steps.py), copied step for step
with its ORM rows replaced by plain objects and nothing stored: the tests prove that
`open_bids` gives exactly what the activity computes and stores, on any bids, terms
and seeds.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nara.domain import ranking, reserve_prices
from nara.domain.enums import AgencyKind, Category, Method
from nara.domain.errors import RuleViolation
from nara.domain.opening import (
    BidStatus,
    Opening,
    OpeningTerms,
    SealedBid,
    open_bids,
)
from nara.domain.ranking import meets_lower_limit
from nara.domain.rules import BN, M, rules_on


@dataclass
class _BidRow:
    """The columns of a `bid` row that the opening activity reads and writes."""

    business_no: str
    agent_id: str
    price: int
    reserve_picks: list[int]
    rank: int | None = None
    bid_rate: Decimal | None = None
    status: str = "sealed"


@dataclass
class _Stored:
    """What the activity writes: the opening_result row, the bid rows, the summary."""

    result: dict[str, Any]
    bids: list[tuple[str, int | None, Decimal | None, str]]
    below_limit_count: int
    audit: dict[str, Any] = field(default_factory=dict)


def _as_the_activity_computes(
    t: OpeningTerms, bids: list[_BidRow], reserve_seed: int, lottery_seed: int
) -> _Stored:
    on = t.announced_on
    draw = reserve_prices.draw_reserve_prices(
        base_amount=t.base_amount,
        category=t.category,
        agency_kind=t.agency_kind,
        seed=reserve_seed,
        on=on,
    )
    picks = [(b.reserve_picks[0], b.reserve_picks[1]) for b in bids]
    pp = reserve_prices.predetermined_price(draw=draw, picks=picks)
    rate: Decimal | None = None
    ranked = None
    row = rules_on(on).lower_limit(
        category=t.category, agency_kind=t.agency_kind, estimated_price=t.estimated_price
    )
    if t.method is not Method.NEGOTIATED and row.rate is not None:  # else scored later
        rate = ranking.lower_limit_rate(
            category=t.category,
            agency_kind=t.agency_kind,
            estimated_price=t.estimated_price,
            on=on,
        )
        ranked = ranking.rank_bids(
            bids=[ranking.BidPrice(bidder=b.business_no, price=b.price) for b in bids],
            predetermined_price=pp.price,
            lower_limit_rate=rate,
            seed=lottery_seed,
        )
    by_business = {b.business_no: b for b in bids}
    for bid in bids:
        bid.bid_rate = ranking.bid_rate(price=bid.price, predetermined_price=pp.price)
        bid.status = "opened"
    if ranked is not None:
        for r in ranked.candidates:
            row = by_business[r.bidder]
            row.rank, row.status = r.rank, "candidate"
        for r in ranked.below_limit:
            by_business[r.bidder].status = "below_limit"
    per_agent = Counter(b.agent_id for b in bids)
    flags = [
        f"agent {agent} submitted bids for {count} competing businesses"
        for agent, count in sorted(per_agent.items())
        if count > 1
    ]
    result = {
        "bid_count": len(bids),
        "reserve_seed": reserve_seed,
        "reserve_prices": list(draw.prices),
        "pick_counts": list(pp.pick_counts),
        "most_picked": list(pp.most_picked),
        "predetermined_price": pp.price if bids else None,
        "lower_limit_rate": rate,
        "lottery_seed": lottery_seed,
        "candidate_count": len(ranked.candidates) if ranked is not None else len(bids),
        "flags": {"signals": flags},
    }
    return _Stored(
        result=result,
        bids=[(b.business_no, b.rank, b.bid_rate, b.status) for b in bids],
        below_limit_count=sum(1 for b in bids if b.status == "below_limit"),
        audit={
            "bids": len(bids),
            "predetermined_price": result["predetermined_price"],
            "reserve_prices": list(draw.prices),
            "most_picked": list(pp.most_picked),
            "lower_limit_rate": str(rate),
            "flags": flags,
        },
    )


def _as_stored(opening: Opening, reserve_seed: int, lottery_seed: int) -> _Stored:
    """What the activity would write when it stores the result of `open_bids`."""
    return _Stored(
        result={
            "bid_count": opening.bid_count,
            "reserve_seed": reserve_seed,
            "reserve_prices": list(opening.draw.prices),
            "pick_counts": list(opening.predetermined.pick_counts),
            "most_picked": list(opening.most_picked),
            "predetermined_price": opening.predetermined_price,
            "lower_limit_rate": opening.lower_limit_rate,
            "lottery_seed": lottery_seed,
            "candidate_count": opening.candidate_count,
            "flags": {"signals": list(opening.flags)},
        },
        bids=[(b.business_no, b.rank, b.bid_rate, b.status.value) for b in opening.bids],
        below_limit_count=opening.below_limit_count,
        audit={
            "bids": opening.bid_count,
            "predetermined_price": opening.predetermined_price,
            "reserve_prices": list(opening.draw.prices),
            "most_picked": list(opening.most_picked),
            "lower_limit_rate": str(opening.lower_limit_rate),
            "flags": list(opening.flags),
        },
    )


def _rows(bids: list[SealedBid]) -> list[_BidRow]:
    return [
        _BidRow(
            business_no=b.business_no,
            agent_id=b.agent_id,
            price=b.price,
            reserve_picks=list(b.reserve_picks),
        )
        for b in bids
    ]


# ---- strategies ---------------------------------------------------------------------

ANY_DAY = st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31))
SEEDS = st.integers(min_value=0, max_value=2**63 - 1)
PICKS = st.lists(st.integers(1, 15), min_size=2, max_size=2, unique=True).map(
    lambda p: (p[0], p[1])
)


@st.composite
def terms(draw: st.DrawFn, *, methods: list[Method] | None = None) -> OpeningTerms:
    estimated = draw(
        st.one_of(
            st.integers(5 * M, 300 * M),
            st.integers(300 * M, 40 * BN),
            st.sampled_from([100 * M, 230 * M, 300 * M, 1 * BN, 5 * BN, 10 * BN, 30 * BN]),
        )
    )
    return OpeningTerms(
        category=draw(st.sampled_from(Category)),
        method=draw(st.sampled_from(methods or list(Method))),
        agency_kind=draw(st.sampled_from(AgencyKind)),
        estimated_price=estimated,
        base_amount=estimated * draw(st.integers(1000, 1100)) // 1000,
        announced_on=draw(ANY_DAY),
    )


@st.composite
def sealed_bids(draw: st.DrawFn, base_amount: int, *, max_size: int = 25) -> list[SealedBid]:
    """Bids from 75% to 105% of the base amount, some at one shared price (a tie)."""
    count = draw(st.integers(0, max_size))
    shared = base_amount * draw(st.integers(8_000, 9_500)) // 10_000
    agents = [f"person-{n}" for n in range(draw(st.integers(1, max(1, count))))]
    bids = []
    for n in range(count):
        price = draw(
            st.one_of(
                st.just(shared),
                st.integers(base_amount * 75 // 100, base_amount * 105 // 100),
            )
        )
        bids.append(
            SealedBid(
                business_no=f"{n + 100:03d}-81-{n:05d}",
                price=max(1, price),
                reserve_picks=draw(PICKS),
                agent_id=draw(st.sampled_from(agents)),
            )
        )
    return bids


@st.composite
def openings(
    draw: st.DrawFn, *, methods: list[Method] | None = None
) -> tuple[OpeningTerms, list[SealedBid], int, int]:
    t = draw(terms(methods=methods))
    return t, draw(sealed_bids(t.base_amount)), draw(SEEDS), draw(SEEDS)


RANKED = [Method.GENERAL, Method.LIMITED, Method.DESIGNATED]


def _open(t: OpeningTerms, bids: list[SealedBid], reserve_seed: int, lottery_seed: int) -> Opening:
    """`open_bids`, skipping terms the rules refuse (30 bn construction has no lower limit)."""
    try:
        return open_bids(terms=t, bids=bids, reserve_seed=reserve_seed, lottery_seed=lottery_seed)
    except RuleViolation:
        assume(False)
        raise


# ---- the same as the activity ---------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(openings())
def test_the_same_as_the_activity_computes(
    case: tuple[OpeningTerms, list[SealedBid], int, int],
) -> None:
    t, bids, reserve_seed, lottery_seed = case
    try:
        expected = _as_the_activity_computes(t, _rows(bids), reserve_seed, lottery_seed)
    except RuleViolation as refused:
        with pytest.raises(RuleViolation) as caught:
            open_bids(terms=t, bids=bids, reserve_seed=reserve_seed, lottery_seed=lottery_seed)
        assert (caught.value.rule, caught.value.field) == (refused.rule, refused.field)
        return
    opening = open_bids(terms=t, bids=bids, reserve_seed=reserve_seed, lottery_seed=lottery_seed)
    assert _as_stored(opening, reserve_seed, lottery_seed) == expected


def test_a_construction_tender_of_30_bn_opens_unranked_for_comprehensive_evaluation() -> None:
    t = OpeningTerms(
        category=Category.CONSTRUCTION,
        method=Method.GENERAL,
        agency_kind=AgencyKind.NATIONAL,
        estimated_price=30 * BN,
        base_amount=31 * BN,
        announced_on=date(2026, 3, 2),
    )
    bids = [
        SealedBid("101-81-00001", 28 * BN, (1, 2), "person-1"),
        SealedBid("101-81-00002", 27 * BN, (2, 3), "person-2"),
    ]
    opening = open_bids(terms=t, bids=bids, reserve_seed=1, lottery_seed=2)
    assert opening.lower_limit_rate is None and opening.ranking is None
    assert {b.status for b in opening.bids} == {BidStatus.OPENED}
    assert opening.candidate_count == 2  # every bid waits for the officer's scores
    assert _as_stored(opening, 1, 2) == _as_the_activity_computes(t, _rows(bids), 1, 2)


# ---- a worked opening ----------------------------------------------------------------

# The goods tender of test_worked_tender.py: estimated 150,000,000, base 165,000,000,
# announced 2026-03-02, both seeds 20260302. B05, B06 and B08 were sent by one agent.
WORKED_TERMS = OpeningTerms(
    category=Category.GOODS,
    method=Method.GENERAL,
    agency_kind=AgencyKind.NATIONAL,
    estimated_price=150_000_000,
    base_amount=165_000_000,
    announced_on=date(2026, 3, 2),
)
WORKED_BIDS = [
    SealedBid(bidder, price, picks, "agent-7" if bidder in ("B05", "B06", "B08") else bidder)
    for bidder, price, picks in [
        ("B01", 138_438_834, (3, 8)),
        ("B02", 138_438_835, (3, 9)),
        ("B03", 140_000_000, (8, 12)),
        ("B04", 140_000_000, (3, 12)),
        ("B05", 145_500_000, (5, 8)),
        ("B06", 150_000_000, (5, 9)),
        ("B07", 135_000_000, (12, 14)),
        ("B08", 160_000_000, (1, 5)),
        ("B09", 141_200_000, (9, 14)),
        ("B10", 139_990_000, (2, 6)),
        ("B11", 142_000_000, (7, 10)),
        ("B12", 155_000_000, (11, 15)),
    ]
]


def test_a_worked_opening() -> None:
    opening = open_bids(
        terms=WORKED_TERMS, bids=WORKED_BIDS, reserve_seed=20260302, lottery_seed=20260302
    )
    # Bands 3, 5, 8 and 9 are the most picked (band 12 ties and loses to the lower numbers):
    # (163,012,467 + 163,896,783 + 164,808,865 + 165,597,258) / 4 rounded up.
    assert opening.most_picked == (3, 5, 8, 9)
    assert opening.predetermined_price == 164_328_844
    assert opening.lower_limit_rate == Decimal("84.245")
    assert (opening.bid_count, opening.candidate_count, opening.below_limit_count) == (12, 10, 2)
    status = {b.business_no: (b.status, b.rank, b.bid_rate) for b in opening.bids}
    assert status["B07"] == (BidStatus.BELOW_LIMIT, None, Decimal("82.152"))
    assert status["B01"] == (BidStatus.BELOW_LIMIT, None, Decimal("84.244"))
    assert status["B02"] == (BidStatus.CANDIDATE, 1, Decimal("84.245"))
    assert status["B10"] == (BidStatus.CANDIDATE, 2, Decimal("85.188"))
    assert status["B08"] == (BidStatus.CANDIDATE, 10, Decimal("97.365"))
    assert {status["B03"][1], status["B04"][1]} == {3, 4}  # the tie lottery decides
    assert opening.flags == ("agent agent-7 submitted bids for 3 competing businesses",)
    assert opening.signals[0].business_nos == ("B05", "B06", "B08")


def test_a_negotiated_tender_is_opened_but_not_ranked() -> None:
    t = OpeningTerms(**{**WORKED_TERMS.__dict__, "method": Method.NEGOTIATED})
    opening = open_bids(terms=t, bids=WORKED_BIDS, reserve_seed=20260302, lottery_seed=1)
    assert opening.predetermined_price == 164_328_844
    assert opening.lower_limit_rate is None and opening.ranking is None
    assert {b.status for b in opening.bids} == {BidStatus.OPENED}
    assert all(b.rank is None for b in opening.bids)
    assert opening.candidate_count == 12 and opening.below_limit_count == 0


def test_no_bids_gives_no_predetermined_price() -> None:
    opening = open_bids(terms=WORKED_TERMS, bids=[], reserve_seed=5, lottery_seed=6)
    assert opening.predetermined_price is None
    assert opening.predetermined.fallback  # the 4 bands were drawn from the seed
    assert (opening.bid_count, opening.candidate_count, opening.flags) == (0, 0, ())
    assert len(opening.draw.prices) == 15


# ---- invariants ----------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(openings(methods=RANKED))
def test_the_ranking_is_a_permutation_of_the_bids_at_or_above_the_limit(
    case: tuple[OpeningTerms, list[SealedBid], int, int],
) -> None:
    opening = _open(*case)
    _, bids, _, _ = case
    assume(opening.ranking is not None)  # works of 30 bn or more are ranked after scoring
    assert opening.ranking is not None and opening.lower_limit_rate is not None
    pp = opening.predetermined.price
    rate = opening.lower_limit_rate
    eligible = [
        b.business_no
        for b in bids
        if meets_lower_limit(price=b.price, predetermined_price=pp, rate=rate)
    ]
    candidates = opening.ranking.candidates
    assert sorted(c.bidder for c in candidates) == sorted(eligible)
    assert [c.rank for c in candidates] == list(range(1, len(eligible) + 1))
    assert [c.price for c in candidates] == sorted(c.price for c in candidates)
    for c in candidates:
        assert meets_lower_limit(price=c.price, predetermined_price=pp, rate=rate)
        assert c.bid_rate >= rate
    for b in opening.ranking.below_limit:
        assert not meets_lower_limit(price=b.price, predetermined_price=pp, rate=rate)
    # Every bid has exactly one status, and the counts agree with it.
    by_status = Counter(b.status for b in opening.bids)
    assert by_status[BidStatus.CANDIDATE] == opening.candidate_count == len(eligible)
    assert by_status[BidStatus.BELOW_LIMIT] == opening.below_limit_count
    assert by_status[BidStatus.OPENED] == 0
    assert opening.candidate_count + opening.below_limit_count == len(bids)
    ranks = {c.bidder: c.rank for c in candidates}
    assert all(b.rank == ranks.get(b.business_no) for b in opening.bids)


@settings(max_examples=100, deadline=None)
@given(openings(), st.randoms(use_true_random=False))
def test_same_seeds_same_opening_whatever_the_order_of_the_bids(
    case: tuple[OpeningTerms, list[SealedBid], int, int], shuffler: random.Random
) -> None:
    t, bids, reserve_seed, lottery_seed = case
    first = _open(t, bids, reserve_seed, lottery_seed)
    assert _open(t, bids, reserve_seed, lottery_seed) == first
    shuffled = list(bids)
    shuffler.shuffle(shuffled)
    again = _open(t, shuffled, reserve_seed, lottery_seed)
    assert (again.draw, again.predetermined, again.ranking, again.flags) == (
        first.draw,
        first.predetermined,
        first.ranking,
        first.flags,
    )
    assert sorted(again.bids, key=lambda b: b.business_no) == sorted(
        first.bids, key=lambda b: b.business_no
    )


@settings(max_examples=100, deadline=None)
@given(openings())
def test_the_predetermined_price_is_the_mean_of_four_drawn_prices(
    case: tuple[OpeningTerms, list[SealedBid], int, int],
) -> None:
    opening = _open(*case)
    prices = opening.draw.prices
    chosen = [prices[band - 1] for band in opening.most_picked]
    assert len(set(opening.most_picked)) == 4
    assert sum(chosen) / 4 <= opening.predetermined.price < sum(chosen) / 4 + 1
    assert min(prices) <= opening.predetermined.price <= max(prices)
    assert sum(opening.predetermined.pick_counts) == 2 * opening.bid_count
