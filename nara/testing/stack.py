"""The back office on loopback for a test module or a benchmark: one stack, one task queue.

`running_stack` starts the partner simulators (fresh in-memory ledgers), the certificate
authority simulator (a fresh root, which the API trusts), a worker in this process
(`build_worker`) and the API (`create_app`), all on a task queue of their own, against a
database and a Temporal server the caller already has (see `servers`). The API runs in a
thread of this process (as the integration tests do) or as `nara api` in a child process
(production's shape, what the benchmarks use by default).

Nobody is logged in: the stack registers one operator (`ApiStack.operator`) from the
console, and callers log people in as they would, with a `nara.wallet.Keyring` on the
stack's CA (`ApiStack.keyring()`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.service import RPCError

from nara import embedded
from nara.keys import KeyService
from nara.settings import Settings
from nara.testing.servers import (
    SIMULATOR_ADMIN_TOKEN,
    StackDidNotStart,
    admin_headers,
    certificate_authority,
    partners,
    simulators,
)

if TYPE_CHECKING:
    from nara.simulators.runner import ServerHandle
    from nara.wallet.keyring import Keyring

ApiMode = Literal["thread", "process"]
API_MODES: tuple[ApiMode, ...] = ("process", "thread")
API_MODE_HELP = (
    "process: `nara api` (uvicorn, create_app from the environment) as a child process, "
    "as in production; thread: create_app(settings) under uvicorn in a thread of this "
    "process, as tests/integration does (shares the GIL with the load generator and the "
    "worker, which then distorts the numbers)"
)


@dataclass
class ApiStack:
    """A running stack: where the API and the simulators answer, and what it was given."""

    api_url: str
    guarantee_url: str
    bank_url: str
    settings: Settings
    engine: AsyncEngine
    """The worker's engine (the caller's, or one made for the stack)."""
    client: Client
    database_url: str
    task_queue: str
    api_mode: ApiMode
    ca_url: str
    operator: str
    """An operator registered from the console: log them in to register everyone else."""
    environment: dict[str, Any] = field(default_factory=dict, repr=False)
    """The API's settings by environment name: what another worker or API replica on this
    stack needs (`worker_process`, `api_process`)."""
    simulator_admin_token: str = field(default=SIMULATOR_ADMIN_TOKEN, repr=False)
    """What the simulators' admin routes (`/_faults`, `/_ledger`, `POST /accounts`, the
    CA's issue and revoke) need."""

    @property
    def simulator_admin_headers(self) -> dict[str, str]:
        """`Authorization: Bearer <simulator_admin_token>`, for a client of a simulator."""
        return admin_headers(self.simulator_admin_token)

    def keyring(self) -> Keyring:
        """A keyring on the stack's CA: certificates for people, then their logins."""
        from nara.wallet.keyring import Keyring

        return Keyring(
            self.ca_url,
            admin_token=self.simulator_admin_token,
            passkey_origin=self.settings.webauthn_origin,
        )


def stack_settings(
    database_url: str, client: Client, task_queue: str, *, time_scale: int, **overrides: Any
) -> dict[str, Any]:
    """Environment of an API on this database and Temporal server, on `task_queue`.

    `overrides` are more settings by their environment names (`DB_POOL_SIZE=5`, ...).
    """
    values: dict[str, Any] = {
        "NARA_ENV": "development",
        "DATABASE_URL": database_url,
        "TEMPORAL_ADDRESS": client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": client.namespace,
        "TEMPORAL_TASK_QUEUE": task_queue,
        "NARA_TIME_SCALE": time_scale,
    }
    values.update(overrides)
    return values


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def api_in_thread(settings: Settings, *, startup_timeout_s: float = 30.0) -> Iterator[ServerHandle]:
    """`create_app(settings)` under uvicorn in a thread (its own event loop); `.url` is where."""
    from nara.api.app import create_app
    from nara.simulators.runner import serve_in_thread

    try:
        handle = serve_in_thread(create_app(settings), startup_timeout_s=startup_timeout_s)
    except RuntimeError as error:
        raise StackDidNotStart(f"the API did not start: {error}") from error
    with handle:
        yield handle


