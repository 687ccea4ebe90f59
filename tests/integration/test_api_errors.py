"""What users see when something is wrong: problem JSON that names the field, the phase,
the deadline and the server time; and nothing half-written when a request fails."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from nara.domain.sealing import KeyPair, key_id
from nara.store.tables import AuditEvent, Bid, Tender
from nara.wallet.bidder import BidFailed, TenderKey
from tests.integration.support import (
    ApiStack,
    announce,
    api_settings,
    as_,
    bid,
    bid_body,
    keyring,
    ok,
    operator,
    person,
    register,
    send_bid,
    serve_api,
    sessions,
    tender_body,
    wait_for,
)
from tests.support import eventually

FAKE_NOTICE = "20269999999-00"


def _made_up_key(notice_no: str) -> TenderKey:
    """A key no tender has (what a client would seal to without fetching the tender's)."""
    public_key = KeyPair.generate().public_key
    return TenderKey(notice_no, key_id(public_key), public_key, reserve_commitment="0" * 64)


def _problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code and body["type"] == f"urn:nara:problem:{code}", body
    assert body["status"] == status and body["title"] and body["detail"]
    return body


async def test_bad_input_is_refused_naming_the_field(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=1)
        business = cast.businesses[0]
        agent = as_(cast.agents[business])
        good = keyring(stack).sealed_bid(
            cast.agents[business],
            _made_up_key(FAKE_NOTICE),
            {
                "business_no": business,
                "price": 1_000,
                "reserve_picks": [3, 11],
                "client_key": uuid.uuid4().hex,
            },
        )
        url = f"/tenders/{FAKE_NOTICE}/bids"

        body = _problem(
            await http.post(url, headers=agent, json={**good, "business_no": "123-45-67890"}),
            422,
            "invalid-request",
        )
        assert body["field"] == "business_no"
        assert "check digit" in body["detail"] and "last digit" in body["errors"][0]["accepted"]

        sealed = good["sealed"]
        body = _problem(
            await http.post(
                url, headers=agent, json={**good, "sealed": {**sealed, "enc": sealed["enc"][:-2]}}
            ),
            422,
            "invalid-request",
        )
        assert body["field"] == "sealed.enc"
        assert body["errors"][0]["accepted"] == (
            "32 bytes in base64url without padding (43 characters), as the bidder client "
            "(nara bidder) seals them"
        )

        body = _problem(
            await http.post(url, headers=agent, json={**good, "sealed": {**sealed, "check": None}}),
            422,
            "invalid-request",
        )
        assert body["field"] == "sealed.check"

        # A price or picks in clear is refused, never read: bids are sealed.
        body = _problem(
            await http.post(url, headers=agent, json={**good, "price": 1_000}),
            422,
            "invalid-request",
        )
        assert body["field"] == "price" and body["errors"][0]["value"] == 1_000
        body = _problem(
            await http.post(url, headers=agent, json={**good, "reserve_picks": [3, 11]}),
            422,
            "invalid-request",
        )
        assert body["field"] == "reserve_picks"

        body = _problem(
            await http.post(
                "/businesses",
                headers=await operator(http, stack),
                json={"business_no": "1234567890", "name": "Typo Ltd"},
            ),
            422,
            "invalid-request",
        )
        assert body["field"] == "business_no" and "last digit" in body["fix"]

        body = _problem(
            await http.post(
                "/tenders",
                headers=as_(cast.officer),
                json={**tender_body(), "deadline": "2026-12-28T10:00:00"},
            ),
            422,
            "invalid-request",
        )
        assert body["field"] == "deadline" and "time zone" in body["fix"]


async def test_unknown_tender_and_unknown_people(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=1)
        body = _problem(await http.get(f"/tenders/{FAKE_NOTICE}"), 404, "not-found")
        assert FAKE_NOTICE in body["detail"] and body["field"] == "notice_no"
        no = cast.businesses[0]
        # The bidder client cannot seal without the tender's key, and a bid sealed to any
        # other key finds no tender either.
        with pytest.raises(BidFailed) as caught:
            await bid(http, stack, cast, FAKE_NOTICE, no, 1_000)
        assert caught.value.status == 404 and caught.value.problem["field"] == "notice_no"
        _problem(await http.get(f"/tenders/{FAKE_NOTICE}/sealing-key"), 404, "not-found")
        sealed = keyring(stack).sealed_bid(
            cast.agents[no],
            _made_up_key(FAKE_NOTICE),
            {"business_no": no, "price": 1_000, "reserve_picks": [3, 9], "client_key": "k" * 8},
        )
        response = await send_bid(http, stack, FAKE_NOTICE, sealed, cast.agents[no])
        assert FAKE_NOTICE in _problem(response, 404, "not-found")["detail"]

        review = {"business_no": no, "capability_score": 50}
        missing = await http.post(f"/tenders/{FAKE_NOTICE}/review", json=review)
        problem = _problem(missing, 401, "unauthenticated")
        assert problem["field"] == "Authorization" and "POST /auth/login" in problem["fix"]
        assert missing.headers["WWW-Authenticate"] == 'Bearer realm="nara"'
        unknown = await http.post(
            f"/tenders/{FAKE_NOTICE}/review",
            headers={"Authorization": "Bearer " + "x" * 43},
            json=review,
        )
        assert _problem(unknown, 401, "session-ended")["reason"] == "unknown"
        assert 'error="invalid_token"' in unknown.headers["WWW-Authenticate"]


async def test_a_bid_is_answered_once_per_client_key_and_business(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=2)
        first, other = cast.businesses
        notice = (await announce(http, cast))["notice_no"]
        await wait_for(http, notice, "bidding")

        key = uuid.uuid4().hex
        sent = await bid_body(http, stack, cast, notice, first, 90_000_000, (2, 7), client_key=key)
        created = await ok(await send_bid(http, stack, notice, sent, cast.agents[first]), 201)
        # The very same bid again (a retry) answers its receipt; no price in either.
        replay = await ok(await send_bid(http, stack, notice, sent, cast.agents[first]), 200)
        assert replay["id"] == created["id"] and replay["replayed"] is True
        assert replay["receipt"] == created["receipt"]
        assert set(created) == set(replay)  # only the caller's own bid, nobody else's
        assert "price" not in created and "reserve_picks" not in created
        # The same client key with another sealed bid is not a retry.
        other_bid = await bid(http, stack, cast, notice, first, 90_000_000, (2, 7), client_key=key)
        body = _problem(other_bid, 409, "duplicate-bid")
        assert body["field"] == "client_key"

        duplicate = await bid(http, stack, cast, notice, first, 80_000_000, (1, 2))
        body = _problem(duplicate, 409, "duplicate-bid")
        assert "one bid per business" in body["detail"]

        # The other business's agent, signing and confirming with their own keys.
        stranger = await keyring(stack).bid_body(
            http,
            cast.agents[other],
            notice,
            {
                "business_no": first,
                "price": 1_000,
                "reserve_picks": [1, 2],
                "client_key": uuid.uuid4().hex,
            },
        )
        body = _problem(
            await send_bid(http, stack, notice, stranger, cast.agents[other]), 403, "forbidden"
        )
        assert "not an agent of business" in body["detail"]
        # An officer sending an agent's bid: officers do not bid.
        officer_bids = await send_bid(http, stack, notice, stranger, cast.officer)
        _problem(officer_bids, 403, "forbidden")

    async with sessions(stack.engine)() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Bid)
            .join(Tender, Tender.id == Bid.tender_id)
            .where(Tender.notice_no == notice)
        )
        assert count == 1


