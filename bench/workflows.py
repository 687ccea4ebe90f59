"""Tender workflow throughput on the Temporal dev server, driven through the API.

The stack is the one of bids.py: a fresh database on PostgreSQL (DATABASE_URL, else an
embedded server), the Temporal dev server with the project's search attributes, the
simulators, one worker (`build_worker`) and the API (`nara api` by default).

1. Start: T tenders are announced with POST /tenders (C requests in flight), each starting
   its TenderWorkflow. All share one deadline NOTICE seconds after the first request, as
   real deadlines fall on the hour (up to 1,500 per hour), and open 1 s later; the API
   checks the notice period on a compressed clock (NARA_TIME_SCALE). Measured: starts/s.
2. Bidding: once every workflow has opened bidding, tender i gets PATTERN[i % len]
   sealed bids through the API (default 0, 1 or 2 bids), each made by the bidder client:
   sealed to the tender's key, signed with the agent's certificate key and confirmed with
   their passkey (a software authenticator, enrolled after login).
3. Closing: at the deadline every workflow closes bidding, opens the bids and either
   fails (no bid, or one bid in a competitive tender: recorded `failed`, re-announced as
   round 1 by a child workflow) or reaches `evaluating` (waits for the officer). Measured
   by polling PostgreSQL (the tender rows the workflows write), never by awaiting results:
   the time until every tender reached a final phase or `evaluating`, end to end and
   after the opening time, and per tender from the audit log (deadline -> `closed`,
   opening -> outcome). Then how long the visibility store takes to agree (TenderPhase).
4. Clean-up: the re-announced rounds and the tenders under evaluation are cancelled
   through the API, and the benchmark waits until their workflows recorded `cancelled`.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import _common as c
import httpx
from sqlalchemy import and_, select

OUTCOMES = ("failed", "evaluating", "cancelled", "completed")


@dataclass
class Started:
    notice_no: str
    bids: int
    latency_s: float


@dataclass
class Tally:
    errors: list[str] = field(default_factory=list)


def pattern(raw: str) -> list[int]:
    values = [int(part) for part in raw.split(",") if part.strip()]
    if not values or any(v < 0 or v > 2 for v in values):
        raise ValueError("bids per tender: comma-separated numbers from 0 to 2")
    return values


async def start_tenders(
    http: httpx.AsyncClient, cast: c.Cast, args: Any, deadline: datetime, tally: Tally, on_done: Any
) -> tuple[list[Started], float]:
    bids = pattern(args.bids)

    async def one(i: int) -> Started | None:
        body = {
            "title": f"Office chairs, lot {i} (bench {uuid.uuid4().hex[:6]})",
            "category": "goods",
            "method": "general",
            "estimated_price": 100_000_000,
            "deadline": deadline.isoformat(),
            "opening_at": (deadline + timedelta(seconds=1)).isoformat(),
        }
        started = time.perf_counter()
        try:
            response = await http.post("/tenders", json=body, headers=c.as_(cast.officer))
        except httpx.HTTPError as error:
            tally.errors.append(f"POST /tenders: {type(error).__name__}: {error}")
            on_done()
            return None
        elapsed = time.perf_counter() - started
        on_done()
        if response.status_code != 201:
            tally.errors.append(f"POST /tenders {c.problem(response)}")
            return None
        return Started(response.json()["notice_no"], bids[i % len(bids)], elapsed)

    t0 = time.perf_counter()
    results = await c.gather_limited(list(range(args.tenders)), args.concurrency, one)
    return [r for r in results if r is not None], time.perf_counter() - t0


async def phases(engine: Any, notices: list[str]) -> dict[str, str]:
    from nara.store.db import session_factory
    from nara.store.tables import Tender

    async with session_factory(engine)() as s:
        rows = await s.execute(
            select(Tender.notice_no, Tender.phase, Tender.bidding_open).where(
                Tender.notice_no.in_(notices)
            )
        )
        # "bidding" only while bids are accepted: between the workflow's close_bidding and
        # its `closed` record the row says bidding with bidding_open false.
        return {
            no: ("closing" if phase == "bidding" and not open_ else phase)
            for no, phase, open_ in rows
        }


_fingers: dict[str, asyncio.Lock] = {}


async def bid(
    http: httpx.AsyncClient,
    stack: Any,
    cast: c.Cast,
    notice_no: str,
    business: str,
    price: int,
    tally: Tally,
) -> None:
    """A bid sealed to the tender's key, signed and confirmed with the agent's passkey by
    the bidder client. One person confirms one bid at a time: two assertions in flight at
    once could arrive out of counter order, and the later counter would make the earlier
    one look replayed."""
    agent = cast.agents[business]
    body = {
        "business_no": business,
        "price": price,
        "reserve_picks": [3, 11],
        "client_key": uuid.uuid4().hex,
    }
    async with _fingers.setdefault(agent, asyncio.Lock()):
        response = await http.post(
            f"/tenders/{notice_no}/bids",
            headers=c.as_(agent),
            json=await c.bid_body(http, stack, agent, notice_no, body),
        )
    if response.status_code != 201:
        tally.errors.append(f"POST /tenders/{{n}}/bids {c.problem(response)}")


async def audit_lags(
    engine: Any, notices: list[str], deadline: datetime, opening: datetime
) -> dict[str, list[float]]:
    """Seconds from the deadline to `closed` and from the opening to the outcome, per
    tender, from the audit log the workflows' activities write."""
    from nara.store.db import session_factory
    from nara.store.tables import AuditEvent

    entities = [f"tender:{n}" for n in notices]
    async with session_factory(engine)() as s:
        rows = await s.execute(
            select(AuditEvent.entity, AuditEvent.action, AuditEvent.at).where(
                and_(
                    AuditEvent.entity.in_(entities),
                    AuditEvent.action.in_(("closed", "failed", "evaluating")),
                )
            )
        )
        lags: dict[str, list[float]] = {
            "closed_after_deadline_s": [],
            "outcome_after_opening_s": [],
        }
        for _, action, at in rows:
            if action == "closed":
                lags["closed_after_deadline_s"].append((at - deadline).total_seconds())
            else:
                lags["outcome_after_opening_s"].append((at - opening).total_seconds())
        return lags