@contextmanager
def _child(
    command: list[str], values: Mapping[str, Any], *, ready: Callable[[], bool], timeout_s: float
) -> Iterator[subprocess.Popen[bytes]]:
    """`command` (a `nara` subcommand) with `values` as its environment, once `ready()`."""
    env = {**os.environ, **{k: str(v) for k, v in values.items()}, "LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout_s
            while not ready():
                if process.poll() is not None:
                    log.seek(0)
                    raise StackDidNotStart(
                        f"`{' '.join(command[1:3])}` exited with {process.returncode}: "
                        f"{log.read().decode(errors='replace')[-2000:]}"
                    )
                if time.monotonic() > deadline:
                    raise StackDidNotStart(
                        f"`{' '.join(command[1:3])}` was not ready in {timeout_s} s"
                    )
                time.sleep(0.1)
            yield process
        finally:
            embedded.stop_process_group(process, grace=10.0)


@contextmanager
def api_process(
    values: Mapping[str, Any], *, workers: int = 1, timeout_s: float = 30.0
) -> Iterator[str]:
    """`nara api` on a free loopback port with `values` as its environment; its URL."""
    port = _free_port()
    command = [str(embedded.tool_path("nara")), "api", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{url}/health", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    with _child(command, values, ready=answers, timeout_s=timeout_s):
        yield url


@contextmanager
def worker_process(
    values: Mapping[str, Any], *, settle_s: float = 3.0
) -> Iterator[subprocess.Popen[bytes]]:
    """`nara worker` with `values` as its environment (another replica on the stack's task
    queue); its process, once it has run `settle_s` without exiting (it refuses to start
    at once when the namespace or the database is wrong)."""
    began = time.monotonic()
    command = [str(embedded.tool_path("nara")), "worker"]
    with _child(
        command,
        values,
        ready=lambda: time.monotonic() - began > settle_s,
        timeout_s=settle_s + 30.0,
    ) as process:
        yield process


@contextmanager
def replicas(stack: ApiStack, count: int, *, worker_here: bool = True) -> Iterator[list[str]]:
    """`count` workers in all (`nara worker` processes, less the stack's own in-process one
    when `worker_here`) and `count` API processes (the stack's first, then `nara api`s) on
    the stack's database, namespace and task queue; every API's URL."""
    with contextlib.ExitStack() as more:
        urls = [stack.api_url]
        for _ in range(count - 1 if worker_here else count):
            more.enter_context(worker_process(stack.environment))
        for _ in range(count - 1):
            urls.append(more.enter_context(api_process(stack.environment)))
        yield urls


@asynccontextmanager
async def running_stack(
    client: Client,
    database_url: str,
    *,
    task_queue: str,
    time_scale: int,
    engine: AsyncEngine | None = None,
    api: ApiMode = "thread",
    api_workers: int = 1,
    partner_timeout_s: float = 2.0,
    in_process_worker: bool = True,
    **overrides: Any,
) -> AsyncIterator[ApiStack]:
    """Simulators, a worker and the API on `task_queue`, against this database and Temporal.

    Args:
        client: a client of the Temporal server to use (its address and namespace are
            given to the API).
        database_url: a migrated database (see `servers.fresh_database`).
        task_queue: the worker's and the API's task queue; make it unique per stack.
        time_scale: NARA_TIME_SCALE of the API and the workflows it starts.
        engine: the worker's engine; None makes one with the settings' pool size.
        api: "thread" or "process", see `API_MODE_HELP`.
        api_workers: uvicorn workers of `nara api` (process mode only).
        partner_timeout_s: the worker's timeout on partner calls.
        in_process_worker: False: no worker in this process (start `worker_process`s on
            `ApiStack.environment`, e.g. to measure a worker's memory on its own).
        overrides: more API settings by environment name (`DB_POOL_SIZE=5`, ...).
    """
    from nara.domain.enums import Role
    from nara.stack.people import add_person
    from nara.store.db import create_engine, session_factory
    from nara.workers.main import build_worker, ensure_sequencer

    with simulators() as (guarantee, bank_sim), certificate_authority() as ca:
        values = stack_settings(
            database_url,
            client,
            task_queue,
            time_scale=time_scale,
            GUARANTEE_AGENCY_URL=guarantee.url,
            BANK_URL=bank_sim.url,
            CA_URL=ca.url,
            TRUSTED_CA_CERTS=str(ca.root_pem),
            **overrides,
        )
        settings = Settings(**values)
        own_engine = engine is None
        worker_engine = engine or create_engine(
            database_url, pool_size=settings.db_pool_size, application_name="nara-stack-worker"
        )
        operator = f"operator-{uuid.uuid4().hex[:8]}"
        try:
            await add_person(
                worker_engine,
                person_id=operator,
                name="Stack operator",
                role=Role.OPERATOR,
                by="testing",
            )
            async with partners(guarantee.url, bank_sim.url, timeout_s=partner_timeout_s) as p:
                worker = build_worker(
                    client,
                    task_queue=task_queue,
                    engine=worker_engine,
                    partners=p,
                    keys=KeyService.local(session_factory(worker_engine), settings.key_dir),
                )
                async with worker if in_process_worker else contextlib.nullcontext():
                    sequencer = await ensure_sequencer(client, task_queue=task_queue)
                    try:
                        with contextlib.ExitStack() as api_server:
                            if api == "process":
                                api_url = api_server.enter_context(
                                    api_process(values, workers=api_workers)
                                )
                            else:
                                api_url = api_server.enter_context(api_in_thread(settings)).url
                            yield ApiStack(
                                api_url=api_url,
                                guarantee_url=guarantee.url,
                                bank_url=bank_sim.url,
                                settings=settings,
                                engine=worker_engine,
                                client=client,
                                database_url=database_url,
                                task_queue=task_queue,
                                api_mode=api,
                                ca_url=ca.url,
                                operator=operator,
                                environment=dict(values),
                            )
                    finally:
                        # The next stack on this server has a queue (and a sequencer) of
                        # its own.
                        with contextlib.suppress(RPCError):
                            await sequencer.terminate("the stack stopped")
        finally:
            if own_engine:
                await worker_engine.dispose()
