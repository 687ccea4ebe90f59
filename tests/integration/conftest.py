"""The API on a real socket, a worker in-process, the dev server, PostgreSQL and simulators.

One stack per test module (module-scoped): its own task queue, fresh in-memory simulator
ledgers, and the API configured with the same task queue and a compressed clock
(`NARA_TIME_SCALE`), so a 7-day notice period passes in a few seconds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from nara.partners.bank import BankClient
from nara.partners.guarantee import GuaranteeAgencyClient
from nara.simulators import bank, guarantee_agency
from nara.simulators.runner import ServerHandle, serve_in_thread
from nara.workers.main import Partners, build_worker
from tests.integration.support import TIME_SCALE, ApiStack, api_settings, new_queue, serve_api


@pytest.fixture(scope="module")
def module_queue() -> str:
    return new_queue("api")


@pytest.fixture(scope="module")
def sims() -> Iterator[tuple[ServerHandle, ServerHandle]]:
    with (
        serve_in_thread(guarantee_agency.create_app(hang_ms=1_000)) as guarantee,
        serve_in_thread(bank.create_app(hang_ms=1_000)) as bank_sim,
    ):
        yield guarantee, bank_sim


@pytest.fixture(scope="module")
async def stack(
    dev_env: WorkflowEnvironment,
    db_engine: AsyncEngine,
    database_url: str,
    sims: tuple[ServerHandle, ServerHandle],
    module_queue: str,
) -> AsyncIterator[ApiStack]:
    guarantee, bank_sim = sims
    partners = Partners(
        guarantee_agency=GuaranteeAgencyClient(guarantee.url, timeout_s=2.0),
        bank=BankClient(bank_sim.url, timeout_s=2.0),
    )
    settings = api_settings(database_url, dev_env, module_queue, time_scale=TIME_SCALE)
    worker = build_worker(
        dev_env.client, task_queue=module_queue, engine=db_engine, partners=partners
    )
    async with worker:
        with serve_api(settings) as api:
            yield ApiStack(
                api_url=api.url,
                guarantee_url=guarantee.url,
                bank_url=bank_sim.url,
                settings=settings,
                engine=db_engine,
                client=dev_env.client,
            )
    await partners.guarantee_agency.aclose()
    await partners.bank.aclose()
