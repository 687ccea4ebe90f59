"""What every simulator has: a ledger, problem JSON, fault injection, `/health` and `/_ledger`,
and an admin token guarding `/_faults` and `/_ledger` (see `nara.simulators.admin`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from nara.simulators.admin import ADMIN_ONLY, check_admin_token
from nara.simulators.faults import FaultBook, FaultInjection, fault_routes
from nara.simulators.ledger import Ledger, Outcome
from nara.simulators.problems import install_problem_handlers


def new_simulator_app(
    *,
    title: str,
    description: str,
    ledger: Ledger,
    ledger_tables: tuple[str, ...],
    hang_ms: int,
    admin_token: str,
) -> FastAPI:
    """A FastAPI app with the parts every simulator shares; the caller adds its business routes.

    Args:
        title: the partner's name, shown in the OpenAPI docs and `/health`.
        description: what it simulates.
        ledger: where its state lives; closed when the app shuts down.
        ledger_tables: the tables `GET /_ledger` shows, in this order.
        hang_ms: how long `timeout` and `commit_then_timeout` faults hang unless they say.
        admin_token: what `Authorization: Bearer` must carry on the admin routes
            (`/_faults`, `/_ledger`, and those the caller marks with `admin.ADMIN_ONLY`).

    Raises:
        ValueError: no admin token, or one too short or unfit for a header: a simulator
            never serves open admin routes.
    """
    token = check_admin_token(admin_token)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        ledger.open()
        yield
        ledger.close()

    app = FastAPI(title=title, description=description, lifespan=lifespan)
    book = FaultBook(default_hang_ms=hang_ms)
    app.state.ledger = ledger
    app.state.faults = book
    app.state.admin_token = token.encode()
    install_problem_handlers(app)
    app.add_middleware(FaultInjection, book=book)
    app.include_router(fault_routes(book), dependencies=ADMIN_ONLY)

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, Any]:
        """Liveness: answers even while faults are armed."""
        return {"status": "ok", "partner": title, "ledger": str(ledger.path or ":memory:")}

    @app.get("/_ledger", tags=["operations"], dependencies=ADMIN_ONLY)
    def read_ledger() -> dict[str, list[dict[str, Any]]]:
        """Every row of every business table, oldest first (for tests and the demo report)."""
        return {
            table: ledger.query(f"SELECT * FROM {table} ORDER BY rowid") for table in ledger_tables
        }

    return app


def outcome_response(outcome: Outcome) -> JSONResponse:
    """The answer of an idempotent write; a replay says so in `Idempotent-Replay: true`."""
    headers = {"Idempotent-Replay": "true"} if outcome.replayed else None
    return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)
