"""The access gate: the dependency every route of the API runs first.

`authorize` looks up the route's rule in `nara.api.access.RULES`, reads the caller's
session (unless the route is public), and holds the caller to the rule's role and scope.
It runs before the route's parameters and body are validated and before the route opens
a transaction, so a refusal writes nothing; `nara.api.problems` logs it (`route`, `role`,
`reason`, set here on `request.state`). The route then gets the person from
`nara.api.deps.get_actor`, which reads what the gate let through and fails closed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import Any

from fastapi import Request
from fastapi.dependencies.utils import request_params_to_args
from fastapi.routing import APIRoute

from nara.api import scraping
from nara.api.access import RULES, Rule, Scope, Who
from nara.api.deps import SessionDep, VerifierDep, client_address, get_token, get_writer
from nara.domain.errors import Forbidden, RuleViolation, Unauthenticated
from nara.domain.identifiers import validate_business_no
from nara.services import scopes
from nara.services.actors import AUTHORIZATION, Actor
from nara.services.identity import sessions

_LOGIN = (
    "log in (POST /auth/challenge, sign the nonce with your certificate's key, POST "
    "/auth/login; `nara login` does this) and send Authorization: Bearer <token>"
)


@dataclass(frozen=True)
class Access:
    """What the gate let through: the route, as whom, and the person (None: public)."""

    route: str
    who: Who
    actor: Actor | None


async def authorize(request: Request, session: SessionDep, verifier: VerifierDep) -> Access:
    """The gate of every route: its rule, the caller's session, role and scope."""
    route = request.scope.get("route")
    path = route.path if isinstance(route, APIRoute) else request.url.path
    name = f"{request.method} {path}"
    request.state.route, request.state.who = name, Who.ANONYMOUS.value
    rule = RULES.get((request.method, path))
    if rule is None:  # `require_rules` keeps such an app from starting; fail closed anyway
        raise Forbidden(
            f"{name} has no access rule, so nobody may call it",
            field=AUTHORIZATION,
            fix="this is a fault of the server: tell the operators",
            missing="rule",
        )
    if rule.scraper:
        scraping.require_scraper(request, request.app.state.settings, rule)
    if rule.public:
        return _grant(request, Access(name, Who.ANONYMOUS, None))
    if request.headers.get(AUTHORIZATION) is None:
        raise Unauthenticated(
            f"{name} needs a session: {rule.only()}",
            field=AUTHORIZATION,
            fix=_LOGIN,
            missing="session",
            allowed=rule.words(),
        )
    actor = await sessions.resolve(
        session=session,
        writer=get_writer(request),
        verifier=verifier,
        token=await get_token(request, None),
        client_address=client_address(request),
    )
    who = Who(actor.role.value)
    request.state.who, request.state.person = who.value, actor.id
    scope = rule.allowed.get(who)
    if scope is None:
        raise Forbidden(
            f"{actor.describe()} may not call {name}: {rule.only()}",
            field=AUTHORIZATION,
            fix=f"log in as {' or '.join(rule.words())}",
            missing="role",
            allowed=rule.words(),
        )
    await _hold(scope, request, session, actor, rule)
    return _grant(request, Access(name, who, await _with_request_key(request, actor)))


IDEMPOTENCY_KEY = "Idempotency-Key"
_KEY = re.compile(r"[!-~]{8,80}")


async def _with_request_key(request: Request, actor: Actor) -> Actor:
    """The actor with the request's `Idempotency-Key` bound (`bind_request_key`)."""
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is None or request.method != "POST":
        return actor
    return bind_request_key(
        actor,
        key=key,
        field=f"header.{IDEMPOTENCY_KEY}",
        path=request.url.path,
        body=await request.body(),
    )


