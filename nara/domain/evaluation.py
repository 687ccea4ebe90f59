"""Qualification review (적격심사), negotiated scoring, failed tenders (유찰), private contracts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from nara.domain.enums import COMPETITIVE_METHODS, Category, Method
from nara.domain.errors import RuleViolation
from nara.domain.ranking import RankedBid, Ranking, bid_rate, lottery_key
from nara.domain.rules import format_amount, rules_on

SCORE_PLACES = Decimal("0.0001")
# Failed rounds that open a private contract when no date is given: the original and
# the re-announcement (every private_contracts row says 2).
DEFAULT_FAILED_ROUNDS = 2


def _points(value: Decimal | int, field: str, maximum: Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise RuleViolation(
            rule="score",
            field=field,
            value=value,
            accepted="a Decimal or int, never a float",
            message=f"{field} {value!r} must be a Decimal or an int (floats lose points)",
        )
    points = Decimal(value)
    if not (0 <= points <= maximum):
        raise RuleViolation(
            rule="score",
            field=field,
            value=value,
            accepted=f"0 to {maximum}",
            message=f"{field} {value} is outside 0-{maximum} points",
        )
    return points


@dataclass(frozen=True)
class QualificationResult:
    price_score: Decimal
    capability_score: Decimal
    total: Decimal
    pass_mark: Decimal
    passed: bool
    bid_rate: Decimal
    price_points: Decimal


def qualification_review(
    *,
    category: Category,
    estimated_price: int,
    bid_price: int,
    predetermined_price: int,
    capability_score: Decimal | int,
    on: date,
) -> QualificationResult:
    """Score one candidate: price score plus capability score against the pass mark.

    Price score = price points - deduction x |reference rate - bid rate|, never
    below the minimum (see the qualification table); the bid rate is the
    3-decimal rate of `ranking.bid_rate`. `capability_score` is the sum of the
    other items (experience, finances, ...) out of 100 - price points.
    """
    row = rules_on(on).qualification(category=category, estimated_price=estimated_price)
    capability = _points(capability_score, "capability_score", row.capability_points)
    rate = bid_rate(price=bid_price, predetermined_price=predetermined_price)
    price_score = max(
        row.min_price_points,
        row.price_points - row.deduction_per_point * abs(row.reference_rate - rate),
    )
    total = price_score + capability
    return QualificationResult(
        price_score=price_score,
        capability_score=capability,
        total=total,
        pass_mark=row.pass_mark,
        passed=total >= row.pass_mark,
        bid_rate=rate,
        price_points=row.price_points,
    )


@dataclass(frozen=True)
class Review:
    """One candidate's qualification review."""

    bid: RankedBid
    result: QualificationResult


@dataclass(frozen=True)
class ReviewOutcome:
    """Candidates reviewed in order until one passed (`winner`), or all failed (None)."""

    winner: RankedBid | None
    reviews: tuple[Review, ...]


def review_candidates(
    *,
    ranking: Ranking,
    capability_scores: Mapping[str, Decimal | int],
    category: Category,
    estimated_price: int,
    predetermined_price: int,
    on: date,
) -> ReviewOutcome:
    """Review candidates lowest price first and stop at the first that passes.

    A candidate missing from `capability_scores` is reviewed with 0 capability
    points (it submitted no qualification documents).
    """
    reviews: list[Review] = []
    for bid in ranking.candidates:
        result = qualification_review(
            category=category,
            estimated_price=estimated_price,
            bid_price=bid.price,
            predetermined_price=predetermined_price,
            capability_score=capability_scores.get(bid.bidder, 0),
            on=on,
        )
        reviews.append(Review(bid=bid, result=result))
        if result.passed:
            return ReviewOutcome(winner=bid, reviews=tuple(reviews))
    return ReviewOutcome(winner=None, reviews=tuple(reviews))


@dataclass(frozen=True)
class NegotiatedScore:
    technical_score: Decimal
    price_score: Decimal
    total: Decimal
    technical_weight: int
    price_weight: int
    eligible: bool  # technical score high enough to be negotiated with


