"""The audit log: auditors read the entries; anyone reads tree heads and proofs (hashes
only); operators and auditors have the server recompute it all."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from nara.api.deps import ActorDep, KeysDep, SessionDep
from nara.api.problems import problem_responses
from nara.api.schemas.audit import (
    AuditEventPage,
    ConsistencyRead,
    InclusionRead,
    LogCheckRead,
    TreeHeadRead,
)
from nara.api.schemas.base import BIGINT_MAX, Code, Text, Whole
from nara.services import audit_log

router = APIRouter(prefix="/audit", tags=["audit"], responses=problem_responses(422, 500, 503))

Size = Annotated[int, Whole(0, BIGINT_MAX, text=True)]
LeafHash = Annotated[
    str, Code(r"[0-9a-f]{64}", what="a leaf hash", accepted="64 lower-case hex digits")
]


@router.get(
    "/events",
    response_model=AuditEventPage,
    responses=problem_responses(401, 403),
    summary="Audit entries in the order written (auditor)",
)
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
    "/tree-head",
    response_model=TreeHeadRead,
    responses=problem_responses(404),
    summary="The log's newest signed tree head (anyone)",
)
async def tree_head(session: SessionDep) -> TreeHeadRead:
    return TreeHeadRead.model_validate(await audit_log.tree_head(session=session))


@router.get(
    "/proofs/inclusion",
    response_model=InclusionRead,
    responses=problem_responses(404),
    summary="Proof that an entry (by its leaf hash, as a bid receipt names it) is in the log",
    description="404 until the sequencer has taken the entry (within a second or two).",
)
async def inclusion(
    session: SessionDep,
    leaf_hash: Annotated[LeafHash, Query()],
    tree_size: Annotated[
        Size | None, Query(description="a signed head's size; default the newest")
    ] = None,
) -> InclusionRead:
    found = await audit_log.inclusion(
        session=session, leaf_hash=bytes.fromhex(leaf_hash), tree_size=tree_size
    )
    return InclusionRead.model_validate(found)


@router.get(
    "/proofs/consistency",
    response_model=ConsistencyRead,
    responses=problem_responses(404),
    summary="Proof that the log of a signed head extends the log of an earlier size",
)
async def consistency(
    session: SessionDep,
    first: Annotated[Size, Query(description="the size of a tree head kept earlier")],
    second: Annotated[
        Size | None, Query(description="a signed head's size; default the newest")
    ] = None,
) -> ConsistencyRead:
    found = await audit_log.consistency(session=session, first=first, second=second)
    return ConsistencyRead.model_validate(found)


@router.get(
    "/verify",
    response_model=LogCheckRead,
    responses=problem_responses(401, 403),
    summary="Recompute every entry, node and tree head of the log (operator, auditor)",
)
async def verify_log(session: SessionDep, actor: ActorDep, keys: KeysDep) -> LogCheckRead:
    report = await audit_log.verify(session=session, actor=actor, keys=keys)
    return LogCheckRead.model_validate(report)
