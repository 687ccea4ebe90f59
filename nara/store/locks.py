"""Transaction-scoped advisory locks by name (PostgreSQL `pg_advisory_xact_lock`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def advisory(session: AsyncSession, names: Sequence[str]) -> None:
    """Lock each name until the transaction ends, in the order given."""
    for name in names:
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name}
        )
