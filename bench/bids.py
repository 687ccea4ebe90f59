"""Bid submissions per second through the real API, against a bare endpoint, one tender and
twenty at once, while the audit log's sequencer keeps up.

The stack is the one of tests/integration: a fresh database on PostgreSQL (DATABASE_URL,
else an embedded server), the Temporal dev server with the project's search attributes,
the simulators, a worker (`build_worker`, with the audit log's sequencer); the API is
`create_app` under uvicorn on a loopback port, by default as `nara api` in a child process
(production's shape; --api thread runs it in this process as the integration tests do).
The API keeps its own settings (pool size and all) except a compressed clock,
NARA_TIME_SCALE, so the deadline of a big construction tender (20 bn) can be minutes away
while it still counts as a legal notice period.

Through the API, the stack's operator registers an agency with its officer and B businesses
each with a supplier agent; everyone logs in as a person would (a key certified by the CA
simulator, a signed challenge, a bearer token every later request carries) and every agent
enrols a passkey. Each bid is made by the bidder client before the clock starts (sealed to
the tender's key with HPKE, signed with the agent's certificate key, confirmed with their
passkey; its time is reported apart) and checked by the API (session, e-signature, passkey,
the key service's check value) before a transaction that locks the bid's competition on
the tender, takes the tender row FOR SHARE, checks the database clock, inserts the bid and
its audit entry; the answer is a signed receipt, checked outside the measured time.

Runs, each B bids with C requests in flight:
1. one tender, every business once;
2. one tender again, plus replays: a share of requests (default 10%) repeat another's
   client_key (a client retrying), answered 200 with the first bid's receipt;
3. twenty tenders at once, the businesses spread over them;
4. the baseline: a bare endpoint (bench/_bare.py, uvicorn in a child process on the same
   PostgreSQL) doing only the bid transaction (tender row FOR SHARE, the database clock,
   the insert), driven the same way.
Meanwhile the age of the oldest audit entry not yet sequenced is sampled every 0.2 s.
Reported: bids/s and latency per run, one tender / bare endpoint, twenty tenders / one
tender, and the sequencer's worst lag, against the goals (0.5x, p99 under 250 ms, 0.9x,
2 s). Checks: every request answered as expected, exactly B bids per run in PostgreSQL.
Then every open tender of the agency is cancelled through the API.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import _common as c
import httpx
from sqlalchemy import func, select, text

from nara.wallet.bidder import ReceiptInvalid, body_sha256, check_receipt, fetch_server_keys

API_SHAPES = {
    "process": "`nara api` child process",
    "thread": "uvicorn thread sharing the GIL with the client and the worker",
}
ESTIMATED_PRICE = 20_000_000_000
"""A big construction tender still awarded by qualification review (under 30 bn)."""


@dataclass
class Request:
    business: str
    agent: str
    client_key: str
    price: int
    picks: list[int]
    replay: bool = False
    notice_no: str = ""
    """The tender (the run's when empty)."""


@dataclass
class Run:
    label: str
    notice_no: str = ""
    notices: list[str] = field(default_factory=list)
    """Every tender of the run (one, or several when bids are spread)."""
    path: str = "/tenders/{n}/bids"
    latencies: list[float] = field(default_factory=list)
    replay_latencies: list[float] = field(default_factory=list)
    sealing: list[float] = field(default_factory=list)  # the client's seal+sign+confirm
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    answers: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # key -> (status, id)
    wall_s: float = 0.0
    requests: int = 0
    bids_in_db: int = -1

    def record(self, req: Request, status: int, bid_id: str | None, elapsed: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        (self.replay_latencies if req.replay else self.latencies).append(elapsed)
        if bid_id is not None:
            self.answers.setdefault(req.client_key, []).append((status, bid_id))


def plan(cast: c.Cast, *, replay_share: float, seed: int) -> list[Request]:
    """One request per business; plus replays making `replay_share` of all requests."""
    rng = random.Random(seed)
    requests = []
    for no in cast.businesses:
        picks = rng.sample(range(1, 16), 2)
        price = ESTIMATED_PRICE // 1000 * rng.randrange(870, 920)  # 87-92% of the estimate
        requests.append(Request(no, cast.agents[no], uuid.uuid4().hex, price, picks))
    if replay_share > 0:
        replays = round(len(requests) * replay_share / (1 - replay_share))
        originals = rng.sample(requests, min(replays, len(requests)))
        copies = [
            Request(r.business, r.agent, r.client_key, r.price, list(r.picks), replay=True)
            for r in originals
        ]
        requests += copies
        rng.shuffle(requests)
    return requests


async def announce(http: httpx.AsyncClient, cast: c.Cast, notice_s: float) -> tuple[str, int]:
    """Announce the tender; (notice no, 503 answers retried before the 201)."""
    retried = 0
    while True:
        deadline = datetime.now().astimezone() + timedelta(seconds=notice_s)
        response = await http.post(
            "/tenders",
            headers=c.as_(cast.officer),
            json={
                "title": f"Regional hospital construction (bench {uuid.uuid4().hex[:6]})",
                "category": "construction",
                "method": "general",
                "estimated_price": ESTIMATED_PRICE,
                "deadline": deadline.isoformat(),
                "opening_at": (deadline + timedelta(seconds=5)).isoformat(),
            },
        )
        # 503 database-busy: the answer says retry (see workflows.py for what it leaves)
        if response.status_code == 503 and retried < 5:
            retried += 1
            continue
        body = await c.expect(response, 201)
        return str(body["notice_no"]), retried


async def cancel_round0(http: httpx.AsyncClient, engine: Any, cast: c.Cast) -> int:
    """Cancel every first-round tender of the agency still open; how many."""
    from nara.store.db import session_factory
    from nara.store.tables import Tender

    async with session_factory(engine)() as s:
        open_ = [
            no
            for (no,) in await s.execute(
                select(Tender.notice_no).where(
                    Tender.agency_code == cast.agency_code,
                    Tender.round == 0,
                    Tender.phase.in_(("announced", "bidding")),
                )
            )
        ]
    for no in open_:
        await c.expect(
            await http.post(
                f"/tenders/{no}/cancel",
                headers=c.as_(cast.officer),
                json={"reason": "benchmark finished"},
            ),
            202,
        )
    return len(open_)


async def wait_bidding(http: httpx.AsyncClient, notice_no: str) -> float:
    """Seconds until GET /tenders/{n} says the workflow opened bidding."""
    started = time.perf_counter()

    async def probe() -> bool:
        body = await c.expect(await http.get(f"/tenders/{notice_no}"), 200)
        return bool(body["bidding_open"]) and (body.get("live") or {}).get("phase") == "bidding"

    await c.wait_until(probe, timeout_s=30, every_s=0.05, what=f"bidding on {notice_no}")
    return time.perf_counter() - started


async def submit_all(
    http: httpx.AsyncClient,
    stack: Any,
    run: Run,
    requests: list[Request],
    concurrency: int,
    on_done: Any,
    *,
    bare: bool = False,
) -> None:
    # A retry resends the same bytes: one body per client key, sealed, signed and confirmed
    # by the agent's bidder client outside the measured time (as on their own machine).
    signed: dict[str, dict[str, Any]] = {}
    ring = c.keyring(stack)
    server_keys = {} if bare else await fetch_server_keys(http)
    for notice in {req.notice_no or run.notice_no for req in requests}:
        await ring.tender_key(http, notice)

    # Every body is made before the clock starts, so the client's own CPU (2 cores shared
    # with the API, PostgreSQL and Temporal) does not compete with the measured requests.
    for req in requests:
        if req.client_key in signed:
            continue
        notice = req.notice_no or run.notice_no
        sealing = time.perf_counter()
        body = ring.sealed_bid(
            req.agent,
            await ring.tender_key(http, notice),
            {
                "business_no": req.business,
                "price": req.price,
                "reserve_picks": req.picks,
                "client_key": req.client_key,
            },
        )
        signed[req.client_key] = body | {"agent_id": req.agent} if bare else body
        run.sealing.append(time.perf_counter() - sealing)

    async def one(req: Request) -> None:
        notice = req.notice_no or run.notice_no
        body = signed[req.client_key]
        started = time.perf_counter()
        try:
            response = await http.post(
                run.path.format(n=notice), json=body, headers=c.as_(req.agent)
            )
        except httpx.HTTPError as error:
            run.errors.append(f"{type(error).__name__}: {error}")
            run.record(req, 0, None, time.perf_counter() - started)
            on_done()
            return
        elapsed = time.perf_counter() - started
        bid_id = None
        if response.status_code in (200, 201):
            answer = response.json()
            bid_id = str(answer["id"])
            if not bare:
                if answer["replayed"] != (response.status_code == 200):
                    run.errors.append(f"{response.status_code} with replayed={answer['replayed']}")
                try:
                    check_receipt(
                        answer,
                        server_keys,
                        notice_no=notice,
                        bid_sha256=body_sha256(body, notice),
                    )
                except ReceiptInvalid as invalid:
                    run.errors.append(f"receipt: {invalid}")
        else:
            run.errors.append(c.problem(response))
        run.record(req, response.status_code, bid_id, elapsed)
        on_done()

    run.requests = len(requests)
    started = time.perf_counter()
    await c.gather_limited(requests, concurrency, one)
    run.wall_s = time.perf_counter() - started


async def count_bids(engine: Any, notice_nos: list[str]) -> int:
    from nara.store.db import session_factory
    from nara.store.tables import Bid, Tender

    async with session_factory(engine)() as s:
        return int(
            await s.scalar(
                select(func.count())
                .select_from(Bid)
                .join(Tender, Tender.id == Bid.tender_id)
                .where(Tender.notice_no.in_(notice_nos))
            )
            or 0
        )


@dataclass
class LagSampler:
    """How far the audit log's sequencer is behind: the age of the oldest entry not yet in
    the tree, sampled every `every_s` while the runs go."""

    engine: Any
    every_s: float = 0.2
    samples: list[float] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        from nara.store.db import session_factory

        sessions = session_factory(self.engine)
        while True:
            async with sessions() as s:
                lag = await s.scalar(
                    text(
                        "select coalesce(extract(epoch from clock_timestamp() - min(at)), 0) "
                        "from audit_event where seq is null"
                    )
                )
            self.samples.append(float(lag or 0))
            await asyncio.sleep(self.every_s)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._sample())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def worst_s(self) -> float:
        return max(self.samples, default=0.0)


@contextmanager
def bare_endpoint(database_url: str, pool_size: int) -> Iterator[str]:
    """bench/_bare.py under uvicorn in a child process (as `nara api` runs); its URL."""
    port = c.free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DB_POOL_SIZE": str(pool_size)}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "_bare:app", "--app-dir", str(Path(__file__).parent),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise c.CouldNotMeasure(f"the bare endpoint exited with {process.returncode}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise c.CouldNotMeasure("the bare endpoint did not start within 30 s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def consistent(run: Run) -> bool:
    """Every client_key answered with one bid id, exactly one 201 among its answers."""
    for answers in run.answers.values():
        ids = {bid_id for _, bid_id in answers}
        created = sum(1 for status, _ in answers if status == 201)
        if len(ids) != 1 or created != 1:
            return False
    return True


def run_metrics(run: Run, businesses: int) -> dict[str, Any]:
    accepted = run.statuses.get(201, 0)
    return {
        "notice_no": run.notice_no,
        "requests": run.requests,
        "wall_s": round(run.wall_s, 3),
        "requests_per_s": round(run.requests / run.wall_s, 1),
        "bids_per_s": round(accepted / run.wall_s, 1),
        "latency_ms": c.latency_summary_ms(run.latencies),
        "replay_latency_ms": c.latency_summary_ms(run.replay_latencies),
        "client_seal_sign_confirm_ms": c.latency_summary_ms(run.sealing),
        "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
        "errors": len(run.errors),
        "error_samples": run.errors[:5],
        "bids_in_db": run.bids_in_db,
        "bids_expected": businesses,
    }


SPREAD_TENDERS = 20


def spread(requests: list[Request], notices: list[str]) -> list[Request]:
    """The same bids, each business on one of `notices` in turn."""
    return [
        Request(
            r.business, r.agent, r.client_key, r.price, r.picks, notice_no=notices[i % len(notices)]
        )
        for i, r in enumerate(requests)
    ]


async def measure(args: Any) -> c.Outcome:
    runs: dict[str, Run] = {}
    with c.progress() as bar:
        setup = bar.add_task("starting the stack", total=1, info="dev server, API, worker")
        t0 = time.perf_counter()
        async with c.api_stack(
            "bids", time_scale=args.time_scale, api_mode=args.api, api_workers=args.api_workers
        ) as stack:
            pool_size = stack.settings.db_pool_size
            stack_s = time.perf_counter() - t0
            bar.update(setup, advance=1, info=f"{stack_s:.1f} s")
            lag = LagSampler(stack.engine)
            async with c.http_client(stack.api_url, args.concurrency) as http:
                reg = bar.add_task("registering businesses", total=args.businesses, info="")
                r0 = time.perf_counter()
                cast = await c.register_cast(
                    http,
                    stack,
                    businesses=args.businesses,
                    concurrency=args.concurrency,
                    on_business=lambda: bar.advance(reg),
                )
                register_s = time.perf_counter() - r0
                bar.update(reg, info=f"{args.businesses / register_s:.0f} businesses/s")
                announce_retries = 0

                async def announced(count: int) -> list[str]:
                    nonlocal announce_retries
                    notices = []
                    for _ in range(count):
                        notice, retried = await announce(http, cast, args.notice_s)
                        announce_retries += retried
                        notices.append(notice)
                    for notice in notices:
                        await wait_bidding(http, notice)
                    return notices

                async def go(run: Run, requests: list[Request], client: Any, bare: bool) -> None:
                    task = bar.add_task(f"bids: {run.label}", total=len(requests), info="")
                    await submit_all(
                        client, stack, run, requests, args.concurrency,
                        lambda t=task: bar.advance(t), bare=bare,
                    )  # fmt: skip
                    run.bids_in_db = await count_bids(stack.engine, run.notices)
                    bar.update(task, info=f"{run.statuses.get(201, 0) / run.wall_s:.0f} bids/s")
                    runs[run.label] = run

                lag.start()
                try:
                    for label, share in (("one tender", 0.0), ("with replays", args.replay_share)):
                        run = Run(label, notices=await announced(1))
                        run.notice_no = run.notices[0]
                        await go(run, plan(cast, replay_share=share, seed=len(runs)), http, False)
                    run = Run(f"{SPREAD_TENDERS} tenders", notices=await announced(SPREAD_TENDERS))
                    requests = spread(plan(cast, replay_share=0, seed=7), run.notices)
                    await go(run, requests, http, False)
                finally:
                    await lag.stop()
                # The baseline: the same bids, driven the same way, at the bare endpoint.
                run = Run("bare endpoint", notices=await announced(1), path="/bare/{n}/bids")
                run.notice_no = run.notices[0]
                with bare_endpoint(stack.database_url, pool_size) as bare_url:
                    async with c.http_client(bare_url, args.concurrency) as bare_http:
                        # the tender key comes from the API; the bids go to the bare endpoint
                        await c.keyring(stack).tender_key(http, run.notice_no)
                        await go(run, plan(cast, replay_share=0, seed=9), bare_http, True)
                cancelled = await cancel_round0(http, stack.engine, cast)

    one, replayed, spread_run, bare = (
        runs["one tender"], runs["with replays"], runs[f"{SPREAD_TENDERS} tenders"],
        runs["bare endpoint"],
    )  # fmt: skip

    def rate(run: Run) -> float:
        return run.statuses.get(201, 0) / run.wall_s if run.wall_s else 0.0

    vs_bare = rate(one) / rate(bare) if rate(bare) else 0.0
    spread_ratio = rate(spread_run) / rate(one) if rate(one) else 0.0
    p99 = c.latency_summary_ms(one.latencies)["p99"]
    metrics = {
        "stack_start_s": round(stack_s, 2),
        "register_s": round(register_s, 2),
        "businesses_registered_per_s": round(args.businesses / register_s, 1),
        "announce_503_retries": announce_retries,
        "tenders_cancelled": cancelled,
        "one_tender": run_metrics(one, args.businesses),
        "with_replays": run_metrics(replayed, args.businesses),
        "spread": run_metrics(spread_run, args.businesses),
        "bare_endpoint": run_metrics(bare, args.businesses),
        "one_tender_over_bare": round(vs_bare, 3),
        "spread_over_one_tender": round(spread_ratio, 3),
        "sequencer_lag_max_s": round(lag.worst_s(), 3),
        "sequencer_lag_samples": len(lag.samples),
    }
    replay_count = len(replayed.replay_latencies)
    checks = {
        "no errors": not (one.errors or replayed.errors or spread_run.errors or bare.errors),
        f"exactly {args.businesses} bids in the DB in every run": all(
            r.bids_in_db == args.businesses for r in runs.values()
        ),
        "one 201 and one bid id per client_key": all(consistent(r) for r in runs.values()),
        "goal: one tender at least 0.5x the bare endpoint": vs_bare >= 0.5,
        "goal: p99 under 250 ms (one tender)": p99 < 250,
        f"goal: {SPREAD_TENDERS} tenders at least 0.9x one tender": spread_ratio >= 0.9,
        "goal: the log never more than 2 s behind": lag.worst_s() <= 2.0,
    }

    def rows_for(run: Run, name: str) -> list[tuple[str, str]]:
        m = run_metrics(run, args.businesses)
        rows = [
            (f"{name}: requests", f"{m['requests']} in {m['wall_s']:.2f} s"),
            (f"{name}: bids accepted/s", f"{m['bids_per_s']:.1f}"),
            (f"{name}: latency p50/p95/p99", c.fmt_ms(m["latency_ms"])),
        ]
        if run.replay_latencies:
            rows.append((f"{name}: replay latency p50/p95/p99", c.fmt_ms(m["replay_latency_ms"])))
        rows += [
            (f"{name}: answers", ", ".join(f"{k}: {v}" for k, v in m["statuses"].items())),
            (f"{name}: bids in PostgreSQL", f"{m['bids_in_db']} of {args.businesses}"),
            ("", ""),
        ]
        return rows

    rows = [
        *rows_for(one, "one tender"),
        *rows_for(replayed, f"+{replay_count} replays"),
        *rows_for(spread_run, f"over {SPREAD_TENDERS} tenders"),
        *rows_for(bare, "bare endpoint (baseline)"),
        ("one tender / bare endpoint", f"{vs_bare:.2f} (goal 0.5)"),
        (f"{SPREAD_TENDERS} tenders / one tender", f"{spread_ratio:.2f} (goal 0.9)"),
        ("sequencer behind, worst sample", f"{lag.worst_s():.2f} s (goal 2 s)"),
        (
            "client seal+sign+confirm p50/p95/p99",
            c.fmt_ms(c.latency_summary_ms(one.sealing)),
        ),
        (
            "registration (3 writes, a certificate, a login, a passkey)",
            f"{metrics['businesses_registered_per_s']:.0f} businesses/s",
        ),
        ("stack start", c.fmt_s(stack_s)),
    ]
    return c.Outcome(
        params={
            "businesses": args.businesses,
            "concurrency": args.concurrency,
            "replay_share": args.replay_share,
            "replays": replay_count,
            "spread_tenders": SPREAD_TENDERS,
            "time_scale": args.time_scale,
            "notice_s": args.notice_s,
            "api": args.api,
            "api_workers": args.api_workers if args.api == "process" else None,
            "api_db_pool_size": pool_size,
        },
        metrics=metrics,
        table=c.table(
            f"Bids: {args.businesses} businesses, {args.concurrency} in flight",
            rows,
            caption=f"POST /tenders/{{n}}/bids, API as a {args.api} on loopback, against a bare "
            "endpoint doing only the bid transaction; latency seen by the client",
        ),
        checks=checks,
        notes=[
            f"API: {API_SHAPES[args.api]}; the bare endpoint: uvicorn in a child process on the "
            "same PostgreSQL; the Temporal dev server is a separate process",
            "the bidder client seals, signs and confirms each bid before the clock starts",
            "the audit log takes no lock: its sequencer numbers entries after they are written",
        ],
    )


def main() -> int:
    p = c.parser(__doc__)
    p.add_argument(
        "-b",
        "--businesses",
        type=c.positive_int,
        default=500,
        help="businesses registered, each bidding once per run (B)",
    )
    p.add_argument(
        "-c",
        "--concurrency",
        type=c.positive_int,
        default=32,
        help="requests in flight (C); also the HTTP client's connection limit",
    )
    p.add_argument(
        "--replay-share",
        type=c.share,
        default=0.10,
        help="share of run 2's requests that repeat another request's client_key",
    )
    p.add_argument(
        "--time-scale",
        type=c.positive_int,
        default=20_000,
        help="NARA_TIME_SCALE of the API: notice periods count this many times faster",
    )
    p.add_argument(
        "--notice-s",
        type=float,
        default=900.0,
        help="seconds from announcement to the bid deadline (real time; x time-scale must "
        "cover the notice period of a 20 bn construction tender)",
    )
    p.add_argument("--api", choices=c.API_MODES, default="process", help=c.API_MODE_HELP)
    p.add_argument(
        "--api-workers",
        type=c.positive_int,
        default=1,
        help="uvicorn worker processes of `nara api` (--api process only)",
    )
    args = p.parse_args()
    return c.run("bids", args, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
