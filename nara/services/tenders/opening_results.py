"""개찰결과: a tender's opening, public once the bids are opened, checkable by anyone.

Every bid with its price, rate, rank and status (an invalid one with the reason it did
not count), the fifteen reserve prices, the most-picked bands, the predetermined price and
the lower-limit rate; and the reserve secret the key service revealed with the commitment
published at the announcement, so that anyone can check the secret against the commitment
and draw the reserve prices again (`nara.domain.sealing`, `nara.domain.reserve_prices`).
Before the opening nothing is shown: a refusal says when it will be (WrongPhase, 409).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.errors import WrongPhase
from nara.services.base import ServiceModel
from nara.services.tenders.reading import tender_row
from nara.store import bids


class OpenedBidView(ServiceModel):
    business_no: str
    price: int | None
    bid_rate: Decimal | None
    rank: int | None
    status: str
    invalid_reason: str | None
    submitted_at: datetime


class OpeningView(ServiceModel):
    notice_no: str
    opened_at: datetime
    bid_count: int
    invalid_count: int
    reserve_prices: list[int]
    most_picked: list[int]
    predetermined_price: int | None
    lower_limit_rate: Decimal | None
    reserve_commitment: str | None
    reserve_secret: str | None
    """Hex; SHA-256("nara-reserve-commitment/1|<notice>|" + secret) is the commitment."""
    bids: list[OpenedBidView]


async def get(*, session: AsyncSession, notice_no: str) -> OpeningView:
    """The opening of `notice_no` (anyone); WrongPhase before the bids are opened."""
    tender = await tender_row(session=session, notice_no=notice_no)
    opening = await bids.find_opening(session, tender_id=tender.id)
    if opening is None:
        raise WrongPhase(
            f"the bids of {notice_no} are sealed until the opening at "
            f"{tender.opening_at.isoformat()}; no result exists before it",
            field="notice_no",
            fix="ask again after the opening",
            phase=tender.phase,
        )
    rows = await bids.list(session, tender_id=tender.id)
    ranked = sorted(rows, key=lambda b: (b.rank is None, b.rank or 0, b.submitted_at))
    return OpeningView(
        notice_no=notice_no,
        opened_at=opening.opened_at,
        bid_count=opening.bid_count,
        invalid_count=sum(1 for b in rows if b.status == "invalid"),
        reserve_prices=list(opening.reserve_prices),
        most_picked=list(opening.most_picked),
        predetermined_price=opening.predetermined_price,
        lower_limit_rate=opening.lower_limit_rate,
        reserve_commitment=opening.reserve_commitment,
        reserve_secret=opening.reserve_secret.hex() if opening.reserve_secret else None,
        bids=[
            OpenedBidView(
                business_no=b.business_no,
                price=b.price,
                bid_rate=b.bid_rate,
                rank=b.rank,
                status=b.status,
                invalid_reason=b.invalid_reason,
                submitted_at=b.submitted_at,
            )
            for b in ranked
        ],
    )