def negotiated_score(
    *,
    category: Category,
    technical_score: Decimal | int,
    bid_price: int,
    lowest_price: int,
    on: date,
    technical_weight: int | None = None,
) -> NegotiatedScore:
    """Score a proposal in a negotiated contract.

    `technical_score` is the evaluators' points out of the technical weight (80 by
    default; 60-90 allowed). Price score = price weight x lowest price / this price,
    cut to 4 decimals. `eligible` is whether the technical score reaches the share
    of the technical weight needed for negotiation (85%).
    """
    row = rules_on(on).negotiated(category=category)
    weight = row.technical_weight if technical_weight is None else technical_weight
    if not (row.min_technical_weight <= weight <= row.max_technical_weight):
        raise RuleViolation(
            rule="negotiated-weights",
            field="technical_weight",
            value=weight,
            accepted=f"{row.min_technical_weight} to {row.max_technical_weight}",
            message=(
                f"technical weight {weight} is outside the allowed"
                f" {row.min_technical_weight}:{100 - row.min_technical_weight} to"
                f" {row.max_technical_weight}:{100 - row.max_technical_weight} split"
            ),
        )
    price_weight = 100 - weight
    technical = _points(technical_score, "technical_score", Decimal(weight))
    for value, name in ((bid_price, "bid_price"), (lowest_price, "lowest_price")):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise RuleViolation(
                rule="positive-amount",
                field=name,
                value=value,
                accepted="a positive whole number of KRW",
                message=f"{name} {value!r} must be a positive whole number of KRW",
            )
    if lowest_price > bid_price:
        raise RuleViolation(
            rule="negotiated-price-score",
            field="lowest_price",
            value=lowest_price,
            accepted=f"at most the bid price {format_amount(bid_price)}",
            message=(
                f"lowest price {format_amount(lowest_price)} cannot exceed this bid price"
                f" {format_amount(bid_price)}"
            ),
        )
    price_score = (Decimal(price_weight) * lowest_price / bid_price).quantize(
        SCORE_PLACES, rounding=ROUND_DOWN
    )
    eligible = technical * 10_000 >= Decimal(weight) * row.eligibility_bp
    return NegotiatedScore(
        technical_score=technical,
        price_score=price_score,
        total=technical + price_score,
        technical_weight=weight,
        price_weight=price_weight,
        eligible=eligible,
    )


def tender_failed(*, method: Method, valid_bids: int) -> bool:
    """유찰: no valid bid, or a single one in a competitive tender."""
    if valid_bids < 0:
        raise RuleViolation(
            rule="valid-bids",
            field="valid_bids",
            value=valid_bids,
            accepted="0 or more",
            message=f"valid bid count {valid_bids} cannot be negative",
        )
    return valid_bids == 0 or (valid_bids == 1 and method in COMPETITIVE_METHODS)


def private_contract_allowed(
    *,
    round: int,
    failed_rounds: int,
    category: Category | None = None,
    estimated_price: int | None = None,
    on: date | None = None,
) -> bool:
    """Whether a private contract (수의계약) may replace the competition.

    After a re-announced tender (round 1 or later) fails again, i.e. two failed
    rounds; or, when `category`, `estimated_price` and `on` are given, at or below
    the small-value threshold in force.
    """
    if round < 0 or failed_rounds < 0 or failed_rounds > round + 1:
        raise RuleViolation(
            rule="tender-rounds",
            field="failed_rounds",
            value=failed_rounds,
            accepted=f"0 to {max(round, 0) + 1} for round {round}",
            message=(
                f"round {round} with {failed_rounds} failed rounds is impossible: a tender"
                f" in round {round} has had at most {max(round, 0) + 1} rounds"
            ),
        )
    if on is None or category is None:
        return round >= 1 and failed_rounds >= DEFAULT_FAILED_ROUNDS
    row = rules_on(on).private_contract(category=category)
    if round >= 1 and failed_rounds >= row.failed_rounds:
        return True
    return estimated_price is not None and estimated_price <= row.small_value_max


@dataclass(frozen=True)
class ScoredProposal:
    """One bid of a negotiated tender, scored; `rank` is None when not eligible."""

    bidder: str
    price: int
    score: NegotiatedScore
    rank: int | None


def rank_negotiated(
    *,
    category: Category,
    proposals: Sequence[tuple[str, int, Decimal | int]],
    on: date,
    seed: int,
) -> tuple[ScoredProposal, ...]:
    """Rank a negotiated tender's proposals (bidder, price, technical score): highest total first.

    Only proposals whose technical score reaches the negotiation threshold are ranked;
    the price score compares each with the lowest price among those. Equal totals go by
    the same seeded lottery as price ties (`ranking.lottery_key`), so an auditor can re-run it.
    """
    if not proposals:
        return ()
    eligible = {
        bidder
        for bidder, price, technical in proposals
        if negotiated_score(
            category=category,
            technical_score=technical,
            bid_price=price,
            lowest_price=price,
            on=on,
        ).eligible
    }
    lowest = min((p for b, p, _ in proposals if b in eligible), default=None)
    scored = [
        (
            bidder,
            price,
            negotiated_score(
                category=category,
                technical_score=technical,
                bid_price=price,
                lowest_price=min(lowest or price, price),
                on=on,
            ),
        )
        for bidder, price, technical in proposals
    ]
    order = sorted(
        (s for s in scored if s[0] in eligible),
        key=lambda s: (-s[2].total, lottery_key(seed, s[1], s[0]), s[0]),
    )
    ranks = {bidder: n for n, (bidder, _, _) in enumerate(order, start=1)}
    return tuple(
        ScoredProposal(bidder=b, price=p, score=score, rank=ranks.get(b))
        for b, p, score in sorted(scored, key=lambda s: (ranks.get(s[0], 10**9), s[0]))
    )
