"""Signs of lent certificates on one tender, as the opening found them (officers of the
tender's agency and auditors only): competing bids that shared an agent, a passkey, a
certificate or a network address (`nara.domain.signals`).

The signals are found at the opening and stored with it; before the opening there are
none to show (comparing sealed bids earlier would tell who bid).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import Role
from nara.domain.signals import Trace
from nara.services.actors import Actor, require_agency, require_role
from nara.services.base import ServiceModel
from nara.services.tenders.reading import tender_row
from nara.store import bids


class SignalView(ServiceModel):
    """Competing businesses whose bids shared one value of one trace."""

    trace: Trace
    value: str
    business_nos: list[str]
    text: str


class SignalReport(ServiceModel):
    notice_no: str
    opened_at: datetime | None  # None: not opened yet, so nothing was compared
    signals: list[SignalView]
    note: str


async def list(*, session: AsyncSession, actor: Actor, notice_no: str) -> SignalReport:
    """The signals the opening of `notice_no` found (none before the opening)."""
    tender = await tender_row(session=session, notice_no=notice_no)
    doing = f"read the signals of {notice_no}"
    require_role(actor, Role.OFFICER, Role.AUDITOR, doing=doing)
    if actor.role is Role.OFFICER:
        require_agency(actor, tender.agency_code, doing=doing)
    opening = await bids.find_opening(session, tender_id=tender.id)
    if opening is None:
        return SignalReport(
            notice_no=notice_no,
            opened_at=None,
            signals=[],
            note=f"the bids are compared when they are opened ({tender.opening_at.isoformat()})",
        )
    found = bids.signals_of(opening)
    return SignalReport(
        notice_no=notice_no,
        opened_at=opening.opened_at,
        signals=[
            SignalView(
                trace=s.trace, value=s.value, business_nos=[*s.business_nos], text=s.describe()
            )
            for s in found
        ],
        note=f"{len(found)} signs of lent certificates among {opening.bid_count} bids"
        if found
        else f"no competing bids among {opening.bid_count} shared a trace",
    )