def bind_request_key(actor: Actor, *, key: str, field: str, path: str, body: bytes) -> Actor:
    """The actor with a client's request key bound to the person, the path and the body
    (`Actor.request_key`): the same key on another person's request, another tender's or
    another body names a different request, never the first one's outcome. RuleViolation
    (naming `field`) unless the key is 8 to 80 visible ASCII characters."""
    if not _KEY.fullmatch(key):
        raise RuleViolation(
            rule="idempotency-key",
            field=field,
            value=None,
            accepted="8 to 80 visible ASCII characters",
            message=f"the {field.removeprefix('header.')} must be 8 to 80 visible ASCII characters",
            fix="send a new random key (a UUID) for each request, and the same key on its retry",
        )
    digest = hashlib.sha256()
    for part in (actor.id, path, key):
        digest.update(part.encode() + b"\0")
    digest.update(body)
    return replace(actor, request_key=digest.hexdigest()[:32])


def _grant(request: Request, access: Access) -> Access:
    request.state.access = access
    return access


async def _hold(
    scope: Scope, request: Request, session: SessionDep, actor: Actor, rule: Rule
) -> None:
    """Forbidden unless the actor is within `scope` for this request. A parameter that is
    malformed is not looked up: the route's validation refuses it (422) before it runs."""
    name = request.state.route
    if scope in (Scope.ANY, Scope.OWN):
        return
    if scope is Scope.BODY_AGENCY:
        code = (await _body(request)).get("agency_code")
        if isinstance(code, str) and code != actor.agency_code:
            raise _outside(actor, name, rule, f"it announces for agency {code}", "agency")
        return
    if scope in (Scope.BODY_BUSINESS, Scope.PATH_BUSINESS):
        raw = (
            (await _body(request)).get("business_no")
            if scope is Scope.BODY_BUSINESS
            else _path(request).get("business_no")
        )
        business = _business_no(raw)
        if business is not None and not await scopes.is_agent(
            session=session, person_id=actor.id, business_nos=[business]
        ):
            raise _outside(
                actor,
                name,
                rule,
                f"{actor.id} is not an agent of business {business}",
                "agent",
                field="business_no",
                fix=f"ask {business} to register you with POST /businesses/{business}/agents",
            )
        return
    params = _path(request)
    if scope is Scope.TENDER_AGENCY:
        if (notice := params.get("notice_no")) is not None:
            agency = await scopes.tender_agency(session=session, notice_no=str(notice))
            if agency != actor.agency_code:
                raise _outside(actor, name, rule, f"{notice} is agency {agency}'s", "agency")
        return
    if (payment := params.get("payment_id")) is None:
        return
    parties = await scopes.payment_parties(session=session, payment_id=str(payment))
    if scope is Scope.PAYMENT_AGENCY and parties.agency_code != actor.agency_code:
        raise _outside(actor, name, rule, f"it is agency {parties.agency_code}'s", "agency")
    if scope is Scope.PAYMENT_PARTY and not await scopes.is_agent(
        session=session, person_id=actor.id, business_nos=parties.business_nos
    ):
        raise _outside(actor, name, rule, f"{actor.id} is no agent of its contractor", "agent")


def _outside(
    actor: Actor,
    name: str,
    rule: Rule,
    why: str,
    missing: str,
    *,
    field: str = AUTHORIZATION,
    fix: str | None = None,
) -> Forbidden:
    return Forbidden(
        f"{actor.describe()} may not call {name} here: {why}; {rule.only()}",
        field=field,
        fix=fix or f"log in as {' or '.join(rule.words())}",
        missing=missing,
        allowed=rule.words(),
    )


def _path(request: Request) -> dict[str, Any]:
    """The path parameters as the route will see them, or none if one is malformed."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return {}
    values, errors = request_params_to_args(route.dependant.path_params, request.path_params)
    return {} if errors else values


async def _body(request: Request) -> dict[str, Any]:
    """The JSON object of the body (read once: FastAPI reads it from the same cache)."""
    if not await request.body():
        return {}
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _business_no(raw: object) -> str | None:
    if not isinstance(raw, str):
        return None
    try:
        return validate_business_no(raw)
    except RuleViolation:
        return None
