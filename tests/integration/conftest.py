"""The API on a real socket, a worker in-process, the dev server, PostgreSQL and simulators.

One stack per test module (module-scoped): its own task queue, fresh in-memory simulator
ledgers, and the API configured with the same task queue and a compressed clock
(`NARA_TIME_SCALE`), so a 7-day notice period passes in a few seconds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from tests.integration.support import ApiStack, running_stack


@pytest.fixture(scope="module")
async def stack(
    dev_env: WorkflowEnvironment, db_engine: AsyncEngine, database_url: str
) -> AsyncIterator[ApiStack]:
    async with running_stack(dev_env, db_engine, database_url, name="api") as stack:
        yield stack
