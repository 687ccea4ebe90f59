"""Real simulators on loopback sockets for the partner clients, fresh for every test.

The simulators and the clients share the test process's admin token; the shared `http`
pool sends no header of its own, so a raw admin call must pass `admin_headers()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from nara.partners.bank import BankClient
from nara.partners.guarantee import GuaranteeAgencyClient
from nara.simulators import bank, guarantee_agency
from nara.simulators.runner import ServerHandle, serve_in_thread
from nara.testing.servers import SIMULATOR_ADMIN_TOKEN


@pytest.fixture
def bank_sim() -> Iterator[ServerHandle]:
    sim = serve_in_thread(bank.create_app(admin_token=SIMULATOR_ADMIN_TOKEN, hang_ms=3_000))
    yield sim
    sim.stop(wait=False)  # in memory and never reopened: no need to wait for uvicorn


@pytest.fixture
def guarantee_sim() -> Iterator[ServerHandle]:
    sim = serve_in_thread(
        guarantee_agency.create_app(admin_token=SIMULATOR_ADMIN_TOKEN, hang_ms=3_000)
    )
    yield sim
    sim.stop(wait=False)


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """One connection pool shared by every client, as a worker shares one."""
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def bank_client(bank_sim: ServerHandle, http: httpx.AsyncClient) -> BankClient:
    return BankClient(bank_sim.url, timeout_s=2.0, http=http, admin_token=SIMULATOR_ADMIN_TOKEN)


@pytest.fixture
def guarantee_client(guarantee_sim: ServerHandle, http: httpx.AsyncClient) -> GuaranteeAgencyClient:
    return GuaranteeAgencyClient(guarantee_sim.url, timeout_s=2.0, http=http)
