"""Derived values fit their columns for every input the API accepts.

The API bounds money to 1..MAX_KRW and a bid to BID_PRICE_CEILING times the base amount
(docs/architecture.md, "Bounds"). Driven at those extremes, the domain's derived values
(bid rates, scores, reserve and predetermined prices, guarantees, late interest) must fit
the `numeric(p, s)` and `bigint` columns of nara/store/tables.py that store them: a value
that does not fit is a PostgreSQL error at the opening or the review, long after the
request that caused it was accepted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from sqlalchemy import ARRAY, BigInteger, ColumnElement, Numeric

from nara.api.schemas.base import MAX_KRW
from nara.domain import calendar, evaluation, guarantees
from nara.domain.enums import AgencyKind, Category, Method
from nara.domain.errors import RuleViolation
from nara.domain.opening import OpeningTerms, SealedBid, open_bids
from nara.domain.ranking import BID_PRICE_CEILING
from nara.domain.reserve_prices import minimum_base_amount
from nara.domain.rules import BASELINE, rules_on
from nara.store.tables import Award, Bid, Guarantee, OpeningResult, Payment, Review

BIGINT_MAX = 2**63 - 1
DAYS = st.dates(min_value=BASELINE, max_value=date(2030, 12, 31))
SEEDS = st.integers(min_value=0, max_value=2**62 - 1)  # workflow.random().getrandbits(62)
PICKS = st.tuples(st.integers(1, 15), st.integers(1, 15)).filter(lambda pick: pick[0] != pick[1])


def _fits(column: ColumnElement[Any], value: Decimal | int) -> None:
    """`value` can be stored in `column` (or in an element of an array column)."""
    kind = column.type.item_type if isinstance(column.type, ARRAY) else column.type
    if isinstance(kind, Numeric) and not isinstance(kind, BigInteger):
        assert kind.precision is not None and kind.scale is not None
        limit = Decimal(10) ** (kind.precision - kind.scale)
        assert abs(Decimal(value)) < limit, f"{column}: {value} does not fit {kind}"
    elif isinstance(kind, BigInteger):
        assert -BIGINT_MAX - 1 <= int(value) <= BIGINT_MAX, f"{column}: {value} overflows"
    else:  # pragma: no cover - a column type this test does not know
        raise AssertionError(f"{column} is {kind!r}")


def _amounts(low: int, high: int) -> st.SearchStrategy[int]:
    """Amounts in [low, high], the extremes drawn often."""
    return st.one_of(st.sampled_from([low, high]), st.integers(low, high))


@st.composite
def tenders(draw: st.DrawFn) -> tuple[OpeningTerms, list[SealedBid]]:
    category = draw(st.sampled_from(Category))
    agency_kind = draw(st.sampled_from(AgencyKind))
    on = draw(DAYS)
    base = draw(
        _amounts(minimum_base_amount(category=category, agency_kind=agency_kind, on=on), MAX_KRW)
    )
    terms = OpeningTerms(
        category=category,
        method=draw(st.sampled_from([Method.GENERAL, Method.NEGOTIATED])),
        agency_kind=agency_kind,
        estimated_price=draw(_amounts(1, MAX_KRW)),
        base_amount=base,
        announced_on=on,
    )
    prices = _amounts(1, min(MAX_KRW, base * BID_PRICE_CEILING))
    count = draw(st.integers(1, 6))
    bids = [
        SealedBid(
            business_no=f"b{n}", price=draw(prices), reserve_picks=draw(PICKS), agent_id=f"a{n}"
        )
        for n in range(count)
    ]
    return terms, bids


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tender=tenders(), reserve_seed=SEEDS, lottery_seed=SEEDS)
def test_an_opening_at_the_bounds_fits_its_columns(
    tender: tuple[OpeningTerms, list[SealedBid]], reserve_seed: int, lottery_seed: int
) -> None:
    terms, bids = tender
    try:
        opening = open_bids(
            terms=terms, bids=bids, reserve_seed=reserve_seed, lottery_seed=lottery_seed
        )
    except RuleViolation as violation:
        # The announcement refuses these terms up front (no lower-limit rate for the band).
        assert violation.rule == "lower-limit-rate", violation
        reject()
    columns = OpeningResult.__table__.c
    for price in opening.draw.prices:
        _fits(columns.reserve_prices, price)
    assert opening.predetermined_price is not None
    _fits(columns.predetermined_price, opening.predetermined_price)
    _fits(columns.reserve_seed, reserve_seed)
    _fits(columns.lottery_seed, lottery_seed)
    if opening.lower_limit_rate is not None:
        _fits(columns.lower_limit_rate, opening.lower_limit_rate)
    for bid in opening.bids:
        _fits(Bid.__table__.c.bid_rate, bid.bid_rate)


@settings(max_examples=300, deadline=None)
@given(
    tender=tenders(),
    capability=st.sampled_from([Decimal(0), Decimal("0.0001"), Decimal(100)]),
    predetermined_share=st.integers(97, 103),
)
def test_a_review_at_the_bounds_fits_its_columns(
    tender: tuple[OpeningTerms, list[SealedBid]], capability: Decimal, predetermined_share: int
) -> None:
    terms, bids = tender
    predetermined = max(1, terms.base_amount * predetermined_share // 100)
    columns = Review.__table__.c
    for bid in bids:
        try:
            result = evaluation.qualification_review(
                category=terms.category,
                estimated_price=terms.estimated_price,
                bid_price=bid.price,
                predetermined_price=predetermined,
                capability_score=capability,
                on=terms.announced_on,
            )
        except RuleViolation as violation:
            assert violation.rule == "score", violation  # above the row's capability points
            continue
        _fits(columns.price_score, result.price_score)
        _fits(columns.capability_score, result.capability_score)
        _fits(columns.total, result.total)
        _fits(Bid.__table__.c.bid_rate, result.bid_rate)


@settings(max_examples=200, deadline=None)
@given(
    category=st.sampled_from(Category),
    on=DAYS,
    proposals=st.lists(
        st.tuples(_amounts(1, MAX_KRW), st.sampled_from(["none", "60", "all"])),
        min_size=1,
        max_size=6,
    ),
    seed=SEEDS,
)
def test_negotiated_scores_at_the_bounds_fit_their_columns(
    category: Category, on: date, proposals: list[tuple[int, str]], seed: int
) -> None:
    weight = Decimal(rules_on(on).negotiated(category=category).technical_weight)
    points = {"none": Decimal(0), "60": Decimal(60), "all": weight}
    scored = evaluation.rank_negotiated(
        category=category,
        proposals=[(f"b{n}", price, points[p]) for n, (price, p) in enumerate(proposals)],
        on=on,
        seed=seed,
    )
    columns = Review.__table__.c
    for proposal in scored:
        _fits(columns.price_score, proposal.score.price_score)
        _fits(columns.capability_score, proposal.score.technical_score)
        _fits(columns.total, proposal.score.total)


@settings(max_examples=200, deadline=None)
@given(
    price=_amounts(1, MAX_KRW),
    category=st.sampled_from(Category),
    on=DAYS,
    rate_bp=st.integers(0, 10_000),
    days_late=st.integers(0, 100 * 366),
)
def test_money_derived_from_the_largest_amounts_fits_bigint(
    price: int, category: Category, on: date, rate_bp: int, days_late: int
) -> None:
    """Guarantees of the largest contract, and a century of late interest at 100% a year."""
    _fits(Guarantee.__table__.c.amount, guarantees.bid_guarantee_amount(price, on=on))
    _fits(
        Guarantee.__table__.c.amount,
        guarantees.performance_guarantee_amount(category=category, contract_amount=price, on=on),
    )
    _fits(Award.__table__.c.price, price)
    due = datetime(2030, 1, 7, 9, tzinfo=UTC)
    interest = calendar.late_payment_interest(
        amount=price, due=due, paid=due + timedelta(days=days_late), annual_rate_bp=rate_bp
    )
    _fits(Payment.__table__.c.late_interest, interest)
