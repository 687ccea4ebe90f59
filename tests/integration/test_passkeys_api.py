"""Passkeys through the API, made by the software authenticator: enrolment, the fingerprint
on every bid, passkey login; and every bad input refused, naming what, with nothing
stored."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from nara.partners.ca import CertificateAuthorityClient
from nara.store.identity_tables import AuthSession
from nara.store.passkey_tables import Passkey
from nara.store.tables import Bid, Tender
from nara.wallet.bidder import sealed_bid
from nara.wallet.passkey_api import PasskeyFailed, enrol_passkey, passkey_login
from nara.wallet.passkeys import SoftwareAuthenticator
from tests.integration.support import (
    ApiStack,
    Cast,
    announce,
    as_,
    bid,
    issue_guarantee,
    keyring,
    ok,
    person,
    register,
    send_bid,
    sessions,
    wait_for,
)
from tests.support import eventually


@pytest.fixture
async def http(stack: ApiStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        yield client


def _refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["detail"] and body["fix"], body
    return body


async def _bids_on(stack: ApiStack, notice: str) -> list[Bid]:
    async with sessions(stack.engine)() as s:
        rows = await s.scalars(
            select(Bid).join(Tender, Tender.id == Bid.tender_id).where(Tender.notice_no == notice)
        )
        return list(rows)


async def _counter(stack: ApiStack, credential_id: str) -> int:
    async with sessions(stack.engine)() as s:
        count = await s.scalar(
            select(Passkey.sign_count).where(Passkey.credential_id == credential_id)
        )
    return int(count if count is not None else -1)


async def _decided(stack: ApiStack, cast: Cast, notice: str, business: str) -> dict[str, Any]:
    """What an agent decided to bid (before the bidder client seals and signs it)."""
    from nara.domain.identifiers import NoticeNo

    cert = await issue_guarantee(
        stack,
        kind="bid",
        reference=NoticeNo.parse(notice).base,
        business=business,
        amount=5_000_000,
        agency_code=cast.agency_code,
    )
    return {
        "business_no": business,
        "price": 91_000_000,
        "reserve_picks": [4, 12],
        "bid_guarantee_cert": cert,
        "client_key": uuid.uuid4().hex,
    }


async def _bidding(http: httpx.AsyncClient, stack: ApiStack, businesses: int) -> tuple[Cast, str]:
    cast = await register(http, stack, businesses=businesses)
    notice = (await announce(http, cast, notice_s=30.0))["notice_no"]
    await wait_for(http, notice, "bidding")
    return cast, notice


async def test_a_bid_confirmed_by_the_agents_passkey_records_it(
    stack: ApiStack, http: httpx.AsyncClient
) -> None:
    cast, notice = await _bidding(http, stack, 1)
    (business,) = cast.businesses
    agent = cast.agents[business]
    (mine,) = await ok(await http.get("/passkeys", headers=as_(agent)))
    assert mine["sign_count"] == 0 and mine["last_used_at"] is None

    created = await ok(await bid(http, stack, cast, notice, business, 90_000_000), 201)
    assert created["passkey_credential_id"] == mine["credential_id"]
    (row,) = await _bids_on(stack, notice)
    assert row.passkey_credential_id == mine["credential_id"]
    assert await _counter(stack, mine["credential_id"]) == 1

    # A second bid of the business passes the passkey (counter 2) but is refused under
    # the locks: the counter goes back with everything else.
    second = await bid(http, stack, cast, notice, business, 89_000_000)
    assert _refused(second, 409, "duplicate-bid")
    assert await _counter(stack, mine["credential_id"]) == 1
    assert len(await _bids_on(stack, notice)) == 1


async def test_a_bid_without_a_good_assertion_is_refused_and_nothing_is_stored(
    stack: ApiStack, http: httpx.AsyncClient
) -> None:
    cast, notice = await _bidding(http, stack, 2)
    business, other = cast.businesses
    agent, other_agent = cast.agents[business], cast.agents[other]
    ring = keyring(stack)
    device = ring.authenticators[agent]
    credential, other_credential = ring.credentials[agent], ring.credentials[other_agent]
    origin = stack.settings.webauthn_origin
    tender_key = await ring.tender_key(http, notice)
    decided = await _decided(stack, cast, notice, business)
    url = f"/tenders/{notice}/bids"

    def made(
        bid: dict[str, Any], by: Any = credential, on: Any = device, at: str = origin
    ) -> dict[str, Any]:
        """The bid sealed and signed with `by`'s key, confirmed on `on` (None: not at all)."""
        return sealed_bid(by, on, tender_key, bid, origin=at)

    async def refused(json: dict[str, Any], reason: str, headers: Any = None) -> dict[str, Any]:
        problem = _refused(
            await http.post(url, json=json, headers=headers or as_(agent)), 403, "passkey-refused"
        )
        assert (problem["field"], problem["reason"]) == ("passkey_assertion", reason), problem
        return problem

    problem = await refused(made(decided, on=None), "missing")
    assert "SHA-256 of the bid document" in problem["fix"]

    # Confirmed for a price of 91 million, sent (signed) with another price, other picks,
    # another client key: the assertion is over another document.
    signed = made(decided)
    confirmation = {"passkey_assertion": signed["passkey_assertion"]}
    for changed in ({"price": 89_000_000}, {"reserve_picks": [4, 13]}, {"client_key": "k" * 9}):
        await refused({**made({**decided, **changed}, on=None), **confirmation}, "wrong-document")

    # Made on another origin (a look-alike site relaying the bid).
    phished = made(decided, at="https://nara-g2b.example")
    problem = await refused(phished, "wrong-origin")
    assert "https://nara-g2b.example" in problem["detail"]

    # The other business's agent bids with this agent's passkey (a lent authenticator).
    theirs = await _decided(stack, cast, notice, other)
    await refused(made(theirs, by=other_credential), "not-yours", as_(other_agent))

    # Garbage where the assertion goes.
    broken = {**signed, "passkey_assertion": {**signed["passkey_assertion"], "rawId": "AAAA"}}
    await refused(broken, "malformed")
    bad = await http.post(
        url, json={**signed, "passkey_assertion": {"id": "x"}}, headers=as_(agent)
    )
    assert bad.status_code == 422 and bad.json()["field"].startswith("passkey_assertion")

    assert await _bids_on(stack, notice) == []
    (mine,) = await ok(await http.get("/passkeys", headers=as_(agent)))
    assert mine["sign_count"] == 0  # no refused bid moved the counter

    # The agent's own fingerprint over the same bid is accepted.
    created = await ok(await send_bid(http, stack, notice, made(decided), agent), 201)
    assert created["passkey_credential_id"] == mine["credential_id"]


