"""Engines and sessions. Two pools: the business path and the search path never share one."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def sqlalchemy_url(url: str) -> str:
    """Normalise any PostgreSQL URL to the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+asyncpg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    statement_timeout_ms: int | None = None,
    application_name: str = "nara",
    max_overflow: int | None = None,
    pool_timeout_s: float = 30.0,
    read_only: bool = False,
    connect_timeout_s: int | None = None,
) -> AsyncEngine:
    """An async engine; `statement_timeout_ms` bounds every statement on this pool.

    `max_overflow` defaults to `pool_size`; `read_only` makes every transaction read-only
    (the search pool); `connect_timeout_s` bounds a connection attempt (libpq, >= 2 s).
    """
    options = f"-c application_name={application_name}"
    if statement_timeout_ms:
        options += f" -c statement_timeout={statement_timeout_ms}"
    if read_only:
        options += " -c default_transaction_read_only=on"
    connect_args: dict[str, object] = {"options": options}
    if connect_timeout_s is not None:
        connect_args["connect_timeout"] = connect_timeout_s
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_timeout=pool_timeout_s,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine` whose objects stay readable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(session: AsyncSession) -> None:
    """One round trip to the database (`SELECT 1`), for health checks."""
    await session.execute(text("SELECT 1"))
