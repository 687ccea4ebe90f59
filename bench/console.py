"""Page load time of the console's "my work" (the tender list) with 10,000 tenders in the agency.

The stack of the other scripts (a fresh database, the dev server, the simulators, a worker
and `nara api`). The operator registers an agency with its officer, who logs in with a
certificate; T tenders of that agency are then written straight into PostgreSQL with COPY
(not through the workflow: this measures reading them), spread over the phases, a share
of them waiting for the officer. Then N loads of GET /console (the officer's session in
the console's cookie, as a browser sends it), first one at a time, then C at a time, and
N loads of a phase-filtered page (`?phase=evaluating`), each a whole HTML page: the
waiting tenders, the contracts to sign, the agency's count and the first 50 of the rest.

Reported: the page load time one request at a time (what a person waits for), then
pages per second and latency p50/p95/p99 under load; checks: every page was 200
and lists the waiting tenders first.
"""

from __future__ import annotations

import io
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import _common as c
import httpx

PHASES = ["bidding", "closed", "evaluating", "awarded", "contracted", "paying", "completed"]
COLUMNS = (
    "id, notice_no, base_no, round, workflow_id, agency_code, officer_id, title, description, "
    "category, method, agency_kind, urgent, a_value_items, sme_competitive, estimated_price, "
    "base_amount, announced_at, deadline, opening_at, bidding_open, phase, awaiting_role, "
    "outcome_note, created_at, updated_at"
)


@dataclass
class Pages:
    label: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    def metrics(self) -> dict[str, Any]:
        return {
            "count": len(self.latencies),
            "wall_s": round(self.wall_s, 3),
            "per_s": round(len(self.latencies) / self.wall_s, 1) if self.wall_s else 0.0,
            "latency_ms": c.latency_summary_ms(self.latencies),
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
        }


def _rows(agency: str, officer: str, tenders: int, waiting_share: float, seed: int) -> str:
    """The tenders as COPY text: notice numbers 2026xxxxxxx-00, phases spread."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    out = io.StringIO()
    for i in range(tenders):
        notice = f"2026{9_000_000 + i:07d}"
        phase = rng.choice(PHASES)
        waiting = rng.random() < waiting_share
        if waiting:
            phase = "evaluating"
        at = now - timedelta(minutes=rng.randint(1, 60 * 24 * 30))
        deadline = at + timedelta(days=7)
        values = [
            str(uuid.uuid4()), f"{notice}-00", notice, "0", f"tender-{notice}-00", agency,
            officer, f"Bench tender {i}", "", "goods", "general", "national", "f", "{}", "f",
            "100000000", "100000000", at.isoformat(), deadline.isoformat(),
            (deadline + timedelta(hours=1)).isoformat(), "t" if phase == "bidding" else "f",
            phase, "officer" if waiting else "\\N",
            f"reviewing candidate 1: bench {i}" if waiting else "\\N",
            at.isoformat(), at.isoformat(),
        ]  # fmt: skip
        out.write("\t".join(values) + "\n")
    return out.getvalue()


async def seed(database_url: str, agency: str, officer: str, args: Any) -> float:
    """COPY the tenders in; the seconds it took."""
    import psycopg

    data = _rows(agency, officer, args.tenders, args.waiting_share, seed=7)
    t0 = time.perf_counter()
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(url) as conn:
        async with conn.cursor() as cur, cur.copy(f"COPY tender ({COLUMNS}) FROM STDIN") as copy:
            await copy.write(data)
        await conn.execute("ANALYZE tender")
    return time.perf_counter() - t0


async def load(
    http: httpx.AsyncClient, path: str, cookie: str, pages: Pages, n: int, concurrency: int
) -> None:
    async def one(_: int) -> None:
        t0 = time.perf_counter()
        response = await http.get(path, headers={"Cookie": cookie, "Accept": "text/html"})
        if response.status_code != 200 or "waiting-tenders" not in response.text:
            pages.errors.append(f"{response.status_code}: {response.text[:120]}")
            return
        pages.latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await c.gather_limited(list(range(n)), concurrency, one)
    pages.wall_s = time.perf_counter() - t0


async def measure(args: Any) -> c.Outcome:
    with c.progress() as bar:
        task = bar.add_task("starting the stack", total=4, info="")
        t0 = time.perf_counter()
        async with c.api_stack("console", time_scale=1, api_mode=args.api) as stack:
            stack_s = time.perf_counter() - t0
            bar.update(task, advance=1, description="registering the agency")
            async with c.http_client(stack.api_url, args.concurrency) as http:
                cast = await c.register_cast(http, stack, businesses=0, concurrency=1)
                token = c.as_(cast.officer)["Authorization"].split()[-1]
                bar.update(task, advance=1, description=f"COPY {args.tenders:,} tenders")
                seed_s = await seed(stack.database_url, cast.agency_code, cast.officer, args)
                bar.update(task, advance=1, description="loading pages")
                cookie = f"nara_session={token}"
                await load(http, "/console", cookie, Pages("warm-up"), 5, 1)
                one = Pages("my work, one at a time")
                await load(http, "/console", cookie, one, args.loads, 1)
                all_ = Pages(f"my work, {args.concurrency} in flight")
                await load(http, "/console", cookie, all_, args.loads, args.concurrency)
                filtered = Pages(f"my work?phase=evaluating, {args.concurrency} in flight")
                await load(
                    http, "/console?phase=evaluating", cookie, filtered, args.loads,
                    args.concurrency,
                )  # fmt: skip
                bar.update(task, advance=1)
    metrics = {
        "page_load": one.metrics(),
        "my_work": all_.metrics(),
        "my_work_phase": filtered.metrics(),
        "seed_s": round(seed_s, 2),
        "stack_start_s": round(stack_s, 2),
    }
    rows = []
    for pages in (one, all_, filtered):
        m = pages.metrics()
        rows.append((f"{pages.label}: pages per second", f"{m['per_s']:.1f}"))
        rows.append((f"{pages.label}: latency p50/p95/p99", c.fmt_ms(m["latency_ms"])))
        rows.append((f"{pages.label}: errors", str(m["errors"])))
    rows += [
        (f"COPY of {args.tenders:,} tenders", c.fmt_s(seed_s)),
        ("stack start", c.fmt_s(stack_s)),
    ]
    return c.Outcome(
        params={
            "tenders": args.tenders,
            "waiting_share": args.waiting_share,
            "loads": args.loads,
            "concurrency": args.concurrency,
            "api": args.api,
        },
        metrics=metrics,
        table=c.table(
            f"Console 'my work': {args.tenders:,} tenders in the agency, {args.loads} loads, "
            f"{args.concurrency} in flight",
            rows,
            caption="GET /console as the officer (session cookie): a whole HTML page",
        ),
        checks={
            "every page answered 200 with the waiting list": not (
                one.errors or all_.errors or filtered.errors
            )
        },
        notes=["the tenders are COPYed into PostgreSQL: the page reads rows, not workflows"],
    )


def main() -> int:
    p = c.parser(__doc__)
    p.add_argument("-t", "--tenders", type=c.positive_int, default=10_000, help="tenders (T)")
    p.add_argument(
        "-w", "--waiting-share", type=c.share, default=0.01, help="share waiting for the officer"
    )
    p.add_argument("-n", "--loads", type=c.positive_int, default=200, help="page loads (N)")
    p.add_argument("-c", "--concurrency", type=c.positive_int, default=4, help="in flight (C)")
    p.add_argument("--api", choices=c.API_MODES, default="process", help=c.API_MODE_HELP)
    args = p.parse_args()
    return c.run("console", args, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