async def test_a_replayed_or_cloned_assertion_is_refused(
    stack: ApiStack, http: httpx.AsyncClient
) -> None:
    cast, notice = await _bidding(http, stack, 1)
    second = (await announce(http, cast, notice_s=30.0))["notice_no"]
    await wait_for(http, second, "bidding")
    (business,) = cast.businesses
    agent = cast.agents[business]
    ring = keyring(stack)
    device, credential = ring.authenticators[agent], ring.credentials[agent]
    origin = stack.settings.webauthn_origin

    clone = SoftwareAuthenticator()
    clone.adopt(device.credentials[0])  # a copy of the authenticator, counter and all
    first = sealed_bid(
        credential,
        device,
        await ring.tender_key(http, notice),
        await _decided(stack, cast, notice, business),
        origin=origin,
    )
    copied = sealed_bid(
        credential,
        clone,
        await ring.tender_key(http, second),
        await _decided(stack, cast, second, business),
        origin=origin,
    )
    await ok(await http.post(f"/tenders/{notice}/bids", json=first, headers=as_(agent)), 201)
    problem = _refused(
        await http.post(f"/tenders/{second}/bids", json=copied, headers=as_(agent)),
        403,
        "passkey-refused",
    )
    assert problem["reason"] == "replayed-sign-count" and "copied" in problem["detail"]
    assert await _bids_on(stack, second) == []


