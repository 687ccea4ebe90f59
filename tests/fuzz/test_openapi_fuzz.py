"""Schemathesis over the OpenAPI document, against the real stack: the API keeps its contract.

Every operation of the document gets a bounded number of generated requests, valid
(positive) and invalid (negative), some sent with the session of a suitable person and aimed at
tenders, payments and outages that exist; every answer goes through all of schemathesis's
checks (no 5xx, the status, content type, headers and body the document declares, invalid
data refused, valid data accepted). Failures are collected over the whole run and listed
at the end with a curl command each.

Replay: the run is seeded (`NARA_FUZZ_SEED`, printed with the summary); the database's
contents differ between runs (notice numbers, ids), so a replay regenerates the same
requests but may meet a different state. `NARA_FUZZ_EXAMPLES` sets the examples per
operation and mode; `NARA_FUZZ_REPORT=<file>` writes the summary and every failure there.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import APIOperation, GenerationMode
from schemathesis.core.result import Err
from schemathesis.errors import FailureGroup

from nara.api.schemas.base import MAX_KRW
from nara.domain.ranking import BID_PRICE_CEILING
from tests.integration.support import (
    ApiStack,
    Cast,
    announce,
    as_,
    contracted,
    keyring,
    ok,
    person,
    register,
)

pytestmark = pytest.mark.slow

Case = schemathesis.Case[Any]
Operation = APIOperation[Any, Any, Any, Any]

SEED = int(os.environ.get("NARA_FUZZ_SEED", "20260701"))
EXAMPLES = int(os.environ.get("NARA_FUZZ_EXAMPLES", "40"))
PERSON = "Authorization"  # a secured operation's bearer token, which schemathesis also fuzzes

# Who may act on each operation; the fuzzer sends one of them (or a generated header).
ACTS = {
    "POST /tenders": "officer",
    "POST /tenders/{notice_no}/extend": "officer",
    "POST /tenders/{notice_no}/cancel": "officer",
    "POST /tenders/{notice_no}/review": "officer",
    "POST /tenders/{notice_no}/scores": "officer",
    "POST /tenders/{notice_no}/award": "officer",
    "POST /tenders/{notice_no}/sign": "agent",
    "POST /tenders/{notice_no}/bids": "agent",
    "POST /tenders/{notice_no}/performance-guarantee": "agent",
    "POST /tenders/{notice_no}/payments": "agent",
    "GET /payments/{payment_id}": "inspector",
    "POST /payments/{payment_id}/inspection": "inspector",
    "POST /payments/{payment_id}/retry": "operator",
    "POST /outages": "operator",
    "GET /ops/stuck": "operator",
    "POST /ops/payments/{payment_id}/retry": "operator",
    "POST /ops/payments/{payment_id}/account": "operator",
    "POST /ops/tenders/{notice_no}/extend": "operator",
    "POST /ops/tenders/{notice_no}/cancel": "operator",
    "GET /audit/events": "auditor",
    "GET /audit/verify": "auditor",
    "POST /agencies": "operator",
    "POST /businesses": "operator",
    "POST /people": "operator",
    "POST /businesses/{business_no}/agents": "operator",
    "POST /passkeys/registration/options": "agent",
    "POST /passkeys/registration": "agent",
    "GET /passkeys": "agent",
    "DELETE /passkeys/{passkey_id}": "agent",
    "PUT /businesses/{business_no}/licences": "operator",
    "POST /businesses/{business_no}/subscriptions": "agent",
    "GET /businesses/{business_no}/subscriptions": "agent",
    "DELETE /businesses/{business_no}/subscriptions/{subscription_id}": "agent",
    "GET /businesses/{business_no}/notifications": "agent",
    "POST /businesses/{business_no}/notifications/read": "agent",
    "GET /businesses/{business_no}/recommendations": "agent",
}


# Every check of schemathesis runs. `positive_data_acceptance` expects 2xx for a request the
# document allows; a procurement rule may still refuse one (a notice period, a check digit, a
# deadline compared with the opening: rules JSON Schema cannot state), so 422 is expected
# there too, and `refusals_name_their_rule` below requires such a 422 to name the rule.
CONFIG = {
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
        }
    }
}
# Problems that a request the document allows can meet: the state or a partner decided.
STATEFUL_PROBLEMS = {
    "rule-violation",
    "invalid-claim",
    "partner-rejected",
    "guarantee-rejected",
    # A search's cursor is only ever one the API gave, and an empty range or a keyword of
    # punctuation only are combinations no JSON Schema states; each names its `rule`.
    "invalid-search",
}


def refusals_name_their_rule(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
) -> bool | None:
    """A request the document allows is refused 422 only by a rule the document names.

    Anything else (a length, a pattern, a required field, a type) is a bound the JSON
    Schema could state and does not: the document hides it.
    """
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    problem = response.json()
    if problem.get("code") in STATEFUL_PROBLEMS:
        return None
    hidden = [e for e in problem.get("errors") or [{"message": problem}] if not e.get("rule")]
    if hidden:
        raise AssertionError(f"a request the document allows was refused without a rule: {hidden}")
    return None


@dataclass
class World:
    """What exists before the fuzzing starts: people by role, real path values, and whole
    requests at the bounds (operation -> headers, path parameters and body)."""

    people: dict[str, list[str]]
    path_values: dict[str, list[str]]
    extremes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Run:
    """Cases sent and failures found, per operation."""

    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    no_negative: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"schemathesis: seed {SEED} (NARA_FUZZ_SEED), {EXAMPLES} examples per operation and "
            f"mode, {len(self.cases)} operations, {sum(self.cases.values())} cases, "
            f"{len(self.failures)} failures, {self.seconds:.0f} s"
        ]
        if self.no_negative:
            lines.append(f"  nothing can be invalid in: {', '.join(sorted(self.no_negative))}")
        for label in sorted(self.cases):
            seen = sorted((s, n) for (op, s), n in self.statuses.items() if op == label)
            statuses = ", ".join(f"{s}x{n}" for s, n in seen)
            lines.append(f"  {label}: {self.cases[label]} cases ({statuses})")
        return "\n".join(lines)

    def report(self) -> str:
        return "\n\n".join(
            f"== {label} [{kind}]\n{message}" for (label, kind), message in self.failures.items()
        )


async def _world(http: httpx.AsyncClient, stack: ApiStack) -> World:
    cast: Cast = await register(http, stack, businesses=3)
    tag = uuid.uuid4().hex[:6]
    operator = await person(http, stack, "operator")
    auditor = await person(http, stack, "auditor")
    bidding = (await announce(http, cast, notice_s=900))["notice_no"]
    notice, _, winner = await contracted(http, stack, cast)
    claim = await ok(
        await http.post(
            f"/tenders/{notice}/payments",
            headers=as_(cast.agents[winner]),
            json={"business_no": winner, "kind": "advance", "amount": 10_000_000},
        ),
        201,
    )
    recovered = datetime.now(UTC) - timedelta(days=3)
    outage = await ok(
        await http.post(
            "/outages",
            headers=as_(operator),
            json={
                "started_at": (recovered - timedelta(hours=1)).isoformat(),
                "recovered_at": recovered.isoformat(),
                "reason": "fuzz: a past outage that caught nothing",
            },
        ),
        201,
    )
    soon = datetime.now(UTC) + timedelta(hours=1)
    far = datetime.now(UTC) + timedelta(days=729)
    officer, agent = as_(cast.officer), as_(cast.agents[cast.businesses[2]])

    def announcement(**terms: Any) -> dict[str, Any]:
        return {
            "headers": officer,
            "body": {
                "title": f"fuzz: {terms}",
                "category": "goods",
                "deadline": soon.isoformat(),
                "opening_at": (soon + timedelta(hours=1)).isoformat(),
                **terms,
            },
        }

    async def bid(price: int) -> dict[str, Any]:
        """A bid sealed, signed and confirmed by the agent's bidder client (the price is
        inside the seal: the API takes any, the opening judges it)."""
        decided = {
            "business_no": cast.businesses[2],
            "price": price,
            "reserve_picks": [1, 15],
            "client_key": f"fuzz-{tag}-{price}",
        }
        body = await keyring(stack).bid_body(
            http, cast.agents[cast.businesses[2]], bidding, decided
        )
        return {"headers": agent, "path_parameters": {"notice_no": bidding}, "body": body}

    extremes = {
        "POST /tenders": [
            announcement(estimated_price=MAX_KRW),
            announcement(estimated_price=MAX_KRW, base_amount=MAX_KRW, category="services"),
            announcement(estimated_price=100_000_000, base_amount=374),
            announcement(estimated_price=100_000_000, base_amount=375),
        ],
        "POST /tenders/{notice_no}/bids": [
            await bid(100_000_000 * BID_PRICE_CEILING),
            await bid(100_000_000 * BID_PRICE_CEILING + 1),
            await bid(MAX_KRW),
        ],
        "POST /tenders/{notice_no}/extend": [
            {
                "headers": officer,
                "path_parameters": {"notice_no": bidding},
                "body": {
                    "deadline": far.isoformat(),
                    "opening_at": (far + timedelta(hours=1)).isoformat(),
                    "reason": "fuzz: the furthest deadline",
                },
            }
        ],
    }
    return World(
        extremes=extremes,
        people={
            "officer": [cast.officer],
            "inspector": [cast.inspector],
            "agent": [cast.agents[winner], *cast.agents.values()],
            "operator": [operator],
            "auditor": [auditor],
        },
        path_values={
            "notice_no": [bidding, notice],
            "payment_id": [claim["payment_id"]],
            "business_no": list(cast.businesses),
            "outage_id": [str(outage["id"])],
        },
    )


def _strategy(operation: Operation, mode: GenerationMode, world: World) -> st.SearchStrategy[Case]:
    """Generated cases, plus cases sent as a suitable person to resources that exist.

    Negative cases keep the generated path (the invalid part may be there) and get a
    person only when something besides the header is left to be invalid.
    """
    options = [operation.as_strategy(generation_mode=mode)]
    header_names = {p.name for p in operation.headers}
    path_names = [p.name for p in operation.path_parameters]
    people = world.people.get(ACTS.get(operation.label, ""), []) or [
        p for group in world.people.values() for p in group
    ]
    others = len(operation.query) or len(operation.path_parameters) or operation.body
    if mode is GenerationMode.POSITIVE:
        options.extend(
            operation.as_strategy(generation_mode=mode, **fixed)
            for fixed in world.extremes.get(operation.label, [])
        )
    for someone in people[:2]:
        headers = as_(someone) if PERSON in header_names else None
        if mode is GenerationMode.NEGATIVE:
            if headers and others:
                options.append(operation.as_strategy(generation_mode=mode, headers=headers))
            continue
        for values in zip(*(world.path_values.get(n, []) for n in path_names), strict=False):
            fixed = dict(zip(path_names, values, strict=True))
            options.append(
                operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=fixed)
            )
        if headers:
            options.append(operation.as_strategy(generation_mode=mode, headers=headers))
    return st.one_of(options)


def _operation(
    operation: Operation,
    mode: GenerationMode,
    world: World,
    run: Run,
    api_url: str,
    session: requests.Session,
) -> None:
    """`EXAMPLES` cases of one operation in one mode; failures are recorded, not raised."""
    label = operation.label

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=_strategy(operation, mode, world))
    def exercise(case: Case) -> None:
        run.cases[label] += 1
        try:
            response = case.call(base_url=api_url, session=session, timeout=30)
            run.statuses[(label, response.status_code)] += 1
            case.validate_response(
                response,
                additional_checks=[refusals_name_their_rule],
                transport_kwargs={"base_url": api_url},
            )
        except FailureGroup as group:
            for failure in group.exceptions:
                key = (label, f"{mode.value}: {failure.title}")
                run.failures.setdefault(key, str(group))
        except requests.RequestException as error:
            run.failures.setdefault((label, f"{mode.value}: transport"), repr(error))

    try:
        exercise()
    except hypothesis.errors.Unsatisfiable:
        # Nothing of the operation can be invalid (no parameter, no body): no negative case.
        if mode is GenerationMode.POSITIVE:
            raise
        run.no_negative.append(label)


def _fuzz(api_url: str, world: World) -> Run:
    """Every operation, positive then negative, through all the checks (blocking)."""
    openapi = requests.get(f"{api_url}/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(openapi, config=schemathesis.Config.from_dict(CONFIG))
    run = Run()
    started = time.monotonic()
    operations: list[Operation] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the document itself is not valid OpenAPI
        operations.append(result.ok())
    # Cancelling the open tender early would leave nothing to bid on: cancel runs last.
    operations.sort(key=lambda operation: operation.label.endswith("/cancel"))
    with requests.Session() as session:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _operation(operation, mode, world, run, api_url, session)
    run.seconds = time.monotonic() - started
    return run


@pytest.mark.timeout(240)  # ~2 s per operation (55 now): past the suite's default 120 s
async def test_every_answer_matches_the_openapi_document(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        world = await _world(http, stack)
    print(f"schemathesis: seed {SEED} (replay with NARA_FUZZ_SEED={SEED})")
    # Blocking HTTP in a thread: this event loop keeps running the worker meanwhile.
    run = await asyncio.to_thread(_fuzz, stack.api_url, world)
    print(run.summary())
    if os.environ.get("NARA_FUZZ_REPORT"):  # a file for the whole report, failures included
        with open(os.environ["NARA_FUZZ_REPORT"], "w", encoding="utf-8") as out:
            out.write(f"{run.summary()}\n\n{run.report()}\n")
    assert run.cases, "schemathesis generated no case"
    assert not run.failures, f"{run.summary()}\n\n{run.report()}"
