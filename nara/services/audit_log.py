"""The audit log: entries by entity for auditors; tree heads and proofs for anyone; a full
recomputation for auditors and operators (docs/audit-log.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain import merkle
from nara.domain.enums import Role
from nara.domain.errors import NotFound, RuleViolation
from nara.domain.tree_heads import SignedTreeHead
from nara.keys import KeyService
from nara.services.actors import Actor, require_role
from nara.services.base import ServiceModel
from nara.store import audit_log, audit_reads, audit_verify
from nara.store.tables import AuditTreeHead

READERS = (Role.AUDITOR,)
"""Who reads the entries: they name who bid before the opening, which operators never see."""
CHECKERS = (Role.AUDITOR, Role.OPERATOR)
"""Who may have the server recompute the log (an answer of counts and hashes only)."""


class AuditEntry(ServiceModel):
    id: int
    seq: int | None
    at: datetime
    actor: str
    entity: str
    action: str
    payload: dict[str, Any]
    leaf_hash: str
    """Hex."""

    @field_validator("leaf_hash", mode="before")
    @classmethod
    def _hex(cls, value: object) -> object:
        return value.hex() if isinstance(value, bytes) else value


class AuditPage(ServiceModel):
    items: list[AuditEntry]
    next_after_id: int | None


class TreeHeadView(ServiceModel):
    size: int
    root_hash: str
    at: datetime
    key_id: str
    signature: str


class InclusionView(ServiceModel):
    seq: int
    leaf_hash: str
    tree_size: int
    proof: list[str]
    tree_head: TreeHeadView


class ConsistencyView(ServiceModel):
    first: int
    second: int
    proof: list[str]
    tree_head: TreeHeadView


class LogReport(ServiceModel):
    ok: bool
    entries: int
    tree_heads: int
    pending: int
    oldest_pending_at: datetime | None
    latest: TreeHeadView | None
    kept_consistent: bool | None
    """With a kept tree head: whether the log only grew since it."""
    problems: list[str]


def _view(head: SignedTreeHead) -> TreeHeadView:
    return TreeHeadView(
        size=head.head.size,
        root_hash=head.head.root_hash.hex(),
        at=head.head.at,
        key_id=head.head.key_id,
        signature=head.signature,
    )


async def list_events(
    *, session: AsyncSession, actor: Actor, entity: str | None, after_id: int, limit: int
) -> AuditPage:
    """Entries in the order written, optionally of one entity (e.g. `tender:20260000001-00`)."""
    require_role(actor, *READERS, doing="read the audit log")
    rows = await audit_reads.list_events(session, after_id=after_id, entity=entity, limit=limit + 1)
    items = [AuditEntry.model_validate(row) for row in rows[:limit]]
    return AuditPage(items=items, next_after_id=items[-1].id if len(rows) > limit else None)


async def _head(session: AsyncSession, size: int | None = None) -> AuditTreeHead:
    row = (
        await audit_log.latest_head(session)
        if size is None
        else await audit_log.head_of_size(session, size)
    )
    if row is None:
        raise NotFound(
            "the log has no signed tree head yet"
            if size is None
            else f"the log signed no tree head of size {size}",
            field="tree_size",
            fix="ask for the latest tree head (GET /audit/tree-head) and use its size",
        )
    return row


async def tree_head(*, session: AsyncSession) -> TreeHeadView:
    """The newest signed tree head."""
    return _view(audit_log.signed(await _head(session)))


async def inclusion(
    *, session: AsyncSession, leaf_hash: bytes, tree_size: int | None
) -> InclusionView:
    """The proof that the entry with this leaf hash is in the tree of a signed head."""
    entry = await audit_log.find_by_leaf(session, leaf_hash)
    if entry is None or entry.seq is None:
        raise NotFound(
            "no entry with this leaf hash is in the log yet",
            field="leaf_hash",
            fix="the sequencer takes new entries within a second or two: ask again shortly",
        )
    head = await _head(session, tree_size)
    if entry.seq >= head.size:
        raise NotFound(
            f"entry #{entry.seq} is not in the tree of size {head.size}",
            field="tree_size",
            fix="ask with a later tree head's size, or without one (the latest)",
        )
    seq, size = entry.seq, head.size
    proof = await audit_log.with_nodes(
        session, lambda tree: merkle.inclusion_proof(tree, seq, size)
    )
    return InclusionView(
        seq=seq,
        leaf_hash=leaf_hash.hex(),
        tree_size=size,
        proof=[p.hex() for p in proof],
        tree_head=_view(audit_log.signed(head)),
    )


async def consistency(*, session: AsyncSession, first: int, second: int | None) -> ConsistencyView:
    """The proof that the tree of size `second` (a signed head) extends the tree of `first`."""
    head = await _head(session, second)
    if first > head.size:
        raise RuleViolation(
            rule="consistency-sizes",
            field="first",
            value=first,
            accepted=f"a size from 0 to {head.size}",
            message=f"the first size {first} is larger than the second {head.size}",
        )
    size = head.size
    proof = await audit_log.with_nodes(
        session, lambda tree: merkle.consistency_proof(tree, first, size)
    )
    return ConsistencyView(
        first=first,
        second=size,
        proof=[p.hex() for p in proof],
        tree_head=_view(audit_log.signed(head)),
    )


async def verify(
    *,
    session: AsyncSession,
    actor: Actor | None,
    keys: KeyService,
    kept: SignedTreeHead | None = None,
) -> LogReport:
    """Recompute the whole log (every leaf, node and tree head); the problems found.
    `actor` None: a trusted in-process caller (the CLI)."""
    if actor is not None:
        require_role(actor, *CHECKERS, doing="verify the audit log")
    check = await audit_verify.verify(session, public_keys=keys.log.published(), kept=kept)
    return LogReport(
        ok=check.ok,
        entries=check.entries,
        tree_heads=check.tree_heads,
        pending=check.pending,
        oldest_pending_at=check.oldest_pending_at,
        latest=_view(check.latest) if check.latest else None,
        kept_consistent=check.kept_consistent,
        problems=check.problems,
    )
