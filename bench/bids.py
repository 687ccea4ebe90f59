"""Bid submissions per second against one tender, through the real API.

The stack is the one of tests/integration: a fresh database on PostgreSQL (DATABASE_URL,
else an embedded server), the Temporal dev server with the project's search attributes,
the guarantee-agency and bank simulators and a worker (`build_worker`); the API is
`create_app` under uvicorn on a loopback port, by default as `nara api` in a child process
(production's shape; --api thread runs it in this process as the integration tests do).
The API keeps its own settings (pool size and all) except a compressed clock,
NARA_TIME_SCALE, so the deadline of a big construction tender (20 bn) can be minutes away
while it still counts as a legal notice period.

Through the API, the stack's operator registers an agency with its officer and B businesses
each with a supplier agent, and everyone logs in as a person would (a key certified by the
CA simulator, a signed challenge, a bearer token that every later request carries, so every
bid also resolves its session), and every agent enrols a passkey on a software
authenticator; then the officer announces one construction tender, waits for its workflow
to open bidding, then submits B sealed bids (one per business) with C requests in flight:
POST /tenders/{n}/bids, each made by the bidder client before the clock starts (the price
and picks sealed to the tender's key with HPKE, the bid document signed with the agent's
certificate key, confirmed with their passkey; the time this takes per bid is reported
apart), checked by the API (the e-signature and its certificate; the passkey's signature,
origin, relying party, user verified, counter; the key service's check value, that the
bid will open) before a transaction that takes the audit-chain head and the tender row
FOR SHARE, moves the passkey's counter, checks the database clock against the deadline and
inserts the bid; the answer is a receipt signed by the server (Ed25519), and the client
checks each against the server's published key, outside the measured time.

Run 1 sends B distinct bids. Run 2 announces a second tender and sends the same B bids
plus replays: a share of requests (default 10%) repeat the client_key of another request
of the run (a client retrying), answered 200 with the first bid (`replayed`); whichever
copy arrives first gets the 201. Both runs check that every request was answered as
expected and that PostgreSQL holds exactly B bids for the tender. Then every open tender
of the agency is cancelled through the API.
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import _common as c
import httpx
from sqlalchemy import func, select

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


@dataclass
class Run:
    label: str
    notice_no: str = ""
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
) -> None:
    # A retry resends the same bytes: one body per client key, sealed, signed and confirmed
    # by the agent's bidder client outside the measured time (as on their own machine).
    signed: dict[str, dict[str, Any]] = {}
    ring = c.keyring(stack)
    tender_key = await ring.tender_key(http, run.notice_no)
    server_keys = await fetch_server_keys(http)

    async def one(req: Request) -> None:
        body = signed.get(req.client_key)
        if body is None:
            sealing = time.perf_counter()
            body = signed[req.client_key] = ring.sealed_bid(
                req.agent,
                tender_key,
                {
                    "business_no": req.business,
                    "price": req.price,
                    "reserve_picks": req.picks,
                    "client_key": req.client_key,
                },
            )
            run.sealing.append(time.perf_counter() - sealing)
        started = time.perf_counter()
        try:
            response = await http.post(
                f"/tenders/{run.notice_no}/bids", json=body, headers=c.as_(req.agent)
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
            if answer["replayed"] != (response.status_code == 200):
                run.errors.append(f"{response.status_code} with replayed={answer['replayed']}")
            try:
                check_receipt(
                    answer,
                    server_keys,
                    notice_no=run.notice_no,
                    bid_sha256=body_sha256(body, run.notice_no),
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


async def count_bids(engine: Any, notice_no: str) -> int:
    from nara.store.db import session_factory
    from nara.store.tables import Bid, Tender

    async with session_factory(engine)() as s:
        return int(
            await s.scalar(
                select(func.count())
                .select_from(Bid)
                .join(Tender, Tender.id == Bid.tender_id)
                .where(Tender.notice_no == notice_no)
            )
            or 0
        )


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


async def measure(args: Any) -> c.Outcome:
    runs: list[Run] = []
    with c.progress() as bar:
        setup = bar.add_task("starting the stack", total=1, info="dev server, API, worker")
        t0 = time.perf_counter()
        async with c.api_stack(
            "bids", time_scale=args.time_scale, api_mode=args.api, api_workers=args.api_workers
        ) as stack:
            pool_size = stack.settings.db_pool_size
            stack_s = time.perf_counter() - t0
            bar.update(setup, advance=1, info=f"{stack_s:.1f} s")
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
                for label, share in (("distinct", 0.0), ("with replays", args.replay_share)):
                    run = Run(label)
                    run.notice_no, retried = await announce(http, cast, args.notice_s)
                    announce_retries += retried
                    open_s = await wait_bidding(http, run.notice_no)
                    requests = plan(cast, replay_share=share, seed=len(runs))
                    task = bar.add_task(f"bids: {label}", total=len(requests), info="")
                    await submit_all(
                        http,
                        stack,
                        run,
                        requests,
                        args.concurrency,
                        lambda t=task: bar.advance(t),
                    )
                    run.bids_in_db = await count_bids(stack.engine, run.notice_no)
                    bar.update(
                        task,
                        info=f"{run.statuses.get(201, 0) / run.wall_s:.0f} bids/s, "
                        f"bidding opened {open_s:.2f} s after announcing",
                    )
                    runs.append(run)
                cancelled = await cancel_round0(http, stack.engine, cast)

    distinct, replayed = runs
    metrics = {
        "stack_start_s": round(stack_s, 2),
        "register_s": round(register_s, 2),
        "businesses_registered_per_s": round(args.businesses / register_s, 1),
        "announce_503_retries": announce_retries,
        "tenders_cancelled": cancelled,
        "distinct": run_metrics(distinct, args.businesses),
        "with_replays": run_metrics(replayed, args.businesses),
    }
    replay_count = len(replayed.replay_latencies)
    checks = {
        "no errors": not distinct.errors and not replayed.errors,
        f"exactly {args.businesses} bids in the DB (distinct)": distinct.bids_in_db
        == args.businesses,
        f"exactly {args.businesses} bids in the DB (with replays)": replayed.bids_in_db
        == args.businesses,
        "one 201 and one bid id per client_key": consistent(distinct) and consistent(replayed),
    }

    def rows_for(run: Run, name: str) -> list[tuple[str, str]]:
        m = run_metrics(run, args.businesses)
        rows = [
            (f"{name}: requests", f"{m['requests']} in {m['wall_s']:.2f} s"),
            (f"{name}: bids accepted/s", f"{m['bids_per_s']:.1f}"),
            (f"{name}: requests/s", f"{m['requests_per_s']:.1f}"),
            (f"{name}: latency p50/p95/p99", c.fmt_ms(m["latency_ms"])),
        ]
        if run.replay_latencies:
            rows.append((f"{name}: replay latency p50/p95/p99", c.fmt_ms(m["replay_latency_ms"])))
        rows.append(
            (
                f"{name}: client seal+sign+confirm p50/p95/p99",
                c.fmt_ms(m["client_seal_sign_confirm_ms"]),
            )
        )
        rows += [
            (f"{name}: answers", ", ".join(f"{k}: {v}" for k, v in m["statuses"].items())),
            (f"{name}: errors", str(m["errors"])),
            (f"{name}: bids in PostgreSQL", f"{m['bids_in_db']} of {args.businesses}"),
            ("", ""),
        ]
        return rows

    rows = [
        *rows_for(distinct, "distinct"),
        *rows_for(replayed, f"+{replay_count} replays"),
        (
            "registration (3 writes, a certificate, a login, a passkey)",
            f"{metrics['businesses_registered_per_s']:.0f} businesses/s",
        ),
        ("announcements retried after 503", str(announce_retries)),
        ("stack start", c.fmt_s(stack_s)),
    ]
    return c.Outcome(
        params={
            "businesses": args.businesses,
            "concurrency": args.concurrency,
            "replay_share": args.replay_share,
            "replays": replay_count,
            "time_scale": args.time_scale,
            "notice_s": args.notice_s,
            "api": args.api,
            "api_workers": args.api_workers if args.api == "process" else None,
            "api_db_pool_size": pool_size,
        },
        metrics=metrics,
        table=c.table(
            f"Bids against one tender: {args.businesses} businesses, {args.concurrency} in flight",
            rows,
            caption=f"POST /tenders/{{n}}/bids, API as a {args.api} on loopback; latency seen by "
            "the client",
        ),
        checks=checks,
        notes=[
            f"API: {API_SHAPES[args.api]}; PostgreSQL and the Temporal dev server are separate "
            "processes",
            "every bid, registration and phase change appends to the one hash-chained audit log "
            "under its head row lock, so bid transactions are serialised system-wide, not only "
            "per tender",
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
