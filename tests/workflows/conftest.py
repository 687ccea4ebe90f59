"""Workflow tests: the real workflows and activities on the time-skipping server,
with real PostgreSQL and the real partner simulators on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara.partners.bank import BankClient
from nara.partners.guarantee import GuaranteeAgencyClient
from nara.simulators import bank, guarantee_agency
from nara.simulators.runner import ServerHandle, serve_in_thread
from nara.workers.main import Partners, build_worker


@pytest.fixture(scope="session")
def guarantee_sim() -> Iterator[ServerHandle]:
    with serve_in_thread(guarantee_agency.create_app()) as sim:
        yield sim


@pytest.fixture(scope="session")
def bank_sim() -> Iterator[ServerHandle]:
    with serve_in_thread(bank.create_app()) as sim:
        yield sim


@pytest.fixture
async def partners(guarantee_sim: ServerHandle, bank_sim: ServerHandle) -> AsyncIterator[Partners]:
    p = Partners(guarantee_agency=GuaranteeAgencyClient(guarantee_sim.url, timeout_s=2.0),
                 bank=BankClient(bank_sim.url, timeout_s=2.0))
    yield p
    await p.guarantee_agency.aclose()
    await p.bank.aclose()


@pytest.fixture
async def worker(temporal_env: WorkflowEnvironment, task_queue: str, db_engine: AsyncEngine,
                 partners: Partners) -> AsyncIterator[Worker]:
    w = build_worker(temporal_env.client, task_queue=task_queue, engine=db_engine,
                     partners=partners)
    async with w:
        yield w


async def eventually(probe: Callable[[], Any], *, timeout_s: float = 20.0) -> Any:
    """Poll an async probe in real time until it answers something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s")
        await asyncio.sleep(0.05)


def sessions(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)
