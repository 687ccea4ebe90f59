"""What a hostile or careless client meets at the bounds: a 422 naming the field and the
accepted range, never a 500 (NUL in a path or query, 2^63 KRW, a deadline years ahead),
and the rules that keep derived values inside their columns (a bid at most 100 times the
base amount, checked when the sealed bids open; a base amount the reserve prices can be
drawn from)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from nara.domain.ranking import BID_PRICE_CEILING
from nara.store.tables import Bid, Tender
from tests.integration.support import (
    ApiStack,
    announce,
    as_,
    bid,
    ok,
    operator,
    person,
    register,
    sessions,
    tender_body,
    wait_for,
)


async def _post(
    http: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    """POST `body` as ASCII JSON, so lone surrogates travel as escapes like a hostile client's."""
    content = json.dumps(body, ensure_ascii=True)
    headers = {**(headers or {}), "Content-Type": "application/json"}
    return await http.post(path, content=content, headers=headers)


def _invalid(response: httpx.Response, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["field"] == field, body
    return body


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/tenders/abc%00def", "path.notice_no"),
        ("/tenders?cursor=a%00b", "query.cursor"),
        ("/tenders?agency_code=A%00", "query.agency_code"),
        ("/tenders?limit=9223372036854775808", "query.limit"),
        ("/audit/events?entity=tender%00x", "query.entity"),
        ("/outages/9223372036854775808", "path.outage_id"),
        ("/outages?cursor=99999999999999999999", "query.cursor"),
        ("/reports/weekly?start=9999-12-31", "query.start"),
        ("/reports/weekly?start=0.0", "query.start"),
        ("/payments/payment-C20260000001-00-99999999999999", "path.payment_id"),
    ],
)
async def test_paths_and_queries_out_of_bounds_are_422(
    stack: ApiStack, path: str, field: str
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        auditor = await person(http, stack, "auditor")  # the audit log is read by auditors
        body = _invalid(await http.get(path, headers=as_(auditor)), field)
        assert body["errors"][0]["accepted"]


async def test_bodies_out_of_bounds_are_422_naming_the_range(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=1)
        officer, op = as_(cast.officer), await operator(http, stack)
        body = _invalid(
            await http.post("/tenders", headers=officer, json=tender_body(estimated_price=2**63)),
            "estimated_price",
        )
        assert body["fix"] == (
            "send estimated_price as a whole number of KRW from 1 to 1,000,000,000,000,000"
        )
        nine_years = datetime.now(UTC) + timedelta(days=9 * 365)
        body = _invalid(
            await http.post(
                "/tenders",
                headers=officer,
                json={
                    **tender_body(),
                    "deadline": nine_years.isoformat(),
                    "opening_at": (nine_years + timedelta(hours=1)).isoformat(),
                },
            ),
            "deadline",
        )
        assert body["errors"][0]["rule"] == "deadline-horizon"
        assert "730 days" in body["errors"][0]["accepted"]
        for text in ("nul\x00", "bell\x07", "\ud800"):  # sent as JSON escapes: \u0000, ...
            _invalid(await _post(http, "/tenders", tender_body(title=text), officer), "title")
            someone = {"id": f"p-{uuid.uuid4().hex[:6]}", "name": text, "role": "auditor"}
            _invalid(await _post(http, "/people", someone, op), "name")
        surrogate_key = await _post(http, "/agencies", {"code": "A1", "name": "A", "\udfff": 1}, op)
        assert surrogate_key.status_code == 422, surrogate_key.text
        assert surrogate_key.json()["errors"][0]["value"] == "\\udfff"  # escaped, not a 500
        assert "no lone surrogate" in surrogate_key.json()["fix"]
        _invalid(
            await http.post(
                "/tenders", headers={**officer, "Idempotency-Key": "short"}, json=tender_body()
            ),
            "header.Idempotency-Key",
        )


async def test_rules_that_keep_rates_and_openings_inside_their_columns(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=3)
        refused = await http.post(
            "/tenders", headers=as_(cast.officer), json=tender_body(base_amount=374)
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["rule"] == "reserve-base-amount"
        assert refused.json()["accepted"] == "at least 375 KRW"

        notice = (await announce(http, cast, notice_s=20))["notice_no"]
        await wait_for(http, notice, "bidding")
        first, second, third = cast.businesses
        ceiling = 100_000_000 * BID_PRICE_CEILING

        # The price is sealed: the API cannot refuse one above the ceiling, it takes the
        # bid (a receipt, never a price); the opening excludes it, naming the rule.
        await ok(await bid(http, stack, cast, notice, first, ceiling + 1), 201)
        await ok(await bid(http, stack, cast, notice, second, ceiling), 201)
        await ok(await bid(http, stack, cast, notice, third, 95_000_000), 201)
        opened = await wait_for(http, notice, "evaluating", timeout_s=60)
        assert opened["live"]["bid_count"] == 2

        async with sessions(stack.engine)() as s:
            rows = {
                b.business_no: b
                for b in await s.scalars(
                    select(Bid)
                    .join(Tender, Tender.id == Bid.tender_id)
                    .where(Tender.notice_no == notice)
                )
            }
        above, at = rows[first], rows[second]
        assert above.status == "invalid" and above.price is None
        assert above.invalid_reason is not None
        assert above.invalid_reason.startswith("bid-price-ceiling")
        assert at.price == ceiling and at.bid_rate is not None  # 100 times: in its column