async def test_deadline_phase_officer_and_candidate_are_enforced(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=3)
        rival = await register(http, stack, businesses=0)
        low, high, late = cast.businesses
        await person(
            http, stack, "officer", agency_code=cast.agency_code, person_id=f"{cast.officer}-2"
        )
        notice = (await announce(http, cast))["notice_no"]
        await wait_for(http, notice, "bidding")
        await ok(await bid(http, stack, cast, notice, low, 88_000_000), 201)
        await ok(await bid(http, stack, cast, notice, high, 91_000_000), 201)

        early = await http.post(
            f"/tenders/{notice}/review",
            headers=as_(cast.officer),
            json={"business_no": low, "capability_score": 70},
        )
        body = _problem(early, 409, "wrong-phase")
        assert "bidding" in body["detail"] and "evaluating" in body["detail"]

        await wait_for(http, notice, "closed", "opened", "evaluating")
        late_bid = await bid(http, stack, cast, notice, late, 85_000_000)
        body = _problem(late_bid, 409, "deadline-passed")
        assert body["detail"].count("KST") == 2 and "server time" in body["detail"]
        assert datetime.fromisoformat(body["server_time"]) > datetime.fromisoformat(
            body["deadline"]
        )

        await wait_for(http, notice, "evaluating")
        review = {"business_no": low, "capability_score": 70}
        body = _problem(
            await http.post(f"/tenders/{notice}/review", headers=as_(rival.officer), json=review),
            403,
            "forbidden",
        )
        assert cast.agency_code in body["detail"]
        body = _problem(
            await http.post(
                f"/tenders/{notice}/review", headers=as_(f"{cast.officer}-2"), json=review
            ),
            403,
            "forbidden",
        )
        assert "is not the contracting officer" in body["detail"] and cast.officer in body["detail"]
        body = _problem(
            await http.post(
                f"/tenders/{notice}/review",
                headers=as_(cast.officer),
                json={**review, "business_no": high},
            ),
            409,
            "stale-candidate",
        )
        assert low in body["detail"]
        body = _problem(
            await http.post(
                f"/tenders/{notice}/award", headers=as_(cast.officer), json={"business_no": low}
            ),
            409,
            "wrong-phase",
        )
        assert "review" in body["detail"]
        body = _problem(
            await http.post(f"/tenders/{notice}/sign", headers=as_(cast.officer), json={}),
            409,
            "wrong-phase",
        )

    async with sessions(stack.engine)() as session:
        tender = (
            await session.execute(select(Tender).where(Tender.notice_no == notice))
        ).scalar_one()
        bids = await session.scalar(select(func.count()).where(Bid.tender_id == tender.id))
        assert bids == 2 and tender.phase == "evaluating"


