"""The servers a test or a benchmark needs, each a context manager that stops what it started.

- PostgreSQL: the server in `DATABASE_URL`, else an embedded one in a temporary
  directory (`postgres_server`); on it, a fresh database migrated to head and dropped at
  the end (`fresh_database`).
- Temporal: the time-skipping test server or the dev server (real visibility), both with
  the pydantic data converter and the project's search attributes.
- The guarantee-agency and bank simulators (in-memory ledgers) on loopback ports, and the
  worker's clients of them (`partners`), all with this process's `SIMULATOR_ADMIN_TOKEN`.
- The certificate authority simulator with a root of its own in a temporary directory
  (`certificate_authority`), with the same admin token.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from nara import embedded
from nara.contracts.search import search_attribute_cli_args
from nara.temporal import register_search_attributes

if TYPE_CHECKING:  # imported where used: the unit tiers load this module and need neither
    from nara.simulators.runner import ServerHandle
    from nara.workers.main import Partners


SIMULATOR_ADMIN_TOKEN = secrets.token_urlsafe(24)
"""The admin token of the simulators this process starts for tests and benchmarks: random
per process, so nothing outside it can arm their faults or open their accounts."""


def admin_headers(token: str = SIMULATOR_ADMIN_TOKEN) -> dict[str, str]:
    """The header a simulator's admin routes (`/_faults`, `/_ledger`, `POST /accounts`) need."""
    return {"Authorization": f"Bearer {token}"}


class StackDidNotStart(RuntimeError):
    """A server the tests or a benchmark need did not start; the message says which."""


# --------------------------------------------------------------------------- PostgreSQL


@contextmanager
def postgres_server(*, temp_prefix: str = "nara-test-pg-") -> Iterator[str]:
    """Maintenance URL of the server to use: $DATABASE_URL's, or an embedded one.

    The embedded server lives in a temporary directory and is stopped and removed at the end.
    """
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    tmp = Path(tempfile.mkdtemp(prefix=temp_prefix))
    try:
        try:
            server = embedded.start_postgres(tmp / "pgdata")
        except embedded.EmbeddedError as error:
            raise StackDidNotStart(str(error)) from error
        try:
            yield server.url
        finally:
            server.stop(force=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def fresh_database(server_url: str, name: str) -> Iterator[str]:
    """URL of a new database `name` on `server_url`, migrated to head, dropped afterwards."""
    from nara.store.migrate import upgrade

    try:
        url = embedded.create_database(server_url, name)
    except Exception as error:
        raise StackDidNotStart(f"cannot create a database on PostgreSQL: {error}") from error
    try:
        upgrade(url)
        yield url
    finally:
        embedded.drop_database(server_url, name)


# --------------------------------------------------------------------------- Temporal


@asynccontextmanager
async def time_skipping_server() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server, search attributes registered."""
    try:
        env = await WorkflowEnvironment.start_time_skipping(
            data_converter=pydantic_data_converter,
            test_server_existing_path=str(embedded.temporal_test_server_path()),
        )
    except Exception as error:
        raise StackDidNotStart(f"the time-skipping server did not start: {error}") from error
    try:
        await register_search_attributes(env.client)
        yield env
    finally:
        await env.shutdown()


@contextmanager
def _stdout_to_devnull() -> Iterator[None]:
    """File descriptor 1 on /dev/null while a child process is spawned (it inherits it)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


@asynccontextmanager
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    """The Temporal dev server (in-memory history, real visibility), search attributes on."""
    try:
        with _stdout_to_devnull():  # the CLI prints a banner; the terminal is the caller's
            env = await WorkflowEnvironment.start_local(
                data_converter=pydantic_data_converter,
                dev_server_existing_path=str(embedded.temporal_cli_path()),
                dev_server_extra_args=search_attribute_cli_args(),
                dev_server_log_level="error",
            )
    except Exception as error:
        raise StackDidNotStart(f"the Temporal dev server did not start: {error}") from error
    try:
        yield env
    finally:
        await env.shutdown()


# --------------------------------------------------------------------------- partners


@contextmanager
def simulators(
    *, hang_ms: int = 1_000, admin_token: str = SIMULATOR_ADMIN_TOKEN
) -> Iterator[tuple[ServerHandle, ServerHandle]]:
    """The guarantee-agency and bank simulators (in-memory ledgers) on loopback ports; their
    admin routes answer to `admin_headers(admin_token)`."""
    from nara.simulators import bank, guarantee_agency
    from nara.simulators.runner import serve_in_thread

    with (
        serve_in_thread(
            guarantee_agency.create_app(admin_token=admin_token, hang_ms=hang_ms)
        ) as guarantee,
        serve_in_thread(bank.create_app(admin_token=admin_token, hang_ms=hang_ms)) as bank_sim,
    ):
        yield guarantee, bank_sim


@dataclass(frozen=True)
class CertificateAuthoritySim:
    """A running CA simulator: where it answers, its root (what the API trusts), its token."""

    url: str
    root_pem: Path
    admin_token: str


@contextmanager
def certificate_authority(
    *, admin_token: str = SIMULATOR_ADMIN_TOKEN
) -> Iterator[CertificateAuthoritySim]:
    """The CA simulator on a loopback port, its root made in a temporary directory."""
    from nara.simulators import ca
    from nara.simulators.authority import ROOT_CERT
    from nara.simulators.runner import serve_in_thread

    with tempfile.TemporaryDirectory(prefix="nara-test-ca-") as tmp:
        directory = Path(tmp) / "ca"
        app = ca.create_app(ca_dir=directory, admin_token=admin_token, hang_ms=1_000)
        with serve_in_thread(app) as sim:
            yield CertificateAuthoritySim(sim.url, directory / ROOT_CERT, admin_token)


@asynccontextmanager
async def partners(
    guarantee_url: str,
    bank_url: str,
    *,
    timeout_s: float = 2.0,
    admin_token: str = SIMULATOR_ADMIN_TOKEN,
) -> AsyncIterator[Partners]:
    """The worker's clients of the two partners, closed at the end; they carry the
    simulators' admin token, so set-up code can open bank accounts through them."""
    from nara.partners.bank import BankClient
    from nara.partners.guarantee import GuaranteeAgencyClient
    from nara.workers.main import Partners

    clients = Partners(
        guarantee_agency=GuaranteeAgencyClient(
            guarantee_url, timeout_s=timeout_s, admin_token=admin_token
        ),
        bank=BankClient(bank_url, timeout_s=timeout_s, admin_token=admin_token),
    )
    try:
        yield clients
    finally:
        await clients.guarantee_agency.aclose()
        await clients.bank.aclose()
