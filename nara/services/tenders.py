"""Tenders: announce (create), read, list, extend the deadline, cancel.

Announcing writes the tender row and starts its workflow in one transaction that the
caller commits: if the start fails, the row is rolled back; the announce activity of the
workflow upserts the same row, so a commit that fails after the start loses nothing.

Compressed time (`NARA_TIME_SCALE` > 1, the demo only): the period between now and the
deadline (and the opening) is stretched by the scale before the minimum notice period is
checked, so a deadline 31 s away counts as 7.2 days at scale 20000; the on-the-hour and
hourly-capacity rules are skipped (`check_clock_rules=False`), as seconds-away deadlines
cannot fall on the hour.
"""

from __future__ import annotations

import builtins
import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from nara.contracts.search import (
    AGENCY_CODE,
    BID_DEADLINE,
    ESTIMATED_PRICE,
    NOTICE_NO,
    TENDER_PHASE,
)
from nara.contracts.tender import (
    CancelTender,
    ExtendDeadline,
    TenderInput,
    TenderStatus,
    TenderTerms,
)
from nara.domain import announcement, ranking
from nara.domain.calendar import SEOUL
from nara.domain.clock import format_kst
from nara.domain.enums import AgencyKind, Category, Method, Phase, Role
from nara.domain.errors import (
    Conflict,
    DeadlinePassed,
    Forbidden,
    NotFound,
    RuleViolation,
    TemporalUnavailable,
    WrongPhase,
)
from nara.domain.identifiers import NoticeNo
from nara.domain.rules import rules_on
from nara.services import processes
from nara.services.actors import Actor, require_agency, require_role
from nara.services.base import Created, ServiceModel
from nara.services.locks import lock_audit_head
from nara.settings import Settings
from nara.store import audit
from nara.store.tables import Agency, Tender
from nara.workflows.tender import TenderWorkflow, tender_workflow_id

# pg_advisory_xact_lock(class, hour): serialises creates that count one deadline hour.
_DEADLINE_HOUR_LOCK = 7301
CANCELLABLE = frozenset(
    {Phase.ANNOUNCED, Phase.BIDDING, Phase.CLOSED, Phase.OPENED, Phase.EVALUATING, Phase.AWARDED}
)


class TenderDraft(ServiceModel):
    """An announcement. The agency and its kind come from the officer's person record.

    The fields and their order are part of the idempotency hash of an announcement:
    append new fields at the end, with a default.
    """

    title: str
    description: str = ""
    category: Category
    method: Method = Method.GENERAL
    estimated_price: int
    base_amount: int | None = None  # defaults to the estimated price
    deadline: datetime
    opening_at: datetime
    urgent: bool = False
    region: str | None = None
    agency_code: str | None = None  # when sent it must be the officer's own agency


class TenderView(ServiceModel):
    """A tender as PostgreSQL records it."""

    notice_no: str
    base_no: str
    round: int
    workflow_id: str
    agency_code: str
    agency_kind: AgencyKind
    officer_id: str
    title: str
    description: str
    category: Category
    method: Method
    region: str | None
    urgent: bool
    estimated_price: int
    base_amount: int
    announced_at: datetime
    deadline: datetime
    opening_at: datetime
    bidding_open: bool
    phase: Phase
    awaiting_role: Role | None
    outcome_note: str | None
    created_at: datetime
    updated_at: datetime


class TenderDetail(TenderView):
    """The record plus the live state of the tender's workflow."""

    live: TenderStatus | None  # None when Temporal did not answer
    live_note: str | None  # why `live` is None
    next_round: str | None  # notice no of the re-announcement, if any


class TenderPage(ServiceModel):
    items: builtins.list[TenderView]
    next_cursor: str | None  # pass as `cursor` for the next page; None on the last page
    limit: int


class ScheduleChange(ServiceModel):
    notice_no: str
    deadline: datetime
    opening_at: datetime
    note: str


class CancelAccepted(ServiceModel):
    notice_no: str
    note: str


def _entity(notice_no: str) -> str:
    return f"tender:{notice_no}"


async def database_now(session: AsyncSession) -> datetime:
    """The database clock (`clock_timestamp()`): the one clock deadlines are judged by."""
    now = await session.scalar(select(func.clock_timestamp()))
    assert now is not None
    return now


async def get(*, session: AsyncSession, notice_no: str, lock: str | None = None) -> Tender:
    """The tender row; `lock` is None, "share" or "update"."""
    query = select(Tender).where(Tender.notice_no == notice_no)
    if lock == "share":
        query = query.with_for_update(read=True).execution_options(populate_existing=True)
    elif lock == "update":
        query = query.with_for_update().execution_options(populate_existing=True)
    tender = (await session.execute(query)).scalar_one_or_none()
    if tender is None:
        raise NotFound(
            f"no tender {notice_no}",
            field="notice_no",
            fix="check the notice number (YYYYSSSSSSS-RR), or search with GET /tenders",
        )
    return tender


