"""The authorization matrix (`nara.api.access.RULES`), sent request by request.

Every route of the application has a rule and a request here; a route without either
fails `test_every_route_has_a_rule_and_a_request`. Then, for every (route, role) of the
table, a real request by a person of that role, logged in as anybody would be (a
certificate from the stack's CA, a signed challenge, a session):

- a role the rule leaves out is refused: 401 without a session, 403 otherwise, in
  problem JSON naming what is missing (`missing`: session, role) and who may
  (`allowed`), nothing is written (every table's row count and the audit chain's head
  are unchanged) and one log line says the route, the role and the reason;
- a role held to a scope (its agency, its businesses) is also sent by a person of that
  role outside it (another agency's officer, another business's agent): 403, `missing`
  agency or agent, nothing written, logged;
- an allowed role passes the gate: the answer is the route's own (often 422 for the
  empty body sent then, which the route validates after the gate, so nothing changes).

The refused requests carry bodies the route would accept, so "nothing written" means
something: the same request from the right person would have written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from nara.api.access import RULES, Scope, Who, endpoints
from nara.api.app import create_app
from tests.factories import business_no
from tests.integration.support import (
    ApiStack,
    Cast,
    announce,
    as_,
    contracted,
    footprint,
    keyring,
    login,
    operator,
    person,
    register,
    tender_body,
    wait_for,
)

SAME: Any = object()
"""`Call.allowed_body`: send the same body as a refused caller."""


@dataclass(frozen=True)
class Call:
    """The request of one route: the path filled in, the body a refused caller sends (one
    the route would accept), and the body an allowed caller sends (by default `{}`, which
    the route refuses after the gate, so the run changes nothing)."""

    path: str
    body: dict[str, Any] | None = None
    allowed_body: Any = field(default_factory=dict)


@dataclass
class World:
    """The people and things the requests are about."""

    cast: Cast  # agency A: its officer, inspector and businesses (the first one won)
    rival: Cast  # agency B, with one business
    open_notice: str  # agency A's tender, bidding
    contracted_notice: str  # agency A's tender, contracted with `winner`
    payment_id: str
    winner: str
    auditor: str
    operator: str
    bid_body: dict[str, Any]  # the winner's agent's sealed, signed, confirmed bid on open_notice
    inside: dict[Who, str] = field(default_factory=dict)  # a person of each role, in scope
    outside: dict[Who, str] = field(default_factory=dict)  # the same role, out of scope


@pytest.fixture(scope="module")
async def world(stack: ApiStack) -> World:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        cast = await register(http, stack, businesses=2)
        rival = await register(http, stack, businesses=1)
        notice, contract_no, winner = await contracted(http, stack, cast)
        opened = await announce(http, cast, notice_s=900)
        await wait_for(http, opened["notice_no"], "bidding")
        auditor = await person(http, stack, "auditor")
        await operator(http, stack)
        bid_body = await keyring(stack).bid_body(
            http,
            cast.agents[winner],
            opened["notice_no"],
            {
                "business_no": winner,
                "price": 88_000_000,
                "reserve_picks": [1, 2],
                "bid_guarantee_cert": None,
                "client_key": uuid.uuid4().hex,
            },
        )
    w = World(
        cast=cast,
        rival=rival,
        open_notice=opened["notice_no"],
        contracted_notice=notice,
        payment_id=f"payment-{contract_no}-1",
        winner=winner,
        auditor=auditor,
        operator=stack.operator,
        bid_body=bid_body,
    )
    w.inside = {
        Who.OFFICER: cast.officer,
        Who.INSPECTOR: cast.inspector,
        Who.SUPPLIER: cast.agents[winner],
        Who.OPERATOR: stack.operator,
        Who.AUDITOR: auditor,
    }
    w.outside = {
        Who.OFFICER: rival.officer,
        Who.INSPECTOR: rival.inspector,
        Who.SUPPLIER: rival.agents[rival.businesses[0]],
    }
    return w


def _calls(w: World) -> dict[tuple[str, str], Call]:
    """One request per route of the table."""
    now = datetime.now(UTC)
    open_, done, winner = w.open_notice, w.contracted_notice, w.winner
    later = now + timedelta(hours=2)
    return {
        ("GET", "/openapi.json"): Call("/openapi.json"),
        ("GET", "/docs"): Call("/docs"),
        ("GET", "/docs/oauth2-redirect"): Call("/docs/oauth2-redirect"),
        ("GET", "/redoc"): Call("/redoc"),
        ("GET", "/health"): Call("/health"),
        ("GET", "/ready"): Call("/ready"),
        ("GET", "/metrics"): Call("/metrics"),
        ("GET", "/.well-known/nara-keys"): Call("/.well-known/nara-keys"),
        ("POST", "/auth/challenge"): Call("/auth/challenge", allowed_body={"person_id": w.auditor}),
        ("POST", "/auth/login"): Call("/auth/login"),
        ("POST", "/auth/passkey/options"): Call("/auth/passkey/options", allowed_body=None),
        ("POST", "/auth/passkey"): Call("/auth/passkey"),
        ("POST", "/auth/logout"): Call("/auth/logout", allowed_body=None),
        ("GET", "/auth/whoami"): Call("/auth/whoami"),
        ("POST", "/passkeys/registration/options"): Call(
            "/passkeys/registration/options", allowed_body=None
        ),
        ("POST", "/passkeys/registration"): Call("/passkeys/registration"),
        ("GET", "/passkeys"): Call("/passkeys"),
        ("DELETE", "/passkeys/{passkey_id}"): Call(f"/passkeys/{uuid.uuid4()}"),
        ("GET", "/tenders"): Call("/tenders"),
        ("GET", "/tenders/search"): Call("/tenders/search?q=chairs&limit=5"),
        ("GET", "/tenders/{notice_no}"): Call(f"/tenders/{open_}"),
        ("POST", "/tenders"): Call(
            "/tenders", body=tender_body(agency_code=w.cast.agency_code, notice_s=60)
        ),
        ("POST", "/tenders/{notice_no}/extend"): Call(
            f"/tenders/{open_}/extend",
            body={
                "deadline": later.isoformat(),
                "opening_at": (later + timedelta(minutes=5)).isoformat(),
                "reason": "more time for the bidders",
            },
        ),
        ("POST", "/tenders/{notice_no}/cancel"): Call(
            f"/tenders/{open_}/cancel", body={"reason": "the need is gone"}
        ),
        ("POST", "/tenders/{notice_no}/review"): Call(
            f"/tenders/{open_}/review", body={"business_no": winner, "capability_score": 70}
        ),
        ("POST", "/tenders/{notice_no}/scores"): Call(
            f"/tenders/{open_}/scores", body={"technical_scores": {winner: 80}}
        ),
        ("POST", "/tenders/{notice_no}/award"): Call(
            f"/tenders/{open_}/award", body={"business_no": winner}
        ),
        ("GET", "/tenders/{notice_no}/signals"): Call(f"/tenders/{open_}/signals"),
        ("GET", "/tenders/{notice_no}/sealing-key"): Call(f"/tenders/{open_}/sealing-key"),
        ("GET", "/tenders/{notice_no}/opening"): Call(f"/tenders/{w.contracted_notice}/opening"),
        ("POST", "/tenders/{notice_no}/comprehensive-scores"): Call(
            f"/tenders/{open_}/comprehensive-scores",
            body={"scores": {winner: {"capability": 40, "social": 1}}},
        ),
        ("POST", "/tenders/{notice_no}/bids"): Call(f"/tenders/{open_}/bids", body=w.bid_body),
        ("POST", "/tenders/{notice_no}/performance-guarantee"): Call(
            f"/tenders/{done}/performance-guarantee",
            body={"business_no": winner, "certificate_no": "PG-0000001"},
        ),
        ("POST", "/tenders/{notice_no}/sign"): Call(
            f"/tenders/{done}/sign", body={"business_no": winner}
        ),
        ("POST", "/tenders/{notice_no}/payments"): Call(
            f"/tenders/{done}/payments",
            body={"business_no": winner, "kind": "advance", "amount": 1_000_000},
        ),
        ("GET", "/payments/{payment_id}"): Call(f"/payments/{w.payment_id}"),
        ("POST", "/payments/{payment_id}/inspection"): Call(
            f"/payments/{w.payment_id}/inspection", body={"accepted": True, "note": "fine"}
        ),
        ("POST", "/payments/{payment_id}/retry"): Call(
            f"/payments/{w.payment_id}/retry", allowed_body=None
        ),
        ("GET", "/ops/stuck"): Call("/ops/stuck"),
        ("POST", "/ops/payments/{payment_id}/retry"): Call(
            f"/ops/payments/{w.payment_id}/retry", body={"reason": "the bank is back"}
        ),
        ("POST", "/ops/payments/{payment_id}/account"): Call(
            f"/ops/payments/{w.payment_id}/account",
            body={"payee": "prime", "account_no": "A-1", "reason": "the account was wrong"},
        ),
        ("POST", "/ops/tenders/{notice_no}/extend"): Call(
            f"/ops/tenders/{open_}/extend",
            body={
                "deadline": later.isoformat(),
                "opening_at": (later + timedelta(minutes=5)).isoformat(),
                "reason": "the site was down for bidders",
            },
        ),
        ("POST", "/ops/tenders/{notice_no}/cancel"): Call(
            f"/ops/tenders/{open_}/cancel", body={"reason": "the need is gone"}
        ),
        ("GET", "/reports/weekly"): Call("/reports/weekly"),
        ("GET", "/outages"): Call("/outages"),
        ("GET", "/outages/{outage_id}"): Call("/outages/1"),
        ("POST", "/outages"): Call(
            "/outages",
            body={
                "started_at": (now - timedelta(minutes=30)).isoformat(),
                "recovered_at": (now - timedelta(minutes=1)).isoformat(),
                "reason": "the certificate service was down",
            },
        ),
        ("GET", "/audit/events"): Call("/audit/events"),
        ("GET", "/audit/verify"): Call("/audit/verify"),
        ("GET", "/audit/tree-head"): Call("/audit/tree-head"),
        ("GET", "/audit/proofs/inclusion"): Call(f"/audit/proofs/inclusion?leaf_hash={'0' * 64}"),
        ("GET", "/audit/proofs/consistency"): Call("/audit/proofs/consistency?first=0"),
        ("POST", "/agencies"): Call(
            "/agencies",
            body={"code": "Z9999", "name": "Outsider", "kind": "national", "account_no": "Z-1"},
        ),
        ("POST", "/businesses"): Call(
            "/businesses",
            body={"business_no": business_no(), "name": "Shell Co", "account_no": "S-1"},
        ),
        ("POST", "/people"): Call(
            "/people", body={"id": "intruder-1", "name": "Intruder", "role": "operator"}
        ),
        ("POST", "/businesses/{business_no}/agents"): Call(
            f"/businesses/{winner}/agents",
            body={"person_id": w.rival.agents[w.rival.businesses[0]]},
        ),
        ("PUT", "/businesses/{business_no}/licences"): Call(
            f"/businesses/{winner}/licences", body={"licences": ["토목공사업"]}
        ),
        ("POST", "/businesses/{business_no}/subscriptions"): Call(
            f"/businesses/{winner}/subscriptions",
            body={"keywords": ["도로"]},
            allowed_body={"keywords": "도로"},
        ),
        ("GET", "/businesses/{business_no}/subscriptions"): Call(
            f"/businesses/{winner}/subscriptions"
        ),
        ("DELETE", "/businesses/{business_no}/subscriptions/{subscription_id}"): Call(
            f"/businesses/{winner}/subscriptions/999999999"
        ),
        ("GET", "/businesses/{business_no}/notifications"): Call(
            f"/businesses/{winner}/notifications"
        ),
        ("POST", "/businesses/{business_no}/notifications/read"): Call(
            f"/businesses/{winner}/notifications/read", body={"ids": [1]}
        ),
        ("GET", "/businesses/{business_no}/recommendations"): Call(
            f"/businesses/{winner}/recommendations"
        ),
        ("GET", "/ocds/releases"): Call("/ocds/releases"),
        ("GET", "/ocds/records/{ocid}"): Call("/ocds/records/ocds-xxxxxx-20260000001-00"),
        # the console (bearer clients need no CSRF token; a form with none is refused 422)
        ("GET", "/console/login"): Call("/console/login"),
        ("POST", "/console/login"): Call("/console/login"),
        ("GET", "/console/enrol"): Call("/console/enrol"),
        ("POST", "/console/enrol"): Call("/console/enrol"),
        ("POST", "/console/logout"): Call("/console/logout", allowed_body=None),
        ("POST", "/console/enrolment-links"): Call("/console/enrolment-links", allowed_body=None),
        ("POST", "/console/passkeys/registration/options"): Call(
            "/console/passkeys/registration/options", allowed_body=None
        ),
        ("POST", "/console/passkeys/registration"): Call("/console/passkeys/registration"),
        ("GET", "/console"): Call("/console"),
        ("GET", "/console/reports/weekly"): Call("/console/reports/weekly"),
        ("GET", "/console/tenders/{notice_no}"): Call(f"/console/tenders/{open_}"),
        ("POST", "/console/tenders/{notice_no}/review"): Call(
            f"/console/tenders/{open_}/review", body={"business_no": winner}
        ),
        ("POST", "/console/tenders/{notice_no}/award"): Call(
            f"/console/tenders/{open_}/award", body={"business_no": winner}
        ),
        ("POST", "/console/tenders/{notice_no}/scores"): Call(
            f"/console/tenders/{open_}/scores", body={"technical_scores": {winner: 80}}
        ),
        ("POST", "/console/tenders/{notice_no}/extend"): Call(f"/console/tenders/{open_}/extend"),
        ("POST", "/console/tenders/{notice_no}/cancel"): Call(
            f"/console/tenders/{open_}/cancel", body={"reason": "the need is gone"}
        ),
        ("POST", "/console/tenders/{notice_no}/sign"): Call(f"/console/tenders/{done}/sign"),
        ("GET", "/console/payments/{payment_id}"): Call(f"/console/payments/{w.payment_id}"),
        ("POST", "/console/payments/{payment_id}/inspection"): Call(
            f"/console/payments/{w.payment_id}/inspection"
        ),
    }


def test_every_route_has_a_rule_and_a_request(stack: ApiStack, world: World) -> None:
    """A new route without a rule (or without a request here) fails this test."""
    routes = set(endpoints(create_app(stack.settings)))
    assert routes - set(RULES) == set(), "routes without a rule in nara.api.access.RULES"
    assert set(RULES) - routes == set(), "rules of routes the application does not have"
    assert set(_calls(world)) == routes, "every route needs a request in _calls"


_LOGOUTS = {("POST", "/auth/logout"), ("POST", "/console/logout")}
"""Routes that end the caller's session: each allowed caller logs in again around them."""

