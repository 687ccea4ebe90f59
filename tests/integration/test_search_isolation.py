"""Search cannot take bidding down: with every search slot held by slow searches (a real
`pg_sleep` inside the search's own SQL), more searches are answered 503 with Retry-After
in milliseconds while a bid submitted at the same moment is accepted in normal time.
Also: the route is public, sits before /tenders/{notice_no}, and refuses bad input."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from nara.testing import stack as shared
from tests.integration.support import (
    TIME_SCALE,
    ApiStack,
    announce,
    bid,
    bid_body,
    new_queue,
    register,
    send_bid,
    wait_for,
)

SLOW_S = 2.0
PROBE = "느린검색탐침"


@pytest.fixture(scope="module")
async def stack(
    dev_env: WorkflowEnvironment, db_engine: AsyncEngine, database_url: str
) -> AsyncIterator[ApiStack]:
    """The module's stack, its searches allowed SLOW_S and more before the timeout."""
    async with shared.running_stack(
        dev_env.client,
        database_url,
        task_queue=new_queue("search"),
        time_scale=TIME_SCALE,
        engine=db_engine,
        SEARCH_STATEMENT_TIMEOUT_MS=int(SLOW_S * 1000) + 2000,
        SEARCH_MAX_CONCURRENCY=2,
    ) as stack:
        yield stack


@pytest.fixture
async def http(stack: ApiStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        yield client


@pytest.fixture
async def slow_probe(db_engine: AsyncEngine) -> AsyncIterator[None]:
    """nara_search_key sleeps SLOW_S for the probe word only: the search's first statement
    on the search pool holds its connection and slot in the database, as a slow search does."""
    async with db_engine.begin() as conn:
        original = await conn.scalar(
            text("SELECT pg_get_functiondef('nara_search_key(text)'::regprocedure)")
        )
        await conn.execute(
            text(
                "CREATE OR REPLACE FUNCTION nara_search_key(t text) RETURNS text "
                "LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN "
                f"IF t = '{PROBE}' THEN PERFORM pg_sleep({SLOW_S}); END IF; "
                "RETURN lower(regexp_replace(normalize(t, NFKC), "
                "'[[:space:][:punct:]]+', '', 'g')); END $$"
            )
        )
    try:
        yield
    finally:
        async with db_engine.begin() as conn:
            await conn.execute(text(original))


async def test_search_input_is_checked_and_the_route_is_public(http: httpx.AsyncClient) -> None:
    page = await http.get("/tenders/search", params={"q": "도로포장", "limit": 5})
    assert page.status_code == 200, page.text
    assert page.json()["matched"] in ("exact", "similar")
    for params, field in (
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"q": "가" * 101}, "query.q"),
        ({"cursor": "garbage"}, "query.cursor"),
        ({"q": "..."}, "query.q"),
        ({"price_min": 10, "price_max": 5}, "query.price_max"),
        ({"deadline_from": "2026-12-01T10:00:00"}, "query.deadline_from"),
        ({"sort": "price"}, "query.sort"),
    ):
        refused = await http.get("/tenders/search", params=params)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["field"] == field, (params, refused.json())


async def test_a_full_search_pool_answers_503_fast_and_bids_go_through(
    http: httpx.AsyncClient, stack: ApiStack, slow_probe: None
) -> None:
    cast = await register(http, stack, businesses=2)
    notice = (await announce(http, cast, notice_s=12.0))["notice_no"]
    await wait_for(http, notice, "bidding")
    first, second = cast.businesses
    started = time.perf_counter()
    assert (await bid(http, stack, cast, notice, first, 95_000_000)).status_code == 201
    normal_s = time.perf_counter() - started
    body = await bid_body(http, stack, cast, notice, second, 96_000_000)

    slots = stack.settings.search_max_concurrency
    hogs = [
        asyncio.create_task(http.get("/tenders/search", params={"q": PROBE})) for _ in range(slots)
    ]
    await asyncio.sleep(0.5)  # every slot is now sleeping in the database
    try:
        refused_after: list[float] = []
        for _ in range(5):
            t0 = time.perf_counter()
            refused = await http.get("/tenders/search", params={"q": "도로포장"})
            refused_after.append(time.perf_counter() - t0)
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"] == "1"
            assert refused.json()["code"] == "search-unavailable"
        t0 = time.perf_counter()
        accepted = await send_bid(http, stack, notice, body, cast.agents[second])
        under_load_s = time.perf_counter() - t0
        assert not any(hog.done() for hog in hogs), "the slow searches ended too early"
    finally:
        answers = await asyncio.gather(*hogs)
    assert accepted.status_code == 201, accepted.text
    # Refused at once: the wait for a slot (SEARCH_QUEUE_WAIT_MS) plus a loopback round trip.
    assert max(refused_after) < 0.25, refused_after
    # The bid took no longer than a normal one did (sealing and signing were done before).
    assert under_load_s < max(1.0, normal_s), (under_load_s, normal_s)
    assert all(answer.status_code == 200 for answer in answers), [a.text for a in answers]