async def test_extend_then_cancel(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=1)
        rival = await register(http, stack, businesses=0)
        tender = await announce(http, cast)
        notice = tender["notice_no"]
        await wait_for(http, notice, "bidding")
        deadline = datetime.fromisoformat(tender["deadline"]) + timedelta(seconds=30)
        change = {
            "deadline": deadline.isoformat(),
            "opening_at": (deadline + timedelta(seconds=1)).isoformat(),
            "reason": "clarification of the specification",
        }
        _problem(
            await http.post(f"/tenders/{notice}/extend", headers=as_(rival.officer), json=change),
            403,
            "forbidden",
        )
        earlier = {**change, "deadline": tender["deadline"]}
        body = _problem(
            await http.post(f"/tenders/{notice}/extend", headers=as_(cast.officer), json=earlier),
            422,
            "rule-violation",
        )
        assert body["field"] == "deadline" and body["rule"] == "extension-later"
        moved = await ok(
            await http.post(f"/tenders/{notice}/extend", headers=as_(cast.officer), json=change),
            200,
        )
        assert datetime.fromisoformat(moved["deadline"]) == deadline

        async def extended() -> dict | None:
            detail = await ok(await http.get(f"/tenders/{notice}"), 200)
            moved = datetime.fromisoformat(detail["live"]["deadline"]) == deadline
            return detail if moved else None

        detail = await eventually(
            extended, timeout_s=8, every_s=0.1, what="the live deadline moving"
        )
        assert datetime.fromisoformat(detail["deadline"]) == deadline
        assert datetime.fromisoformat(detail["live"]["deadline"]) == deadline

        await ok(
            await http.post(
                f"/tenders/{notice}/cancel",
                headers=as_(cast.officer),
                json={"reason": "the budget was withdrawn"},
            ),
            202,
        )
        after = await bid(http, stack, cast, notice, cast.businesses[0], 1_000)
        _problem(after, 409, "wrong-phase")
        cancelled = await wait_for(http, notice, "cancelled")
        assert "budget was withdrawn" in cancelled["live"]["note"]
        _problem(
            await http.post(
                f"/tenders/{notice}/cancel", headers=as_(cast.officer), json={"reason": "again"}
            ),
            409,
            "wrong-phase",
        )


