"""A retried decision runs once: an Update request with an `Idempotency-Key` gets the
first outcome when it is sent again (a client whose answer was lost: a timeout, a 503
after the workflow acted), on the real API, worker and dev server. The key binds the
person, the path and the body, so it never answers another request's outcome."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx

from tests.integration.support import (
    ApiStack,
    announce,
    as_,
    bid,
    ok,
    person,
    register,
    wait_for,
)


async def test_a_retried_award_is_answered_from_the_first(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=2)
        winner, second = cast.businesses
        notice = (await announce(http, cast, estimated_price=100_000_000))["notice_no"]
        await wait_for(http, notice, "bidding")
        await ok(await bid(http, stack, cast, notice, winner, 88_000_000, (1, 8)), 201)
        await ok(await bid(http, stack, cast, notice, second, 91_000_000, (8, 15)), 201)
        await wait_for(http, notice, "evaluating")
        officer = as_(cast.officer)
        review = {"business_no": winner, "capability_score": 70}
        await ok(await http.post(f"/tenders/{notice}/review", headers=officer, json=review))

        award = f"/tenders/{notice}/award"
        body = {"business_no": winner}
        once = {**officer, "Idempotency-Key": uuid.uuid4().hex}
        first = await ok(await http.post(award, headers=once, json=body), 200)
        again = await ok(await http.post(award, headers=once, json=body), 200)
        assert again == first and first["price"] == 88_000_000

        # Without the key (or with a new one) it is a second award: refused by the phase.
        for headers in (officer, {**officer, "Idempotency-Key": uuid.uuid4().hex}):
            refused = await http.post(award, headers=headers, json=body)
            assert refused.status_code == 409, refused.text
            assert refused.json()["code"] == "wrong-phase"

        # The same key with another body names another request, not the first's outcome.
        other = await http.post(award, headers=once, json={"business_no": second})
        assert other.status_code == 409, other.text


async def test_a_malformed_idempotency_key_names_the_header(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=1)
        notice = (await announce(http, cast, estimated_price=100_000_000))["notice_no"]
        headers = {**as_(cast.officer), "Idempotency-Key": "short"}
        answer = await http.post(
            f"/tenders/{notice}/award", headers=headers, json={"business_no": "x"}
        )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["field"] == "header.Idempotency-Key", problem
    assert "8 to 80" in problem["detail"], problem


async def test_a_retried_extension_and_cancellation_are_answered_from_the_first(
    stack: ApiStack,
) -> None:
    """Decisions made in the database (then signalled) are retried the same way: the
    audit entry records the request key, and the same request again is its outcome."""
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=0)
        notice = (await announce(http, cast, notice_s=600))["notice_no"]
        before = await wait_for(http, notice, "bidding")
        officer = as_(cast.officer)
        later = datetime.fromisoformat(before["deadline"]) + timedelta(days=3)
        body = {
            "deadline": later.isoformat(),
            "opening_at": (later + timedelta(hours=1)).isoformat(),
            "reason": "more time for the bidders",
        }
        extend = f"/tenders/{notice}/extend"
        once = {**officer, "Idempotency-Key": uuid.uuid4().hex}
        first = await ok(await http.post(extend, headers=once, json=body))
        assert await ok(await http.post(extend, headers=once, json=body)) == first
        refused = await http.post(
            extend, headers={**officer, "Idempotency-Key": uuid.uuid4().hex}, json=body
        )
        assert refused.status_code == 422 and refused.json()["rule"] == "extension-later"
        # Another officer of the agency sending the same key makes a request of their own.
        colleague = await person(http, stack, "officer", agency_code=cast.agency_code)
        theirs = {**as_(colleague), "Idempotency-Key": once["Idempotency-Key"]}
        refused = await http.post(extend, headers=theirs, json=body)
        assert refused.status_code == 422 and refused.json()["rule"] == "extension-later"

        cancel = f"/tenders/{notice}/cancel"
        once = {**officer, "Idempotency-Key": uuid.uuid4().hex}
        reason = {"reason": "the need is gone"}
        first = await ok(await http.post(cancel, headers=once, json=reason), 202)
        await wait_for(http, notice, "cancelled")
        assert await ok(await http.post(cancel, headers=once, json=reason), 202) == first
        anew = await http.post(cancel, headers=officer, json=reason)
        assert anew.status_code == 409, anew.text
        theirs = {**as_(colleague), "Idempotency-Key": once["Idempotency-Key"]}
        anew = await http.post(cancel, headers=theirs, json=reason)
        assert anew.status_code == 409, anew.text