_MISSING = {
    Scope.TENDER_AGENCY: "agency",
    Scope.PAYMENT_AGENCY: "agency",
    Scope.BODY_AGENCY: "agency",
    Scope.BODY_BUSINESS: "agent",
    Scope.PATH_BUSINESS: "agent",
    Scope.PAYMENT_PARTY: "agent",
}


@dataclass(frozen=True)
class Case:
    route: tuple[str, str]
    who: Who
    person: str | None  # None: anonymous
    missing: str | None  # None: allowed


def _cases(w: World) -> list[Case]:
    cases: list[Case] = []
    for route, rule in RULES.items():
        for who in Who:
            scope = rule.allowed.get(who)
            inside = w.inside.get(who)
            if scope is None:
                cases.append(Case(route, who, inside, "session" if inside is None else "role"))
                continue
            cases.append(Case(route, who, inside, None))
            if scope in _MISSING:
                cases.append(Case(route, who, w.outside[who], _MISSING[scope]))
    return cases


async def _send(
    http: httpx.AsyncClient, route: tuple[str, str], call: Call, who: str | None, body: Any
) -> httpx.Response:
    headers = as_(who) if who else {}
    method = route[0]
    if method in ("GET", "DELETE"):
        return await http.request(method, call.path, headers=headers)
    return await http.request(method, call.path, headers=headers, json=body)


