"""The audit log, for auditors and operators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from nara.api.deps import ActorDep, SessionDep
from nara.api.problems import problem_responses
from nara.api.schemas.audit import AuditEventPage, ChainCheckRead
from nara.api.schemas.base import BIGINT_MAX, Text, Whole
from nara.services import audit_log

router = APIRouter(
    prefix="/audit", tags=["audit"], responses=problem_responses(401, 403, 422, 500, 503)
)


@router.get("/events", response_model=AuditEventPage, summary="Audit events in chain order")
async def list_events(
    session: SessionDep,
    actor: ActorDep,
    entity: Annotated[
        Annotated[str, Text(60)] | None, Query(description="e.g. tender:20260000001-00")
    ] = None,
    after_id: Annotated[
        int, Whole(0, BIGINT_MAX, text=True), Query(description="page after this event id")
    ] = 0,
    limit: Annotated[int, Whole(1, 1000, text=True), Query()] = 100,
) -> AuditEventPage:
    page = await audit_log.list_events(
        session=session, actor=actor, entity=entity, after_id=after_id, limit=limit
    )
    return AuditEventPage.model_validate(page)


@router.get(
    "/verify",
    response_model=ChainCheckRead,
    summary="Recompute the hash chain and name the first event that breaks it",
)
async def verify_chain(session: SessionDep, actor: ActorDep) -> ChainCheckRead:
    return ChainCheckRead.model_validate(await audit_log.verify(session=session, actor=actor))
