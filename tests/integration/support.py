"""Acting out agencies, businesses and their people through the public API.

Everyone logs in as a person would: a key certified by the stack's CA, a signed challenge,
a session token (`login`); `as_(person)` is then the `Authorization: Bearer` header of
their session. Business agents also enrol a passkey on a software authenticator and bid
through the bidder client (`bid`): sealed to the tender's key, signed with their
certificate key, confirmed with their passkey, the receipt checked. The stack's operator
(registered from the console) registers the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from nara.domain.identifiers import NoticeNo
from nara.settings import Settings
from nara.simulators.runner import ServerHandle
from nara.testing import stack as shared
from nara.testing.stack import ApiStack
from nara.wallet.bidder import body_sha256, check_receipt, fetch_server_keys
from nara.wallet.keyring import Keyring
from tests.factories import business_no
from tests.support import (
    eventually,
    sessions,  # noqa: F401  (re-exported for the integration tests)
)

__all__ = ["ApiStack"]

TIME_SCALE = 100_000
"""A 7-day notice period is 6.05 s of real time."""
NOTICE_S = 8.0
"""Seconds from announcement to deadline in these tests (7 days and a bit at TIME_SCALE)."""
DB_POOL_SIZE = 5
"""The API's pool in these tests: several APIs and the suite share one PostgreSQL."""
CRL_MAX_AGE_S = 0.5
"""The API re-reads the CA's revocation list this often (a revocation shows at once)."""

_keyrings: dict[str, Keyring] = {}
_server_keys: dict[str, dict[str, Ed25519PublicKey]] = {}
_headers: dict[str, dict[str, str]] = {}


def new_queue(prefix: str) -> str:
    return f"test-{prefix}-{uuid.uuid4().hex[:8]}"


def api_settings(stack: ApiStack, **overrides: Any) -> Settings:
    """Settings of another API beside `stack`'s: the same database, Temporal, task queue
    and certificate authority (its sessions work there too), changed by `overrides`."""
    time_scale = overrides.pop("time_scale", TIME_SCALE)
    values = shared.stack_settings(
        stack.database_url,
        stack.client,
        stack.task_queue,
        time_scale=time_scale,
        **{
            "DB_POOL_SIZE": DB_POOL_SIZE,
            "CRL_MAX_AGE_S": CRL_MAX_AGE_S,
            "CA_URL": stack.ca_url,
            "TRUSTED_CA_CERTS": stack.settings.trusted_ca_certs,
            **overrides,
        },
    )
    return Settings(**values)


@contextmanager
def serve_api(settings: Settings) -> Iterator[ServerHandle]:
    """The API under uvicorn on a loopback port, in a thread (its own event loop)."""
    with shared.api_in_thread(settings, startup_timeout_s=20.0) as api:
        yield api


@asynccontextmanager
async def running_stack(
    env: WorkflowEnvironment,
    engine: AsyncEngine,
    database_url: str,
    *,
    name: str,
    time_scale: int = TIME_SCALE,
    partner_timeout_s: float = 2.0,
) -> AsyncIterator[ApiStack]:
    """The shared stack (`nara.testing.stack`) on a task queue of its own, the API in a
    thread, the worker on the suite's engine."""
    async with shared.running_stack(
        env.client,
        database_url,
        task_queue=new_queue(name),
        time_scale=time_scale,
        engine=engine,
        api="thread",
        partner_timeout_s=partner_timeout_s,
        DB_POOL_SIZE=DB_POOL_SIZE,
        CRL_MAX_AGE_S=CRL_MAX_AGE_S,
    ) as stack:
        yield stack


@dataclass
class Cast:
    """An agency with its officer and inspector, and businesses each with one agent."""

    agency_code: str
    officer: str
    inspector: str
    agency_account: str
    businesses: list[str] = field(default_factory=list)
    agents: dict[str, str] = field(default_factory=dict)


def keyring(stack: ApiStack) -> Keyring:
    """The stack's people's keys, certificates and sessions."""
    if stack.api_url not in _keyrings:
        _keyrings[stack.api_url] = stack.keyring()
    return _keyrings[stack.api_url]


async def login(
    http: httpx.AsyncClient, stack: ApiStack, person: str, *, business_no: str | None = None
) -> dict[str, str]:
    """Log `person` in as they would (a certificate from the stack's CA on first use, a
    signed challenge); their `Authorization` header, also `as_(person)` from now on."""
    session = await keyring(stack).login(http, person, business_no=business_no)
    _headers[person] = session.headers
    return session.headers


def as_(person: str) -> dict[str, str]:
    """The `Authorization: Bearer` header of `person`'s session (`login` first)."""
    try:
        return _headers[person]
    except KeyError:
        raise KeyError(f"{person} has not logged in: await login(http, stack, person)") from None


async def operator(http: httpx.AsyncClient, stack: ApiStack) -> dict[str, str]:
    """The stack operator's header, logging them in the first time."""
    return _headers.get(stack.operator) or await login(http, stack, stack.operator)


