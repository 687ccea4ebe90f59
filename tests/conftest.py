"""Session-wide servers for the whole suite: real PostgreSQL and real Temporal, no mocks.

- `database_url`: a fresh `nara_test_<random>` database, migrated to head, dropped at the
  end; on the server named by `DATABASE_URL`, else on an embedded PostgreSQL in a temp dir.
- `db_engine` / `db_session`: an engine on it, and a per-test session whose work is rolled
  back (commits inside the test only release a savepoint).
- `temporal_env`: one time-skipping test server for the session, search attributes added.
- `dev_env`: one dev server (real visibility) for the session, started on first use.
- `task_queue`: a fresh task queue name per test.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import tempfile
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from nara import embedded
from nara.contracts.search import search_attribute_cli_args
from nara.store.db import create_engine
from nara.temporal import register_search_attributes


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the dev server are slow: `make test-fast` leaves them out."""
    for item in items:
        if "dev_env" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def _postgres_server_url() -> Iterator[str]:
    """Maintenance URL of the server the suite uses: $DATABASE_URL's, or an embedded one."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    tmp = Path(tempfile.mkdtemp(prefix="nara-test-pg-"))
    server = embedded.start_postgres(tmp / "pgdata")
    try:
        yield server.url
    finally:
        server.stop(force=True)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(_postgres_server_url: str) -> Iterator[str]:
    """URL of a fresh database for this session, migrated to the latest schema."""
    name = f"nara_test_{uuid.uuid4().hex[:10]}"
    url = embedded.create_database(_postgres_server_url, name)
    try:
        if importlib.util.find_spec("nara.store.migrate") is None:
            warnings.warn(
                "nara.store.migrate does not exist yet: the test database has no schema",
                stacklevel=1,
            )
        else:
            from nara.store.migrate import upgrade

            upgrade(url)
        yield url
    finally:
        embedded.drop_database(_postgres_server_url, name)


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
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(embedded.temporal_test_server_path()),
    )
    try:
        await register_search_attributes(env.client)
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The session's Temporal dev server (real visibility: list and count by attributes)."""
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=str(embedded.temporal_cli_path()),
        dev_server_extra_args=search_attribute_cli_args(),
        dev_server_log_level="error",
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def task_queue(request: pytest.FixtureRequest) -> str:
    """A task queue of this test's own, so workers of other tests never take its tasks."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name)[:40].strip("-")
    return f"test-{slug}-{uuid.uuid4().hex[:8]}"
