"""What the scope checks of `nara.api.access` ask: whose agency a tender or a payment
belongs to, and whether a person is an agent of a business.

Reads only; an unknown tender or payment is NotFound (the answer the route would give).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from nara.services.payments import PaymentParties, parties
from nara.services.tenders.reading import tender_row
from nara.store import registry

__all__ = ["PaymentParties", "is_agent", "payment_parties", "tender_agency"]


async def tender_agency(*, session: AsyncSession, notice_no: str) -> str:
    """The code of the agency that announced the tender."""
    return (await tender_row(session=session, notice_no=notice_no)).agency_code


async def payment_parties(*, session: AsyncSession, payment_id: str) -> PaymentParties:
    """The agency and the businesses (contractor, subcontractor) of a payment."""
    return await parties(session=session, payment_id=payment_id)


async def is_agent(*, session: AsyncSession, person_id: str, business_nos: Collection[str]) -> bool:
    """Whether the person is a registered agent of one of the businesses."""
    return await registry.is_agent_of_any(session, person_id=person_id, business_nos=business_nos)
