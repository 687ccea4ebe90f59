"""Workflow tests: the real workflows and activities on the time-skipping server,
with real PostgreSQL and the real partner simulators on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara.keys import KeyService
from nara.simulators import bank, guarantee_agency
from nara.simulators.runner import ServerHandle, serve_in_thread
from nara.store.db import session_factory
from nara.testing import servers
from nara.testing.keys import TimeSkippingKeys
from nara.testing.servers import SIMULATOR_ADMIN_TOKEN
from nara.workers.main import Partners, build_worker


@pytest.fixture(scope="session")
def guarantee_sim() -> Iterator[ServerHandle]:
    with serve_in_thread(guarantee_agency.create_app(admin_token=SIMULATOR_ADMIN_TOKEN)) as sim:
        yield sim


@pytest.fixture(scope="session")
def bank_sim() -> Iterator[ServerHandle]:
    with serve_in_thread(bank.create_app(admin_token=SIMULATOR_ADMIN_TOKEN)) as sim:
        yield sim


@pytest.fixture
async def partners(guarantee_sim: ServerHandle, bank_sim: ServerHandle) -> AsyncIterator[Partners]:
    async with servers.partners(guarantee_sim.url, bank_sim.url) as clients:
        yield clients


@pytest.fixture
def keys(db_engine: AsyncEngine, tmp_path: Path, temporal_env: WorkflowEnvironment) -> KeyService:
    """The local key service, its master and receipt keys in the test's own directory,
    judging the close by the time-skipping server's clock (`nara.testing.keys`)."""
    return TimeSkippingKeys(session_factory(db_engine), tmp_path / "keys", temporal_env)


@pytest.fixture
async def worker(
    temporal_env: WorkflowEnvironment,
    task_queue: str,
    db_engine: AsyncEngine,
    partners: Partners,
    keys: KeyService,
) -> AsyncIterator[Worker]:
    w = build_worker(
        temporal_env.client, task_queue=task_queue, engine=db_engine, partners=partners, keys=keys
    )
    async with w:
        yield w


@pytest.fixture
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test.

    The test server stops skipping time while any workflow task is outstanding, and a
    workflow left waiting by an earlier test (its worker gone) would freeze the clock for
    every later test; one server per test (about a second) keeps them independent.
    """
    async with servers.time_skipping_server() as env:
        yield env
