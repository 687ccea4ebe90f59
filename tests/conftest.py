"""Session-wide servers for the whole suite: real PostgreSQL and real Temporal, no mocks.

- `database_url`: a fresh `nara_test_<random>` database, migrated to head, dropped at the
  end; on the server named by `DATABASE_URL`, else on an embedded PostgreSQL in a temp dir.
- `db_engine` / `db_session`: an engine on it, and a per-test session whose work is rolled
  back (commits inside the test only release a savepoint).
- `temporal_env`: one time-skipping test server for the session, search attributes added.
- `dev_env`: one dev server (real visibility) for the session, started on first use.
- `task_queue`: a fresh task queue name per test.

The servers come from `nara.testing.servers`, which the benchmarks in bench/ use too.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from temporalio.testing import WorkflowEnvironment

from nara.store.db import create_engine
from nara.testing import servers


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the dev server are slow: `make test-fast` leaves them out."""
    for item in items:
        if "dev_env" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def _postgres_server_url() -> Iterator[str]:
    """Maintenance URL of the server the suite uses: $DATABASE_URL's, or an embedded one."""
    with servers.postgres_server(temp_prefix="nara-test-pg-") as url:
        yield url


@pytest.fixture(scope="session")
def database_url(_postgres_server_url: str) -> Iterator[str]:
    """URL of a fresh database for this session, migrated to the latest schema."""
    name = f"nara_test_{uuid.uuid4().hex[:10]}"
    with servers.fresh_database(_postgres_server_url, name) as url:
        yield url


@pytest.fixture(scope="session")
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """One async engine (psycopg 3) on the session database."""
    engine = create_engine(database_url, pool_size=5, application_name="nara-tests")
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def db_session(db_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test."""
    async with db_engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(
            bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        try:
            yield session
        finally:
            await session.close()
            if outer.is_active:
                await outer.rollback()


# --------------------------------------------------------------------------- Temporal


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """The session's time-skipping Temporal server (pydantic converter, search attributes)."""
    async with servers.time_skipping_server() as env:
        yield env


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The session's Temporal dev server (real visibility: list and count by attributes)."""
    async with servers.dev_server() as env:
        yield env


@pytest.fixture
def task_queue(request: pytest.FixtureRequest) -> str:
    """A task queue of this test's own, so workers of other tests never take its tasks."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name)[:40].strip("-")
    return f"test-{slug}-{uuid.uuid4().hex[:8]}"
