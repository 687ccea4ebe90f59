"""The FastAPI application: `uvicorn --factory nara.api.app:create_app`.

The lifespan opens the database pool (`DATABASE_URL`, `DB_POOL_SIZE`) and the Temporal
client; the API stays up when Temporal is not (reads degrade, writes answer 503).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from pydantic import ConfigDict, Field
from temporalio.client import Client
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from nara.api import access, console, gate
from nara.api.deps import TemporalGateway
from nara.api.problems import install_problem_handlers
from nara.api.routes import (
    alerts,
    audit,
    auth,
    bids,
    decisions,
    health,
    ocds,
    ops,
    outages,
    passkeys,
    payments,
    registry,
    reports,
    search,
    tenders,
)
from nara.api.schemas.base import ApiModel
from nara.api.scraping import MetricsMiddleware
from nara.api.search_gate import SearchGate
from nara.keys import KeyService
from nara.logs import get_logger
from nara.services.identity import Verifier
from nara.settings import Settings, get_settings, reveal
from nara.store.db import create_engine, session_factory

TAGS = [
    {"name": "tenders", "description": "Announce, search and read tenders; extend, cancel."},
    {"name": "bids", "description": "Sealed bids, accepted by the database clock."},
    {"name": "evaluation", "description": "Qualification review and award (officers)."},
    {"name": "contract", "description": "Performance guarantee and signatures."},
    {"name": "payments", "description": "Claims, inspection, transfers."},
    {"name": "reports", "description": "Weekly figures from PostgreSQL."},
    {
        "name": "registry",
        "description": "Agencies, businesses, people (operators); a business's agents "
        "(operators, or an agent of that business).",
    },
    {"name": "outages", "description": "Operators declare outages; deadlines move by rule."},
    {
        "name": "audit",
        "description": "The hash-chained audit log: auditors read it; operators verify the chain.",
    },
    {"name": "auth", "description": "Login by a signed challenge or a passkey; sessions."},
    {
        "name": "passkeys",
        "description": "Passkeys (FIDO2/WebAuthn), the fingerprint step: enrol from a "
        "certificate login; every bid carries one's assertion over the bid document.",
    },
    {
        "name": "operations",
        "description": "Liveness (/health), readiness naming what failed (/ready), "
        "Prometheus metrics (/metrics, for a scraper); operators' desk: stuck cases, "
        "audited retry, account correction, extension and cancellation.",
    },
    {
        "name": "open data",
        "description": "OCDS 1.1 releases and records of every tender: public, never a "
        "sealed value before the opening.",
    },
]

DESCRIPTION = """
The back office of a national e-procurement system: every tender is a Temporal
workflow, PostgreSQL is the system of record for business data.

**Identity**: every person holds a certificate from a trusted certificate authority. Log
in by challenge: `POST /auth/challenge` {person_id} gives a single-use nonce; sign
`b"nara-login\\0" + nonce` with the certificate's key (ECDSA-SHA256) and send it with the
certificate to `POST /auth/login`, which answers a session token. Send it on every
request as `Authorization: Bearer <token>` (`nara login` does all this). The person's
role (officer, inspector, supplier, operator, auditor) and agency decide what they may
do; a supplier acts only for businesses that registered them as agent. Every route has
one access rule (the table "Who may do what" in docs/architecture.md): a refusal is 401
without a session, 403 otherwise, and says what is `missing` and who is `allowed`.

**Passkeys** (the fingerprint step, WebAuthn): enrol one from a certificate login
(`POST /passkeys/registration/options`, `navigator.credentials.create()`,
`POST /passkeys/registration`); it then logs you in as well (`POST /auth/passkey/options`,
`navigator.credentials.get()`, `POST /auth/passkey`). Every bid carries
`passkey_assertion`: an assertion whose challenge is the SHA-256 of the bid document, the
canonical JSON (keys sorted, no spaces, UTF-8) of `{"kind": "nara-bid", "version": 1,
"notice_no", "business_no" (123-45-67890), "price", "reserve_picks" (sorted),
"client_key", "bid_guarantee_cert"}`, so the fingerprint confirms that bid and no other.

**Errors** are `application/problem+json` (RFC 9457) with `type`, `title`, `status`,
`detail`, `field` (what was wrong) and `fix` (what to do).

