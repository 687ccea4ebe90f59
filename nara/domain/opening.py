"""개찰: opening the sealed bids of one tender, as a pure calculation.

From the bids and the two seeds the workflow recorded, `open_bids` draws the 15
reserve prices, sets the predetermined price from the 4 most-picked bands, reads the
lower-limit rate, ranks the bids and gives every bid its rate and status. It does no
I/O: the opening activity loads the bids, calls it and stores what it returns, and an
auditor can re-run it from the stored seeds.

A negotiated tender (협상에 의한 계약) is opened the same way but not ranked here:
its proposals are ranked once their technical scores are in
(`evaluation.rank_negotiated`), so it has no lower-limit rate and every bid stays
``opened``. So is a tender awarded by comprehensive evaluation (works of 30 bn or more):
its bids are ranked once the officer's non-price scores are in
(`comprehensive.rank_comprehensive`).

The lower limit of qualification review is A + (predetermined - A) x rate, with the
announcement's A value (0 when it gave none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from nara.domain.enums import AgencyKind, AwardMethod, Category, Method
from nara.domain.errors import RuleViolation
from nara.domain.ranking import (
    BidPrice,
    Ranking,
    award_method,
    bid_rate,
    check_bid_price,
    lower_limit_rate,
    rank_bids,
)
from nara.domain.reserve_prices import (
    PredeterminedPrice,
    ReserveDraw,
    draw_reserve_prices,
    predetermined_price,
)
from nara.domain.signals import BidTraces, Signal, shared_traces


class BidStatus(StrEnum):
    """What the opening made of a bid (the ``bid.status`` column)."""

    OPENED = "opened"  # opened, not ranked (negotiated tenders until scored)
    CANDIDATE = "candidate"  # at or above the lower limit: reviewed in rank order
    BELOW_LIMIT = "below_limit"  # under the lower limit: never wins
    INVALID = "invalid"  # did not decrypt, or broke a rule: excluded with its reason


PICKS = 2
BANDS = 15


def admit(*, price: int | None, picks: Sequence[int] | None, base_amount: int) -> str | None:
    """Why an opened bid cannot count (None when it can): a sealed price is checked only
    here, after decryption, so the opening must absorb any value a client sealed."""
    if price is None or picks is None:
        return "the bid has no price or picks"
    try:
        check_bid_price(price=price, base_amount=base_amount)
    except RuleViolation as violation:
        return f"{violation.rule}: {violation.detail}"
    if len(picks) != PICKS or len(set(picks)) != PICKS:
        return f"distinct-picks: a bid picks two different reserve prices, not {list(picks)}"
    if not all(1 <= p <= BANDS for p in picks):
        return f"distinct-picks: reserve prices are numbered 1-{BANDS}, not {list(picks)}"
    return None


@dataclass(frozen=True)
class SealedBid:
    """One bid as submitted.

    Attributes:
        business_no: The bidding business; one bid per business.
        price: The bid price in KRW.
        reserve_picks: The two reserve-price bands (1-15) the bidder picked.
        agent_id: The person who submitted it.
        passkey_credential_id, certificate_fingerprint, client_address: What it was sent
            with (None when not recorded); with `agent_id`, the traces competing bids
            must not share (`nara.domain.signals`).
    """

    business_no: str
    price: int
    reserve_picks: tuple[int, int]
    agent_id: str
    passkey_credential_id: str | None = None
    certificate_fingerprint: str | None = None
    client_address: str | None = None

    @property
    def traces(self) -> BidTraces:
        return BidTraces(
            business_no=self.business_no,
            agent_id=self.agent_id,
            passkey_credential_id=self.passkey_credential_id,
            certificate_fingerprint=self.certificate_fingerprint,
            client_address=self.client_address,
        )


@dataclass(frozen=True)
class OpeningTerms:
    """The terms of the tender that the opening reads.

    Attributes:
        announced_on: The Seoul date of the announcement: the rules in force that day apply.
        a_value: The announcement's A value (KRW), 0 when it gave none.
        sme_competitive: Goods bought in competition among SMEs (their own lower limit).
    """

    category: Category
    method: Method
    agency_kind: AgencyKind
    estimated_price: int
    base_amount: int
    announced_on: date
    a_value: int = 0
    sme_competitive: bool = False

    @property
    def award_method(self) -> AwardMethod:
        return award_method(
            category=self.category,
            method=self.method,
            agency_kind=self.agency_kind,
            estimated_price=self.estimated_price,
            on=self.announced_on,
            sme_competitive=self.sme_competitive,
        )


@dataclass(frozen=True)
class OpenedBid:
    """One bid after the opening.

    Attributes:
        bid_rate: 투찰률, price / predetermined price in percent, cut to 3 decimals.
        rank: Position among the candidates (1 = reviewed first); None for other bids.
    """

    business_no: str
    bid_rate: Decimal
    status: BidStatus
    rank: int | None = None


@dataclass(frozen=True)
class Opening:
    """Everything the opening decides, for storage, audit and the workflow.

    Attributes:
        draw: The 15 reserve prices and how they were drawn.
        predetermined: The predetermined price with the pick counts and the bands averaged.
        lower_limit_rate: 낙찰하한율 in percent; None for a negotiated tender.
        ranking: Candidates and bids below the limit; None for a negotiated tender.
        bids: Every bid with its rate, status and rank, in the order given.
        signals: Warning signs for the officer: competing bids that share an agent, a
            passkey, a certificate or an address (`signals.shared_traces`).
    """

    draw: ReserveDraw
    predetermined: PredeterminedPrice
    lower_limit_rate: Decimal | None
    ranking: Ranking | None
    bids: tuple[OpenedBid, ...]
    signals: tuple[Signal, ...]

    @property
    def flags(self) -> tuple[str, ...]:
        """The signals in words, one line each."""
        return tuple(signal.describe() for signal in self.signals)

    @property
    def bid_count(self) -> int:
        return len(self.bids)

    @property
    def predetermined_price(self) -> int | None:
        """The predetermined price, or None when nobody bid (nothing to compare it with)."""
        return self.predetermined.price if self.bids else None

    @property
    def most_picked(self) -> tuple[int, ...]:
        return self.predetermined.most_picked

    @property
    def candidate_count(self) -> int:
        """Candidates for review; every bid when the tender is not ranked at opening."""
        return len(self.ranking.candidates) if self.ranking is not None else len(self.bids)

    @property
    def below_limit_count(self) -> int:
        return sum(1 for bid in self.bids if bid.status is BidStatus.BELOW_LIMIT)


def open_bids(
    *, terms: OpeningTerms, bids: Sequence[SealedBid], reserve_seed: int, lottery_seed: int
) -> Opening:
    """Open the sealed bids: reserve prices, predetermined price, lower limit, ranking.

    Same terms, bids and seeds give the same opening.

    Raises:
        RuleViolation: when the terms or a bid break a rule (a base amount too small to
            split into bands, a bad pick,
            a business bidding twice, a price that is not positive).
    """
    draw = draw_reserve_prices(
        base_amount=terms.base_amount,
        category=terms.category,
        agency_kind=terms.agency_kind,
        seed=reserve_seed,
        on=terms.announced_on,
    )
    predetermined = predetermined_price(draw=draw, picks=[bid.reserve_picks for bid in bids])
    rate: Decimal | None = None
    ranking: Ranking | None = None
    if terms.award_method is AwardMethod.QUALIFICATION:
        rate = lower_limit_rate(
            category=terms.category,
            agency_kind=terms.agency_kind,
            estimated_price=terms.estimated_price,
            on=terms.announced_on,
            sme_competitive=terms.sme_competitive,
        )
        ranking = rank_bids(
            bids=[BidPrice(bidder=bid.business_no, price=bid.price) for bid in bids],
            predetermined_price=predetermined.price,
            lower_limit_rate=rate,
            seed=lottery_seed,
            a_value=terms.a_value if predetermined.price > terms.a_value else 0,
        )
    ranks: dict[str, int] = {}
    below: set[str] = set()
    if ranking is not None:
        ranks = {candidate.bidder: candidate.rank for candidate in ranking.candidates}
        below = {bid.bidder for bid in ranking.below_limit}
    opened = tuple(
        OpenedBid(
            business_no=bid.business_no,
            bid_rate=bid_rate(price=bid.price, predetermined_price=predetermined.price),
            status=(
                BidStatus.CANDIDATE
                if bid.business_no in ranks
                else BidStatus.BELOW_LIMIT
                if bid.business_no in below
                else BidStatus.OPENED
            ),
            rank=ranks.get(bid.business_no),
        )
        for bid in bids
    )
    return Opening(
        draw=draw,
        predetermined=predetermined,
        lower_limit_rate=rate,
        ranking=ranking,
        bids=opened,
        signals=shared_traces(bid.traces for bid in bids),
    )
