"""Health: is the database reachable, is Temporal?"""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nara.api.deps import SettingsDep, TemporalGateway
from nara.api.schemas.health import DependencyHealth, Health
from nara.store.db import ping

router = APIRouter(tags=["operations"])

CHECK_TIMEOUT_S = 3.0


async def _database(request: Request) -> DependencyHealth:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    started = time.perf_counter()
    try:
        async with sessions() as session:
            await asyncio.wait_for(ping(session), CHECK_TIMEOUT_S)
    except Exception as error:
        return DependencyHealth(ok=False, detail=f"{type(error).__name__}: {error}")
    return DependencyHealth(
        ok=True, detail="PostgreSQL answers", latency_ms=(time.perf_counter() - started) * 1000
    )


async def _temporal(request: Request) -> DependencyHealth:
    gateway: TemporalGateway = request.app.state.temporal
    started = time.perf_counter()
    client = await gateway.connect()
    if client is None:
        return DependencyHealth(ok=False, detail=gateway.last_error or "not connected")
    try:
        ok = await asyncio.wait_for(client.service_client.check_health(), CHECK_TIMEOUT_S)
    except Exception as error:
        return DependencyHealth(ok=False, detail=f"{type(error).__name__}: {error}")
    return DependencyHealth(
        ok=bool(ok),
        detail="Temporal answers" if ok else "Temporal says it is not serving",
        latency_ms=(time.perf_counter() - started) * 1000,
    )


@router.get(
    "/health",
    response_model=Health,
    summary="Database and Temporal reachability (503 when one is down)",
    responses={503: {"model": Health, "description": "a dependency is down"}},
)
async def health(request: Request, settings: SettingsDep) -> JSONResponse:
    database, temporal = await asyncio.gather(_database(request), _temporal(request))
    body = Health(
        status="ok" if database.ok and temporal.ok else "degraded",
        env=settings.env,
        time_scale=settings.time_scale,
        task_queue=settings.temporal_task_queue,
        database=database,
        temporal=temporal,
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=200 if body.status == "ok" else 503
    )
