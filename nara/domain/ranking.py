"""Bid rates, the lower-limit award rate (낙찰하한율) and the order of candidates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import groupby

from nara.domain.enums import AgencyKind, AwardMethod, Category, Method
from nara.domain.errors import RuleViolation
from nara.domain.lottery import draw_number
from nara.domain.rules import format_amount, rules_on

RATE_PLACES = 3
BID_PRICE_CEILING = 100
"""A bid is at most this many times the tender's base amount: 10,000% and more than any
real bid, it keeps every bid rate (about 10,310% at most) within the 8 integer digits of
the `numeric(12, 4)` columns that store rates."""


def positive_amount(value: int, field: str) -> None:
    """Refuse anything but a positive whole number of KRW (rule positive-amount)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise RuleViolation(
            rule="positive-amount",
            field=field,
            value=value,
            accepted="a positive whole number of KRW",
            message=f"{field} {value!r} must be a positive whole number of KRW",
        )


def bid_rate(*, price: int, predetermined_price: int) -> Decimal:
    """투찰률: price / predetermined price in percent, cut (not rounded) to 3 decimals.

    Cutting keeps the shown rate consistent with the exact comparison against a
    3-decimal lower limit: shown >= limit exactly when the true rate >= limit.
    """
    positive_amount(price, "price")
    positive_amount(predetermined_price, "predetermined_price")
    thousandths = price * 100 * 10**RATE_PLACES // predetermined_price
    return Decimal(thousandths).scaleb(-RATE_PLACES)


def check_bid_price(*, price: int, base_amount: int) -> None:
    """Refuse a bid above `BID_PRICE_CEILING` times the base amount (rule bid-price-ceiling)."""
    positive_amount(price, "price")
    positive_amount(base_amount, "base_amount")
    ceiling = base_amount * BID_PRICE_CEILING
    if price > ceiling:
        raise RuleViolation(
            rule="bid-price-ceiling",
            field="price",
            value=price,
            accepted=f"at most {ceiling:,} KRW ({BID_PRICE_CEILING} x the base amount)",
            suggestion=ceiling,
            message=(
                f"bid price {format_amount(price)} is more than {BID_PRICE_CEILING} times the"
                f" base amount {format_amount(base_amount)}"
            ),
        )


def award_method(
    *,
    category: Category,
    method: Method,
    agency_kind: AgencyKind,
    estimated_price: int,
    on: date,
    sme_competitive: bool = False,
) -> AwardMethod:
    """How the winner is chosen: negotiated scoring, comprehensive evaluation or qualification.

    Bands of the lower-limit table without a rate (construction of 30 bn or more) are
    awarded by comprehensive evaluation; any other band by qualification review.
    """
    positive_amount(estimated_price, "estimated_price")
    if method is Method.NEGOTIATED:
        return AwardMethod.NEGOTIATED
    row = rules_on(on).lower_limit(
        category=category,
        agency_kind=agency_kind,
        estimated_price=estimated_price,
        sme_competitive=sme_competitive,
    )
    return AwardMethod.QUALIFICATION if row.rate is not None else AwardMethod.COMPREHENSIVE


def lower_limit_rate(
    *,
    category: Category,
    agency_kind: AgencyKind,
    estimated_price: int,
    on: date,
    sme_competitive: bool = False,
) -> Decimal:
    """낙찰하한율 in percent from the table in force on `on`.

    Raises:
        RuleViolation: for bands not awarded by qualification review (construction
            of 30 bn or more goes to comprehensive evaluation).
    """
    positive_amount(estimated_price, "estimated_price")
    row = rules_on(on).lower_limit(
        category=category,
        agency_kind=agency_kind,
        estimated_price=estimated_price,
        sme_competitive=sme_competitive,
    )
    if row.rate is None:
        raise RuleViolation(
            rule="lower-limit-rate",
            field="estimated_price",
            value=estimated_price,
            accepted=f"an estimated price outside {row.band} for {category.value}",
            message=(
                f"{category.value} of {format_amount(estimated_price)} ({row.band}) has no"
                f" lower-limit rate: {row.source}"
            ),
        )
    return row.rate