async def agency_round0(engine: Any, agency_code: str) -> list[str]:
    """Every first-round tender of the agency in PostgreSQL, announced or not by a 201."""
    from nara.store.db import session_factory
    from nara.store.tables import Tender

    async with session_factory(engine)() as s:
        rows = await s.execute(
            select(Tender.notice_no).where(Tender.agency_code == agency_code, Tender.round == 0)
        )
        return [no for (no,) in rows]


async def next_rounds(engine: Any, notices: list[str]) -> list[str]:
    from nara.domain.identifiers import NoticeNo
    from nara.store.db import session_factory
    from nara.store.tables import Tender

    bases = [NoticeNo.parse(n).base for n in notices]
    async with session_factory(engine)() as s:
        rows = await s.execute(
            select(Tender.notice_no).where(Tender.base_no.in_(bases), Tender.round == 1)
        )
        return [no for (no,) in rows]


def lag_summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "count": len(values),
        "p50": round(c.percentile(values, 50), 3),
        "p95": round(c.percentile(values, 95), 3),
        "max": round(max(values), 3),
    }


async def measure(args: Any) -> c.Outcome:
    tally = Tally()
    bids_per = pattern(args.bids)
    with c.progress() as bar:
        setup = bar.add_task("starting the stack", total=1, info="dev server, API, worker")
        t0 = time.perf_counter()
        async with c.api_stack("workflows", time_scale=args.time_scale, api_mode=args.api) as stack:
            stack_s = time.perf_counter() - t0
            bar.update(setup, advance=1, info=f"{stack_s:.1f} s")
            async with c.http_client(stack.api_url, max(args.concurrency, 8)) as http:
                cast = await c.register_cast(http, stack, businesses=max(bids_per), concurrency=2)

                # 1. start
                starting = bar.add_task("announcing tenders", total=args.tenders, info="")
                first = datetime.now().astimezone()
                deadline = first + timedelta(seconds=args.notice_s)
                opening = deadline + timedelta(seconds=1)
                wall0 = time.perf_counter()
                started, start_s = await start_tenders(
                    http, cast, args, deadline, tally, lambda: bar.advance(starting)
                )
                bar.update(starting, info=f"{len(started) / start_s:.1f} starts/s")
                c.bail_if(not started, f"no tender could be announced: {tally.errors[:3]}")
                notices = [s.notice_no for s in started]
                start_errors = len(tally.errors)

                # 2. bidding
                opened = bar.add_task("workflows opening bidding", total=len(notices), info="")

                async def all_bidding() -> bool:
                    seen = await phases(stack.engine, notices)
                    n = sum(1 for p in seen.values() if p == "bidding")
                    bar.update(opened, completed=n)
                    return n == len(notices)

                await c.wait_until(
                    all_bidding, timeout_s=args.notice_s, every_s=0.1, what="bidding"
                )
                all_open_s = time.perf_counter() - wall0
                bidding = bar.add_task("bids", total=sum(s.bids for s in started), info="")
                jobs = [
                    (s.notice_no, cast.businesses[k], 92_000_000 + 1_000_000 * k)
                    for s in started
                    for k in range(s.bids)
                ]

                async def place(job: tuple[str, str, int]) -> None:
                    await bid(http, stack, cast, *job, tally)
                    bar.advance(bidding)

                await c.gather_limited(jobs, args.concurrency, place)
                left = (deadline - datetime.now().astimezone()).total_seconds()
                bar.update(bidding, info=f"done {left:.1f} s before the deadline")
                c.bail_if(left < 0, "bidding went past the deadline: raise --notice-s")

                # 3. closing, opening, outcome
                closing = bar.add_task("closed, opened, decided", total=len(notices), info="")
                counts: Counter[str] = Counter()

                async def all_decided() -> bool:
                    nonlocal counts
                    seen = await phases(stack.engine, notices)
                    counts = Counter(seen.values())
                    done = sum(counts[p] for p in OUTCOMES)
                    bar.update(closing, completed=done, info=dict(counts).__repr__()[:40])
                    return done == len(notices)

                await c.wait_until(
                    all_decided, timeout_s=args.notice_s + 300, every_s=0.1, what="outcomes"
                )
                end_to_end_s = time.perf_counter() - wall0
                decided_at = datetime.now().astimezone()
                drain_s = (decided_at - opening).total_seconds()
                lags = await audit_lags(stack.engine, notices, deadline, opening)

                # visibility: the same tenders, found by their search attributes
                v0 = time.perf_counter()
                expected = {p: counts[p] for p in ("failed", "evaluating")}
                client = stack.client
                listed = ", ".join(f"'{n}'" for n in notices)

                async def visible() -> bool:
                    for phase, count in expected.items():
                        query = f"TenderPhase = '{phase}' AND NoticeNo IN ({listed})"
                        if (await client.count_workflows(query)).count != count:
                            return False
                    return True

                try:
                    await c.wait_until(visible, timeout_s=30, every_s=0.1, what="visibility")
                    visibility_lag_s: float | None = time.perf_counter() - v0
                except c.CouldNotMeasure:
                    visibility_lag_s = None
                    tally.errors.append("visibility did not agree with PostgreSQL within 30 s")

                # 4. clean-up, including tenders announced although the API answered an
                # error (their workflow had started; see the notes)
                round0 = await agency_round0(stack.engine, cast.agency_code)
                ghosts = sorted(set(round0) - set(notices))
                everyone = notices + ghosts

                async def ghosts_decided() -> bool:
                    seen = await phases(stack.engine, ghosts)
                    return all(p in OUTCOMES for p in seen.values())

                if ghosts:
                    await c.wait_until(ghosts_decided, timeout_s=120, every_s=0.1, what="ghosts")
                final = await phases(stack.engine, everyone)
                failed = [n for n, p in final.items() if p == "failed"]
                evaluating = [n for n, p in final.items() if p == "evaluating"]

                async def round_ones() -> list[str] | None:
                    found = await next_rounds(stack.engine, failed)
                    return found if len(found) == len(failed) else None

                reannounced = (
                    await c.wait_until(
                        round_ones, timeout_s=60, every_s=0.1, what="re-announcements"
                    )
                    if failed
                    else []
                )
                to_cancel = reannounced + evaluating
                cancelling = bar.add_task("cancelling leftovers", total=len(to_cancel), info="")
                c0 = time.perf_counter()

                async def cancel(notice_no: str) -> None:
                    for _ in range(100):
                        response = await http.post(
                            f"/tenders/{notice_no}/cancel",
                            headers=c.as_(cast.officer),
                            json={"reason": "benchmark finished"},
                        )
                        if response.status_code == 202:
                            return
                        # a short re-announced round may have failed again on its own
                        if (await phases(stack.engine, [notice_no])).get(notice_no) in OUTCOMES:
                            return
                        await asyncio.sleep(0.1)  # e.g. the round is still being announced
                    tally.errors.append(f"cancel {notice_no}: {c.problem(response)}")

                await c.gather_limited(to_cancel, args.concurrency, cancel)
                ended: Counter[str] = Counter()

                async def all_ended() -> bool:
                    nonlocal ended
                    seen = await phases(stack.engine, to_cancel)
                    ended = Counter(p for p in seen.values() if p in OUTCOMES)
                    bar.update(cancelling, completed=sum(ended.values()))
                    return sum(ended.values()) == len(to_cancel)

                await c.wait_until(all_ended, timeout_s=120, every_s=0.1, what="cancellations")
                cancel_s = time.perf_counter() - c0

    latencies = [s.latency_s for s in started]
    n = len(notices)
    metrics = {
        "tenders": n,
        "starts": {
            "wall_s": round(start_s, 3),
            "starts_per_s": round(n / start_s, 2),
            "latency_ms": c.latency_summary_ms(latencies),
        },
        "all_bidding_open_s": round(all_open_s, 3),
        "bids": len(jobs),
        "outcomes": {p: counts[p] for p in OUTCOMES if counts[p]},
        "end_to_end_s": round(end_to_end_s, 3),
        "end_to_end_tenders_per_s": round(n / end_to_end_s, 2),
        "drain_after_opening_s": round(drain_s, 3),
        "drain_tenders_per_s": round(n / max(drain_s, 1e-3), 1),
        "per_tender": {name: lag_summary(v) for name, v in lags.items()},
        "visibility_lag_s": None if visibility_lag_s is None else round(visibility_lag_s, 3),
        "start_errors": start_errors,
        "announced_despite_error": len(ghosts),
        "cleanup": {
            "to_cancel": len(to_cancel),
            "ended": dict(ended),
            "reannounced_rounds": len(reannounced),
            "cancel_s": round(cancel_s, 3),
        },
        "errors": len(tally.errors),
        "error_kinds": dict(Counter(tally.errors).most_common(10)),
        "stack_start_s": round(stack_s, 2),
    }
    closed = metrics["per_tender"]["closed_after_deadline_s"]
    decided = metrics["per_tender"]["outcome_after_opening_s"]

    def spread(lags: dict[str, float]) -> str:
        return " / ".join(f"{lags.get(k, 0):.2f}" for k in ("p50", "p95", "max")) + " s"

    rows = [
        ("tenders started (201)", f"{n} of {args.tenders} in {start_s:.2f} s"),
        ("POST /tenders errors", f"{start_errors}, of which {len(ghosts)} announced anyway"),
        ("starts/s (POST /tenders -> workflow)", f"{n / start_s:.1f}"),
        ("start latency p50/p95/p99", c.fmt_ms(metrics["starts"]["latency_ms"])),
        ("all bidding open after", c.fmt_s(all_open_s)),
        ("", ""),
        ("bids placed", str(len(jobs))),
        ("outcomes", ", ".join(f"{k}: {v}" for k, v in metrics["outcomes"].items())),
        ("end to end (first start -> all decided)", c.fmt_s(end_to_end_s)),
        ("tenders/s end to end", f"{n / end_to_end_s:.2f}"),
        ("all decided after the opening time", c.fmt_s(drain_s)),
        ("tenders/s after the opening time", f"{metrics['drain_tenders_per_s']:.1f}"),
        ("deadline -> closed, per tender p50/p95/max", spread(closed)),
        ("opening -> outcome, per tender p50/p95/max", spread(decided)),
        (
            "visibility agrees after",
            "never (30 s)" if visibility_lag_s is None else c.fmt_s(visibility_lag_s),
        ),
        ("", ""),
        (
            "leftovers ended (re-announced + evaluating)",
            f"{len(to_cancel)} in {cancel_s:.2f} s ("
            + ", ".join(f"{k}: {v}" for k, v in ended.items())
            + ")",
        ),
        ("errors", str(len(tally.errors))),
        ("stack start", c.fmt_s(stack_s)),
    ]
    return c.Outcome(
        params={
            "tenders": args.tenders,
            "concurrency": args.concurrency,
            "notice_s": args.notice_s,
            "time_scale": args.time_scale,
            "bids_pattern": bids_per,
            "api": args.api,
        },
        metrics=metrics,
        table=c.table(
            f"Tender workflows on the dev server: {n} tenders, one deadline",
            rows,
            caption="phases read from PostgreSQL (tender rows, audit log) and visibility",
        ),
        checks={
            "no errors": not tally.errors,
            "every tender started": n == args.tenders,
            "no tender announced despite an error": not ghosts,
            "every tender decided": sum(metrics["outcomes"].values()) == n,
        },
        notes=[
            f"all deadlines {args.notice_s:.0f} s after the first announcement; the end-to-end "
            "rate includes that wait, the rate after the opening time does not",
            "one worker in this process (build_worker defaults: 50 concurrent activities)",
            *(f"error x{n}: {e}" for e, n in Counter(tally.errors).most_common(5)),
        ],
    )


def main() -> int:
    p = c.parser(__doc__)
    p.add_argument("-t", "--tenders", type=c.positive_int, default=100, help="tenders (T)")
    p.add_argument(
        "-c",
        "--concurrency",
        type=c.positive_int,
        default=16,
        help="API requests in flight while announcing, bidding and cancelling (C)",
    )
    p.add_argument(
        "--notice-s",
        type=float,
        default=20.0,
        help="seconds from the first announcement to the common deadline (NOTICE)",
    )
    p.add_argument(
        "--time-scale",
        type=c.positive_int,
        default=100_000,
        help="NARA_TIME_SCALE of the API (100000: the 7-day notice period of goods is 6 s)",
    )
    p.add_argument(
        "--bids",
        default="0,1,2",
        help="bids per tender, cycled over the tenders (PATTERN; 0 and 1 fail, 2 evaluate)",
    )
    p.add_argument("--api", choices=c.API_MODES, default="process", help=c.API_MODE_HELP)
    args = p.parse_args()
    try:
        pattern(args.bids)
    except ValueError as error:
        p.error(str(error))
    return c.run("workflows", args, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
