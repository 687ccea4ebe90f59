"""Who may do what: one rule for every route of the API, checked before the route runs.

`RULES` is the authorization matrix. For each route (method and path) it lists the roles
that may call it, each held to a scope:

- officers and inspectors act only on their own agency's tenders and contracts;
- a supplier agent only for the businesses that registered them (their bids, receipts,
  contracts and claims);
- operators run the system (outages, transfers, health, the chain check) and never see
  sealed content (the audit events, which name who bid before the opening);
- auditors read everything and change nothing;
- anonymous callers read the public notices and, after the opening, the results;
- `/metrics` is for a scraper, whoever it is (`Scope.SCRAPE`): a request with
  `Authorization: Bearer <METRICS_TOKEN>`, or, in development without TRUSTED_PROXIES, one
  whose connection comes from loopback (the peer itself: no header is believed, and behind
  a proxy every peer is the proxy, so there the token is the only way).

The gate (`nara.api.gate.authorize`) is a dependency of the whole application:
`create_app` installs it and refuses to start while a route has no rule here
(`require_rules`), so no route can forget it. It runs before the parameters and body are
validated and before the route opens a transaction, so a refusal writes nothing: 401
without a session (`missing: session`),
403 for another role (`missing: role`), another agency (`missing: agency`) or a
business the person is no agent of (`missing: agent`), in problem JSON naming who may.
Every refusal is logged by `nara.api.problems` with the route, the role and the reason.

Services keep their own checks (the CLI and the benchmarks call them without HTTP); this
table is what the API answers by. `matrix_markdown()` is the table of
docs/architecture.md, and tests/integration/test_access_matrix.py sends a real request
for every (route, role) pair.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

import fastapi.routing
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute


class Who(StrEnum):
    """The columns of the matrix: the five roles of `Role`, and nobody logged in."""

    ANONYMOUS = "anonymous"
    OFFICER = "officer"
    INSPECTOR = "inspector"
    SUPPLIER = "supplier"
    OPERATOR = "operator"
    AUDITOR = "auditor"


class Scope(StrEnum):
    """What an allowed role is held to, besides its role."""

    ANY = "any"
    OWN = "own"  # their own session and passkeys: the services act on the caller only
    TENDER_AGENCY = "tender-agency"  # the agency of the tender in the path
    PAYMENT_AGENCY = "payment-agency"  # the agency of the payment's contract in the path
    BODY_AGENCY = "body-agency"  # the agency the body announces for (`agency_code`, if sent)
    BODY_BUSINESS = "body-business"  # an agent of the business in the body (`business_no`)
    PATH_BUSINESS = "path-business"  # an agent of the business in the path
    PAYMENT_PARTY = "payment-party"  # an agent of the payment's contractor or subcontractor
    SCRAPE = "scrape"  # a metrics scraper: METRICS_TOKEN, or loopback in development


CELL = {
    Scope.ANY: "yes",
    Scope.OWN: "own",
    Scope.TENDER_AGENCY: "agency",
    Scope.PAYMENT_AGENCY: "agency",
    Scope.BODY_AGENCY: "agency",
    Scope.BODY_BUSINESS: "agent",
    Scope.PATH_BUSINESS: "agent",
    Scope.PAYMENT_PARTY: "party",
    Scope.SCRAPE: "scrape",
}
"""How the table of docs/architecture.md writes each scope (its legend says more)."""

_FOR = {
    Scope.ANY: "",
    Scope.OWN: "",
    Scope.TENDER_AGENCY: "of the tender's agency",
    Scope.PAYMENT_AGENCY: "of the contract's agency",
    Scope.BODY_AGENCY: "of the agency announced for",
    Scope.BODY_BUSINESS: "of the business in business_no",
    Scope.PATH_BUSINESS: "of that business",
    Scope.PAYMENT_PARTY: "of the contractor or its subcontractor",
    Scope.SCRAPE: "scraping with METRICS_TOKEN (or from loopback in development)",
}
_A = {
    Who.ANONYMOUS: "anybody",
    Who.OFFICER: "an officer",
    Who.INSPECTOR: "an inspector",
    Who.SUPPLIER: "an agent",
    Who.OPERATOR: "an operator",
    Who.AUDITOR: "an auditor",
}


@dataclass(frozen=True)
class Rule:
    """Who may call one route, and each one's scope; anybody else is refused."""

    allowed: Mapping[Who, Scope]

    @classmethod
    def of(cls, **roles: Scope) -> Rule:
        return cls({Who(name): scope for name, scope in roles.items()})

    @property
    def public(self) -> bool:
        """Open to everybody: no session is asked for (or read)."""
        return Who.ANONYMOUS in self.allowed

    @property
    def scraper(self) -> bool:
        """Open to a metrics scraper only (`Scope.SCRAPE`), whatever its session."""
        return self.allowed.get(Who.ANONYMOUS) is Scope.SCRAPE

    def words(self) -> list[str]:
        """Who may, in words: `an officer of the tender's agency`, `an auditor`."""
        if self.scraper:
            return [f"a scraper {_FOR[Scope.SCRAPE]}"]
        return [f"{_A[who]} {_FOR[scope]}".strip() for who, scope in self.allowed.items()]

    def only(self) -> str:
        """`only an officer of the tender's agency or an auditor may`."""
        return f"only {' or '.join(self.words())} may"


