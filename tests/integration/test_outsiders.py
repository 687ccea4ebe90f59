"""What an outsider tried on the old header stand-in, tried again: without a session every
attempt is 401, with somebody else's role 403, each in problem JSON, and nothing is written."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy import func, select

from nara.store.tables import AuditEvent, BusinessAgent, Person, Tender
from tests.integration.support import (
    ApiStack,
    announce,
    as_,
    bid,
    ok,
    operator,
    register,
    sessions,
    wait_for,
)


async def _footprint(stack: ApiStack, notice: str, outsider: str) -> tuple[Any, ...]:
    """What an outsider's attempts could have changed."""
    async with sessions(stack.engine)() as s:
        return (
            await s.scalar(select(func.count()).select_from(AuditEvent)),
            await s.scalar(select(func.count()).where(Person.id == outsider)),
            await s.scalar(select(func.count()).where(BusinessAgent.person_id == outsider)),
            await s.scalar(select(Tender.phase).where(Tender.notice_no == notice)),
        )


def _denied(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["detail"] and body["fix"] and body["field"] in ("Authorization", "business_no")
    return body


async def test_an_outsider_can_no_longer_act_for_anyone(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        cast = await register(http, stack, businesses=3)
        rival = await register(http, stack, businesses=1)
        first, second, _ = cast.businesses
        notice = (await announce(http, cast, notice_s=10))["notice_no"]
        await wait_for(http, notice, "bidding")
        await ok(await bid(http, stack, cast, notice, first, 88_000_000), 201)
        await ok(await bid(http, stack, cast, notice, second, 89_000_000), 201)
        await wait_for(http, notice, "evaluating")
        outsider = f"outsider-{uuid.uuid4().hex[:6]}"
        attempts: list[tuple[str, Callable[[dict[str, str]], Awaitable[httpx.Response]]]] = [
            (
                "register an operator",
                lambda h: http.post(
                    "/people", headers=h, json={"id": outsider, "name": "X", "role": "operator"}
                ),
            ),
            (
                "make themselves an agent",
                lambda h: http.post(
                    f"/businesses/{first}/agents", headers=h, json={"person_id": outsider}
                ),
            ),
            ("read the audit log", lambda h: http.get("/audit/events", headers=h)),
            (
                "cancel a tender",
                lambda h: http.post(
                    f"/tenders/{notice}/cancel", headers=h, json={"reason": "outsider"}
                ),
            ),
            (
                "approve an award",
                lambda h: http.post(
                    f"/tenders/{notice}/award", headers=h, json={"business_no": first}
                ),
            ),
        ]
        before = await _footprint(stack, notice, outsider)

        for what, attempt in attempts:
            body = _denied(await attempt({}), 401)
            assert body["code"] == "unauthenticated", what
        # Logged in, but as somebody else: another business's agent, another agency's officer.
        for who in (rival.agents[rival.businesses[0]], rival.officer):
            for what, attempt in attempts:
                body = _denied(await attempt(as_(who)), 403)
                assert body["code"] == "forbidden", (who, what)
        assert await _footprint(stack, notice, outsider) == before
        assert (await wait_for(http, notice, "evaluating"))["live"]["phase"] == "evaluating"


async def test_a_business_manages_its_own_agents(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=2)
        first, second = cast.businesses
        newcomer = f"agent-new-{uuid.uuid4().hex[:6]}"
        await ok(
            await http.post(
                "/people",
                headers=await operator(http, stack),
                json={"id": newcomer, "name": newcomer, "role": "supplier"},
            )
        )
        await ok(
            await http.post(
                f"/businesses/{first}/agents",
                headers=as_(cast.agents[first]),
                json={"person_id": newcomer},
            ),
            201,
        )
        body = _denied(
            await http.post(
                f"/businesses/{second}/agents",
                headers=as_(cast.agents[first]),
                json={"person_id": newcomer},
            ),
            403,
        )
        assert "only an operator or an agent of that business" in body["detail"]