async def get_detail(
    *, session: AsyncSession, temporal: Client | None, notice_no: str
) -> TenderDetail:
    """The tender row plus the live workflow status (null with a note if Temporal is away)."""
    tender = await get(session=session, notice_no=notice_no)
    live, note = await processes.query(temporal, tender.workflow_id, TenderWorkflow.status)
    next_round = await session.scalar(
        select(Tender.notice_no).where(
            Tender.base_no == tender.base_no, Tender.round == tender.round + 1
        )
    )
    return TenderDetail(
        **TenderView.model_validate(tender).model_dump(),
        live=live,
        live_note=note,
        next_round=next_round,
    )


async def list(
    *,
    session: AsyncSession,
    phase: Phase | None = None,
    agency_code: str | None = None,
    category: Category | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> TenderPage:
    """Tenders, newest notice first; keyset pagination on the notice number."""
    query = select(Tender).order_by(Tender.notice_no.desc()).limit(limit + 1)
    if phase is not None:
        query = query.where(Tender.phase == phase.value)
    if agency_code is not None:
        query = query.where(Tender.agency_code == agency_code)
    if category is not None:
        query = query.where(Tender.category == category.value)
    if cursor is not None:
        query = query.where(Tender.notice_no < cursor)
    rows = (await session.execute(query)).scalars().all()
    items = [TenderView.model_validate(row) for row in rows[:limit]]
    next_cursor = items[-1].notice_no if len(rows) > limit and items else None
    return TenderPage(items=items, next_cursor=next_cursor, limit=limit)


def request_hash(draft: TenderDraft) -> str:
    """What an Idempotency-Key of an announcement stands for."""
    return hashlib.sha256(draft.model_dump_json().encode()).hexdigest()


async def _replay(
    session: AsyncSession, *, actor: Actor, client_key: str, request_hash: str
) -> Tender | None:
    tender = (
        await session.execute(
            select(Tender).where(Tender.officer_id == actor.id, Tender.client_key == client_key)
        )
    ).scalar_one_or_none()
    if tender is not None and tender.request_hash != request_hash:
        raise Conflict(
            f"Idempotency-Key {client_key!r} was used for another announcement "
            f"({tender.notice_no})",
            field="Idempotency-Key",
            fix="send a new Idempotency-Key for a new announcement",
        )
    return tender


def _stretch(now: datetime, at: datetime, scale: int) -> datetime:
    return now + (at - now) * scale


def _shrink(now: datetime, at: datetime, scale: int) -> datetime:
    return now + (at - now) / scale


async def check_schedule(
    *,
    session: AsyncSession,
    settings: Settings,
    category: Category,
    method: Method,
    estimated_price: int,
    urgent: bool,
    announced_at: datetime,
    deadline: datetime,
    opening_at: datetime,
    now: datetime,
    exclude_notice_no: str | None = None,
) -> None:
    """Check a schedule with the domain announcement rules (raises RuleViolation)."""
    scale = settings.time_scale
    if scale > 1:
        # Compressed time: stretch the remaining periods, skip the clock rules (module doc).
        try:
            announcement.check_announcement(
                category=category,
                method=method,
                estimated_price=estimated_price,
                announced_at=announced_at,
                deadline=_stretch(now, deadline, scale) if deadline > now else deadline,
                opening_at=_stretch(now, opening_at, scale) if opening_at > now else opening_at,
                urgent=urgent,
                check_clock_rules=False,
            )
        except RuleViolation as violation:
            raise _unstretched(violation, now=now, scale=scale) from None
        return
    hour = deadline.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:cls, :hour)"),
        {"cls": _DEADLINE_HOUR_LOCK, "hour": int(hour.timestamp() // 3600)},
    )
    in_hour = select(func.count()).where(
        Tender.deadline >= hour, Tender.deadline < hour + timedelta(hours=1)
    )
    if exclude_notice_no is not None:
        in_hour = in_hour.where(Tender.notice_no != exclude_notice_no)
    count = await session.scalar(in_hour) or 0
    capacity = rules_on(announced_at.astimezone(SEOUL).date()).deadlines().tenders_per_hour
    loads = await _deadline_hour_loads(session, hour) if count >= capacity else None
    announcement.check_announcement(
        category=category,
        method=method,
        estimated_price=estimated_price,
        announced_at=announced_at,
        deadline=deadline,
        opening_at=opening_at,
        urgent=urgent,
        tenders_in_deadline_hour=count,
        deadline_hour_loads=loads,
    )


async def _deadline_hour_loads(session: AsyncSession, hour: datetime) -> dict[datetime, int]:
    """Tenders per deadline hour over the proposal horizon (only when an hour is full)."""
    bucket = func.date_trunc("hour", Tender.deadline)
    rows = await session.execute(
        select(bucket, func.count())
        .where(Tender.deadline >= hour, Tender.deadline < hour + announcement.PROPOSAL_HORIZON)
        .group_by(bucket)
    )
    return {at: n for at, n in rows.all()}


def _unstretched(violation: RuleViolation, *, now: datetime, scale: int) -> RuleViolation:
    """Say a stretched-time violation in real time, so the demo's numbers make sense."""
    suggestion = violation.suggestion
    real = ""
    if isinstance(suggestion, datetime) and suggestion > now:
        suggestion = _shrink(now, suggestion, scale)
        real = f"; in real time the earliest is {suggestion.astimezone(SEOUL):%H:%M:%S} KST"
    return RuleViolation(
        rule=violation.rule,
        field=violation.field,
        value=violation.value,
        accepted=violation.accepted,
        suggestion=suggestion,
        message=f"{violation.message} (NARA_TIME_SCALE={scale}: periods from now are "
        f"checked {scale:,} times longer{real})",
    )


async def create(
    *,
    session: AsyncSession,
    temporal: Client,
    settings: Settings,
    actor: Actor,
    draft: TenderDraft,
    client_key: str | None = None,
) -> Created[TenderView]:
    """Announce a tender and start its workflow. Caller commits."""
    require_role(actor, Role.OFFICER, doing="announce a tender")
    assert actor.agency_code is not None
    if draft.agency_code is not None:
        require_agency(actor, draft.agency_code, doing=f"announce for agency {draft.agency_code}")
    agency = await session.get(Agency, actor.agency_code)
    if agency is None:  # pragma: no cover - a person's agency is a foreign key
        raise Forbidden(f"{actor.describe()} has no agency on record")
    digest = request_hash(draft)
    if client_key is not None:
        replay = await _replay(session, actor=actor, client_key=client_key, request_hash=digest)
        if replay is not None:
            return Created(TenderView.model_validate(replay), False)

    now = await database_now(session)
    # The tender must be one this system can award: the lower-limit table has to cover it
    # (construction of 30 bn or more goes to comprehensive evaluation, not run here).
    if draft.method is not Method.NEGOTIATED:
        ranking.lower_limit_rate(
            category=draft.category,
            agency_kind=AgencyKind(agency.kind),
            estimated_price=draft.estimated_price,
            on=now.astimezone(SEOUL).date(),
        )
    # Lock order: the audit head before the deadline-hour lock and the new tender row, as
    # every writer takes them (the announce activity upserts this row after the head).
    await lock_audit_head(session)
    await check_schedule(
        session=session,
        settings=settings,
        category=draft.category,
        method=draft.method,
        estimated_price=draft.estimated_price,
        urgent=draft.urgent,
        announced_at=now,
        deadline=draft.deadline,
        opening_at=draft.opening_at,
        now=now,
    )
    sequence = await session.scalar(text("SELECT nextval('notice_seq')"))
    notice = NoticeNo(now.astimezone(SEOUL).year, int(sequence or 0), 0)
    tender = Tender(
        notice_no=str(notice),
        base_no=notice.base,
        round=0,
        workflow_id=tender_workflow_id(str(notice)),
        agency_code=agency.code,
        officer_id=actor.id,
        title=draft.title,
        description=draft.description,
        category=draft.category.value,
        method=draft.method.value,
        agency_kind=agency.kind,
        region=draft.region,
        urgent=draft.urgent,
        estimated_price=draft.estimated_price,
        base_amount=draft.base_amount or draft.estimated_price,
        announced_at=now,
        deadline=draft.deadline,
        opening_at=draft.opening_at,
        bidding_open=False,
        phase=Phase.ANNOUNCED.value,
        client_key=client_key,
        request_hash=digest,
    )
    try:
        async with session.begin_nested():
            session.add(tender)
            await session.flush()
    except IntegrityError:
        # The same Idempotency-Key raced us and committed first: answer its tender.
        if client_key is None:
            raise
        replay = await _replay(session, actor=actor, client_key=client_key, request_hash=digest)
        if replay is None:
            raise
        return Created(TenderView.model_validate(replay), False)

    await _start_workflow(temporal, settings, tender, agency_kind=AgencyKind(agency.kind))
    await audit.append(
        session,
        actor=actor.id,
        entity=_entity(tender.notice_no),
        action="announcement-requested",
        idempotency_key=f"{tender.notice_no}:requested",
        payload={
            "title": tender.title,
            "estimated_price": tender.estimated_price,
            "deadline": tender.deadline.isoformat(),
            "opening_at": tender.opening_at.isoformat(),
            "client_key": client_key,
        },
    )
    return Created(TenderView.model_validate(tender), True)


async def _start_workflow(
    temporal: Client, settings: Settings, tender: Tender, *, agency_kind: AgencyKind
) -> None:
    terms = TenderTerms(
        notice_no=tender.notice_no,
        agency_code=tender.agency_code,
        agency_kind=agency_kind,
        officer_id=tender.officer_id,
        title=tender.title,
        category=Category(tender.category),
        method=Method(tender.method),
        estimated_price=tender.estimated_price,
        base_amount=tender.base_amount,
        announced_at=tender.announced_at,
        deadline=tender.deadline,
        opening_at=tender.opening_at,
        region=tender.region,
        description=tender.description,
        late_interest_rate_bp=settings.late_interest_rate_bp,
    )
    try:
        await temporal.start_workflow(
            TenderWorkflow.run,
            TenderInput(terms=terms),
            id=tender.workflow_id,
            task_queue=settings.temporal_task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(TENDER_PHASE, Phase.ANNOUNCED.value),
                    SearchAttributePair(AGENCY_CODE, tender.agency_code),
                    SearchAttributePair(NOTICE_NO, tender.notice_no),
                    SearchAttributePair(BID_DEADLINE, tender.deadline),
                    SearchAttributePair(ESTIMATED_PRICE, tender.estimated_price),
                ]
            ),
            static_summary=f"{tender.title} (notice {tender.notice_no})",
        )
    except WorkflowAlreadyStartedError:
        raise Conflict(
            f"a workflow {tender.workflow_id} already exists",
            fix="retry: the next notice number will be used",
        ) from None
    except RPCError as error:
        raise TemporalUnavailable(
            f"the tender workflow could not be started: {error.message}",
            fix="retry in a moment; nothing was announced",
        ) from None


