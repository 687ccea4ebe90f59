"""On the real clock (NARA_TIME_SCALE=1) the clock rules apply: deadlines on the hour, and at
most 1,500 tenders share a deadline hour, counted in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
from sqlalchemy import text

from nara.domain.calendar import SEOUL
from tests.integration.support import ApiStack, api_settings, as_, ok, register, serve_api, sessions


def _weekday_ten(days_ahead: int) -> datetime:
    day = datetime.now(SEOUL).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, tzinfo=SEOUL)


async def test_real_clock_rules_deadline_on_the_hour_and_hourly_capacity(
    stack: ApiStack,
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=0)
    full_hour = _weekday_ten(40)
    tag = f"9{uuid.uuid4().int % 10**5:05d}"
    async with sessions(stack.engine)() as session:  # 1,500 tenders already due then
        await session.execute(
            text("""
            INSERT INTO tender (id, notice_no, base_no, round, workflow_id, agency_code,
                officer_id, title, description, category, method, agency_kind, estimated_price,
                base_amount, announced_at, deadline, opening_at, bidding_open, phase, urgent)
            SELECT gen_random_uuid(), :tag || lpad(n::text, 5, '0') || '-00', :tag || n, 0,
                'tender-' || :tag || n, :agency, :officer, 'capacity filler', '', 'goods',
                'general', 'national', 1000000, 1000000, now(), :deadline,
                :deadline + interval '1 hour', false, 'bidding', false
            FROM generate_series(1, 1500) AS n"""),
            {
                "tag": tag,
                "agency": cast.agency_code,
                "officer": cast.officer,
                "deadline": full_hour,
            },
        )
        await session.commit()

    try:
        await _announce_on_the_real_clock(stack, cast.officer, full_hour)
    finally:
        async with sessions(stack.engine)() as session:
            await session.execute(
                text("DELETE FROM tender WHERE base_no LIKE :tag || '%'"), {"tag": tag}
            )
            await session.commit()


async def _announce_on_the_real_clock(
    stack: ApiStack,
    officer_id: str,
    full_hour: datetime,
) -> None:
    real_clock = api_settings(stack, time_scale=1)
    with serve_api(real_clock) as api:
        async with httpx.AsyncClient(base_url=api.url, timeout=30) as http:
            officer = as_(officer_id)

            def body(deadline: datetime) -> dict:
                return {
                    "title": "Real-clock tender",
                    "category": "goods",
                    "estimated_price": 50_000_000,
                    "deadline": deadline.isoformat(),
                    "opening_at": (deadline + timedelta(hours=1)).isoformat(),
                }

            # Construction of 6 bn needs 40 days of notice from a national agency (State
            # Contracts Act decree art. 35); 10 days is refused with the
            # earliest deadline that would be accepted, and nothing is written.
            big = {
                **body(_weekday_ten(10)),
                "category": "construction",
                "estimated_price": 6_000_000_000,
            }
            answer = await http.post("/tenders", headers=officer, json=big)
            problem = answer.json()
            assert answer.status_code == 422 and problem["rule"] == "notice-period", problem
            assert "40-day" in problem["detail"] and "earliest deadline" in problem["detail"]
            assert "(national law)" in problem["detail"]
            assert "KST" in problem["detail"]
            listed = (await http.get("/tenders", params={"category": "construction"})).json()
            assert all(t["title"] != "Real-clock tender" for t in listed["items"])

            # A-value items are costs of works: a goods tender with them is refused.
            answer = await http.post(
                "/tenders",
                headers=officer,
                json={**body(_weekday_ten(10)), "a_value_items": {"national_pension": 1_000_000}},
            )
            assert answer.status_code == 422 and answer.json()["rule"] == "a-value-items"

            # Construction of 30 bn or more is awarded by comprehensive evaluation: it is
            # announced (with its A-value items) and shows the law it runs under.
            huge = {
                **body(_weekday_ten(45)),
                "category": "construction",
                "estimated_price": 31_000_000_000,
                "a_value_items": {
                    "national_pension": 500_000_000,
                    "safety_management": 300_000_000,
                },
            }
            announced = await ok(await http.post("/tenders", headers=officer, json=huge), 201)
            assert announced["contract_law"].startswith("Act on Contracts to which the State")
            assert announced["a_value_items"] == {
                "national_pension": 500_000_000,
                "safety_management": 300_000_000,
            }

            # A negotiated tender under its 40-day notice period (national decree) is refused.
            answer = await http.post(
                "/tenders", headers=officer, json={**body(_weekday_ten(5)), "method": "negotiated"}
            )
            assert answer.status_code == 422 and answer.json()["rule"] == "notice-period"

            off_hour = _weekday_ten(10) + timedelta(minutes=30)
            problem = (await http.post("/tenders", headers=officer, json=body(off_hour))).json()
            assert problem["rule"] == "deadline-on-the-hour" and problem["status"] == 422
            assert "11:00 KST" in problem["detail"]

            problem = (await http.post("/tenders", headers=officer, json=body(full_hour))).json()
            assert problem["rule"] == "deadline-hour-capacity", problem
            assert "1,500" in problem["detail"] and "next free hour" in problem["detail"]
            assert problem["suggestion"].startswith(
                (full_hour + timedelta(hours=1)).astimezone(SEOUL).isoformat()[:13]
            )

            created = await ok(
                await http.post("/tenders", headers=officer, json=body(_weekday_ten(10))), 201
            )
            assert created["phase"] == "announced"
