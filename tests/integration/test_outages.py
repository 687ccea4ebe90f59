"""An operator declares an outage: the deadlines it caught move by the terms-of-use rule, in
the database and in the live workflows; nothing else moves, and nothing moves twice.

The stack runs on the compressed clock so tenders can be announced with deadlines seconds
away, where a recent outage can catch them. The rule itself (recovery + 2 h, + 2 h, next
working day past 18:00) is the domain's, tested exactly in tests/domain/test_outage.py;
here the expected times come from it, and the headline rule is checked on its own
whenever the moved time falls inside working hours (it depends on when the suite runs).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from nara.domain.calendar import is_working_time
from nara.domain.outage import extend_for_outage
from nara.store.tables import AuditEvent, Tender
from tests.integration.support import (
    ApiStack,
    Cast,
    as_,
    ok,
    person,
    register,
    sessions,
    wait_for,
)
from tests.support import eventually

HOUR = timedelta(hours=1)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _operator(http: httpx.AsyncClient, stack: ApiStack) -> str:
    return await person(http, stack, "operator")


async def _announce(
    http: httpx.AsyncClient, cast: Cast, deadline: datetime, opening: datetime
) -> dict[str, Any]:
    body = {
        "title": f"Server racks {uuid.uuid4().hex[:6]}",
        "category": "goods",
        "estimated_price": 100_000_000,
        "deadline": deadline.isoformat(),
        "opening_at": opening.isoformat(),
    }
    return await ok(await http.post("/tenders", json=body, headers=as_(cast.officer)), 201)


async def _live_schedule(
    http: httpx.AsyncClient, notice_no: str, deadline: datetime, opening: datetime
) -> dict[str, Any]:
    """Poll until the workflow's own status shows this schedule (signals land in a moment)."""
    last: dict[str, Any] = {}

    async def shown() -> dict[str, Any] | None:
        nonlocal last
        last = await ok(await http.get(f"/tenders/{notice_no}"), 200)
        live = last["live"] or {}
        if live and (_at(live["deadline"]), _at(live["opening_at"])) == (deadline, opening):
            return last
        return None

    found: dict[str, Any] = await eventually(
        shown,
        timeout_s=15,
        every_s=0.1,
        what=lambda: f"{notice_no} live schedule becoming {deadline}, {opening} (last: {last})",
    )
    return found


async def _rows(stack: ApiStack, *notices: str) -> dict[str, tuple[datetime, datetime]]:
    async with sessions(stack.engine)() as session:
        rows = await session.execute(
            select(Tender.notice_no, Tender.deadline, Tender.opening_at).where(
                Tender.notice_no.in_(notices)
            )
        )
        return {notice: (deadline, opening) for notice, deadline, opening in rows.all()}


