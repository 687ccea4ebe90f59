"""An officer's or inspector's work: what waits for them, and their agency's tenders.

`waiting_for` is the one place that decides what "waiting for me" means: today the
tender row's `awaiting_role` (the workflow mirrors its AwaitingRole search attribute
there on every phase change) within the person's agency, the contracts the agency has not
signed and the claims not yet inspected. The console's "my work" page reads it and
nothing else, so a richer source (the operators' stuck view) can replace it here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import PaymentKind, PaymentState, Phase, Role
from nara.domain.errors import Forbidden
from nara.services.actors import AUTHORIZATION, Actor, require_role
from nara.services.base import ServiceModel
from nara.store import console as store
from nara.store.tables import Tender

WAITING_LIMIT = 200
"""At most this many items waiting for one person are listed (the oldest first)."""


class WorkItem(ServiceModel):
    """A tender as a line of the work list."""

    notice_no: str
    title: str
    phase: Phase
    awaiting_role: Role | None
    waits_for: str | None
    """What the workflow waits for, in its own words (the row's outcome note)."""
    since: datetime
    """When the tender entered its current phase (the row's last phase change)."""
    deadline: datetime
    opening_at: datetime
    estimated_price: int


class SignatureItem(ServiceModel):
    notice_no: str
    title: str
    contract_no: str
    business_no: str
    amount: int
    since: datetime


class InspectionItem(ServiceModel):
    payment_id: str
    notice_no: str
    contract_no: str
    kind: PaymentKind
    amount: int
    status: PaymentState
    claimed_at: datetime
    inspection_due: datetime
    waiting: bool


class Waiting(ServiceModel):
    """What waits for one person now."""

    tenders: list[WorkItem]
    signatures: list[SignatureItem]
    inspections: list[InspectionItem]


class WorkList(ServiceModel):
    waiting: Waiting
    tenders: list[WorkItem]
    """The agency's other tenders (in `phase`, if asked), newest notice first."""
    total: int
    phase: Phase | None
    next_cursor: str | None
    inspections: list[InspectionItem]
    """Every claim of the agency, those to inspect first (inspectors only)."""


def _agency(actor: Actor) -> str:
    require_role(actor, Role.OFFICER, Role.INSPECTOR, doing="see an agency's work")
    if actor.agency_code is None:
        raise Forbidden(
            f"{actor.describe()} belongs to no agency",
            field=AUTHORIZATION,
            fix="ask an operator to register you with your agency",
        )
    return actor.agency_code


def _item(tender: Tender) -> WorkItem:
    return WorkItem(
        notice_no=tender.notice_no,
        title=tender.title,
        phase=tender.phase,
        awaiting_role=tender.awaiting_role,
        waits_for=tender.outcome_note if tender.awaiting_role else None,
        since=tender.updated_at,
        deadline=tender.deadline,
        opening_at=tender.opening_at,
        estimated_price=tender.estimated_price,
    )


async def waiting_for(
    *, session: AsyncSession, actor: Actor, phase: Phase | None = None
) -> Waiting:
    """The tenders, signatures and inspections that wait for `actor` now, oldest first."""
    agency = _agency(actor)
    tenders = await store.tenders_awaiting(
        session, agency_code=agency, role=actor.role, phase=phase, limit=WAITING_LIMIT
    )
    signatures: list[SignatureItem] = []
    inspections: list[InspectionItem] = []
    if actor.role is Role.OFFICER:
        signatures = [
            SignatureItem(
                notice_no=t.notice_no,
                title=t.title,
                contract_no=c.contract_no,
                business_no=c.business_no,
                amount=c.amount,
                since=c.created_at,
            )
            for c, t in await store.contracts_to_sign(
                session, agency_code=agency, limit=WAITING_LIMIT
            )
        ]
    else:
        inspections = [i for i in await _claims(session, agency, WAITING_LIMIT) if i.waiting]
    return Waiting(
        tenders=[_item(t) for t in tenders], signatures=signatures, inspections=inspections
    )


async def _claims(session: AsyncSession, agency: str, limit: int) -> list[InspectionItem]:
    return [
        InspectionItem(
            payment_id=f"payment-{p.contract_no}-{p.seq}",
            notice_no=t.notice_no,
            contract_no=p.contract_no,
            kind=p.kind,
            amount=p.amount,
            status=p.status,
            claimed_at=p.claimed_at,
            inspection_due=p.inspection_due,
            waiting=p.status is PaymentState.CLAIMED,
        )
        for p, t in await store.claims_of_agency(session, agency_code=agency, limit=limit)
    ]


async def list_mine(
    *,
    session: AsyncSession,
    actor: Actor,
    phase: Phase | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> WorkList:
    """The actor's work list: what waits for them first, then the agency's tenders. An
    auditor belongs to no agency: nothing waits for them (they open tenders by number)."""
    if actor.role is Role.AUDITOR:
        empty = Waiting(tenders=[], signatures=[], inspections=[])
        return WorkList(
            waiting=empty, tenders=[], total=0, phase=phase, next_cursor=None, inspections=[]
        )
    agency = _agency(actor)
    waiting = await waiting_for(session=session, actor=actor, phase=phase)
    rows = await store.tenders_not_awaiting(
        session, agency_code=agency, role=actor.role, phase=phase, before=cursor, limit=limit + 1
    )
    items = [_item(t) for t in rows[:limit]]
    claims = await _claims(session, agency, limit) if actor.role is Role.INSPECTOR else []
    return WorkList(
        waiting=waiting,
        tenders=items,
        total=await store.count_tenders_not_awaiting(
            session, agency_code=agency, role=actor.role, phase=phase
        ),
        phase=phase,
        next_cursor=items[-1].notice_no if len(rows) > limit and items else None,
        inspections=claims,
    )
