"""Qualification review (적격심사), negotiated scoring, failed tenders (유찰), private contracts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from nara.domain.a_value import check_a_value
from nara.domain.enums import COMPETITIVE_METHODS, AgencyKind, Category, Method
from nara.domain.errors import RuleViolation
from nara.domain.ranking import RankedBid, Ranking, bid_rate, lottery_key, positive_amount
from nara.domain.rules import format_amount, rules_on

SCORE_PLACES = Decimal("0.0001")
# Failed rounds that open a private contract when no date is given: the original and
# the re-announcement (every private_contracts row says 2).
DEFAULT_FAILED_ROUNDS = 2


def score_points(value: Decimal | int, field: str, maximum: Decimal) -> Decimal:
    """Points entered by a person: a Decimal or int from 0 to `maximum` (rule score)."""
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
    """One candidate's qualification score.

    Attributes:
        bid_rate: The plain bid rate (bid / predetermined, cut to 3 decimals), for display.
        scored_rate: The rate the price score uses: (bid - A) / (predetermined - A) in
            percent, the ratio rounded half up (`QualificationRow.ratio_places`).
        a_value: The A value taken out of both prices (0 when none applies).
        fixed: Whether the bid fell in the fixed-score region.
    """

    price_score: Decimal
    capability_score: Decimal
    total: Decimal
    pass_mark: Decimal
    passed: bool
    bid_rate: Decimal
    price_points: Decimal
    scored_rate: Decimal = Decimal(0)
    a_value: int = 0
    fixed: bool = False


def ratio_percent(numerator: int, denominator: int, places: int) -> Decimal:
    """numerator / denominator rounded half up (away from zero) to `places` decimals, in percent."""
    if denominator <= 0:
        raise RuleViolation(
            rule="positive-amount",
            field="predetermined_price",
            value=denominator,
            accepted="a predetermined price above the A value",
            message=f"the price compared with ({denominator:,} KRW) must be positive",
        )
    scaled, rest = divmod(abs(numerator) * 10**places, denominator)
    if 2 * rest >= denominator:
        scaled += 1
    ratio = Decimal(scaled if numerator >= 0 else -scaled).scaleb(-places)
    return ratio * 100


def qualification_price_score(
    *,
    category: Category,
    estimated_price: int,
    bid_price: int,
    predetermined_price: int,
    on: date,
    agency_kind: AgencyKind = AgencyKind.NATIONAL,
    a_value: int = 0,
) -> tuple[Decimal, Decimal, bool]:
    """The price score of 적격심사 with the formula in force on `on`: (score, rate, fixed).

    rate = (bid - A) / (predetermined - A) in percent, the ratio rounded half up; a bid at
    or below the predetermined price whose rate reaches the row's fixed-score rate scores
    the fixed score; otherwise points - deduction x |reference - rate|, never below the
    minimum. A is 0 for rows without the A value.
    """
    row = rules_on(on).qualification(
        category=category, estimated_price=estimated_price, agency_kind=agency_kind
    )
    positive_amount(bid_price, "bid_price")
    positive_amount(predetermined_price, "predetermined_price")
    a = a_value if row.a_value else 0
    check_a_value(a_value=a, predetermined_price=predetermined_price)
    rate = ratio_percent(bid_price - a, predetermined_price - a, row.ratio_places)
    if (
        row.fixed_score is not None
        and row.fixed_from_rate is not None
        and bid_price <= predetermined_price
        and rate >= row.fixed_from_rate
    ):
        return row.fixed_score, rate, True
    score = row.price_points - row.deduction_per_point * abs(row.reference_rate - rate)
    return max(row.min_price_points, score), rate, False


def qualification_review(
    *,
    category: Category,
    estimated_price: int,
    bid_price: int,
    predetermined_price: int,
    capability_score: Decimal | int,
    on: date,
    agency_kind: AgencyKind = AgencyKind.NATIONAL,
    a_value: int = 0,
) -> QualificationResult:
    """Score one candidate: price score plus capability score against the pass mark.

    The price score is `qualification_price_score` (the formula of the announcement
    date, with the announcement's A value). `capability_score` is the sum of the other
    items (experience, finances, ...) out of 100 - price points.
    """
    row = rules_on(on).qualification(
        category=category, estimated_price=estimated_price, agency_kind=agency_kind
    )
    capability = score_points(capability_score, "capability_score", row.capability_points)
    price_score, rate, fixed = qualification_price_score(
        category=category,
        estimated_price=estimated_price,
        bid_price=bid_price,
        predetermined_price=predetermined_price,
        on=on,
        agency_kind=agency_kind,
        a_value=a_value,
    )
    total = price_score + capability
    return QualificationResult(
        price_score=price_score,
        capability_score=capability,
        total=total,
        pass_mark=row.pass_mark,
        passed=total >= row.pass_mark,
        bid_rate=bid_rate(price=bid_price, predetermined_price=predetermined_price),
        price_points=row.price_points,
        scored_rate=rate,
        a_value=a_value if row.a_value else 0,
        fixed=fixed,
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
    agency_kind: AgencyKind = AgencyKind.NATIONAL,
    a_value: int = 0,
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
            agency_kind=agency_kind,
            a_value=a_value,
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
    agency_kind: AgencyKind = AgencyKind.NATIONAL,
) -> NegotiatedScore:
    """Score a proposal in a negotiated contract.

    `technical_score` is the evaluators' points out of the technical weight (the default
    of the agency's law on `on`: national 80, 70 from 2026-01-02; local 80; 60-90 allowed).
    Price score = price weight x lowest price / this price,
    cut to 4 decimals. `eligible` is whether the technical score reaches the share
    of the technical weight needed for negotiation (85%).
    """
    row = rules_on(on).negotiated(category=category, agency_kind=agency_kind)
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
    technical = score_points(technical_score, "technical_score", Decimal(weight))
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
    agency_kind: AgencyKind = AgencyKind.NATIONAL,
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
            agency_kind=agency_kind,
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
                agency_kind=agency_kind,
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
