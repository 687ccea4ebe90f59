"""Tender search on a national catalogue: ten query shapes against a naive scan, and bids
while 50 clients storm search.

A fresh database on PostgreSQL (DATABASE_URL, else an embedded server) gets N catalogue
tenders (`nara seed`, default 1,000,000; COPY, the trigram index rebuilt after the load),
timed. Then:

1. Ten query shapes (keyword only, a spaced keyword, part of a word, two syllables, a
   keyword with filters, filters only, a misspelt keyword, the 50th page, ...), each run
   through the search service on a search engine as the API runs it (the search pool's
   settings, the statement timeout), p50/p95 over R runs; beside each, the same question
   written as a naive query: `title || agency || description ILIKE '%words%'` with the
   same filters, sorted by deadline, OFFSET for the deep page, and `count(*)` for the
   total (filter-only shapes: the same filters with index scans switched off), p50 over
   fewer runs (they are slow).
2. The stack of bench/bids.py on the same database (dev server, worker, the API as `nara
   api` in a child process with its default search settings): an agency and B businesses
   registered and logged in, one construction tender announced and opened; the bids are
   made (sealed, signed, confirmed) before the clock; then B/2 bids one after another
   alone, and B/2 more while 50 clients (in a process of their own) send GET
   /tenders/search back to back (mixed shapes), each waiting as Retry-After says after a
   503 as a well-behaved client does. Reported: bid latency p50/p95 both ways and their
   ratio, and how the storm's searches were answered (200, or 503 with Retry-After).

Goals: p95 under 50 ms for every shape, at least 50x the naive query, storm ratio (p50)
at most 1.2.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import _common as c
import httpx
from bids import ESTIMATED_PRICE, announce, wait_bidding
from sqlalchemy import text

from nara.domain.enums import Category, Phase
from nara.domain.errors import SearchUnavailable
from nara.services import search
from nara.settings import Settings
from nara.store.search import Filters

NOW = datetime.now(UTC)
STORM_CLIENTS = 50

# (label, words, filters, sort, pages): pages > 1 follows cursors and times the last page.
SHAPES: list[tuple[str, str | None, dict[str, Any], str, int]] = [
    ("keyword", "도로포장", {}, "deadline", 1),
    ("rare keyword", "정밀안전점검", {}, "deadline", 1),
    ("spaced keyword", "하수관로 정비", {}, "deadline", 1),
    ("part of a word", "포장공사", {}, "deadline", 1),
    ("two syllables", "청소", {}, "deadline", 1),
    (
        "keyword + filters",
        "복합기",
        {"category": Category.GOODS, "region": "서울특별시", "phase": Phase.BIDDING},
        "deadline",
        1,
    ),
    (
        "keyword + price, deadline",
        "교량",
        {
            "price_min": 1_000_000_000,
            "price_max": 5_000_000_000,
            "deadline_from": NOW - timedelta(days=20),
            "deadline_to": NOW + timedelta(days=10),
        },
        "deadline",
        1,
    ),
    (
        "filters only",
        None,
        {"category": Category.CONSTRUCTION, "region": "부산광역시", "phase": Phase.BIDDING},
        "deadline",
        1,
    ),
    ("misspelt keyword", "도로포정공사", {}, "relevance", 1),
    ("deep page (50th)", "구매", {}, "deadline", 50),
]
PAGE = 20


def naive_sql(
    words: str | None, filters: dict[str, Any], offset: int
) -> tuple[str, dict[str, Any]]:
    """The same question as a first attempt would write it: ILIKE over the joined text."""
    where, params = ["TRUE"], {}
    if words:
        where.append("(t.title || ' ' || a.name || ' ' || t.description) ILIKE :pattern")
        params["pattern"] = f"%{words}%"
    for name, column in (("category", "category"), ("region", "region"), ("phase", "phase")):
        if name in filters:
            where.append(f"t.{column} = :{name}")
            params[name] = str(filters[name])
    for name, clause in (
        ("price_min", "t.estimated_price >= :price_min"),
        ("price_max", "t.estimated_price <= :price_max"),
        ("deadline_from", "t.deadline >= :deadline_from"),
        ("deadline_to", "t.deadline < :deadline_to"),
    ):
        if name in filters:
            where.append(clause)
            params[name] = filters[name]
    joined = f"FROM tender t JOIN agency a ON a.code = t.agency_code WHERE {' AND '.join(where)}"
    page = f"SELECT t.* {joined} ORDER BY t.deadline, t.id LIMIT {PAGE} OFFSET {offset}"
    return [page, f"SELECT count(*) {joined}"], params


async def shapes(url: str, runs: int, naive_runs: int, bar: Any) -> list[dict[str, Any]]:
    from nara.api.search_gate import SearchGate

    gate = SearchGate.from_settings(Settings(DATABASE_URL=url))  # type: ignore[call-arg]
    results = []
    task = bar.add_task("query shapes", total=len(SHAPES), info="")
    try:
        for label, words, raw, sort, pages in SHAPES:
            filters = Filters(**raw)
            timings: list[float] = []
            found, timeouts, page = 0, 0, None
            for _ in range(runs):
                cursor = None
                for _page in range(pages):
                    started = time.perf_counter()
                    try:
                        async with gate.session() as session:
                            page = await search.search(
                                session=session,
                                words=words,
                                filters=filters,
                                sort=sort,  # type: ignore[arg-type]
                                cursor=cursor,
                                limit=PAGE,
                            )
                    except SearchUnavailable:  # the statement timeout: counted as its time
                        timeouts += 1
                        break
                    finally:
                        elapsed = time.perf_counter() - started
                    cursor = page.next_cursor
                timings.append(elapsed)  # the last page's time
                found = len(page.items) if page else 0
            sql, params = naive_sql(words, raw, (pages - 1) * PAGE)
            naive: list[float] = []
            async with gate.engine.connect() as conn:
                await conn.execute(text("SET statement_timeout = 0"))
                if words is None:
                    await conn.execute(text("SET enable_indexscan = off"))
                    await conn.execute(text("SET enable_bitmapscan = off"))
                for _ in range(naive_runs):
                    started = time.perf_counter()
                    for statement in sql:
                        await conn.execute(text(statement), params)
                    naive.append(time.perf_counter() - started)
                await conn.rollback()
            p50, p95 = c.percentile(timings, 50), c.percentile(timings, 95)
            naive_p50 = c.percentile(naive, 50)
            results.append(
                {
                    "shape": label,
                    "words": words,
                    "rows": found,
                    "matched": page.matched if page else "-",
                    "timeouts": timeouts,
                    "p50_ms": round(p50 * 1000, 2),
                    "p95_ms": round(p95 * 1000, 2),
                    "naive_p50_ms": round(naive_p50 * 1000, 1),
                    "speedup": round(naive_p50 / p50, 1),
                }
            )
            bar.advance(task)
            bar.update(task, info=f"{label}: {p95 * 1000:.1f} ms p95")
    finally:
        await gate.aclose()
    return results


def _storm(api_url: str, words: list[str], ready: Any, stop: Any, tally: Any) -> None:
    """The storm, in a process of its own (its CPU is not the bidder's): STORM_CLIENTS
    clients search back to back, each waiting as Retry-After says after a 503."""
    answers: Counter[int] = Counter()

    async def client(n: int) -> None:
        async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
            i = n
            while not stop.is_set():
                response = await http.get(
                    "/tenders/search", params={"q": words[i % len(words)], "limit": PAGE}
                )
                answers[response.status_code] += 1
                ready.set()
                if response.status_code == 503:
                    if "Retry-After" not in response.headers:
                        answers[-1] += 1
                    await asyncio.sleep(float(response.headers.get("Retry-After", 1)))
                i += 1

    async def main() -> None:
        await asyncio.gather(*(client(n) for n in range(STORM_CLIENTS)))

    asyncio.run(main())
    tally.put(answers)


async def storm(
    stack: Any, businesses: int, concurrency: int, bar: Any
) -> tuple[dict[str, Any], Counter[int]]:
    answers: Counter[int] = Counter()
    async with c.http_client(stack.api_url, concurrency) as http:
        cast = await c.register_cast(http, stack, businesses=businesses, concurrency=concurrency)
        notice, _ = await announce(http, cast, 900.0)
        await wait_bidding(http, notice)
        ring = c.keyring(stack)
        key = await ring.tender_key(http, notice)
        bodies = []
        for i, business in enumerate(cast.businesses):
            agent = cast.agents[business]
            body = ring.sealed_bid(
                agent,
                key,
                {
                    "business_no": business,
                    "price": ESTIMATED_PRICE // 1000 * (880 + i % 30),
                    "reserve_picks": [1 + i % 7, 8 + i % 7],
                    "client_key": uuid.uuid4().hex,
                },
            )
            bodies.append((agent, body))
        half = len(bodies) // 2

        async def bids(chunk: list[tuple[str, dict[str, Any]]], label: str) -> list[float]:
            task = bar.add_task(f"bids {label}", total=len(chunk), info="")
            latencies = []
            for agent, body in chunk:
                started = time.perf_counter()
                response = await http.post(
                    f"/tenders/{notice}/bids", json=body, headers=c.as_(agent)
                )
                latencies.append(time.perf_counter() - started)
                await c.expect(response, 201)
                bar.advance(task)
            return latencies

        alone = await bids(bodies[:half], "alone")
        words = [shape[1] or "공사" for shape in SHAPES]
        ctx = multiprocessing.get_context("spawn")
        ready, stop, tally = ctx.Event(), ctx.Event(), ctx.Queue()
        searchers = ctx.Process(target=_storm, args=(stack.api_url, words, ready, stop, tally))
        searchers.start()
        await asyncio.to_thread(ready.wait, 60)
        await asyncio.sleep(1.0)  # every client of the storm is searching
        try:
            stormed = await bids(bodies[half:], "during the storm")
        finally:
            stop.set()
            answers.update(await asyncio.to_thread(tally.get, True, 60))
            searchers.join(10)
    base_p50, storm_p50 = c.percentile(alone, 50), c.percentile(stormed, 50)
    return (
        {
            "bids_each": half,
            "alone_p50_ms": round(base_p50 * 1000, 1),
            "alone_p95_ms": round(c.percentile(alone, 95) * 1000, 1),
            "storm_p50_ms": round(storm_p50 * 1000, 1),
            "storm_p95_ms": round(c.percentile(stormed, 95) * 1000, 1),
            "ratio_p50": round(storm_p50 / base_p50, 2),
            "ratio_p95": round(c.percentile(stormed, 95) / c.percentile(alone, 95), 2),
        },
        answers,
    )


async def measure(args: Any) -> c.Outcome:
    from nara.stack.seed import seed
    from nara.testing import servers
    from nara.testing.stack import running_stack

    with c.progress() as bar, _catalogue(args) as url:
        load = bar.add_task("seeding tenders", total=args.tenders, info="COPY")
        started = time.perf_counter()
        if args.database is None:
            await asyncio.to_thread(
                seed,
                url,
                args.tenders,
                progress=lambda n: bar.advance(load, n),
                rebuild_index=True,
            )
        seed_s = time.perf_counter() - started
        bar.update(load, info=f"{seed_s:.0f} s")
        measured = await shapes(url, args.runs, args.naive_runs, bar)
        stormed: dict[str, Any] = {"ratio_p50": float("nan")}
        answers: Counter[int] = Counter()
        if not args.no_storm:
            async with (
                servers.dev_server() as env,
                running_stack(
                    env.client,
                    url,
                    task_queue=c.new_queue("search"),
                    time_scale=20_000,
                    api="process",
                    SEARCH_MAX_CONCURRENCY=args.search_concurrency,
                ) as stack,
            ):
                stormed, answers = await storm(stack, args.businesses, 16, bar)

    rows: list[tuple[str, str]] = [
        ("tenders seeded", f"{args.tenders:,} in {seed_s:.0f} s"),
        ("", ""),
    ]
    for r in measured:
        rows.append(
            (
                f"{r['shape']} ({r['words'] or 'no keyword'})",
                f"p50 {r['p50_ms']:.1f} / p95 {r['p95_ms']:.1f} ms; naive {r['naive_p50_ms']:.0f}"
                f" ms; {r['speedup']:.0f}x; {r['rows']} rows {r['matched']}",
            )
        )
    rows += (
        []
        if args.no_storm
        else [
            ("", ""),
            ("bids alone p50 / p95", f"{stormed['alone_p50_ms']} / {stormed['alone_p95_ms']} ms"),
            (
                "bids in the storm p50 / p95",
                f"{stormed['storm_p50_ms']} / {stormed['storm_p95_ms']} ms",
            ),
            ("storm ratio p50 (p95)", f"{stormed['ratio_p50']} ({stormed['ratio_p95']})"),
            ("storm searches answered", ", ".join(f"{k}: {v}" for k, v in sorted(answers.items()))),
        ]
    )
    checks = {
        "p95 under 50 ms, every shape": all(r["p95_ms"] < 50 for r in measured),
        "50x the naive query, every shape": all(r["speedup"] >= 50 for r in measured),
        "storm ratio at most 1.2": stormed["ratio_p50"] <= 1.2,
        "every 503 carried Retry-After": answers.get(-1, 0) == 0,
    }
    return c.Outcome(
        params={
            "tenders": args.tenders,
            "runs": args.runs,
            "naive_runs": args.naive_runs,
            "businesses": args.businesses,
            "storm_clients": STORM_CLIENTS,
            "search_max_concurrency": args.search_concurrency,
        },
        metrics={
            "seed_s": round(seed_s, 1),
            "shapes": measured,
            "storm": stormed,
            "storm_answers": dict(answers),
        },
        table=c.table(f"Tender search on {args.tenders:,} tenders", rows),
        checks=checks,
    )


@contextmanager
def _catalogue(args: Any) -> Iterator[str]:
    """A fresh database to seed, or the one --database names (kept as it is)."""
    if args.database is not None:
        yield args.database
        return
    with c.database("search") as url:
        yield url


def main() -> int:
    p = c.parser(__doc__)
    p.add_argument(
        "-n", "--tenders", type=c.positive_int, default=1_000_000, help="catalogue size (N)"
    )
    p.add_argument("-r", "--runs", type=c.positive_int, default=40, help="runs per shape (R)")
    p.add_argument("--naive-runs", type=c.positive_int, default=3, help="runs of each naive query")
    p.add_argument(
        "-b", "--businesses", type=c.positive_int, default=60, help="bidders (B), half each way"
    )
    p.add_argument(
        "--database",
        help="measure this already seeded database (a URL) instead: nothing is seeded, "
        "created or dropped; the seeding time is then not measured",
    )
    p.add_argument("--no-storm", action="store_true", help="the query shapes only")
    p.add_argument(
        "--search-concurrency",
        type=c.positive_int,
        default=2,
        help="SEARCH_MAX_CONCURRENCY of the API during the storm (its default is 2)",
    )
    args = p.parse_args()
    return c.run("search", args, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