async def test_a_failed_create_leaves_nothing_behind(
    stack: ApiStack,
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=0)
        officer = as_(cast.officer)

        too_soon = tender_body(notice_s=2, title=f"Too soon {uuid.uuid4().hex[:6]}")
        body = _problem(
            await http.post("/tenders", headers=officer, json=too_soon), 422, "rule-violation"
        )
        assert body["rule"] == "notice-period" and body["field"] == "deadline"
        assert "7-day notice period" in body["detail"] and "NARA_TIME_SCALE" in body["detail"]

        key = uuid.uuid4().hex
        request = tender_body(title=f"Idempotent {key[:6]}")
        first = await ok(
            await http.post("/tenders", headers={**officer, "Idempotency-Key": key}, json=request),
            201,
        )
        again = await ok(
            await http.post("/tenders", headers={**officer, "Idempotency-Key": key}, json=request),
            200,
        )
        assert again["notice_no"] == first["notice_no"]
        other = {**request, "title": "Something else entirely"}
        _problem(
            await http.post("/tenders", headers={**officer, "Idempotency-Key": key}, json=other),
            409,
            "conflict",
        )

    # Temporal refuses the start (no such namespace): the tender row and audit event go too.
    broken = api_settings(stack, TEMPORAL_NAMESPACE="no-such-namespace")
    lost_title = f"Never announced {uuid.uuid4().hex[:6]}"
    with serve_api(broken) as api:
        async with httpx.AsyncClient(base_url=api.url, timeout=30) as http:
            response = await http.post(
                "/tenders", headers=officer, json=tender_body(title=lost_title)
            )
    body = _problem(response, 503, "temporal-unavailable")
    assert "nothing was announced" in body["fix"]

    async with sessions(stack.engine)() as session:
        titles = (
            await session.execute(
                select(Tender.title).where(Tender.title.in_([lost_title, too_soon["title"]]))
            )
        ).all()
        assert titles == []
        events = await session.scalar(
            select(func.count()).where(
                AuditEvent.payload["title"].astext.in_([lost_title, too_soon["title"]])
            )
        )
        assert events == 0
        assert (
            await session.scalar(select(func.count()).where(Tender.title == request["title"])) == 1
        )


async def test_registration_is_idempotent_and_for_operators(stack: ApiStack) -> None:
    tag = uuid.uuid4().hex[:6]
    agency = {"code": f"R{tag}", "name": "Registry test agency", "kind": "local"}
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        op = await operator(http, stack)
        await ok(await http.post("/agencies", headers=op, json=agency), 201)
        await ok(await http.post("/agencies", headers=op, json=agency), 200)
        body = _problem(
            await http.post("/agencies", headers=op, json={**agency, "kind": "national"}),
            409,
            "conflict",
        )
        assert body["field"] == "kind"
        officer = await person(http, stack, "officer", agency_code=agency["code"])
        body = _problem(
            await http.post(
                "/people",
                headers=op,
                json={
                    "id": f"sup-{tag}",
                    "name": "S",
                    "role": "supplier",
                    "agency_code": agency["code"],
                },
            ),
            422,
            "invalid-request",
        )
        assert "businesses/{business_no}/agents" in body["detail"]
        body = _problem(
            await http.post("/agencies", headers=as_(officer), json=agency), 403, "forbidden"
        )
        assert body["field"] == "Authorization" and "operator" in body["detail"]
        _problem(await http.post("/agencies", json=agency), 401, "unauthenticated")
