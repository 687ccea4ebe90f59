"""Liveness and readiness."""

from __future__ import annotations

from typing import Literal

from nara.api.schemas.base import ApiModel


class DependencyHealth(ApiModel):
    ok: bool
    detail: str
    latency_ms: float | None = None


class Health(ApiModel):
    status: Literal["ok", "degraded"]
    env: str
    time_scale: int
    task_queue: str
    database: DependencyHealth
    temporal: DependencyHealth