async def _closed_error(session: AsyncSession, notice_no: str) -> WrongPhase:
    tender = await get(session=session, notice_no=notice_no)
    return WrongPhase(
        f"tender {notice_no} is {tender.phase}: its process has ended",
        fix="see GET /tenders/{notice_no}; a re-announcement has its own notice number",
    )


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
) -> ScheduleChange:
    """Move the deadline and opening later while bidding is open. Caller commits."""
    await lock_audit_head(session)
    tender = await get(session=session, notice_no=notice_no, lock="update")
    _require_officer_of(actor, tender, doing=f"extend the deadline of {notice_no}")
    now = await database_now(session)
    if tender.phase != Phase.BIDDING.value or not tender.bidding_open:
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
        category=Category(tender.category),
        method=Method(tender.method),
        estimated_price=tender.estimated_price,
        urgent=tender.urgent,
        announced_at=tender.announced_at,
        deadline=deadline,
        opening_at=opening_at,
        now=now,
        exclude_notice_no=notice_no,
    )
    previous = (tender.deadline, tender.opening_at)
    tender.deadline, tender.opening_at = deadline, opening_at
    tender.updated_at = now
    await audit.append(
        session,
        actor=actor.id,
        entity=_entity(notice_no),
        action="deadline-extended",
        idempotency_key=f"{notice_no}:extended:{deadline.isoformat()}",
        payload={
            "from": previous[0].isoformat(),
            "deadline": deadline.isoformat(),
            "opening_at": opening_at.isoformat(),
            "reason": reason,
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
        ),
        closed=lambda: _closed_error(session, notice_no),
    )
    return ScheduleChange(
        notice_no=notice_no,
        deadline=deadline,
        opening_at=opening_at,
        note=f"deadline moved from {format_kst(previous[0])} to {format_kst(deadline)}",
    )