PUBLIC = Rule({who: Scope.ANY for who in Who})
SIGNED_IN = Rule({who: Scope.OWN for who in Who if who is not Who.ANONYMOUS})
OFFICER_OF_TENDER = Rule.of(officer=Scope.TENDER_AGENCY)
AGENT_IN_BODY = Rule.of(supplier=Scope.BODY_BUSINESS)
AGENT_IN_PATH = Rule.of(supplier=Scope.PATH_BUSINESS)
AGENT_IN_PATH_OR_AUDITOR = Rule.of(supplier=Scope.PATH_BUSINESS, auditor=Scope.ANY)
SCRAPER = Rule({who: Scope.SCRAPE for who in Who})
CONSOLE_READER = Rule.of(officer=Scope.OWN, inspector=Scope.OWN, auditor=Scope.ANY)
"""The console's own pages: an officer's or inspector's agency; an auditor reads all."""

RULES: dict[tuple[str, str], Rule] = {
    # the document and health
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/health"): PUBLIC,
    ("GET", "/ready"): PUBLIC,
    ("GET", "/metrics"): SCRAPER,
    ("GET", "/.well-known/nara-keys"): PUBLIC,
    # logging in and out; one's own passkeys
    ("POST", "/auth/challenge"): PUBLIC,
    ("POST", "/auth/login"): PUBLIC,
    ("POST", "/auth/passkey/options"): PUBLIC,
    ("POST", "/auth/passkey"): PUBLIC,
    ("POST", "/auth/logout"): SIGNED_IN,
    ("GET", "/auth/whoami"): SIGNED_IN,
    ("POST", "/passkeys/registration/options"): SIGNED_IN,
    ("POST", "/passkeys/registration"): SIGNED_IN,
    ("GET", "/passkeys"): SIGNED_IN,
    ("DELETE", "/passkeys/{passkey_id}"): SIGNED_IN,
    # tenders: public notices; the agency's officers act on them
    ("GET", "/tenders"): PUBLIC,
    ("GET", "/tenders/search"): PUBLIC,
    ("GET", "/tenders/{notice_no}"): PUBLIC,
    ("POST", "/tenders"): Rule.of(officer=Scope.BODY_AGENCY),
    ("POST", "/tenders/{notice_no}/extend"): OFFICER_OF_TENDER,
    ("POST", "/tenders/{notice_no}/cancel"): OFFICER_OF_TENDER,
    ("POST", "/tenders/{notice_no}/review"): OFFICER_OF_TENDER,
    ("POST", "/tenders/{notice_no}/scores"): OFFICER_OF_TENDER,
    ("POST", "/tenders/{notice_no}/comprehensive-scores"): OFFICER_OF_TENDER,
    ("POST", "/tenders/{notice_no}/award"): OFFICER_OF_TENDER,
    ("GET", "/tenders/{notice_no}/signals"): Rule.of(
        officer=Scope.TENDER_AGENCY, auditor=Scope.ANY
    ),
    # the businesses' side: bids, guarantees, signatures, claims
    ("GET", "/tenders/{notice_no}/sealing-key"): PUBLIC,
    ("GET", "/tenders/{notice_no}/opening"): PUBLIC,
    ("POST", "/tenders/{notice_no}/bids"): AGENT_IN_BODY,
    ("POST", "/tenders/{notice_no}/performance-guarantee"): AGENT_IN_BODY,
    ("POST", "/tenders/{notice_no}/sign"): Rule.of(
        officer=Scope.TENDER_AGENCY, supplier=Scope.BODY_BUSINESS
    ),
    ("POST", "/tenders/{notice_no}/payments"): AGENT_IN_BODY,
    # payments
    ("GET", "/payments/{payment_id}"): Rule.of(
        officer=Scope.PAYMENT_AGENCY,
        inspector=Scope.PAYMENT_AGENCY,
        supplier=Scope.PAYMENT_PARTY,
        operator=Scope.ANY,
        auditor=Scope.ANY,
    ),
    ("POST", "/payments/{payment_id}/inspection"): Rule.of(inspector=Scope.PAYMENT_AGENCY),
    ("POST", "/payments/{payment_id}/retry"): Rule.of(operator=Scope.ANY),
    # figures, outages, the audit log
    ("GET", "/reports/weekly"): PUBLIC,
    ("GET", "/outages"): PUBLIC,
    ("GET", "/outages/{outage_id}"): PUBLIC,
    ("POST", "/outages"): Rule.of(operator=Scope.ANY),
    ("GET", "/audit/events"): Rule.of(auditor=Scope.ANY),
    ("GET", "/audit/verify"): Rule.of(operator=Scope.ANY, auditor=Scope.ANY),
    ("GET", "/audit/tree-head"): PUBLIC,
    ("GET", "/audit/proofs/inclusion"): PUBLIC,
    ("GET", "/audit/proofs/consistency"): PUBLIC,
    # operators' desk (nara ops)
    ("GET", "/ops/stuck"): Rule.of(operator=Scope.ANY, auditor=Scope.ANY),
    ("POST", "/ops/payments/{payment_id}/retry"): Rule.of(operator=Scope.ANY),
    ("POST", "/ops/payments/{payment_id}/account"): Rule.of(operator=Scope.ANY),
    ("POST", "/ops/tenders/{notice_no}/extend"): Rule.of(operator=Scope.ANY),
    ("POST", "/ops/tenders/{notice_no}/cancel"): Rule.of(operator=Scope.ANY),
    # the registry
    ("POST", "/agencies"): Rule.of(operator=Scope.ANY),
    ("POST", "/businesses"): Rule.of(operator=Scope.ANY),
    ("POST", "/people"): Rule.of(operator=Scope.ANY),
    ("POST", "/businesses/{business_no}/agents"): Rule.of(
        operator=Scope.ANY, supplier=Scope.PATH_BUSINESS
    ),
    # open data (OCDS): public, and never a sealed value before the opening
    ("GET", "/ocds/releases"): PUBLIC,
    ("GET", "/ocds/records/{ocid}"): PUBLIC,
    # the officers' console (docs/console.md): the same rules, by a session cookie
    ("GET", "/console/login"): PUBLIC,
    ("POST", "/console/login"): PUBLIC,
    ("GET", "/console/enrol"): PUBLIC,
    ("POST", "/console/enrol"): PUBLIC,
    ("POST", "/console/logout"): SIGNED_IN,
    ("POST", "/console/enrolment-links"): SIGNED_IN,
    ("POST", "/console/passkeys/registration/options"): SIGNED_IN,
    ("POST", "/console/passkeys/registration"): SIGNED_IN,
    ("GET", "/console"): CONSOLE_READER,
    ("GET", "/console/reports/weekly"): CONSOLE_READER,
    ("GET", "/console/tenders/{notice_no}"): Rule.of(
        officer=Scope.TENDER_AGENCY, inspector=Scope.TENDER_AGENCY, auditor=Scope.ANY
    ),
    ("POST", "/console/tenders/{notice_no}/review"): OFFICER_OF_TENDER,
    ("POST", "/console/tenders/{notice_no}/award"): OFFICER_OF_TENDER,
    ("POST", "/console/tenders/{notice_no}/scores"): OFFICER_OF_TENDER,
    ("POST", "/console/tenders/{notice_no}/extend"): OFFICER_OF_TENDER,
    ("POST", "/console/tenders/{notice_no}/cancel"): OFFICER_OF_TENDER,
    ("POST", "/console/tenders/{notice_no}/sign"): OFFICER_OF_TENDER,
    ("GET", "/console/payments/{payment_id}"): Rule.of(
        officer=Scope.PAYMENT_AGENCY, inspector=Scope.PAYMENT_AGENCY, auditor=Scope.ANY
    ),
    ("POST", "/console/payments/{payment_id}/inspection"): Rule.of(inspector=Scope.PAYMENT_AGENCY),
    # alerts: a business's licences (operator); its agents' subscriptions, feed, picks
    # (auditors read them)
    ("PUT", "/businesses/{business_no}/licences"): Rule.of(operator=Scope.ANY),
    ("POST", "/businesses/{business_no}/subscriptions"): AGENT_IN_PATH,
    ("GET", "/businesses/{business_no}/subscriptions"): AGENT_IN_PATH_OR_AUDITOR,
    ("DELETE", "/businesses/{business_no}/subscriptions/{subscription_id}"): AGENT_IN_PATH,
    ("GET", "/businesses/{business_no}/notifications"): AGENT_IN_PATH_OR_AUDITOR,
    ("POST", "/businesses/{business_no}/notifications/read"): AGENT_IN_PATH,
    ("GET", "/businesses/{business_no}/recommendations"): AGENT_IN_PATH_OR_AUDITOR,
}


