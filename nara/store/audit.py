"""The hash-chained audit log: append under the head lock, verify by recomputing.

Most writers want `record`: log an event once (by its key) and apply the change it
describes only when the event is new, so a retried step neither logs nor changes twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nara.store.tables import AuditEvent, AuditHead

GENESIS = "0" * 64


def tender_entity(notice_no: str) -> str:
    """The audit entity of a tender: `tender:<notice no>`."""
    return f"tender:{notice_no}"


def contract_entity(contract_no: str) -> str:
    """The audit entity of a contract and its payments: `contract:<contract no>`."""
    return f"contract:{contract_no}"


def event_hash(
    *,
    prev_hash: str,
    at: datetime,
    actor: str,
    entity: str,
    action: str,
    idempotency_key: str,
    payload: dict[str, Any],
) -> str:
    body = json.dumps(
        [
            prev_hash,
            at.astimezone(UTC).isoformat(),
            actor,
            entity,
            action,
            idempotency_key,
            payload,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


async def lock_head(session: AsyncSession) -> AuditHead:
    """Take the chain's head lock. Lock order everywhere: audit head first, then tender rows."""
    return (
        await session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    ).scalar_one()


async def append(
    session: AsyncSession,
    *,
    actor: str,
    entity: str,
    action: str,
    idempotency_key: str,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Append one event in the caller's transaction; False if the key was already recorded."""
    head = await lock_head(session)
    exists = await session.scalar(
        select(AuditEvent.id).where(AuditEvent.idempotency_key == idempotency_key)
    )
    if exists is not None:
        return False
    payload = json.loads(json.dumps(payload or {}, default=str))
    at = datetime.now(UTC)
    digest = event_hash(
        prev_hash=head.last_hash,
        at=at,
        actor=actor,
        entity=entity,
        action=action,
        idempotency_key=idempotency_key,
        payload=payload,
    )
    session.add(
        AuditEvent(
            at=at,
            actor=actor,
            entity=entity,
            action=action,
            idempotency_key=idempotency_key,
            payload=payload,
            prev_hash=head.last_hash,
            hash=digest,
        )
    )
    await session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_hash=digest, count=AuditHead.count + 1)
    )
    return True


async def record(
    session: AsyncSession,
    *,
    actor: str,
    entity: str,
    action: str,
    key: str,
    payload: dict[str, Any] | None = None,
    then: Callable[[], Awaitable[object]] | None = None,
) -> bool:
    """Record an event once by its key, then apply its change only if the event is new.

    Both happen in the caller's transaction, after the audit head lock: a retry finds the
    key, skips `then`, and returns False.
    """
    fresh = await append(
        session,
        actor=actor,
        entity=entity,
        action=action,
        idempotency_key=key,
        payload=payload,
    )
    if fresh and then is not None:
        await then()
    return fresh


@dataclass(frozen=True)
class ChainCheck:
    events: int
    ok: bool
    first_bad_id: int | None = None


async def verify(session: AsyncSession, *, batch: int = 5000) -> ChainCheck:
    """Recompute every hash in order; report the first event that does not match."""
    prev, count, last_id = GENESIS, 0, 0
    while True:
        rows = (
            (
                await session.execute(
                    select(AuditEvent)
                    .where(AuditEvent.id > last_id)
                    .order_by(AuditEvent.id)
                    .limit(batch)
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            return ChainCheck(events=count, ok=True)
        for row in rows:
            expected = event_hash(
                prev_hash=prev,
                at=row.at,
                actor=row.actor,
                entity=row.entity,
                action=row.action,
                idempotency_key=row.idempotency_key,
                payload=row.payload,
            )
            if row.prev_hash != prev or row.hash != expected:
                return ChainCheck(events=count, ok=False, first_bad_id=row.id)
            prev, count, last_id = row.hash, count + 1, row.id