def meets_lower_limit(
    *, price: int, predetermined_price: int, rate: Decimal, a_value: int = 0
) -> bool:
    """Exact test: price >= A + (predetermined - A) x rate / 100, without rounding.

    With no A value (0) this is price / predetermined price x 100 >= rate.
    """
    return Fraction(price - a_value) * 100 >= Fraction(rate) * (predetermined_price - a_value)


def lower_limit_price(*, predetermined_price: int, rate: Decimal, a_value: int = 0) -> int:
    """The lowest whole-won price meeting the lower limit: ceil(A + (predetermined - A) x rate)."""
    exact = a_value + Fraction(rate) * (predetermined_price - a_value) / 100
    return -(-exact.numerator // exact.denominator)


@dataclass(frozen=True)
class BidPrice:
    bidder: str
    price: int


@dataclass(frozen=True)
class RankedBid:
    """A bid in the published order.

    Attributes:
        rank: 1-based position in its list (candidates or below the limit).
        lottery: Draw position among bids at the same price (1 = drawn first), None if
            nobody else bid that price.
    """

    bidder: str
    price: int
    bid_rate: Decimal
    rank: int
    lottery: int | None


@dataclass(frozen=True)
class Ranking:
    """Candidates at or above the lower limit, lowest price first; the rest below it."""

    candidates: tuple[RankedBid, ...]
    below_limit: tuple[RankedBid, ...]

    @property
    def first(self) -> RankedBid | None:
        """The first candidate to review, if any."""
        return self.candidates[0] if self.candidates else None


def lottery_key(seed: int, price: int, bidder: str) -> int:
    """Tie lottery: equal prices go in ascending SHA-256("nara-tie-{price}-{bidder}:{seed}")."""
    return draw_number(seed, f"nara-tie-{price}-{bidder}")


def _order(bids: Sequence[BidPrice], predetermined: int, seed: int) -> tuple[RankedBid, ...]:
    ordered = sorted(bids, key=lambda b: (b.price, lottery_key(seed, b.price, b.bidder), b.bidder))
    ranked: list[RankedBid] = []
    for _, group in groupby(ordered, key=lambda b: b.price):
        same_price = list(group)
        tied = len(same_price) > 1
        for draw_position, bid in enumerate(same_price, start=1):
            ranked.append(
                RankedBid(
                    bidder=bid.bidder,
                    price=bid.price,
                    bid_rate=bid_rate(price=bid.price, predetermined_price=predetermined),
                    rank=len(ranked) + 1,
                    lottery=draw_position if tied else None,
                )
            )
    return tuple(ranked)


def rank_bids(
    *,
    bids: Sequence[BidPrice],
    predetermined_price: int,
    lower_limit_rate: Decimal,
    seed: int,
    a_value: int = 0,
) -> Ranking:
    """Order the bids for qualification review.

    Candidates are bids at or above the lower limit, A + (predetermined - A) x rate
    with the announcement's A value (exact comparison), lowest
    price first; bids at the same price are ordered by the seeded tie lottery
    (`lottery_key`), which an auditor can re-run. Bids below the limit are listed
    separately in the same order and never win.
    """
    positive_amount(predetermined_price, "predetermined_price")
    seen: set[str] = set()
    for index, bid in enumerate(bids):
        positive_amount(bid.price, f"bids[{index}].price")
        if bid.bidder in seen:
            raise RuleViolation(
                rule="one-bid-per-bidder",
                field=f"bids[{index}].bidder",
                value=bid.bidder,
                accepted="one bid per bidder",
                message=f"bidder {bid.bidder!r} bid more than once; each bidder bids once",
            )
        seen.add(bid.bidder)
    above = [
        b
        for b in bids
        if meets_lower_limit(
            price=b.price,
            predetermined_price=predetermined_price,
            rate=lower_limit_rate,
            a_value=a_value,
        )
    ]
    below = [
        b
        for b in bids
        if not meets_lower_limit(
            price=b.price,
            predetermined_price=predetermined_price,
            rate=lower_limit_rate,
            a_value=a_value,
        )
    ]
    return Ranking(
        candidates=_order(above, predetermined_price, seed),
        below_limit=_order(below, predetermined_price, seed),
    )
