"""Operations: `/health` (alive), `/ready` (dependencies, 503 naming what failed), `/metrics`.

`/ready` checks, concurrently and each within READY_TIMEOUT_S: PostgreSQL answers a query;
Temporal answers its health check; a worker polls the task queue (workflow and activity
pollers seen within WORKER_POLL_FRESH_S: an idle worker polls again about every minute);
each partner (guarantee agency, bank, certificate authority) answers HTTP below 500.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Annotated

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nara import metrics
from nara.api.deps import SettingsDep, TemporalGateway
from nara.api.problems import problem_responses
from nara.api.schemas.health import Check, Health, Readiness
from nara.settings import Settings
from nara.store.db import ping

router = APIRouter(tags=["operations"])

READY_TIMEOUT_S = 2.0
WORKER_POLL_FRESH_S = 90.0


class NotReady(Exception):
    """A check failed; the message says what."""


async def _timed(name: str, probe: Awaitable[str]) -> tuple[str, Check]:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(probe, READY_TIMEOUT_S)
    except TimeoutError:
        return name, Check(ok=False, detail=f"no answer within {READY_TIMEOUT_S} s")
    except NotReady as failed:
        return name, Check(ok=False, detail=str(failed))
    except Exception as error:
        return name, Check(ok=False, detail=f"{type(error).__name__}: {error}")
    return name, Check(ok=True, detail=detail, latency_ms=(time.perf_counter() - started) * 1000)


async def _database(request: Request) -> str:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        await ping(session)
    return "PostgreSQL answers"


async def _temporal(request: Request) -> str:
    gateway: TemporalGateway = request.app.state.temporal
    client = await gateway.connect()
    if client is None:
        raise NotReady(gateway.last_error or "not connected")
    if not await client.service_client.check_health():
        raise NotReady("Temporal says it is not serving")
    return "Temporal answers"


async def _worker(request: Request, settings: Settings) -> str:
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    gateway: TemporalGateway = request.app.state.temporal
    client = await gateway.connect()
    if client is None:
        raise NotReady(f"cannot ask Temporal: {gateway.last_error or 'not connected'}")
    queue = settings.temporal_task_queue
    fresh_after = time.time() - WORKER_POLL_FRESH_S
    for kind, word in (
        (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, "workflow"),
        (TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, "activity"),
    ):
        described = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace, task_queue=TaskQueue(name=queue), task_queue_type=kind
            )
        )
        if not any(p.last_access_time.seconds >= fresh_after for p in described.pollers):
            raise NotReady(
                f"no worker polled the {word} tasks of queue {queue!r} in the last "
                f"{WORKER_POLL_FRESH_S:.0f} s: start `nara worker` on this queue"
            )
    return f"a worker polls queue {queue!r}"


async def _partner(http: httpx.AsyncClient, url: str) -> str:
    try:
        response = await http.get(f"{url.rstrip('/')}/health")
    except httpx.HTTPError as error:
        raise NotReady(f"{url} unreachable: {type(error).__name__}: {error}") from None
    if response.status_code >= 500:
        raise NotReady(f"{url} answers HTTP {response.status_code}")
    return f"{url} answers"


@router.get(
    "/health",
    response_model=Health,
    summary="Alive: the process answers (nothing else is checked; see /ready)",
    responses={200: {"description": "alive"}},
)
async def health(settings: SettingsDep) -> Health:
    return Health(
        status="ok",
        env=settings.env,
        time_scale=settings.time_scale,
        task_queue=settings.temporal_task_queue,
    )


@router.get(
    "/ready",
    response_model=Readiness,
    summary="Ready: PostgreSQL, Temporal, a worker on the queue, the partners (503 naming "
    "what failed)",
    responses={
        **problem_responses(422, 500),
        503: {"model": Readiness, "description": "a dependency is not ready"},
    },
)
async def ready(
    request: Request,
    settings: SettingsDep,
    partners: Annotated[
        bool,
        Query(
            description="check the partners too; a load balancer may leave them out "
            "(`false`), so the API keeps serving reads and bids while a bank is down"
        ),
    ] = True,
) -> JSONResponse:
    async with httpx.AsyncClient(timeout=READY_TIMEOUT_S) as http:
        probes = [
            _timed("database", _database(request)),
            _timed("temporal", _temporal(request)),
            _timed("worker", _worker(request, settings)),
        ]
        if partners:
            probes += [
                _timed("guarantee_agency", _partner(http, settings.guarantee_agency_url)),
                _timed("bank", _partner(http, settings.bank_url)),
                _timed("certificate_authority", _partner(http, settings.ca_url)),
            ]
        checks = dict(await asyncio.gather(*probes))
    failed = [name for name, check in checks.items() if not check.ok]
    body = Readiness(status="not-ready" if failed else "ready", failed=failed, checks=checks)
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if failed else 200)


@router.get(
    "/metrics",
    summary="Prometheus metrics of this API process (for a scraper: METRICS_TOKEN)",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text format"},
        **problem_responses(401, 403, 500, 503),
    },
)
async def prometheus_metrics() -> Response:
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)
