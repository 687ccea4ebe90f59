"""No lent certificates, through the public API on the real stack: a bid from a person who
is no agent of the business, and a competing second bid by one agent, are refused with a
clear answer and store nothing (also when the two bids race); every bid records its
passkey, certificate and client address (the connection's peer, not X-Forwarded-For);
the opening flags competing bids that share one, and `GET /tenders/{n}/signals` shows
them to the agency's officers and auditors only."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import select, update

from nara.store.tables import Bid, Tender
from nara.wallet.bidder import sealed_bid
from nara.wallet.login import enrol
from nara.wallet.passkey_api import enrol_passkey
from nara.wallet.passkeys import SoftwareAuthenticator
from tests.integration.support import (
    ApiStack,
    Cast,
    announce,
    api_settings,
    as_,
    bid,
    footprint,
    keyring,
    login,
    ok,
    operator,
    person,
    register,
    send_bid,
    serve_api,
    sessions,
    wait_for,
)


async def _bids_of(stack: ApiStack, notice: str) -> list[Bid]:
    async with sessions(stack.engine)() as s:
        return list(
            (
                await s.execute(
                    select(Bid)
                    .join(Tender, Tender.id == Bid.tender_id)
                    .where(Tender.notice_no == notice)
                    .order_by(Bid.submitted_at)
                )
            ).scalars()
        )


async def _also_agent(http: httpx.AsyncClient, stack: ApiStack, agent: str, business: str) -> None:
    """An operator registers `agent` as an agent of `business` too."""
    await ok(
        await http.post(
            f"/businesses/{business}/agents",
            headers=await operator(http, stack),
            json={"person_id": agent},
        )
    )


async def _personal_certificate(http: httpx.AsyncClient, stack: ApiStack, agent: str) -> None:
    """Log `agent` in with a personal certificate (bound to no business), which signs bids
    for any business they are an agent of; their business-use one signs for its own only."""
    ring = keyring(stack)
    ring.credentials[agent] = await enrol(ring.ca, agent)
    await login(http, stack, agent)


async def _signed(
    http: httpx.AsyncClient, stack: ApiStack, cast: Cast, notice: str, business: str, agent: str
) -> httpx.Response:
    """A bid for `business` sealed, signed and confirmed with their passkey by `agent`."""
    return await send_bid(
        http,
        stack,
        notice,
        await keyring(stack).bid_body(http, agent, notice, _body(business)),
        agent,
    )


def _body(business: str) -> dict[str, Any]:
    return {
        "business_no": business,
        "price": 90_000_000,
        "reserve_picks": [2, 7],
        "bid_guarantee_cert": None,
        "client_key": uuid.uuid4().hex,
    }


async def test_a_bid_from_a_person_who_is_not_the_business_agent_is_refused(
    stack: ApiStack,
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        cast = await register(http, stack, businesses=2)
        mine, theirs = cast.businesses
        notice = (await announce(http, cast, notice_s=60))["notice_no"]
        await wait_for(http, notice, "bidding")
        before = await footprint(stack.engine)

        refused = await _signed(http, stack, cast, notice, theirs, cast.agents[mine])

        assert refused.status_code == 403, refused.text
        problem = refused.json()
        assert (problem["code"], problem["missing"], problem["field"]) == (
            "forbidden",
            "agent",
            "business_no",
        )
        assert f"is not an agent of business {theirs}" in problem["detail"]
        assert await footprint(stack.engine) == before
        assert await _bids_of(stack, notice) == []


async def test_a_competing_second_bid_by_the_same_agent_is_refused_naming_the_rule(
    stack: ApiStack,
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        cast = await register(http, stack, businesses=3)
        first, second, third = cast.businesses
        broker = cast.agents[first]
        await _also_agent(http, stack, broker, second)
        await _also_agent(http, stack, broker, third)
        notice = (await announce(http, cast, notice_s=60))["notice_no"]
        await wait_for(http, notice, "bidding")
        await ok(await _signed(http, stack, cast, notice, first, broker), 201)
        before = await footprint(stack.engine)

        # The business-use certificate of `first` signs no bid of another business.
        lent = await _signed(http, stack, cast, notice, second, broker)
        assert lent.status_code == 403, lent.text
        assert (lent.json()["code"], lent.json()["reason"]) == (
            "signature-refused",
            "other-business",
        )
        assert await footprint(stack.engine) == before

        # With a personal certificate the signature is the broker's own: the rule refuses.
        await _personal_certificate(http, stack, broker)
        before = await footprint(stack.engine)

        refused = await _signed(http, stack, cast, notice, second, broker)

        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert (problem["code"], problem["rule"], problem["field"], problem["value"]) == (
            "rule-violation",
            "one-bidder-per-agent",
            "business_no",
            second,
        )
        assert f"{broker} sent a bid for business {first}" in problem["detail"]
        assert problem["fix"]
        assert await footprint(stack.engine) == before

        # A business the broker represents bid through its own agent: the broker may not
        # bid against it either (and learns nothing they could not see as its agent).
        other = await register(http, stack, businesses=1)
        rival = other.businesses[0]
        await _also_agent(http, stack, other.agents[rival], first)
        notice = (await announce(http, cast, notice_s=60))["notice_no"]
        await wait_for(http, notice, "bidding")
        await ok(await _signed(http, stack, cast, notice, third, cast.agents[third]), 201)
        await _also_agent(http, stack, other.agents[rival], third)
        refused = await _signed(http, stack, cast, notice, rival, other.agents[rival])
        assert refused.status_code == 422, refused.text
        assert refused.json()["rule"] == "one-bidder-per-agent"
        assert f"is an agent of business {third}" in refused.json()["detail"]
        assert [b.business_no for b in await _bids_of(stack, notice)] == [third]


async def test_two_competing_bids_sent_at_once_by_one_agent_are_not_both_taken(
    stack: ApiStack,
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        cast = await register(http, stack, businesses=2)
        first, second = cast.businesses
        broker = cast.agents[first]
        await _also_agent(http, stack, broker, second)
        await _personal_certificate(http, stack, broker)
        # A second passkey of the broker's: the two bids do not wait for one counter, so
        # only the rule can stop the second.
        device = SoftwareAuthenticator()
        origin = stack.settings.webauthn_origin
        await enrol_passkey(http, as_(broker), device, origin=origin)
        notice = (await announce(http, cast, notice_s=60))["notice_no"]
        await wait_for(http, notice, "bidding")
        ring = keyring(stack)
        other = sealed_bid(
            ring.credentials[broker],
            device,
            await ring.tender_key(http, notice),
            _body(second),
            origin=origin,
        )

        answers = await asyncio.gather(
            _signed(http, stack, cast, notice, first, broker),
            send_bid(http, stack, notice, other, broker),
        )

        assert sorted(a.status_code for a in answers) == [201, 422], [a.text for a in answers]
        assert len(await _bids_of(stack, notice)) == 1


async def _bid_from(
    stack: ApiStack, cast: Cast, notice: str, business: str, address: str, **headers: str
) -> httpx.Response:
    """A bid sent from the loopback address `address` (the connection's own)."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=60, transport=transport, headers=headers
    ) as http:
        return await bid(http, stack, cast, notice, business, 90_000_000)