**Retries**: send an `Idempotency-Key` header (8 to 80 visible ASCII characters, a new
one per request) on any POST, and the same key when you retry it after a timeout or a
503. A decision (review, award, signature, claim, inspection, an operator's action) sent
again with its key answers the first outcome and is not made twice; an announcement
answers the tender it first announced. The key counts only with the same person, path
and body.
"""


class FieldProblem(ApiModel):
    """One refused field of an invalid request (the `errors` of a 422 `invalid-request`)."""

    model_config = ConfigDict(extra="allow")

    field: str = Field(description="where, e.g. `price`, `reserve_picks[1]`, `query.limit`")
    message: str
    accepted: str = Field(description="what the field accepts, in words, with its range")
    value: Any = Field(None, description="the refused value (left out when it was missing)")
    rule: str | None = Field(None, description="the rule, when the document states it in words")


class Problem(ApiModel):
    """RFC 9457 problem details, as every error of this API is answered.

    Besides the members below, an error may carry more of its own (additional properties
    are allowed): clients read the ones they know and ignore the rest.
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="urn:nara:problem:<code>")
    title: str
    status: int
    detail: str
    instance: str = Field(description="the request path")
    code: str = Field(description="the kind of problem, e.g. `wrong-phase`, `invalid-request`")
    field: str | None = Field(None, description="what was wrong")
    fix: str | None = Field(None, description="what to do")
    errors: list[FieldProblem] | None = Field(
        None, description="invalid-request: every refused field"
    )
    rule: str | None = Field(None, description="rule-violation: the rule, e.g. `notice-period`")
    value: Any = Field(None, description="rule-violation: the refused value")
    accepted: str | None = Field(None, description="rule-violation: what would be accepted")
    suggestion: Any = Field(None, description="rule-violation: a value that would pass, if any")
    deadline: str | None = Field(None, description="deadline-passed: the bid deadline")
    server_time: str | None = Field(None, description="deadline-passed: the database clock")
    phase: str | None = Field(None, description="the tender's phase, when it decided")
    partner: str | None = Field(None, description="partner errors: which partner answered")
    http_status: int | None = Field(None, description="partner errors: the partner's status")
    incident: str | None = Field(None, description="internal: the id to tell the operators")
    missing: str | None = Field(
        None,
        description="401/403 from the access rules: what the caller lacks, `session`, `role`, "
        "`agency` or `agent`",
    )
    allowed: list[str] | None = Field(
        None, description="401/403 from the access rules: who may call the route, in words"
    )


def _parameters_are_never_null(document: dict[str, Any]) -> None:
    """A path, query or header parameter is text or absent, never JSON null: drop the
    `null` branch FastAPI gives an optional parameter, so no client sends the text "null"."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                branches = [b for b in schema.get("anyOf", []) if b != {"type": "null"}]
                if "anyOf" in schema and len(branches) == 1:
                    del schema["anyOf"]
                    schema.update(branches[0])
                elif "anyOf" in schema:
                    schema["anyOf"] = branches


def create_app(
    settings: Settings | None = None, *, temporal_client: Client | None = None
) -> FastAPI:
    """The API. Tests pass `settings` (task queue, database) and may pass a Temporal client."""
    settings = settings or get_settings()
    log = get_logger("nara.api")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.database_url:
            raise RuntimeError(
                "DATABASE_URL is not set; run the whole stack with `nara dev`, "
                "or point DATABASE_URL at PostgreSQL"
            )
        engine = create_engine(
            reveal(settings.database_url) or "",
            pool_size=settings.db_pool_size,
            application_name="nara-api",
        )
        app.state.sessions = session_factory(engine)
        app.state.keys = KeyService.local(app.state.sessions, settings.key_dir)
        app.state.identity = Verifier.from_settings(settings)
        app.state.temporal = TemporalGateway(settings, temporal_client)
        app.state.search = SearchGate.from_settings(settings)
        if await app.state.temporal.connect() is None:
            log.warning("temporal unreachable at start-up", error=app.state.temporal.last_error)
        try:
            yield
        finally:
            await app.state.identity.aclose()
            await app.state.search.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Nara back office API",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        # Every route runs the access gate first: its rule in nara.api.access.RULES.
        dependencies=[Depends(gate.authorize)],
    )
    app.state.settings = settings
    install_problem_handlers(app)
    if settings.trusted_proxies:
        # Outermost, so every layer (incidents, sessions, bids) sees the real client. Only
        # the listed proxies are believed: X-Forwarded-For from anyone else is ignored.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    # Outermost of all: counts every answer and keeps the connection's own peer for the
    # scraper check of /metrics before a proxy header can replace it (nara.api.scraping).
    app.add_middleware(MetricsMiddleware)
    app.include_router(passkeys.login_router)
    app.include_router(bids.keys_router)
    for module in (
        auth,
        passkeys,
        search,  # before tenders: /tenders/search is not a notice number
        tenders,
        bids,
        decisions,
        payments,
        reports,
        outages,
        audit,
        registry,
        alerts,
        health,
        ocds,
        ops,
    ):
        app.include_router(module.router)
    console.install(app)
    access.require_rules(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(problem.pop("$defs", {}))
            components["Problem"] = problem
            _parameters_are_never_null(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
