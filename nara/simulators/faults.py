"""Fault injection shared by the simulators: latency, timeouts, 5xx, outages, commit-then-timeout.

Faults are armed over HTTP (`POST /_faults`), so a test, the chaos suite or an operator
rehearsing an incident can break a running partner without restarting it:

    curl -X POST localhost:8102/_faults -H 'content-type: application/json' \
         -H "Authorization: Bearer $SIMULATOR_ADMIN_TOKEN" \
         -d '{"mode": "commit_then_timeout", "path_prefix": "/transfers", "count": 1}'

`/_faults` is an admin route: without the simulator's admin token nothing is armed,
listed or cleared (see `nara.simulators.admin`).

The first armed fault that matches a request (by path prefix and method) applies to it
and uses up one of its `count`. Control paths (`/_faults`, `/_ledger`, `/health`, the
OpenAPI docs) are never affected, so a broken partner can always be inspected and mended.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import threading
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, field_validator, model_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nara.simulators.problems import Problem

log = logging.getLogger(__name__)

FaultMode = Literal["latency", "timeout", "error_5xx", "outage", "commit_then_timeout"]

_RETRY = "retry with the same idempotency key"
_CONTROL_PATHS = frozenset({"/health", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


class FaultSpec(BaseModel):
    """A fault to arm.

    Modes:
        latency: wait `latency_ms`, then answer normally.
        timeout: hang for `hang_ms` without doing the work, then answer 504.
        error_5xx: answer `status_code` (500 or 503) without doing the work.
        outage: answer 503 to every matching request until `until` (or until cleared).
        commit_then_timeout: do the work and commit it, then hang and answer 504 as if
            it had failed: the double-payment trap that idempotency keys must defeat.
    """

    mode: FaultMode
    path_prefix: str | None = Field(
        None, description="only paths starting with this, e.g. /transfers"
    )
    method: str | None = Field(None, description="only this HTTP method, e.g. POST")
    count: int | None = Field(
        None, ge=1, description="how many matching requests; null = until cleared"
    )
    latency_ms: int = Field(0, ge=0, description="delay before anything else happens")
    hang_ms: int | None = Field(
        None, ge=0, description="how long timeouts hang; default per simulator"
    )
    status_code: Literal[500, 502, 503] = Field(500, description="what error_5xx answers")
    starts_at: datetime | None = Field(None, description="start of an outage window; null = now")
    until: datetime | None = Field(None, description="end of the window; null = until cleared")

    @field_validator("starts_at", "until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        """Naive times are read as UTC, so a window never shifts with the host's zone."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value

    @model_validator(mode="after")
    def _meaningful(self) -> FaultSpec:
        if self.mode == "latency" and self.latency_ms == 0:
            raise ValueError("a latency fault needs latency_ms > 0")
        if self.starts_at and self.until and self.until <= self.starts_at:
            raise ValueError("until must be after starts_at")
        return self


class Fault(FaultSpec):
    """An armed fault; `remaining` counts down from `count`."""

    id: int
    remaining: int | None
    armed_at: datetime

    def is_over(self, now: datetime) -> bool:
        return (self.remaining is not None and self.remaining <= 0) or (
            self.until is not None and now >= self.until
        )

    def matches(self, method: str, path: str, now: datetime) -> bool:
        return (
            (self.starts_at is None or now >= self.starts_at)
            and (self.path_prefix is None or path.startswith(self.path_prefix))
            and (self.method is None or self.method == method)
        )


class FaultBook:
    """The armed faults of one simulator."""

    def __init__(self, default_hang_ms: int = 30_000) -> None:
        self.default_hang_ms = default_hang_ms
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def arm(self, spec: FaultSpec) -> Fault:
        with self._lock:
            fault = Fault(
                **spec.model_dump(),
                id=next(self._ids),
                remaining=spec.count,
                armed_at=datetime.now(UTC),
            )
            self._faults.append(fault)
        log.warning("fault armed: %s", fault.model_dump_json(exclude_none=True))
        return fault

    def armed(self) -> list[Fault]:
        now = datetime.now(UTC)
        with self._lock:
            self._faults = [fault for fault in self._faults if not fault.is_over(now)]
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The fault that applies to this request, using up one of its count."""
        now = datetime.now(UTC)
        with self._lock:
            for fault in self._faults:
                if not fault.is_over(now) and fault.matches(method, path, now):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    def hang_seconds(self, fault: Fault) -> float:
        return (fault.hang_ms if fault.hang_ms is not None else self.default_hang_ms) / 1000


def is_control_path(path: str) -> bool:
    return path.startswith("/_") or path in _CONTROL_PATHS


class FaultInjection:
    """ASGI middleware that applies armed faults to the requests they match."""

    def __init__(self, app: ASGIApp, book: FaultBook) -> None:
        self.app = app
        self.book = book

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_control_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        fault = self.book.take(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        # A standing latency is a partner's normal pace (the replay arms one for the whole
        # week): one line per request at debug, not a warning.
        log.log(
            logging.DEBUG if fault.mode == "latency" else logging.WARNING,
            "fault %s (%s) hits %s %s",
            fault.id,
            fault.mode,
            scope["method"],
            scope["path"],
        )
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        match fault.mode:
            case "latency":
                await self.app(scope, receive, send)
                return
            case "error_5xx":
                problem = Problem(
                    fault.status_code,
                    "simulated-error",
                    "injected server error: nothing was done",
                    fix=_RETRY,
                )
            case "outage":
                problem = Problem(
                    503,
                    "simulated-outage",
                    "the partner is in an outage window",
                    fix="retry after the window ends",
                    headers=_retry_after(fault),
                )
            case "timeout":
                if not await self._hang(fault, receive):
                    return
                problem = Problem(
                    504, "simulated-timeout", "injected timeout: nothing was done", fix=_RETRY
                )
            case "commit_then_timeout":
                await self.app(scope, receive, _discard)
                if not await self._hang(fault, receive):
                    return
                problem = Problem(
                    504,
                    "simulated-timeout",
                    "injected timeout after the work was committed",
                    fix=f"{_RETRY}, or look the request up by its key",
                )
        await problem.response()(scope, receive, send)

    async def _hang(self, fault: Fault, receive: Receive) -> bool:
        """Hang like a stuck partner; False when the client hung up first (no one to answer)."""

        async def client_gone() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        try:
            await asyncio.wait_for(client_gone(), self.book.hang_seconds(fault))
        except TimeoutError:
            return True
        return False


def _retry_after(fault: Fault) -> dict[str, str]:
    if fault.until is None:
        return {}
    wait = (fault.until - datetime.now(UTC)).total_seconds()
    return {"Retry-After": str(max(1, math.ceil(wait)))}


async def _discard(message: Message) -> None:
    """Swallow the real response: the client must never learn that the work succeeded."""


def fault_routes(book: FaultBook) -> APIRouter:
    """`/_faults`: arm, list and clear faults."""
    router = APIRouter(prefix="/_faults", tags=["fault injection"])

    @router.post("", status_code=201, response_model=Fault)
    async def arm_fault(spec: FaultSpec) -> Fault:
        """Arm a fault for upcoming matching requests."""
        return book.arm(spec)

    @router.get("", response_model=list[Fault])
    async def list_faults() -> list[Fault]:
        """The faults still armed."""
        return book.armed()

    @router.delete("", status_code=204)
    async def clear_faults() -> Response:
        """Disarm every fault."""
        book.clear()
        return Response(status_code=204)

    return router