async def test_one_credential_is_one_persons(stack: ApiStack, http: httpx.AsyncClient) -> None:
    cast = await register(http, stack, businesses=2)
    owner, broker = cast.agents[cast.businesses[0]], cast.agents[cast.businesses[1]]
    device = keyring(stack).authenticators[owner]
    credential_id = device.credentials[0].credential_id
    origin = stack.settings.webauthn_origin

    async def offer(person_id: str) -> httpx.Response:
        options = await ok(
            await http.post("/passkeys/registration/options", headers=as_(person_id)), 201
        )
        answer = device.create(options["public_key"], origin=origin, reuse=credential_id)
        return await http.post(
            "/passkeys/registration",
            headers=as_(person_id),
            json={"challenge_id": options["challenge_id"], "credential": answer},
        )

    taken = _refused(await offer(broker), 403, "credential-taken")
    assert taken["rule"] == "one-passkey-one-person" and taken["field"] == "credential"
    assert len(await ok(await http.get("/passkeys", headers=as_(broker)))) == 1  # their own
    twice = _refused(await offer(owner), 403, "passkey-refused")
    assert twice["reason"] == "already-enrolled"

    options = await ok(await http.post("/passkeys/registration/options", headers=as_(owner)), 201)
    answer = SoftwareAuthenticator().create(options["public_key"], origin="https://nara.example")
    elsewhere = await http.post(
        "/passkeys/registration",
        headers=as_(owner),
        json={"challenge_id": options["challenge_id"], "credential": answer},
    )
    assert _refused(elsewhere, 403, "passkey-refused")["reason"] == "wrong-origin"
    again = await http.post(
        "/passkeys/registration",
        headers=as_(owner),
        json={"challenge_id": options["challenge_id"], "credential": answer},
    )
    assert _refused(again, 403, "passkey-refused")["reason"] == "challenge-used"
    assert len(await ok(await http.get("/passkeys", headers=as_(owner)))) == 1


