"""Liveness (`/health`) and readiness (`/ready`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from nara.api.schemas.base import ApiModel


class Health(ApiModel):
    """The process is alive: nothing else is checked (see `/ready`)."""

    status: Literal["ok"]
    env: str
    time_scale: int = Field(description="NARA_TIME_SCALE: deadlines run this many times faster")
    task_queue: str


class Check(ApiModel):
    """One dependency of `/ready`: whether it answered, and what failed if not."""

    ok: bool
    detail: str
    latency_ms: float | None = None


class Readiness(ApiModel):
    """Every dependency, by name: `database`, `temporal`, `worker`, then the partners
    (`guarantee_agency`, `bank`, `certificate_authority`) unless `partners=false`."""

    status: Literal["ready", "not-ready"]
    failed: list[str] = Field(description="the names of the checks that failed")
    checks: dict[str, Check]
