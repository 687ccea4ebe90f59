"""Lock order: a passkey's row, then the audit chain head, then tender rows.

`audit.append` locks the single `audit_head` row, and the workflow's `record_phase`
activity appends first and updates the tender row second. A request that locked a tender
row first and appended second could deadlock with it, so every service transaction that
both appends and locks a tender takes the head first. It is re-entrant within a
transaction, so `audit.append` later costs nothing more.

A bid moves its passkey's counter (locking that passkey's row) before it takes the head,
so the head's critical section, which every writer waits for, holds no passkey work;
removing a passkey therefore also updates its row before it appends.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from nara.store import audit


async def lock_audit_head(session: AsyncSession) -> None:
    """Take the audit head lock now (held until the transaction ends)."""
    await audit.lock_head(session)
