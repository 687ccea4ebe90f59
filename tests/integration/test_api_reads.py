"""Reading: search with filters and keyset pages, the weekly report, health, and how the
API degrades when Temporal is down (reads answer from PostgreSQL, writes say 503)."""

from __future__ import annotations

import time

import httpx

from nara.api.app import create_app
from tests.integration.support import ApiStack, announce, api_settings, as_, ok, register


async def test_tenders_are_listed_by_filter_a_page_at_a_time(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=0)
        made = [
            await announce(http, cast, category=c, notice_s=60)
            for c in ("goods", "goods", "services")
        ]
        query = {"agency_code": cast.agency_code, "limit": 2}
        first = await ok(await http.get("/tenders", params=query), 200)
        assert [t["notice_no"] for t in first["items"]] == [t["notice_no"] for t in made[::-1][:2]]
        assert first["next_cursor"] == made[1]["notice_no"]
        rest = await ok(
            await http.get("/tenders", params={**query, "cursor": first["next_cursor"]}), 200
        )
        assert [t["notice_no"] for t in rest["items"]] == [made[0]["notice_no"]]
        assert rest["next_cursor"] is None
        goods = await ok(
            await http.get(
                "/tenders", params={"agency_code": cast.agency_code, "category": "goods"}
            ),
            200,
        )
        assert {t["category"] for t in goods["items"]} == {"goods"} and len(goods["items"]) == 2
        bad = await http.get("/tenders", params={"phase": "sleeping"})
        assert bad.status_code == 422 and bad.json()["field"] == "query.phase"
        assert "bidding" in bad.json()["errors"][0]["accepted"]


async def test_weekly_report_and_health(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        empty = await ok(await http.get("/reports/weekly", params={"start": "2020-01-06"}), 200)
        assert empty["announcements"] == 0 and empty["payments_disbursed"]["total"] == 0
        assert empty["end"] == "2020-01-13"
        assert empty["starts_at"].endswith("+09:00")
        bad = await http.get("/reports/weekly", params={"start": "last week"})
        assert bad.status_code == 422 and bad.json()["field"] == "query.start"
        assert "YYYY-MM-DD" in bad.json()["fix"]

        health = await ok(await http.get("/health"), 200)
        assert health["status"] == "ok"
        assert health["task_queue"] == stack.settings.temporal_task_queue
        ready = await ok(await http.get("/ready"), 200)
        assert (ready["status"], ready["failed"]) == ("ready", [])
        assert set(ready["checks"]) == {
            "database",
            "temporal",
            "worker",
            "guarantee_agency",
            "bank",
            "certificate_authority",
        }
        assert all(check["ok"] for check in ready["checks"].values())

        docs = await ok(await http.get("/openapi.json"), 200)
        assert "Problem" in docs["components"]["schemas"]
        assert {t["name"] for t in docs["tags"]} >= {"tenders", "bids", "payments", "reports"}


async def test_ready_names_a_dead_worker_and_a_partner_down(stack: ApiStack) -> None:
    """An API whose task queue no worker polls, its bank on a closed port: /ready says so."""
    settings = api_settings(
        stack,
        TEMPORAL_TASK_QUEUE=f"{stack.task_queue}-nobody",
        GUARANTEE_AGENCY_URL=stack.settings.guarantee_agency_url,
        BANK_URL="http://127.0.0.1:9",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            ready = await http.get("/ready")
            without_partners = await http.get("/ready", params={"partners": "false"})
    assert ready.status_code == 503
    body = ready.json()
    assert (body["status"], body["failed"]) == ("not-ready", ["worker", "bank"])
    assert f"{stack.task_queue}-nobody" in body["checks"]["worker"]["detail"]
    assert "nara worker" in body["checks"]["worker"]["detail"]
    assert "127.0.0.1:9" in body["checks"]["bank"]["detail"]
    assert body["checks"]["database"]["ok"] and body["checks"]["temporal"]["ok"]
    assert (
        body["checks"]["guarantee_agency"]["ok"] and body["checks"]["certificate_authority"]["ok"]
    )
    assert without_partners.status_code == 503 and without_partners.json()["failed"] == ["worker"]


async def test_without_temporal_reads_degrade_and_writes_refuse(
    stack: ApiStack,
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=0)
        notice = (await announce(http, cast, notice_s=60))["notice_no"]

    settings = api_settings(stack, TEMPORAL_ADDRESS="127.0.0.1:9")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            started = time.monotonic()
            assert (await http.get("/health")).status_code == 200  # alive all the same
            ready = await http.get("/ready", params={"partners": "false"})
            assert ready.status_code == 503 and ready.json()["status"] == "not-ready"
            assert ready.json()["failed"] == ["temporal", "worker"]
            assert ready.json()["checks"]["database"]["ok"]

            detail = await ok(await http.get(f"/tenders/{notice}"), 200)
            assert detail["live"] is None and "Temporal" in detail["live_note"]
            assert detail["phase"] in ("announced", "bidding")

            refused = await http.post(
                "/tenders",
                headers=as_(cast.officer),
                json={
                    "title": "x",
                    "category": "goods",
                    "estimated_price": 1_000_000,
                    "deadline": "2026-12-28T10:00:00+09:00",
                    "opening_at": "2026-12-28T11:00:00+09:00",
                },
            )
            assert refused.status_code == 503 and refused.json()["code"] == "temporal-unavailable"
            assert time.monotonic() - started < 15