async def test_a_passkey_logs_in_on_its_certificate_until_removed_or_revoked(
    stack: ApiStack, http: httpx.AsyncClient
) -> None:
    origin = stack.settings.webauthn_origin
    someone = await person(http, stack, "auditor")
    device = SoftwareAuthenticator()
    enrolled = await enrol_passkey(http, as_(someone), device, origin=origin)

    session = await passkey_login(http, device, origin=origin)
    assert session.person_id == someone and session.role == "auditor"
    me = await ok(await http.get("/auth/whoami", headers=session.headers))
    certificate = keyring(stack).credentials[someone]
    assert me["certificate_fingerprint"] == certificate.fingerprint
    async with sessions(stack.engine)() as s:
        row = await s.scalar(
            select(AuthSession).where(
                AuthSession.person_id == someone, AuthSession.method == "passkey"
            )
        )
    assert row is not None and str(row.passkey_id) == enrolled["id"]

    # A passkey session cannot enrol more passkeys.
    refused = await http.post("/passkeys/registration/options", headers=session.headers)
    options = await ok(refused, 201)
    answer = SoftwareAuthenticator().create(options["public_key"], origin=origin)
    more = await http.post(
        "/passkeys/registration",
        headers=session.headers,
        json={"challenge_id": options["challenge_id"], "credential": answer},
    )
    assert _refused(more, 403, "passkey-refused")["reason"] == "needs-certificate-login"

    # A login challenge logs in once; an answer to another challenge is refused.
    options = await ok(await http.post("/auth/passkey/options"), 201)
    assert options["public_key"]["allowCredentials"] == []  # names nobody
    assertion = device.get(options["public_key"], origin=origin)
    await ok(
        await http.post(
            "/auth/passkey", json={"challenge_id": options["challenge_id"], "assertion": assertion}
        ),
        201,
    )
    replayed = await http.post(
        "/auth/passkey", json={"challenge_id": options["challenge_id"], "assertion": assertion}
    )
    assert _refused(replayed, 401, "passkey-login-refused")["reason"] == "challenge-used"
    fresh = await ok(await http.post("/auth/passkey/options"), 201)
    stale = await http.post(
        "/auth/passkey", json={"challenge_id": fresh["challenge_id"], "assertion": assertion}
    )
    assert _refused(stale, 401, "passkey-login-refused")["reason"] == "wrong-document"
    fresh = await ok(await http.post("/auth/passkey/options"), 201)
    phished = device.get(fresh["public_key"], origin="https://nara.example")
    wrong = await http.post(
        "/auth/passkey", json={"challenge_id": fresh["challenge_id"], "assertion": phished}
    )
    assert _refused(wrong, 401, "passkey-login-refused")["reason"] == "wrong-origin"

    # Removing the passkey ends the sessions it opened, and it logs in no more.
    await ok(await http.delete(f"/passkeys/{enrolled['id']}", headers=as_(someone)))
    ended = _refused(await http.get("/auth/whoami", headers=session.headers), 401, "session-ended")
    assert ended["reason"] == "passkey-removed"
    with pytest.raises(PasskeyFailed) as caught:
        await passkey_login(http, device, origin=origin)
    assert (caught.value.status, caught.value.reason) == (401, "unknown-credential")
    assert await ok(await http.get("/passkeys", headers=as_(someone))) == []
    gone = await http.delete(f"/passkeys/{enrolled['id']}", headers=as_(someone))
    _refused(gone, 404, "not-found")

    # A revoked certificate takes its passkeys' logins with it.
    device = SoftwareAuthenticator()
    await enrol_passkey(http, as_(someone), device, origin=origin)
    await passkey_login(http, device, origin=origin)
    ca = CertificateAuthorityClient(stack.ca_url, admin_token=stack.simulator_admin_token)
    try:
        await ca.revoke(certificate.serial)
    finally:
        await ca.aclose()

    async def refused_as_revoked() -> dict[str, Any] | None:
        try:
            await passkey_login(http, device, origin=origin)
        except PasskeyFailed as failed:
            return failed.problem if failed.reason == "revoked" else None
        return None

    problem = await eventually(refused_as_revoked, timeout_s=10, what="the CRL listing it")
    assert problem["code"] == "certificate-refused"


async def test_passkey_routes_need_a_session(stack: ApiStack, http: httpx.AsyncClient) -> None:
    for method, path in (
        ("POST", "/passkeys/registration/options"),
        ("POST", "/passkeys/registration"),
        ("GET", "/passkeys"),
        ("DELETE", f"/passkeys/{uuid.uuid4()}"),
    ):
        response = await http.request(method, path, json={})
        assert _refused(response, 401, "unauthenticated")["field"] == "Authorization", path


async def test_the_same_signed_bid_sent_twice_at_once_is_one_bid(
    stack: ApiStack, http: httpx.AsyncClient
) -> None:
    """A client retrying at once sends the same bytes, assertion and all: the second copy
    answers the first bid (200), never a refusal of its already-used counter."""
    cast, notice = await _bidding(http, stack, 1)
    (business,) = cast.businesses
    agent = cast.agents[business]
    body = await keyring(stack).bid_body(
        http, agent, notice, await _decided(stack, cast, notice, business)
    )
    statuses: list[int] = []
    for _ in range(8):
        copies = await asyncio.gather(
            *(http.post(f"/tenders/{notice}/bids", json=body, headers=as_(agent)) for _ in range(3))
        )
        statuses += [r.status_code for r in copies]
        assert {r.status_code for r in copies} <= {200, 201}, [r.text for r in copies]
        assert len({r.json()["id"] for r in copies}) == 1
    assert sorted(statuses) == [200] * 23 + [201]
    assert len(await _bids_on(stack, notice)) == 1
