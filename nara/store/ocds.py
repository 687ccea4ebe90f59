"""The open-data releases: written by the steps that record each stage, in their transaction.

Each `publish_*` reads what its release needs (the tender, the agency, the businesses),
builds it with `nara.domain.ocds` and inserts it once: the release id is derived from the
stage (`<ocid>-tender`, `<ocid>-award-<business>`, ...), and (ocid, release id) is unique,
so a retried step writes no second release. Called in the same transaction as the stage
change, a release commits exactly when the change does. Reading the feed:
`nara.store.ocds_feed`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain import ocds
from nara.domain.calendar import SEOUL
from nara.domain.enums import Phase
from nara.domain.identifiers import NoticeNo
from nara.domain.ranking import award_method
from nara.settings import get_settings
from nara.store.ocds_tables import OcdsRelease
from nara.store.tables import Agency, Bid, Business, Contract, Payment, Tender

# "schedule moved by <person>: <reason>": the public release keeps the reason only.
_MOVED_BY = re.compile(r"^schedule moved by [^:]*: ")


def ocid_of(notice_no: str) -> str:
    """The ocid of a tender round, with this installation's registered prefix."""
    return ocds.ocid(get_settings().ocds_ocid_prefix, notice_no)


async def insert(session: AsyncSession, *, release: dict[str, Any]) -> bool:
    """Store a release once by (ocid, id); False if it was already stored."""
    stored = await session.scalar(
        pg_insert(OcdsRelease)
        .values(ocid=release["ocid"], release_id=release["id"], release=release)
        .on_conflict_do_nothing(constraint="uq_ocds_release")
        .returning(OcdsRelease.seq)
    )
    return stored is not None


async def _tender(session: AsyncSession, notice_no: str) -> tuple[Tender, ocds.Party]:
    tender, agency_name = (
        await session.execute(
            select(Tender, Agency.name)
            .join(Agency, Agency.code == Tender.agency_code)
            .where(Tender.notice_no == notice_no)
        )
    ).one()
    return tender, ocds.Party.agency(tender.agency_code, agency_name)


async def _business(session: AsyncSession, business_no: str, *roles: str) -> ocds.Party:
    name = await session.scalar(select(Business.name).where(Business.business_no == business_no))
    return ocds.Party.business(business_no, name or business_no, *roles)


def _now() -> datetime:
    return datetime.now(UTC)


async def publish_tender(session: AsyncSession, *, notice_no: str) -> None:
    """The announcement: planning and tender, with the announced estimated price only."""
    tender, buyer = await _tender(session, notice_no)
    ocid = ocid_of(notice_no)
    method = award_method(
        category=tender.category,
        method=tender.method,
        agency_kind=tender.agency_kind,
        estimated_price=tender.estimated_price,
        on=tender.announced_at.astimezone(SEOUL).date(),
        sme_competitive=tender.sme_competitive,
    )
    await insert(
        session,
        release=ocds.tender_release(
            ocid=ocid,
            release_id=f"{ocid}-tender",
            at=_now(),
            buyer=buyer,
            notice_no=notice_no,
            title=tender.title,
            description=tender.description,
            category=tender.category,
            method=tender.method,
            award_method=method,
            estimated_price=tender.estimated_price,
            announced_at=tender.announced_at,
            deadline=tender.deadline,
            previous_ocid=_previous_round(notice_no),
        ),
    )


def _previous_round(notice_no: str) -> str | None:
    """The ocid of the failed round a re-announcement follows (None for a first round)."""
    notice = NoticeNo.parse(notice_no)
    if notice.round == 0:
        return None
    return ocid_of(str(NoticeNo(notice.year, notice.sequence, notice.round - 1)))


async def publish_amendment(
    session: AsyncSession, *, notice_no: str, version: int, deadline: datetime, note: str
) -> None:
    """A moved deadline (schedule version `version`), with the reason but not who asked."""
    _, buyer = await _tender(session, notice_no)
    ocid = ocid_of(notice_no)
    await insert(
        session,
        release=ocds.amendment_release(
            ocid=ocid,
            release_id=f"{ocid}-amendment-{version}",
            at=_now(),
            buyer=buyer,
            notice_no=notice_no,
            amendment_id=f"{notice_no}-schedule-{version}",
            deadline=deadline,
            rationale=_MOVED_BY.sub("", note) or "the bid deadline moved",
        ),
    )