def _served(app: FastAPI) -> Iterator[tuple[BaseRoute, set[str]]]:
    """Every route the application serves, with its methods: the routes of included
    routers too (FastAPI 0.165 keeps those behind `iter_route_contexts`)."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if contexts is None:  # older FastAPI: include_router copies the routes into the app
        for route in app.routes:
            yield route, set(getattr(route, "methods", None) or ())
        return
    for context in contexts(app.routes):
        yield context.original_route, set(context.methods or ())


def _path_of(route: BaseRoute) -> str:
    """The path a rule is keyed by, as the gate sees it (`scope["route"].path`)."""
    return str(getattr(route, "path", ""))


def endpoints(app: FastAPI, *, api: bool | None = None) -> list[tuple[str, str]]:
    """Every (method, path) the application answers, in the order of its routes; only
    the API routes (`api=True`, the gate guards them) or only the others (`api=False`)."""
    found: list[tuple[str, str]] = []
    for route, methods in _served(app):
        if api is not None and isinstance(route, APIRoute) is not api:
            continue
        found.extend((m, _path_of(route)) for m in sorted(methods) if m != "HEAD")
    return found


def require_rules(app: FastAPI) -> None:
    """Refuse an application with a route that has no rule, or a public rule for a route
    the gate cannot guard (the document's routes are not API routes)."""
    missing = [f"{m} {p}" for m, p in endpoints(app) if (m, p) not in RULES]
    unguarded = [
        f"{m} {p}" for m, p in endpoints(app, api=False) if not RULES.get((m, p), PUBLIC).public
    ]
    if missing or unguarded:
        raise RuntimeError(
            "every route needs a rule in nara.api.access.RULES: "
            + ", ".join(missing + [f"{u} (not guarded: make it public)" for u in unguarded])
        )


def matrix_markdown() -> str:
    """The matrix as the Markdown table of docs/architecture.md ("Who may do what")."""
    lines = [
        "| route | " + " | ".join(who.value for who in Who) + " |",
        "| --- | " + " | ".join("---" for _ in Who) + " |",
    ]
    for (method, path), rule in RULES.items():
        cells = [CELL[rule.allowed[who]] if who in rule.allowed else "-" for who in Who]
        lines.append(f"| `{method} {path}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