async def test_declared_outage_moves_caught_deadlines_once(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        cast = await register(http, stack, businesses=0)
        operator = await _operator(http, stack)
        t0 = datetime.now().astimezone()
        soon, sooner = t0 + timedelta(seconds=40), t0 + timedelta(seconds=9)
        closing = await _announce(http, cast, sooner, t0 + HOUR)
        inside = await _announce(http, cast, soon, soon + HOUR)
        after = await _announce(http, cast, soon + timedelta(seconds=30), soon + 2 * HOUR)
        later = await _announce(http, cast, t0 + 5 * HOUR, t0 + 6 * HOUR)
        lost = await _announce(http, cast, soon, soon + HOUR)
        start, back = t0 - timedelta(minutes=20), t0 + timedelta(seconds=50)

        # The first tender's bidding closes before the outage is declared; the last one's
        # workflow is gone, so its signal must fail without holding back the others.
        await wait_for(http, closing["notice_no"], "closed")
        for tender in (inside, after, later, lost):
            await wait_for(http, tender["notice_no"], "bidding")
        await stack.client.get_workflow_handle(lost["workflow_id"]).terminate("test: lost")

        window = {"started_at": start.isoformat(), "recovered_at": back.isoformat()}
        response = await http.post(
            "/outages",
            json={**window, "reason": "search malfunction took the site down"},
            headers=as_(operator),
        )
        declared = await ok(response, 201)
        assert response.headers["Location"] == f"/outages/{declared['id']}"
        assert declared["declared_by"] == operator
        assert declared["started_at"].endswith("+09:00")
        moved = {m["notice_no"]: m for m in declared["tenders"]}
        notices = [t["notice_no"] for t in (closing, inside, after, later, lost)]
        assert set(notices) - set(moved) == {later["notice_no"]}
        assert declared["affected"] == len(declared["tenders"]) >= 4

        def rule(tender: dict[str, Any]) -> tuple[datetime, datetime]:
            new = extend_for_outage(
                deadline=_at(tender["deadline"]),
                opening_at=_at(tender["opening_at"]),
                outage_start=start,
                recovery=back,
            )
            assert new.moved
            return new.deadline, new.opening_at

        expected = {
            inside["notice_no"]: rule(inside),
            after["notice_no"]: rule(after),
            # Bidding had closed but the new deadline is ahead: bidding reopens until then.
            closing["notice_no"]: rule(closing),
            lost["notice_no"]: rule(lost),
            later["notice_no"]: (_at(later["deadline"]), _at(later["opening_at"])),
        }
        # The rule in its own words, when the new time falls inside working hours.
        if is_working_time(back + 2 * HOUR):
            assert expected[inside["notice_no"]][0] == back + 2 * HOUR
        if is_working_time(_at(after["deadline"]) + 2 * HOUR):
            assert expected[after["notice_no"]][0] == _at(after["deadline"]) + 2 * HOUR
        assert expected[inside["notice_no"]][0] >= back + 2 * HOUR
        assert expected[inside["notice_no"]][1] >= back + 3 * HOUR
        assert expected[after["notice_no"]][0] >= _at(after["deadline"]) + 2 * HOUR
        assert expected[closing["notice_no"]][1] >= back + 3 * HOUR

        for notice in (inside["notice_no"], after["notice_no"], closing["notice_no"]):
            entry = moved[notice]
            assert (_at(entry["deadline_after"]), _at(entry["opening_after"])) == expected[notice]
            assert entry["deadline_after"].endswith("+09:00") and entry["signal"] == "sent"
        assert "inside the outage" in moved[inside["notice_no"]]["rule"]
        assert "within 2 h after recovery" in moved[after["notice_no"]]["rule"]
        assert "reopens until" in moved[closing["notice_no"]]["note"]
        assert _at(moved[closing["notice_no"]]["deadline_after"]) > _at(closing["deadline"])
        assert moved[lost["notice_no"]]["signal"] == "failed"
        assert "has ended" in moved[lost["notice_no"]]["signal_error"]

        assert await _rows(stack, *notices) == expected
        for notice in (inside["notice_no"], after["notice_no"], closing["notice_no"]):
            shown = await _live_schedule(http, notice, *expected[notice])
            assert (_at(shown["deadline"]), _at(shown["opening_at"])) == expected[notice]
            assert f"outage {declared['id']}" in shown["live"]["note"]
        # The closed tender takes bids again until its new deadline.
        await wait_for(http, closing["notice_no"], "bidding")
        untouched = await _live_schedule(http, later["notice_no"], *expected[later["notice_no"]])
        assert "outage" not in untouched["live"]["note"]

        # The same window again: the first declaration, nothing moved twice; only the
        # failed signal is tried again.
        again = await ok(
            await http.post(
                "/outages", json={**window, "reason": "declared twice"}, headers=as_(operator)
            ),
            200,
        )
        assert again["id"] == declared["id"] and again["reason"] == declared["reason"]
        assert {m["notice_no"]: m["deadline_after"] for m in again["tenders"]} == {
            n: m["deadline_after"] for n, m in moved.items()
        }
        assert {m["notice_no"]: m["signal"] for m in again["tenders"]} == {
            n: m["signal"] for n, m in moved.items()
        }
        assert await _rows(stack, *notices) == expected
        for notice in (inside["notice_no"], after["notice_no"]):
            await _live_schedule(http, notice, *expected[notice])
        async with sessions(stack.engine)() as session:
            events = await session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action.in_(("outage-extension", "outage-declared")))
                .where(AuditEvent.idempotency_key.like(f"outage:{declared['id']}:%"))
            )
        assert events == declared["affected"] + 1

        # An overlapping window would move the same deadlines again: refused.
        overlap = await http.post(
            "/outages",
            json={
                "started_at": (start + timedelta(minutes=5)).isoformat(),
                "recovered_at": back.isoformat(),
                "reason": "the same failure, typed differently",
            },
            headers=as_(operator),
        )
        assert overlap.status_code == 409, overlap.text
        assert overlap.json()["outage_id"] == declared["id"]
        assert overlap.json()["field"] == "started_at"

        read = await ok(await http.get(f"/outages/{declared['id']}"), 200)
        assert read == {**declared, "tenders": again["tenders"]}
        page = await ok(await http.get("/outages", params={"limit": 200}), 200)
        listed = next(item for item in page["items"] if item["id"] == declared["id"])
        assert listed["affected"] == declared["affected"] and "tenders" not in listed


async def test_only_operators_declare_and_bad_windows_name_the_field(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        cast = await register(http, stack, businesses=0)
        operator = as_(await _operator(http, stack))
        start = datetime.now().astimezone() - timedelta(days=30)
        good = {
            "started_at": start.isoformat(),
            "recovered_at": (start + HOUR).isoformat(),
            "reason": "network failure",
        }

        refused = await http.post("/outages", json=good, headers=as_(cast.officer))
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
        assert refused.json()["field"] == "Authorization" and "operator" in refused.json()["detail"]
        assert (await http.post("/outages", json=good)).status_code == 401

        async def problem(body: dict[str, Any], status: int = 422) -> dict[str, Any]:
            response = await http.post("/outages", json=body, headers=operator)
            assert response.status_code == status, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            return response.json()

        backwards = await problem({**good, "recovered_at": (start - HOUR).isoformat()})
        assert backwards["field"] == "recovered_at" and "after started_at" in backwards["fix"]
        naive = await problem({**good, "started_at": "2026-11-02T09:00:00"})
        assert naive["field"] == "started_at" and "time zone" in naive["fix"]
        assert (await problem({**good, "reason": ""}))["field"] == "reason"
        assert (await problem({k: v for k, v in good.items() if k != "reason"}))["field"] == (
            "reason"
        )
        future = await problem(
            {**good, "recovered_at": (datetime.now().astimezone() + HOUR).isoformat()}
        )
        assert future["field"] == "recovered_at" and future["code"] == "rule-violation"
        assert "in the future" in future["detail"]
        too_long = await problem({**good, "started_at": (start - timedelta(days=8)).isoformat()})
        assert too_long["field"] == "started_at" and "7 days" in too_long["detail"]

        missing = await http.get("/outages/987654321")
        assert missing.status_code == 404 and missing.json()["field"] == "outage_id"
        listed = await ok(await http.get("/outages"), 200)
        assert all(item["reason"] != "network failure" for item in listed["items"])