async def publish_phase(
    session: AsyncSession, *, notice_no: str, phase: Phase, actor: str, note: str | None
) -> None:
    """The phases that change what the public sees of a tender: opened (how many bids),
    failed, cancelled. The others publish from their own steps (award, contract, payment)
    or change nothing public (closed, evaluating)."""
    if phase not in (Phase.OPENED, Phase.FAILED, Phase.CANCELLED):
        return
    tender, buyer = await _tender(session, notice_no)
    ocid = ocid_of(notice_no)
    note = note or phase.value
    tenderers = None
    if phase is Phase.OPENED:
        status, details = "active", "bids opened"
        bidders = await session.execute(
            select(Bid.business_no, Business.name)
            .join(Business, Business.business_no == Bid.business_no)
            .where(Bid.tender_id == tender.id)
            .order_by(Bid.business_no)
        )
        tenderers = [ocds.Party.business(no, name, "tenderer") for no, name in bidders]
    elif phase is Phase.FAILED:
        status, details = "unsuccessful", note
    else:
        status, details = "cancelled", note.removeprefix(f"cancelled by {actor}: ")
    await insert(
        session,
        release=ocds.tender_status_release(
            ocid=ocid,
            release_id=f"{ocid}-{phase.value}",
            at=_now(),
            buyer=buyer,
            notice_no=notice_no,
            status=status,
            details=details,
            cancellation=phase is Phase.CANCELLED,
            tenderers=tenderers,
        ),
    )


async def publish_award(
    session: AsyncSession, *, notice_no: str, business_no: str, price: int
) -> None:
    """The approved award to a candidate (after the opening)."""
    _, buyer = await _tender(session, notice_no)
    ocid = ocid_of(notice_no)
    await insert(
        session,
        release=ocds.award_release(
            ocid=ocid,
            release_id=f"{ocid}-award-{business_no}",
            at=_now(),
            buyer=buyer,
            notice_no=notice_no,
            supplier=await _business(session, business_no, "tenderer", "supplier"),
            price=price,
        ),
    )


async def publish_award_cancelled(
    session: AsyncSession, *, notice_no: str, business_no: str, reason: str
) -> None:
    """The winner forfeited the award."""
    _, buyer = await _tender(session, notice_no)
    ocid = ocid_of(notice_no)
    await insert(
        session,
        release=ocds.award_cancelled_release(
            ocid=ocid,
            release_id=f"{ocid}-award-{business_no}-cancelled",
            at=_now(),
            buyer=buyer,
            notice_no=notice_no,
            business_no=business_no,
            reason=reason,
        ),
    )


async def publish_contract(session: AsyncSession, *, contract_no: str) -> None:
    """The contract as it stands: pending its signatures, or active once both signed."""
    contract, notice_no = (
        await session.execute(
            select(Contract, Tender.notice_no)
            .join(Tender, Tender.id == Contract.tender_id)
            .where(Contract.contract_no == contract_no)
        )
    ).one()
    _, buyer = await _tender(session, notice_no)
    ocid = ocid_of(notice_no)
    signed = contract.agency_signed_at and contract.supplier_signed_at
    await insert(
        session,
        release=ocds.contract_release(
            ocid=ocid,
            release_id=f"{ocid}-contract-{contract_no}" + ("-signed" if signed else ""),
            at=_now(),
            buyer=buyer,
            notice_no=notice_no,
            contract_no=contract_no,
            business_no=contract.business_no,
            amount=contract.amount,
            status="active" if signed else "pending",
            signed_at=max(contract.agency_signed_at, contract.supplier_signed_at)
            if contract.agency_signed_at and contract.supplier_signed_at
            else None,
        ),
    )


async def publish_payment(
    session: AsyncSession, *, contract_no: str, payment_id: str, seq: int, final: bool
) -> None:
    """A payment made: its legs to the contractor and any subcontractor, late interest."""
    payment, contract, notice_no = (
        await session.execute(
            select(Payment, Contract, Tender.notice_no)
            .join(Contract, Contract.contract_no == Payment.contract_no)
            .join(Tender, Tender.id == Contract.tender_id)
            .where(Payment.contract_no == contract_no, Payment.seq == seq)
        )
    ).one()
    _, buyer = await _tender(session, notice_no)
    prime = await _business(session, contract.business_no, "tenderer", "supplier", "payee")
    transfers = [
        ocds.Transfer(f"{payment_id}:prime", prime, payment.amount - payment.subcontract_amount)
    ]
    if payment.subcontract_amount and payment.subcontractor_no:
        bid = await session.scalar(
            select(func.count())
            .select_from(Bid)
            .where(Bid.tender_id == contract.tender_id, Bid.business_no == payment.subcontractor_no)
        )
        roles = ("tenderer", "payee") if bid else ("payee",)
        sub = await _business(session, payment.subcontractor_no, *roles)
        transfers.append(ocds.Transfer(f"{payment_id}:sub", sub, payment.subcontract_amount))
    if payment.late_interest:
        transfers.append(ocds.Transfer(f"{payment_id}:interest", prime, payment.late_interest))
    ocid = ocid_of(notice_no)
    await insert(
        session,
        release=ocds.payment_release(
            ocid=ocid,
            release_id=f"{ocid}-payment-{seq}",
            at=_now(),
            buyer=buyer,
            notice_no=notice_no,
            contract_no=contract_no,
            business_no=contract.business_no,
            transfers=transfers,
            final=final,
        ),
    )