async def test_a_bid_records_its_credentials_and_the_connections_address(
    stack: ApiStack,
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        cast = await register(http, stack, businesses=2)
        first, second = cast.businesses
        notice = (await announce(http, cast, notice_s=60))["notice_no"]
        await wait_for(http, notice, "bidding")
        forged = {"X-Forwarded-For": "203.0.113.9"}
        await ok(await _bid_from(stack, cast, notice, first, "127.0.0.2", **forged), 201)
        passkeys = await ok(await http.get("/passkeys", headers=as_(cast.agents[first])))
        whoami = await ok(await http.get("/auth/whoami", headers=as_(cast.agents[first])))
        (recorded,) = await _bids_of(stack, notice)
        assert recorded.client_address == "127.0.0.2"  # not the header's
        assert recorded.certificate_fingerprint == whoami["certificate_fingerprint"]
        assert recorded.certificate_serial == whoami["certificate_serial"]
        assert recorded.passkey_credential_id == passkeys[0]["credential_id"]

        # Behind a proxy the API is told to trust, the header names the client.
        settings = api_settings(stack, TRUSTED_PROXIES="127.0.0.0/8")
        with serve_api(settings) as proxied:
            transport = httpx.AsyncHTTPTransport(local_address="127.0.0.3")
            async with httpx.AsyncClient(
                base_url=proxied.url, timeout=60, transport=transport, headers=forged
            ) as behind:
                await ok(await bid(behind, stack, cast, notice, second, 91_000_000), 201)
        assert [b.client_address for b in await _bids_of(stack, notice)] == [
            "127.0.0.2",
            "203.0.113.9",
        ]


async def test_the_opening_flags_shared_credentials_and_addresses_for_the_agency(
    stack: ApiStack,
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        cast = await register(http, stack, businesses=3)
        rival = await register(http, stack, businesses=1)
        auditor = await person(http, stack, "auditor")
        a, b, c = cast.businesses
        notice = (await announce(http, cast))["notice_no"]
        await wait_for(http, notice, "bidding")
        await ok(await _bid_from(stack, cast, notice, a, "127.0.0.2"), 201)
        await ok(await _bid_from(stack, cast, notice, b, "127.0.0.3"), 201)
        await ok(await _bid_from(stack, cast, notice, c, "127.0.0.3"), 201)
        sealed = await ok(await http.get(f"/tenders/{notice}/signals", headers=as_(cast.officer)))
        assert (sealed["opened_at"], sealed["signals"]) == (None, [])
        # The API refuses to make bids that share a passkey or a certificate (one
        # credential, one person; one bidder per agent): rows from before those rules may.
        recorded = {x.business_no: x for x in await _bids_of(stack, notice)}
        async with sessions(stack.engine)() as s:
            for business, column, source in (
                (b, Bid.passkey_credential_id, recorded[a].passkey_credential_id),
                (c, Bid.certificate_fingerprint, recorded[a].certificate_fingerprint),
            ):
                await s.execute(
                    update(Bid).where(Bid.id == recorded[business].id).values({column: source})
                )
            await s.commit()

        await wait_for(http, notice, "evaluating")

        expected: list[dict[str, Any]] = [
            {"trace": "passkey", "business_nos": sorted([a, b])},
            {"trace": "certificate", "business_nos": sorted([a, c])},
            {"trace": "address", "value": "127.0.0.3", "business_nos": sorted([b, c])},
        ]
        for reader in (cast.officer, auditor):
            report = await ok(await http.get(f"/tenders/{notice}/signals", headers=as_(reader)))
            assert report["opened_at"] is not None
            got = report["signals"]
            assert [{k: s[k] for k in e} for s, e in zip(got, expected, strict=True)] == expected
            assert got[0]["value"] == recorded[a].passkey_credential_id
            assert got[1]["value"] == recorded[a].certificate_fingerprint
            assert got[2]["text"] == "address 127.0.0.3 sent bids for 2 competing businesses"
        events = await ok(
            await http.get(
                "/audit/events", headers=as_(auditor), params={"entity": f"tender:{notice}"}
            )
        )
        raised = [e["payload"] for e in events["items"] if e["action"] == "signal-raised"]
        assert [(p["trace"], p["business_nos"]) for p in raised] == [
            (e["trace"], e["business_nos"]) for e in expected
        ]
        (opened,) = [e["payload"] for e in events["items"] if e["action"] == "bids-opened"]
        assert len(opened["flags"]) == 3

        for who, status in (
            (rival.officer, 403),
            (cast.agents[a], 403),
            (cast.inspector, 403),
            (stack.operator, 403),
            (None, 401),
        ):
            refused = await http.get(f"/tenders/{notice}/signals", headers=as_(who) if who else {})
            assert refused.status_code == status, (who, refused.text)