async def cancel(
    *, session: AsyncSession, temporal: Client, actor: Actor, notice_no: str, reason: str
) -> CancelAccepted:
    """Stop bidding at once and ask the workflow to cancel the tender. Caller commits."""
    await lock_audit_head(session)
    tender = await get(session=session, notice_no=notice_no, lock="update")
    _require_officer_of(actor, tender, doing=f"cancel {notice_no}")
    if Phase(tender.phase) not in CANCELLABLE:
        raise WrongPhase(
            f"tender {notice_no} is {tender.phase}; only tenders before the contract can be "
            "cancelled",
            fix="a signed contract is ended by its own terms, not by cancelling the tender",
        )
    tender.bidding_open = False
    await audit.append(
        session,
        actor=actor.id,
        entity=_entity(notice_no),
        action="cancel-requested",
        idempotency_key=f"{notice_no}:cancel-requested",
        payload={"reason": reason},
    )
    await session.flush()
    await processes.signal(
        temporal,
        tender.workflow_id,
        TenderWorkflow.cancel,
        CancelTender(reason=reason, requested_by=actor.id),
        closed=lambda: _closed_error(session, notice_no),
    )
    return CancelAccepted(
        notice_no=notice_no,
        note="bidding is closed; the workflow records the cancellation in a moment",
    )
