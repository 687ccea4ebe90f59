"""Comprehensive evaluation (종합심사낙찰제, local 종합평가낙찰제) of works of 30 bn or more.

The officer enters every bidder's non-price points (performance capability and social
responsibility); the price score is computed here against the balanced price (균형가격)
of the bids; the highest total wins. Pure: the ranking activity loads the bids, calls
`rank_comprehensive` and stores what it returns; an auditor can re-run it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from nara.domain.enums import AgencyKind
from nara.domain.errors import RuleViolation
from nara.domain.evaluation import score_points
from nara.domain.ranking import lottery_key, positive_amount
from nara.domain.rules import ComprehensiveRow, rules_on

SCORE_PLACES = Decimal("0.0001")


def balanced_price(
    *, prices: Sequence[int], predetermined_price: int, row: ComprehensiveRow
) -> int:
    """균형가격: the mean of the bids from `valid_from_pct`% up to 100% of the predetermined
    price, without the highest `trim_high_pct`% and the lowest `trim_low_pct`% of them
    (whole bids, rounded down), rounded down to the won.

    With no bid in that range the predetermined price stands in; when trimming would leave
    nothing, every bid in the range counts.
    """
    positive_amount(predetermined_price, "predetermined_price")
    valid = sorted(
        p
        for p in prices
        if p * 100 >= predetermined_price * row.valid_from_pct and p <= predetermined_price
    )
    if not valid:
        return predetermined_price
    high = len(valid) * row.trim_high_pct // 100
    low = len(valid) * row.trim_low_pct // 100
    kept = valid[low : len(valid) - high] or valid
    return sum(kept) // len(kept)


def comprehensive_price_score(*, price: int, balanced: int, row: ComprehensiveRow) -> Decimal:
    """Price points x (1 - deduction x |price - balanced| / balanced), never below the
    minimum, rounded half up to 4 decimals."""
    positive_amount(price, "price")
    positive_amount(balanced, "balanced_price")
    exact = Fraction(row.price_points) * (
        1 - Fraction(row.price_deduction) * Fraction(abs(price - balanced), balanced)
    )
    score = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        SCORE_PLACES, rounding=ROUND_HALF_UP
    )
    return max(row.min_price_points, score)


@dataclass(frozen=True)
class NonPriceScore:
    """What the officer enters for one bidder: performance capability and social points."""

    capability: Decimal
    social: Decimal = Decimal(0)


@dataclass(frozen=True)
class ComprehensiveScore:
    """One bid, scored. `rank` is None when the bid cannot win (above the predetermined price)."""

    bidder: str
    price: int
    capability: Decimal
    social: Decimal
    price_score: Decimal
    total: Decimal
    rank: int | None


@dataclass(frozen=True)
class ComprehensiveEvaluation:
    """The balanced price and every bid scored, ranked ones first in rank order."""

    balanced_price: int
    scores: tuple[ComprehensiveScore, ...]
    confirmed: bool  # False: the table behind these numbers is not confirmed

    @property
    def winner(self) -> ComprehensiveScore | None:
        return next((s for s in self.scores if s.rank == 1), None)


def rank_comprehensive(
    *,
    agency_kind: AgencyKind,
    estimated_price: int,
    bids: Sequence[tuple[str, int]],
    scores: Mapping[str, NonPriceScore],
    predetermined_price: int,
    on: date,
    seed: int,
) -> ComprehensiveEvaluation:
    """Score and rank the bids (bidder, price) of a comprehensive evaluation.

    Total = capability + social + price score. Highest total first; equal totals go to the
    higher non-price points (capability + social), then the lower price, then the seeded
    lottery of `ranking.lottery_key`. Bids above the predetermined price are scored but
    not ranked. Every bidder needs a score, and only bidders.
    """
    row = rules_on(on).comprehensive(agency_kind=agency_kind, estimated_price=estimated_price)
    bidders = [bidder for bidder, _ in bids]
    if len(set(bidders)) != len(bidders):
        raise RuleViolation(
            rule="one-bid-per-bidder",
            field="bids",
            value=sorted(bidders),
            accepted="one bid per bidder",
            message="a bidder bid more than once; each bidder bids once",
        )
    if set(scores) != set(bidders):
        missing = sorted(set(bidders) - set(scores))
        unknown = sorted(set(scores) - set(bidders))
        raise RuleViolation(
            rule="one-score-per-bid",
            field="scores",
            value=sorted(scores),
            accepted="one score for each business that bid",
            message="every bid needs exactly one non-price score"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; not bidders {', '.join(unknown)}" if unknown else ""),
        )
    balanced = balanced_price(
        prices=[price for _, price in bids], predetermined_price=predetermined_price, row=row
    )
    scored: list[ComprehensiveScore] = []
    for bidder, price in bids:
        positive_amount(price, f"bids[{bidder}].price")
        entered = scores[bidder]
        capability = score_points(
            entered.capability, f"scores.{bidder}.capability", row.capability_points
        )
        social = score_points(entered.social, f"scores.{bidder}.social", row.social_points)
        price_score = comprehensive_price_score(price=price, balanced=balanced, row=row)
        scored.append(
            ComprehensiveScore(
                bidder=bidder,
                price=price,
                capability=capability,
                social=social,
                price_score=price_score,
                total=capability + social + price_score,
                rank=None,
            )
        )
    order = sorted(
        (s for s in scored if s.price <= predetermined_price),
        key=lambda s: (
            -s.total,
            -(s.capability + s.social),
            s.price,
            lottery_key(seed, s.price, s.bidder),
            s.bidder,
        ),
    )
    ranks = {s.bidder: n for n, s in enumerate(order, start=1)}
    ranked = [replace(s, rank=ranks.get(s.bidder)) for s in scored]
    ranked.sort(key=lambda s: (s.rank or 10**9, s.bidder))
    return ComprehensiveEvaluation(
        balanced_price=balanced, scores=tuple(ranked), confirmed=row.confirmed
    )
