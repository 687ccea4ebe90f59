"""Locks a service transaction takes, in one order: a passkey's row, then the named locks
(the competition of a tender, outage declarations), then tender rows.

The audit log takes no lock (its writers insert entries; the sequencer orders them
later), so these are the only waits between writers, and each is as narrow as its rule:
two bids wait for each other only when they could break one-bidder-per-agent together.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from nara.store import locks


async def lock_named(session: AsyncSession, *names: str) -> None:
    """Take transaction-scoped locks on these names, in sorted order (no deadlock between
    two transactions taking overlapping sets)."""
    await locks.advisory(session, sorted(set(names)))


def competition(notice_no: str, business_nos: Iterable[str]) -> list[str]:
    """The lock names of these businesses' competition on one tender."""
    return [f"bid:{notice_no}:{b}" for b in business_nos]