async def person(
    http: httpx.AsyncClient,
    stack: ApiStack,
    role: str,
    *,
    agency_code: str | None = None,
    person_id: str | None = None,
) -> str:
    """A new person with `role`, registered by the operator and logged in; their id."""
    person_id = person_id or f"{role}-{uuid.uuid4().hex[:8]}"
    body: dict[str, Any] = {"id": person_id, "name": person_id, "role": role}
    if agency_code:
        body["agency_code"] = agency_code
    await ok(await http.post("/people", json=body, headers=await operator(http, stack)))
    await login(http, stack, person_id)
    return person_id


async def ok(response: httpx.Response, *statuses: int) -> Any:
    """The JSON body, after checking the status (the problem is shown when it fails)."""
    expected = statuses or (200, 201)
    assert response.status_code in expected, (response.status_code, response.text)
    return response.json()


async def register(
    http: httpx.AsyncClient,
    stack: ApiStack,
    *,
    businesses: int = 3,
    kind: str = "national",
    bank_accounts: bool = True,
) -> Cast:
    """Register an agency, its officer and inspector, and businesses with agents and accounts."""
    tag = uuid.uuid4().hex[:8]
    cast = Cast(
        agency_code=f"A{tag}",
        officer=f"officer-{tag}",
        inspector=f"inspector-{tag}",
        agency_account=f"AG-{tag}",
    )
    op = await operator(http, stack)
    await ok(
        await http.post(
            "/agencies",
            headers=op,
            json={
                "code": cast.agency_code,
                "name": f"Agency {tag}",
                "kind": kind,
                "account_no": cast.agency_account,
            },
        )
    )
    for someone, role in ((cast.officer, "officer"), (cast.inspector, "inspector")):
        await person(http, stack, role, agency_code=cast.agency_code, person_id=someone)
    # opening accounts is an admin route of the bank simulator
    async with httpx.AsyncClient(
        base_url=stack.bank_url, headers=stack.simulator_admin_headers
    ) as bank:
        await ok(
            await bank.post(
                "/accounts",
                json={
                    "account_no": cast.agency_account,
                    "holder": cast.agency_code,
                    "balance": 10**13,
                },
            )
        )
        for i in range(businesses):
            no = business_no()
            agent = f"agent-{tag}-{i}"
            account = f"BZ-{tag}-{i}"
            await ok(
                await http.post(
                    "/businesses",
                    headers=op,
                    json={"business_no": no, "name": f"Business {tag} {i}", "account_no": account},
                )
            )
            await ok(
                await http.post(
                    "/people", headers=op, json={"id": agent, "name": agent, "role": "supplier"}
                )
            )
            await ok(
                await http.post(f"/businesses/{no}/agents", headers=op, json={"person_id": agent})
            )
            await login(http, stack, agent, business_no=no)
            await keyring(stack).enrol_passkey(http, agent)
            if bank_accounts:
                await ok(
                    await bank.post(
                        "/accounts", json={"account_no": account, "holder": no, "balance": 0}
                    )
                )
            cast.businesses.append(no)
            cast.agents[no] = agent
    return cast


