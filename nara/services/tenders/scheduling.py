"""Changing a tender's schedule after the announcement: extend its deadline, cancel it.

Both change the row under the audit head and tender locks (the one lock order), append
the audit event, and then signal the workflow; the caller commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from nara.contracts.ops import schedule_args
from nara.contracts.tender import CancelTender, ExtendDeadline
from nara.domain.clock import format_kst
from nara.domain.enums import Phase, Role
from nara.domain.errors import DeadlinePassed, RuleViolation, WrongPhase
from nara.keys import KeyService
from nara.services import processes
from nara.services.actors import Actor, require_agency, require_role
from nara.services.ops import tokens
from nara.services.tenders.models import CancelAccepted, ScheduleChange
from nara.services.tenders.reading import tender_row
from nara.services.tenders.schedule_check import check_schedule
from nara.settings import Settings
from nara.store import audit, audit_log, clock, tenders
from nara.store.tables import Tender
from nara.workflows.tender import TenderWorkflow

CANCELLABLE = frozenset(
    {Phase.ANNOUNCED, Phase.BIDDING, Phase.CLOSED, Phase.OPENED, Phase.EVALUATING, Phase.AWARDED}
)


async def _closed_error(session: AsyncSession, notice_no: str) -> WrongPhase:
    tender = await tender_row(session=session, notice_no=notice_no)
    return WrongPhase(
        f"tender {notice_no} is {tender.phase}: its process has ended",
        fix="see GET /tenders/{notice_no}; a re-announcement has its own notice number",
    )


async def _repeat_of(session: AsyncSession, actor: Actor, key: str) -> dict[str, Any] | None:
    """The payload of the decision recorded under the audit `key`, if this request is that
    very request sent again (the person's same request key); else None."""
    if actor.request_key is None:
        return None
    entry = await audit_log.find_by_key(session, key)
    if entry is None or entry.actor != actor.id:
        return None
    payload: dict[str, Any] = entry.payload
    return payload if payload.get("request_key") == actor.request_key else None


def _require_officer_of(actor: Actor, tender: Tender, *, doing: str) -> None:
    require_role(actor, Role.OFFICER, doing=doing)
    require_agency(actor, tender.agency_code, doing=doing)


async def extend(
    *,
    session: AsyncSession,
    temporal: Client,
    settings: Settings,
    actor: Actor,
    notice_no: str,
    deadline: datetime,
    opening_at: datetime,
    reason: str,
    keys: KeyService,
) -> ScheduleChange:
    """Move the deadline and opening later while bidding is open. Caller commits."""
    tender = await tender_row(session=session, notice_no=notice_no, lock="update")
    _require_officer_of(actor, tender, doing=f"extend the deadline of {notice_no}")
    audit_key = f"{notice_no}:extended:{deadline.isoformat()}"
    first = await _repeat_of(session, actor, audit_key)
    if first is not None:
        return _schedule_change(
            notice_no, deadline, opening_at, datetime.fromisoformat(first["from"])
        )
    now = await clock.now(session)
    if tender.phase is not Phase.BIDDING or not tender.bidding_open:
        raise WrongPhase(
            f"tender {notice_no} is {tender.phase}; a deadline can only be extended while "
            "bidding is open",
            field="deadline",
        )
    if now >= tender.deadline:
        raise DeadlinePassed(
            f"the deadline {format_kst(tender.deadline)} has passed (server time "
            f"{format_kst(now)}); bidding is closing and can no longer be extended",
            field="deadline",
        )
    if deadline <= tender.deadline:
        raise RuleViolation(
            rule="extension-later",
            field="deadline",
            value=deadline.isoformat(),
            accepted=f"after the current deadline {format_kst(tender.deadline)}",
            message=f"an extension moves the deadline later than {format_kst(tender.deadline)}; "
            f"{format_kst(deadline)} is not later",
        )
    await check_schedule(
        session=session,
        settings=settings,
        category=tender.category,
        method=tender.method,
        estimated_price=tender.estimated_price,
        urgent=tender.urgent,
        announced_at=tender.announced_at,
        deadline=deadline,
        opening_at=opening_at,
        now=now,
        exclude_notice_no=notice_no,
        agency_kind=tender.agency_kind,
    )
    previous = (tender.deadline, tender.opening_at)
    await tenders.update_schedule(
        session, notice_no=notice_no, deadline=deadline, opening_at=opening_at
    )
    await audit.append(
        session,
        actor=actor.id,
        entity=f"tender:{notice_no}",
        action="deadline-extended",
        idempotency_key=audit_key,
        payload={
            "from": previous[0].isoformat(),
            "deadline": deadline.isoformat(),
            "opening_at": opening_at.isoformat(),
            "reason": reason,
            **_keyed(actor),
        },
    )
    await session.flush()
    await processes.signal(
        temporal,
        tender.workflow_id,
        TenderWorkflow.extend_deadline,
        ExtendDeadline(
            deadline=deadline,
            opening_at=opening_at,
            reason=reason,
            requested_by=actor.id,
            token=tokens.issue(
                keys=keys,
                actor=actor,
                action="extend",
                workflow_id=tender.workflow_id,
                reason=reason,
                args=schedule_args(deadline, opening_at),
            ),
        ),
        closed=lambda: _closed_error(session, notice_no),
    )
    return _schedule_change(notice_no, deadline, opening_at, previous[0])


def _keyed(actor: Actor) -> dict[str, str]:
    """The request key to record with a decision, if the request has one."""
    return {"request_key": actor.request_key} if actor.request_key else {}


def _schedule_change(
    notice_no: str, deadline: datetime, opening_at: datetime, previous: datetime
) -> ScheduleChange:
    return ScheduleChange(
        notice_no=notice_no,
        deadline=deadline,
        opening_at=opening_at,
        note=f"deadline moved from {format_kst(previous)} to {format_kst(deadline)}",
    )


async def cancel(
    *,
    session: AsyncSession,
    temporal: Client,
    actor: Actor,
    notice_no: str,
    reason: str,
    keys: KeyService,
) -> CancelAccepted:
    """Stop bidding at once and ask the workflow to cancel the tender. Caller commits."""
    tender = await tender_row(session=session, notice_no=notice_no, lock="update")
    _require_officer_of(actor, tender, doing=f"cancel {notice_no}")
    audit_key = f"{notice_no}:cancel-requested"
    if await _repeat_of(session, actor, audit_key) is not None:
        return _cancel_accepted(notice_no)
    if tender.phase not in CANCELLABLE:
        raise WrongPhase(
            f"tender {notice_no} is {tender.phase}; only tenders before the contract can be "
            "cancelled",
            fix="a signed contract is ended by its own terms, not by cancelling the tender",
        )
    await tenders.stop_bidding(session, notice_no=notice_no)
    await audit.append(
        session,
        actor=actor.id,
        entity=f"tender:{notice_no}",
        action="cancel-requested",
        idempotency_key=audit_key,
        payload={"reason": reason, **_keyed(actor)},
    )
    await session.flush()
    await processes.signal(
        temporal,
        tender.workflow_id,
        TenderWorkflow.cancel,
        CancelTender(
            reason=reason,
            requested_by=actor.id,
            token=tokens.issue(
                keys=keys,
                actor=actor,
                action="cancel",
                workflow_id=tender.workflow_id,
                reason=reason,
            ),
        ),
        closed=lambda: _closed_error(session, notice_no),
    )
    return _cancel_accepted(notice_no)


def _cancel_accepted(notice_no: str) -> CancelAccepted:
    return CancelAccepted(
        notice_no=notice_no,
        note="bidding is closed; the workflow records the cancellation in a moment",
    )
