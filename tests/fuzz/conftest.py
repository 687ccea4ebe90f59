"""The fuzz tier: the whole stack on loopback (API in a thread, a worker in this process, the
dev server, PostgreSQL, the simulators), one per module, as in tests/integration."""

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
    async with running_stack(dev_env, db_engine, database_url, name="fuzz") as stack:
        yield stack
