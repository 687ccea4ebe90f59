"""Simulators served on real loopback sockets, fresh (in-memory ledger) for every test.

They are created with the test process's admin token, and `bank_http` / `guarantee_http`
send it on every request; tests of the token itself make their own clients.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from nara.simulators import bank, guarantee_agency
from nara.simulators.runner import ServerHandle, serve_in_thread
from nara.testing.servers import SIMULATOR_ADMIN_TOKEN, admin_headers


@pytest.fixture
def bank_sim() -> Iterator[ServerHandle]:
    sim = serve_in_thread(bank.create_app(admin_token=SIMULATOR_ADMIN_TOKEN, hang_ms=2_000))
    yield sim
    sim.stop(wait=False)  # in memory and never reopened: no need to wait for uvicorn


@pytest.fixture
def guarantee_sim() -> Iterator[ServerHandle]:
    sim = serve_in_thread(
        guarantee_agency.create_app(admin_token=SIMULATOR_ADMIN_TOKEN, hang_ms=2_000)
    )
    yield sim
    sim.stop(wait=False)


def loopback_client(base_url: str, headers: dict[str, str] | None = None) -> httpx.Client:
    # plain HTTP on loopback: verify=False skips loading the CA bundle (~25 ms a client)
    return httpx.Client(base_url=base_url, timeout=5.0, verify=False, headers=headers)


@pytest.fixture
def bank_http(bank_sim: ServerHandle) -> Iterator[httpx.Client]:
    with loopback_client(bank_sim.url, admin_headers()) as http:
        yield http


@pytest.fixture
def guarantee_http(guarantee_sim: ServerHandle) -> Iterator[httpx.Client]:
    with loopback_client(guarantee_sim.url, admin_headers()) as http:
        yield http
