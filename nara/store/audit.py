"""The audit log's writers: one entry per event, inserted with its leaf hash, no lock.

Most writers want `record`: log an event once (by its key) and apply the change it
describes only when the event is new, so a retried step neither logs nor changes twice.
Entries become leaves of the log's Merkle tree when the sequencer takes them
(`nara.store.audit_log`); writers never wait for one another.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain import merkle
from nara.store.tables import AuditEvent

ENTRY_VERSION = 1


def tender_entity(notice_no: str) -> str:
    """The audit entity of a tender: `tender:<notice no>`."""
    return f"tender:{notice_no}"


def contract_entity(contract_no: str) -> str:
    """The audit entity of a contract and its payments: `contract:<contract no>`."""
    return f"contract:{contract_no}"


def entry_bytes(
    *, at: datetime, actor: str, entity: str, action: str, key: str, payload: dict[str, Any]
) -> bytes:
    """An entry's canonical bytes (version 1): what its leaf hash covers.

    Sorted, compact JSON of the entry with its time in UTC; migration 0009 keeps a frozen
    copy (a change here is a new version, never an edit).
    """
    return json.dumps(
        {
            "v": ENTRY_VERSION,
            "at": at.astimezone(UTC).isoformat(),
            "actor": actor,
            "entity": entity,
            "action": action,
            "key": key,
            "payload": payload,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode()


def leaf_of(row: AuditEvent) -> bytes:
    """The leaf hash a stored entry's content gives (what verification recomputes)."""
    return merkle.leaf_hash(
        entry_bytes(
            at=row.at,
            actor=row.actor,
            entity=row.entity,
            action=row.action,
            key=row.idempotency_key,
            payload=row.payload,
        )
    )


async def append(
    session: AsyncSession,
    *,
    actor: str,
    entity: str,
    action: str,
    idempotency_key: str,
    payload: dict[str, Any] | None = None,
) -> bytes | None:
    """Append one entry in the caller's transaction; its leaf hash, or None if the key was
    already recorded (a concurrent writer of the same key waits for the first to end)."""
    payload = json.loads(json.dumps(payload or {}, default=str))
    at = datetime.now(UTC)
    leaf = merkle.leaf_hash(
        entry_bytes(
            at=at, actor=actor, entity=entity, action=action, key=idempotency_key, payload=payload
        )
    )
    inserted = await session.scalar(
        pg_insert(AuditEvent)
        .values(
            at=at,
            actor=actor,
            entity=entity,
            action=action,
            idempotency_key=idempotency_key,
            payload=payload,
            leaf_hash=leaf,
        )
        .on_conflict_do_nothing(index_elements=[AuditEvent.idempotency_key])
        .returning(AuditEvent.id)
    )
    return leaf if inserted is not None else None


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

    Both happen in the caller's transaction: a retry finds the key, skips `then`, and
    returns False.
    """
    fresh = await append(
        session,
        actor=actor,
        entity=entity,
        action=action,
        idempotency_key=key,
        payload=payload,
    )
    if fresh is not None and then is not None:
        await then()
    return fresh is not None
