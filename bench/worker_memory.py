"""A worker's memory with thousands of tenders open, and what its sticky cache costs.

The stack is the one of workflows.py, except the worker: no worker runs in this process;
`nara worker` runs as a child (production's shape), so its resident memory is its own, with
WORKER_MAX_CACHED_WORKFLOWS set to --cache. The API (`nara api`) runs at NARA_TIME_SCALE 1:
the law's notice period is real, so every tender announced stays open (bidding, its timer
days away) for as long as the benchmark runs.

1. Announce: T tenders through POST /tenders (C in flight), their deadlines on the 10:00
   and 11:00 KST hours of the days after the notice period, at most 1,400 per hour (the
   cap is 1,500). Measured: announcements per second; the worker's RSS before the first
   and once every workflow has opened bidding (PostgreSQL says so).
2. Touch: GET /tenders/{n} for every tender (C in flight): the API queries each tender's
   workflow, so a worker whose cache holds fewer than T replays a tender from its history
   for each query it answers. Measured: the reads' latency (p50, p95) and the RSS after.
Reported: the worker's RSS before, at its peak and at the end (sampled every 0.5 s with
psutil), per open tender, and the goal: under 1 GiB with 10,000 tenders open.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import _common as c
import httpx
import psutil
from sqlalchemy import text

from nara.domain.calendar import SEOUL
from nara.settings import Settings
from nara.testing.stack import worker_process

CACHE_DEFAULT: int = Settings.model_fields["worker_max_cached_workflows"].default

PER_HOUR = 1_400  # under the 1,500-per-hour cap
GOAL_MIB = 1024


class Rss:
    """The resident memory of one process, sampled every 0.5 s."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0.0

    def now(self) -> float:
        mib = self.process.memory_info().rss / 2**20
        self.peak = max(self.peak, mib)
        return mib

    async def sample(self) -> None:
        while True:
            self.now()
            await asyncio.sleep(0.5)


def deadlines(count: int) -> list[datetime]:
    """Tender i's deadline: the 10:00 or 11:00 KST hour of a day after the notice period
    (7 days and a margin), PER_HOUR tenders to an hour."""
    first_day = (datetime.now(SEOUL) + timedelta(days=9)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    slots = [
        first_day + timedelta(days=k // 2, hours=10 + k % 2) for k in range(-(-count // PER_HOUR))
    ]
    return [slots[i // PER_HOUR] for i in range(count)]


async def announce(http: httpx.AsyncClient, cast: c.Cast, count: int, conc: int) -> list[str]:
    tag = uuid.uuid4().hex[:6]
    at = deadlines(count)
    notices: list[str] = []
    with c.progress() as bar:
        task = bar.add_task("announcing", total=count, info="")

        async def one(i: int) -> None:
            body = {
                "title": f"Office chairs, lot {i} (bench {tag})",
                "category": "goods",
                "method": "general",
                "estimated_price": 100_000_000,
                "deadline": at[i].isoformat(),
                "opening_at": (at[i] + timedelta(hours=1)).isoformat(),
            }
            response = await http.post("/tenders", json=body, headers=c.as_(cast.officer))
            notices.append((await c.expect(response, 201))["notice_no"])
            bar.advance(task)

        await c.gather_limited(list(range(count)), conc, one)
    return notices


async def touch(
    http: httpx.AsyncClient, cast: c.Cast, notices: list[str], conc: int
) -> list[float]:
    latencies: list[float] = []
    with c.progress() as bar:
        task = bar.add_task("reading every tender", total=len(notices), info="")

        async def one(notice: str) -> None:
            began = time.perf_counter()
            await c.expect(await http.get(f"/tenders/{notice}", headers=c.as_(cast.officer)), 200)
            latencies.append(time.perf_counter() - began)
            bar.advance(task)

        await c.gather_limited(notices, conc, one)
    return latencies


async def measure(args: Any) -> c.Outcome:
    async with c.api_stack("worker-memory", time_scale=1, in_process_worker=False) as stack:
        environment = {**stack.environment, "WORKER_MAX_CACHED_WORKFLOWS": args.cache}
        with worker_process(environment) as worker:
            rss = Rss(worker.pid)
            sampling = asyncio.create_task(rss.sample())
            async with c.http_client(stack.api_url, args.concurrency) as http:
                cast = await c.register_cast(http, stack, businesses=1, concurrency=1)
                before = rss.now()
                began = time.perf_counter()
                notices = await announce(http, cast, args.tenders, args.concurrency)
                announce_s = time.perf_counter() - began

                async def all_bidding() -> bool:
                    async with stack.engine.connect() as db:
                        n = await db.scalar(
                            text("SELECT count(*) FROM tender WHERE phase = 'bidding'")
                        )
                    return int(n or 0) >= len(notices)

                await c.eventually(all_bidding, timeout_s=600, every_s=1.0, what="bidding")
                settled_s = time.perf_counter() - began
                opened = rss.now()
                reads = await touch(http, cast, notices, args.concurrency)
                after = rss.now()
            sampling.cancel()
    peak = max(rss.peak, after)
    per_tender_kib = (opened - before) * 1024 / len(notices)
    p50, p95 = c.percentile(reads, 50), c.percentile(reads, 95)
    rows = [
        ("tenders open", f"{len(notices):,} (WORKER_MAX_CACHED_WORKFLOWS {args.cache:,})"),
        (
            "announcements",
            f"{len(notices) / announce_s:.1f}/s; all bidding after {settled_s:.0f} s",
        ),
        ("worker RSS before", f"{before:.0f} MiB"),
        ("worker RSS, all open", f"{opened:.0f} MiB ({per_tender_kib:.1f} KiB per tender)"),
        ("worker RSS after reading every tender", f"{after:.0f} MiB"),
        ("worker RSS peak (goal < 1 GiB)", f"{peak:.0f} MiB"),
        ("GET /tenders/{n} (a workflow query each)", f"p50 {c.fmt_s(p50)}, p95 {c.fmt_s(p95)}"),
    ]
    return c.Outcome(
        params={"tenders": args.tenders, "cache": args.cache, "concurrency": args.concurrency},
        metrics={
            "announcements_per_s": round(len(notices) / announce_s, 1),
            "settled_s": round(settled_s, 1),
            "rss_before_mib": round(before),
            "rss_open_mib": round(opened),
            "rss_after_reads_mib": round(after),
            "rss_peak_mib": round(peak),
            "kib_per_open_tender": round(per_tender_kib, 1),
            "read_p50_s": round(p50, 4),
            "read_p95_s": round(p95, 4),
        },
        table=c.table(f"A worker with {len(notices):,} tenders open", rows),
        checks={
            "every tender announced": len(notices) == args.tenders,
            "worker under 1 GiB": peak < GOAL_MIB,
        },
        notes=["the worker is `nara worker` in a child process; RSS sampled every 0.5 s"],
    )


def main() -> int:
    p = c.parser(__doc__)
    p.add_argument("-t", "--tenders", type=c.positive_int, default=10_000, help="open tenders (T)")
    p.add_argument(
        "--cache",
        type=c.positive_int,
        default=CACHE_DEFAULT,
        help="WORKER_MAX_CACHED_WORKFLOWS of the worker (default: the project's)",
    )
    p.add_argument("-c", "--concurrency", type=c.positive_int, default=16, help="in flight (C)")
    args = p.parse_args()
    return c.run("worker_memory", args, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
