"""Readiness for `nara dev`: free ports before a start, answers after it.

Every wait watches the child it waits for: when the child exits first, the wait fails
with the child's last log lines instead of running out its timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import httpx

from nara import embedded
from nara.settings import Settings
from nara.stack.processes import Child


class StackError(RuntimeError):
    """The stack could not start; the message names the service and where its log is."""


# --------------------------------------------------------------------------- addresses


def host_port(url: str) -> tuple[str, int]:
    """Host and port of a service URL, which must name both."""
    parts = urlsplit(url)
    if not parts.hostname or not parts.port:
        raise StackError(f"{url!r} needs an explicit host and port")
    return parts.hostname, parts.port


def connect_host(host: str) -> str:
    """Where to connect to reach a server bound to `host` (a wildcard means loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)


def require_free_port(host: str, port: int, what: str) -> None:
    """Refuse to start `what` on a port something already listens on."""
    if embedded.port_open(connect_host(host), port):
        raise StackError(
            f"port {port} is already in use, so the {what} cannot start; "
            "is another `nara dev` running? Stop it, or change the port in the environment"
        )


# --------------------------------------------------------------------------- waiting


async def wait_until(child: Child, ready: Callable[[], bool], timeout: float, what: str) -> None:
    """Call the blocking `ready` in a thread until it is true, while `child` runs."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(ready):
        if not child.running:
            raise StackError(child.exit_message())
        if time.monotonic() > deadline:
            raise StackError(f"gave up waiting for {what}; see {child.log_path}")
        await asyncio.sleep(0.2)


async def wait_for_http(
    child: Child, url: str, timeout: float = 90.0, *, status: int | None = None
) -> None:
    """Wait until `url` answers (with `status`, when given; else anything but 5xx)."""

    def answers() -> bool:
        try:
            code = httpx.get(url, timeout=2.0).status_code
            return code == status if status is not None else code < 500
        except httpx.HTTPError:
            return False

    await wait_until(child, answers, timeout, f"{url} to answer")


async def wait_for_worker(
    child: Child, settings: Settings, temporal_address: str, timeout: float = 90.0
) -> None:
    """Ready when Temporal sees a poller on the worker's task queue."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    from nara.temporal import connect

    client = await connect(settings, address=temporal_address)
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=settings.temporal_task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    deadline = time.monotonic() + timeout
    while True:
        if not child.running:
            raise StackError(child.exit_message())
        response = await client.workflow_service.describe_task_queue(request)
        # Pollers are remembered for minutes: count only this worker's (same pid in the
        # SDK's default identity, or seen polling since the child started).
        pid = str(child.pid or "")
        if any(
            p.identity.startswith(f"{pid}@") or p.last_access_time.seconds >= child.started_at
            for p in response.pollers
        ):
            return
        if time.monotonic() > deadline:
            raise StackError(f"worker did not poll its task queue in {timeout:.0f}s")
        await asyncio.sleep(0.5)


async def first_exit(children: Sequence[Child]) -> Child:
    """Return the first child that exits (the stack is broken from then on)."""
    while True:
        for child in children:
            if not child.running:
                return child
        await asyncio.sleep(0.5)
