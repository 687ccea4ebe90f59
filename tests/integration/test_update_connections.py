"""A request waiting on a workflow holds no pooled database connection: its read
transaction ends before the Update or query is sent, so a busy worker cannot empty the
API's pool (under the launch-week replay it did: 503 `database-busy` on every route).
Real PostgreSQL, a real dev server; the workflow has no worker, so the Update waits."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from nara.contracts.tender import ReviewCandidate
from nara.domain.errors import NaraError, TemporalUnavailable, WrongPhase
from nara.services import processes
from nara.store.db import create_engine, session_factory
from nara.workflows.tender import TenderWorkflow

Call = Callable[[Client, AsyncSession, str], Awaitable[object]]


async def _closed() -> NaraError:
    return WrongPhase("closed")


@pytest.fixture
async def one_connection(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A pool of exactly one connection, given up on after 1 s."""
    engine = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout_s=1.0)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _review(
    client: Client,
    session: AsyncSession | None,
    workflow_id: str,
    timeout: timedelta = processes.UPDATE_TIMEOUT,
) -> object:
    return await processes.update(
        client,
        workflow_id,
        TenderWorkflow.review_candidate,
        ReviewCandidate(officer_id="o", business_no="b", capability_score=Decimal(80)),
        closed=_closed,
        release=session,
        timeout=timeout,
    )


async def _status(client: Client, session: AsyncSession, workflow_id: str) -> object:
    return await processes.query(client, workflow_id, TenderWorkflow.status, release=session)


@pytest.mark.parametrize("call", [_review, _status], ids=["update", "query"])
async def test_a_request_waiting_on_its_workflow_gives_its_connection_back(
    dev_env: WorkflowEnvironment, one_connection: AsyncEngine, call: Call
) -> None:
    client = dev_env.client
    workflow_id = f"tender-pool-{uuid.uuid4().hex[:8]}"
    # No worker polls this queue: the workflow never runs, so an Update or query waits.
    await client.start_workflow(
        "TenderWorkflow", id=workflow_id, task_queue=f"unpolled-{uuid.uuid4().hex[:8]}"
    )
    sessions = session_factory(one_connection)
    async with sessions() as waiting:
        assert await waiting.scalar(text("select 1")) == 1  # the request's read: the connection
        pending = asyncio.create_task(call(client, waiting, workflow_id))
        try:
            await asyncio.sleep(0.5)
            assert not pending.done()  # still waiting on the workflow
            async with sessions() as other:
                assert await other.scalar(text("select 2")) == 2  # the one connection was free
        finally:
            pending.cancel()  # a cancelled Update ends as TemporalUnavailable
            with contextlib.suppress(asyncio.CancelledError, TemporalUnavailable):
                await pending
    await client.get_workflow_handle(workflow_id).terminate("test over")


async def test_the_whole_wait_for_an_update_is_bounded(dev_env: WorkflowEnvironment) -> None:
    """Each call to the server has its deadline, but the SDK calls again while the Update
    is neither accepted nor complete: the API bounds the whole wait, then answers 503
    (it may still complete; the same Idempotency-Key gets its outcome)."""
    client = dev_env.client
    workflow_id = f"tender-wait-{uuid.uuid4().hex[:8]}"
    await client.start_workflow(
        "TenderWorkflow", id=workflow_id, task_queue=f"unpolled-{uuid.uuid4().hex[:8]}"
    )
    began = time.monotonic()
    with pytest.raises(TemporalUnavailable, match="within 2 s"):
        await _review(client, None, workflow_id, timeout=timedelta(seconds=2))
    assert time.monotonic() - began < 10  # not the 60 s of one call's deadline
    await client.get_workflow_handle(workflow_id).terminate("test over")