async def test_every_role_gets_what_the_matrix_says(stack: ApiStack, world: World) -> None:
    calls = _calls(world)
    cases = _cases(world)
    wrong: list[str] = []
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        # Refusals first: nothing an allowed request starts can move the footprint then.
        for case in [c for c in cases if c.missing is not None]:
            call = calls[case.route]
            name = f"{case.route[0]} {case.route[1]}"
            before = await footprint(stack.engine)
            with capture_logs() as logs:
                response = await _send(http, case.route, call, case.person, call.body)
            after = await footprint(stack.engine)
            status = 401 if case.missing == "session" else 403
            problem = response.json() if response.content else {}
            denials = [e for e in logs if e.get("event") == "request denied"]
            if (
                response.status_code != status
                or not response.headers["content-type"].startswith("application/problem+json")
                or problem.get("missing") != case.missing
                or not (problem.get("allowed") and problem.get("detail") and problem.get("fix"))
                or problem.get("code") != ("unauthenticated" if status == 401 else "forbidden")
            ):
                wrong.append(
                    f"{name} as {case.who} ({case.person}): {response.status_code} {problem}"
                )
            if after != before:
                changed = {
                    k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)
                }
                wrong.append(f"{name} as {case.who} wrote {changed}")
            if [(e["route"], e["role"], e["reason"]) for e in denials] != [
                (name, case.who.value, case.missing)
            ]:
                wrong.append(f"{name} as {case.who}: logged {denials}")
            token = as_(case.person)["Authorization"].split()[-1] if case.person else None
            if token and any(token in str(e) for e in denials):
                wrong.append(f"{name} as {case.who}: the log line holds the token")

        for case in [c for c in cases if c.missing is None]:
            call = calls[case.route]
            name = f"{case.route[0]} {case.route[1]}"
            if case.route in _LOGOUTS:
                assert case.person is not None
                await login(http, stack, case.person)  # end a session of its own
            body = call.body if call.allowed_body is SAME else call.allowed_body
            response = await _send(http, case.route, call, case.person, body)
            problem = response.json() if response.status_code in (401, 403) else {}
            if response.status_code in (401, 403) and problem.get("code") in (
                "unauthenticated",
                "forbidden",
                "session-ended",
            ):
                wrong.append(f"{name} as {case.who}: refused {response.status_code} {problem}")
            if case.route in _LOGOUTS and case.person is not None:
                await login(http, stack, case.person)

    routes, roles = len(RULES), len(Who)
    print(
        f"\naccess matrix: {routes} routes x {roles} roles = {routes * roles} pairs, "
        f"{len(cases)} requests"
    )
    assert not wrong, "\n".join(wrong)
