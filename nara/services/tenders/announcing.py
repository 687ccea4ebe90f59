"""Announcing a tender: allocate its notice number, write its row, start its workflow.

Announcing writes the tender row and starts its workflow in one transaction that the
caller commits: if the start fails, the row is rolled back; the announce activity of the
workflow upserts the same row, so a commit that fails after the start loses nothing.
An Idempotency-Key answers the tender it first announced.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from nara.contracts.search import (
    AGENCY_CODE,
    AWAITING_SINCE,
    BID_DEADLINE,
    ESTIMATED_PRICE,
    NOTICE_NO,
    PAYMENT_OVERDUE,
    TENDER_PHASE,
)
from nara.contracts.tender import TenderInput, TenderTerms
from nara.domain import a_value as domain_a_value
from nara.domain import ranking, reserve_prices
from nara.domain.calendar import SEOUL
from nara.domain.enums import Phase, Role
from nara.domain.errors import Conflict, Forbidden, TemporalUnavailable
from nara.domain.identifiers import NoticeNo
from nara.services.actors import Actor, require_agency, require_role
from nara.services.base import Created
from nara.services.tenders.models import TenderDraft, TenderView
from nara.services.tenders.schedule_check import check_schedule
from nara.settings import Settings
from nara.store import audit, clock, registry, tenders
from nara.store.tables import Tender
from nara.workflows.tender import TenderWorkflow


def request_hash(draft: TenderDraft) -> str:
    """What an Idempotency-Key of an announcement stands for."""
    return hashlib.sha256(draft.model_dump_json().encode()).hexdigest()


async def _replay(
    session: AsyncSession, *, actor: Actor, client_key: str, request_hash: str
) -> Tender | None:
    tender = await tenders.find_by_client_key(session, officer_id=actor.id, client_key=client_key)
    if tender is not None and tender.request_hash != request_hash:
        raise Conflict(
            f"Idempotency-Key {client_key!r} was used for another announcement "
            f"({tender.notice_no})",
            field="Idempotency-Key",
            fix="send a new Idempotency-Key for a new announcement",
        )
    return tender


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
    agency = await registry.find_agency(session, code=actor.agency_code)
    if agency is None:  # pragma: no cover - a person's agency is a foreign key
        raise Forbidden(f"{actor.describe()} has no agency on record")
    digest = request_hash(draft)
    if client_key is not None:
        replay = await _replay(session, actor=actor, client_key=client_key, request_hash=digest)
        if replay is not None:
            return Created(TenderView.model_validate(replay), False)

    now = await clock.now(session)
    # The tender must be one this system can award: the tables of the agency's law have to
    # cover it (qualification review, negotiated scoring, or comprehensive evaluation).
    ranking.award_method(
        category=draft.category,
        method=draft.method,
        agency_kind=agency.kind,
        estimated_price=draft.estimated_price,
        on=now.astimezone(SEOUL).date(),
        sme_competitive=draft.sme_competitive,
    )
    # The A value is a cost of works, below the lowest predetermined price the draw can give.
    a_value = domain_a_value.a_value(draft.a_value_items, category=draft.category)
    if a_value:
        domain_a_value.check_a_value(
            a_value=a_value,
            predetermined_price=reserve_prices.lowest_reserve_price(
                base_amount=draft.base_amount or draft.estimated_price,
                agency_kind=agency.kind,
                on=now.astimezone(SEOUL).date(),
            ),
        )
    # ... and its reserve prices must be drawable at the opening.
    reserve_prices.check_base_amount(
        base_amount=draft.base_amount or draft.estimated_price,
        category=draft.category,
        agency_kind=agency.kind,
        on=now.astimezone(SEOUL).date(),
    )
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
        agency_kind=agency.kind,
    )
    notice = NoticeNo(now.astimezone(SEOUL).year, await tenders.next_notice_seq(session), 0)
    tender = tenders.new_tender(
        notice_no=str(notice),
        agency_code=agency.code,
        agency_kind=agency.kind,
        officer_id=actor.id,
        title=draft.title,
        description=draft.description,
        category=draft.category,
        method=draft.method,
        region=draft.region,
        urgent=draft.urgent,
        estimated_price=draft.estimated_price,
        base_amount=draft.base_amount or draft.estimated_price,
        announced_at=now,
        deadline=draft.deadline,
        opening_at=draft.opening_at,
        client_key=client_key,
        request_hash=digest,
        a_value_items=draft.a_value_items,
        sme_competitive=draft.sme_competitive,
    )
    try:
        await tenders.insert(session, tender=tender)
    except IntegrityError:
        # The same Idempotency-Key raced us and committed first: answer its tender.
        if client_key is None:
            raise
        replay = await _replay(session, actor=actor, client_key=client_key, request_hash=digest)
        if replay is None:
            raise
        return Created(TenderView.model_validate(replay), False)

    await _start_workflow(temporal, settings, tender)
    await audit.append(
        session,
        actor=actor.id,
        entity=f"tender:{tender.notice_no}",
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


async def _start_workflow(temporal: Client, settings: Settings, tender: Tender) -> None:
    terms = TenderTerms(
        notice_no=tender.notice_no,
        agency_code=tender.agency_code,
        agency_kind=tender.agency_kind,
        officer_id=tender.officer_id,
        title=tender.title,
        category=tender.category,
        method=tender.method,
        estimated_price=tender.estimated_price,
        base_amount=tender.base_amount,
        announced_at=tender.announced_at,
        deadline=tender.deadline,
        opening_at=tender.opening_at,
        region=tender.region,
        description=tender.description,
        late_interest_rate_bp=settings.late_interest_rate_bp,
        a_value_items=dict(tender.a_value_items),
        sme_competitive=tender.sme_competitive,
        time_scale=settings.time_scale,
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
                    SearchAttributePair(AWAITING_SINCE, tender.announced_at),
                    SearchAttributePair(PAYMENT_OVERDUE, False),
                ]
            ),
            static_summary=f"{tender.title} (notice {tender.notice_no})",
            static_details=f"{tender.category} tender of agency {tender.agency_code}: "
            f"estimated {tender.estimated_price:,} KRW, deadline "
            f"{tender.deadline.isoformat()}, opening {tender.opening_at.isoformat()}",
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