def tender_body(
    *,
    notice_s: float = NOTICE_S,
    category: str = "goods",
    estimated_price: int = 100_000_000,
    title: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    now = datetime.now().astimezone()
    deadline = now + timedelta(seconds=notice_s)
    return {
        "title": title or f"Office chairs {uuid.uuid4().hex[:6]}",
        "category": category,
        "method": "general",
        "estimated_price": estimated_price,
        "deadline": deadline.isoformat(),
        "opening_at": (deadline + timedelta(seconds=1)).isoformat(),
        **extra,
    }


async def announce(http: httpx.AsyncClient, cast: Cast, **kwargs: Any) -> dict[str, Any]:
    body = await ok(
        await http.post("/tenders", json=tender_body(**kwargs), headers=as_(cast.officer)), 201
    )
    return body


async def wait_for(
    http: httpx.AsyncClient, notice_no: str, *phases: str, timeout_s: float = 30.0
) -> dict[str, Any]:
    """Poll GET /tenders/{n} until the live phase is one of `phases`."""
    last: dict[str, Any] = {}

    async def reached() -> dict[str, Any] | None:
        nonlocal last
        last = await ok(await http.get(f"/tenders/{notice_no}"), 200)
        live = last.get("live") or {}
        return last if live.get("phase") in phases else None

    found: dict[str, Any] = await eventually(
        reached,
        timeout_s=timeout_s,
        every_s=0.1,
        what=lambda: f"{notice_no} reaching {phases} (last: {last})",
    )
    return found


async def issue_guarantee(
    stack: ApiStack, *, kind: str, reference: str, business: str, amount: int, agency_code: str
) -> str:
    async with httpx.AsyncClient(base_url=stack.guarantee_url) as agency:
        body = await ok(
            await agency.post(
                "/guarantees",
                json={
                    "kind": kind,
                    "reference": reference,
                    "business_no": business,
                    "amount": amount,
                    "beneficiary": agency_code,
                },
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
        )
    return str(body["certificate_no"])


async def bid_body(
    http: httpx.AsyncClient,
    stack: ApiStack,
    cast: Cast,
    notice_no: str,
    business: str,
    price: int,
    picks: tuple[int, int] = (3, 9),
    client_key: str | None = None,
) -> dict[str, Any]:
    """Issue a bid guarantee at the agency simulator and make the bid as the bidder client
    does: sealed to the tender's key (GET .../sealing-key), signed with the agent's
    certificate key and confirmed with their passkey."""
    cert = await issue_guarantee(
        stack,
        kind="bid",
        reference=NoticeNo.parse(notice_no).base,
        business=business,
        amount=price // 20 + 1,
        agency_code=cast.agency_code,
    )
    decided = {
        "business_no": business,
        "price": price,
        "reserve_picks": list(picks),
        "bid_guarantee_cert": cert,
        "client_key": client_key or uuid.uuid4().hex,
    }
    return await keyring(stack).bid_body(http, cast.agents[business], notice_no, decided)


async def send_bid(
    http: httpx.AsyncClient, stack: ApiStack, notice_no: str, body: dict[str, Any], agent: str
) -> httpx.Response:
    """POST the bid body as `agent`; an accepted bid's receipt is checked as the bidder
    client checks it (signed by a published server key, naming this bid)."""
    response = await http.post(f"/tenders/{notice_no}/bids", json=body, headers=as_(agent))
    if response.is_success:
        if stack.api_url not in _server_keys:
            _server_keys[stack.api_url] = await fetch_server_keys(http)
        check_receipt(
            response.json(),
            _server_keys[stack.api_url],
            notice_no=notice_no,
            bid_sha256=body_sha256(body, notice_no),
        )
    return response


async def bid(
    http: httpx.AsyncClient,
    stack: ApiStack,
    cast: Cast,
    notice_no: str,
    business: str,
    price: int,
    picks: tuple[int, int] = (3, 9),
    client_key: str | None = None,
) -> httpx.Response:
    """Make the bid (`bid_body`) and submit it as the business's agent (`send_bid`)."""
    body = await bid_body(http, stack, cast, notice_no, business, price, picks, client_key)
    return await send_bid(http, stack, notice_no, body, cast.agents[business])


async def contracted(
    http: httpx.AsyncClient, stack: ApiStack, cast: Cast, *, price: int = 88_000_000
) -> tuple[str, str, str]:
    """Announce, bid, review, award, guarantee and sign: (notice no, contract no, winner)."""
    winner, second = cast.businesses[:2]
    notice = (await announce(http, cast, estimated_price=100_000_000))["notice_no"]
    await wait_for(http, notice, "bidding")
    await ok(await bid(http, stack, cast, notice, winner, price, (1, 8)), 201)
    await ok(await bid(http, stack, cast, notice, second, price + 3_000_000, (8, 15)), 201)
    await wait_for(http, notice, "evaluating")
    officer = as_(cast.officer)
    review = {"business_no": winner, "capability_score": 70}
    assert (await ok(await http.post(f"/tenders/{notice}/review", headers=officer, json=review)))[
        "passed"
    ]
    award = await ok(
        await http.post(f"/tenders/{notice}/award", headers=officer, json={"business_no": winner})
    )
    contract_no = (await wait_for(http, notice, "awarded"))["live"]["contract_no"]
    cert = await issue_guarantee(
        stack,
        kind="performance",
        reference=contract_no,
        business=winner,
        amount=award["performance_guarantee_min"],
        agency_code=cast.agency_code,
    )
    agent = as_(cast.agents[winner])
    await ok(
        await http.post(
            f"/tenders/{notice}/performance-guarantee",
            headers=agent,
            json={"business_no": winner, "certificate_no": cert},
        )
    )
    await ok(
        await http.post(f"/tenders/{notice}/sign", headers=agent, json={"business_no": winner})
    )
    await ok(await http.post(f"/tenders/{notice}/sign", headers=officer, json={}))
    await wait_for(http, notice, "contracted")
    return notice, contract_no, winner


async def footprint(engine: AsyncEngine) -> dict[str, Any]:
    """Every table's row count and the newest audit entry: what a refused request must
    leave as it found it. The audit log's tree (nodes, tree heads, the sequencer's state)
    is left out: the sequencer extends it in the background from entries already written."""
    async with engine.connect() as conn:
        names = (
            await conn.execute(
                text(
                    "select tablename from pg_tables where schemaname = 'public' "
                    "and tablename not in ('alembic_version', 'audit_node', "
                    "'audit_tree_head', 'audit_log_state') order by 1"
                )
            )
        ).scalars()
        counts = " union all ".join(f"select '{n}', count(*) from \"{n}\"" for n in names)
        found: dict[str, Any] = {row[0]: row[1] for row in await conn.execute(text(counts))}
        found["last audit entry"] = await conn.scalar(text("select max(id) from audit_event"))
    return found
