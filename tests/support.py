"""Small helpers shared by test tiers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from nara.testing.polling import eventually

__all__ = ["eventually", "sessions"]


def sessions(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)
