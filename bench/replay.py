"""The launch week replayed on one machine, and the start rate beside a bare Temporal loop.

The stack is the one of workflows.py: a fresh database on PostgreSQL (DATABASE_URL, else
an embedded server), the Temporal dev server with the project's search attributes, the
simulators in this process, the worker (`nara worker` in a child process; --worker thread
puts it in this process, beside the replay's driver) and the API (`nara api` in a child
process by default). With --replicas 2, a second worker and a second API process (`nara
api`) join on the same database, namespace and task queue, and the replay sends each
request to the next API in turn (`nara.replay.balance.RoundRobin`).

1. The replay: `nara.replay.run_replay` at --scale (0.1: 789 announcements), the same code
   as `nara replay launch-week`, its checks included. Measured: wall time, and
   announcements, bids, openings, awards, contracts and payments per second of the week.
2. Start rates, in the same run, after the replay: S tenders announced through the API
   (POST /tenders, C in flight, workflows.py's `start_tenders`) and S bare
   `start_workflow` calls of a workflow type nobody polls (C in flight) on the same
   server, alternated A B B A in halves (`START_ORDER`), the stack quiet before each.
   Their ratio is the goal (at least 0.5). Beside it, the CPU milliseconds per start of
   each process, counted until the stack is quiet again: where an announced tender's
   cost goes (the API, the dev server, the worker running the workflow to bidding).
3. Size: the database (`pg_database_size`), the longest workflow history of the task
   queue (`describe` of every workflow), and the peak RSS and the CPU seconds of each
   process (this one: the simulators and the replay's driver; the workers; the API; the
   Temporal dev server; PostgreSQL when embedded), sampled every 0.5 s with psutil.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import _common as c
import psutil
import workflows as w
from rich.console import Console
from sqlalchemy import text

from nara.replay import ReplayReport, run_replay
from nara.testing.stack import replicas

DESCRIBING_AT_ONCE = 32


class PeakRss:
    """The peak resident memory of this process and each of its descendants, by name."""

    def __init__(self) -> None:
        self.peaks: dict[str, float] = defaultdict(float)
        self.cpu_s: dict[str, float] = defaultdict(float)
        """CPU seconds (user + system) of each label's processes, as last seen."""

    def _label(self, process: psutil.Process) -> str:
        try:
            line = " ".join(process.cmdline())
        except psutil.Error:
            return "?"
        if process.pid == psutil.Process().pid:
            return "bench (simulators, replay driver; the worker with --worker thread)"
        for words, label in (
            ("uvicorn", "API (nara api)"),
            ("nara api", "API (nara api)"),
            ("nara worker", "workers (nara worker)"),
            ("temporal", "Temporal dev server"),
            ("postgres", "PostgreSQL (embedded)"),
        ):
            if words in line:
                return label
        return process.name()

    def cpu_now(self) -> dict[str, float]:
        """CPU seconds of each label's processes now (the labels of `sample`)."""
        me = psutil.Process()
        cpu: dict[str, float] = defaultdict(float)
        for process in [me, *me.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                cpu[self._label(process)] += times.user + times.system
        return cpu

    async def sample(self) -> None:
        me = psutil.Process()
        while True:
            totals: dict[str, float] = defaultdict(float)
            cpu: dict[str, float] = defaultdict(float)
            for process in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    label = self._label(process)
                    totals[label] += process.memory_info().rss / 2**20
                    times = process.cpu_times()
                    cpu[label] += times.user + times.system
            for label, seconds in cpu.items():
                self.cpu_s[label] = max(self.cpu_s[label], seconds)
            for label, mib in totals.items():
                if mib > 0:  # a process that ended between listing and reading
                    self.peaks[label] = max(self.peaks[label], mib)
            await asyncio.sleep(0.5)


async def bare_starts(client: Any, *, count: int, concurrency: int) -> tuple[float, list[str]]:
    """Seconds for `count` `start_workflow` calls alone (a type nobody polls), and the
    workflow ids to end with `end_bare`."""
    queue = c.new_queue("bare-starts")
    ids = [f"bare-{uuid.uuid4().hex[:8]}-{i}" for i in range(count)]

    async def start(workflow_id: str) -> None:
        await client.start_workflow("BareStart", id=workflow_id, task_queue=queue)

    began = time.perf_counter()
    await c.gather_limited(ids, concurrency, start)
    return time.perf_counter() - began, ids


async def end_bare(client: Any, ids: list[str], *, concurrency: int) -> None:
    async def end(workflow_id: str) -> None:
        with contextlib.suppress(Exception):
            await client.get_workflow_handle(workflow_id).terminate("bare start measured")

    await c.gather_limited(ids, concurrency, end)


START_ORDER = ("api", "bare", "bare", "api")
"""The start loops alternate, A B B A, each with half the starts: a machine that drifts
(a worker still busy with the last announcements, another process) weighs on both sides
alike. Run one after the other, the ratio had ranged 0.28-0.44 over four runs."""


QUIET_CPU_S = 0.3
"""The stack is quiet when all its processes took less CPU than this over SETTLE_S."""
SETTLE_S = 2.0
SETTLE_MAX_S = 120.0


async def _settled(rss: PeakRss) -> dict[str, float]:
    """Wait until the stack is quiet (the worker done with what the last loop started);
    the CPU seconds by label then."""
    began = time.perf_counter()
    before = rss.cpu_now()
    while time.perf_counter() - began < SETTLE_MAX_S:
        await asyncio.sleep(SETTLE_S)
        now = rss.cpu_now()
        if sum(now.values()) - sum(before.values()) < QUIET_CPU_S:
            return now
        before = now
    return before


@dataclass
class StartRates:
    api_per_s: float
    bare_per_s: float
    api_errors: int
    cpu_ms: dict[str, dict[str, float]]
    """CPU milliseconds per start by process, for each side ("api", "bare"): from the
    loop's first request until the stack was quiet again, so the worker's share of an
    announced tender (its workflow up to bidding) is in the API side's."""

    @property
    def ratio(self) -> float:
        return self.api_per_s / self.bare_per_s


async def start_rates(stack: Any, rss: PeakRss, *, count: int, concurrency: int) -> StartRates:
    """POST /tenders (each starting its workflow) against bare `start_workflow`, `count`
    of each, in the order START_ORDER, the stack quiet before each loop."""
    half = max(1, count // 2)
    done = {"api": 0, "bare": 0}
    seconds = {"api": 0.0, "bare": 0.0}
    cpu: dict[str, dict[str, float]] = {"api": defaultdict(float), "bare": defaultdict(float)}
    errors = 0
    async with c.http_client(stack.api_url, max(concurrency, 8)) as http:
        cast = await c.register_cast(http, stack, businesses=1, concurrency=1)
        quiet = await _settled(rss)
        for side in START_ORDER:
            bare: list[str] = []
            if side == "bare":
                took, bare = await bare_starts(stack.client, count=half, concurrency=concurrency)
                seconds["bare"] += took
                done["bare"] += half
            else:
                # Deadlines an hour out: no tender closes (and opens) while CPU is counted.
                deadline = datetime.now().astimezone() + timedelta(hours=1)
                args = argparse.Namespace(bids="0", tenders=half, concurrency=concurrency)
                tally = w.Tally()
                started, took = await w.start_tenders(
                    http, cast, args, deadline, tally, lambda: None
                )
                done["api"] += len(started)
                seconds["api"] += took
                errors += len(tally.errors)
            after = await _settled(rss)
            for label, used in after.items():
                cpu[side][label] += used - quiet.get(label, 0.0)
            quiet = after
            if bare:  # ended outside the count: a start is what is measured
                await end_bare(stack.client, bare, concurrency=concurrency)
                quiet = await _settled(rss)
    per_start = {
        side: {label: round(1000 * s / max(done[side], 1), 1) for label, s in by.items()}
        for side, by in cpu.items()
    }
    return StartRates(
        api_per_s=done["api"] / seconds["api"],
        bare_per_s=done["bare"] / seconds["bare"],
        api_errors=errors,
        cpu_ms=per_start,
    )


async def longest_history(client: Any, queue: str) -> tuple[int, str]:
    """The longest history among the task queue's workflows: (events, workflow id)."""
    ids = [e.id async for e in client.list_workflows(f"TaskQueue = '{queue}'")]

    async def length(workflow_id: str) -> tuple[int, str]:
        described = await client.get_workflow_handle(workflow_id).describe()
        return described.raw_description.workflow_execution_info.history_length, workflow_id

    found = await c.gather_limited(ids, DESCRIBING_AT_ONCE, length)
    return max(found, default=(0, "none"))


async def measure(args: argparse.Namespace) -> c.Outcome:
    rss = PeakRss()
    sampling = asyncio.create_task(rss.sample())
    t0 = time.perf_counter()
    async with (
        c.api_stack(
            "replay",
            time_scale=args.time_scale,
            api_mode=args.api,
            in_process_worker=args.worker == "thread",
        ) as stack,
    ):
        with replicas(stack, args.replicas, worker_here=args.worker == "thread") as api_urls:
            stack_s = time.perf_counter() - t0
            report: ReplayReport = await run_replay(
                api_url=api_urls,
                database_url=stack.database_url,
                scale=args.scale,
                seed=args.seed,
                bids_per_s=args.bids_per_s,
                phase_watch=not args.poll_each,
                guarantee_url=stack.guarantee_url,
                bank_url=stack.bank_url,
                simulator_admin_token=stack.simulator_admin_token,
                ca_url=stack.ca_url,
                operator=stack.operator,
                passkey_origin=stack.settings.webauthn_origin,
                console=Console(),
                raise_on_failure=False,  # a failed check is a result: in the table and the JSON
            )
            replay_cpu = dict(rss.cpu_s)  # the replay's share (the sampler is 0.5 s behind at most)
            starts = await start_rates(stack, rss, count=args.starts, concurrency=args.concurrency)
            async with stack.engine.connect() as db:
                db_mib = (
                    await db.scalar(text("SELECT pg_database_size(current_database())"))
                ) / 2**20
            history, history_id = await longest_history(stack.client, stack.task_queue)
    sampling.cancel()
    week_s = report.phase_s["week"]
    weekly = report.weekly
    counts = {
        "announcements": report.announced,
        "bids": report.bids,
        "openings": int(weekly["openings"]),
        "awards": int(weekly["awards"]["count"]),
        "contracts": int(weekly["contracts"]["count"]),
        "payments": sum(c_.looked_at for c_ in report.checks if "payment" in c_.name),
    }
    rates = {k: round(v / week_s, 2) for k, v in counts.items()}
    ratio = starts.ratio
    metrics = {
        "wall_s": round(report.wall_time_s, 1),
        "phase_s": {k: round(v, 1) for k, v in report.phase_s.items()},
        "counts": counts,
        "per_s_of_week": rates,
        "api_starts_per_s": round(starts.api_per_s, 1),
        "api_start_errors": starts.api_errors,
        "bare_starts_per_s": round(starts.bare_per_s, 1),
        "start_ratio": round(ratio, 2),
        "start_cpu_ms": starts.cpu_ms,
        "peak_rss_mib": {k: round(v) for k, v in rss.peaks.items()},
        "replay_cpu_s": {k: round(v, 1) for k, v in replay_cpu.items()},
        "watch": report.watch,
        "database_mib": round(db_mib, 1),
        "longest_history": {"events": history, "workflow_id": history_id},
        "search": report.search,
        "tenders": {
            "planned": report.planned,
            "completed": report.completed,
            "planted": len(report.planted),
            "ended_private": report.ended_private,
            "not_finished": report.failures[:100],
        },
        "checks": {check.name: check.ok for check in report.checks},
        "stack_start_s": round(stack_s, 1),
        "api_requests": report.api_requests,
    }
    rows = [
        ("scale", f"{args.scale:g} ({report.planned} tenders planned)"),
        (
            "wall time (replay)",
            f"{report.wall_time_s:.1f} s ("
            + ", ".join(f"{k} {v:.1f} s" for k, v in report.phase_s.items())
            + ")",
        ),
        (
            "tenders completed",
            f"{report.completed} of {report.planned - len(report.planted)}"
            + (
                f" ({len(report.ended_private)} ended after two failed rounds)"
                if report.ended_private
                else ""
            ),
        ),
        *((f"{k} (per s of the week)", f"{counts[k]:,} ({rates[k]}/s)") for k in counts),
        (
            "tender starts: API / bare loop",
            f"{starts.api_per_s:.1f} / {starts.bare_per_s:.1f} per s",
        ),
        ("ratio (goal >= 0.5)", f"{ratio:.2f}"),
        *((f"CPU per start, {side}", _cpu_ms(by)) for side, by in starts.cpu_ms.items()),
        *((f"peak RSS: {k}", f"{v:.0f} MiB") for k, v in sorted(rss.peaks.items())),
        *((f"CPU in the replay: {k}", f"{v:.0f} s") for k, v in sorted(replay_cpu.items())),
        ("phase watch", report.watch),
        ("database size", f"{db_mib:.1f} MiB"),
        ("longest workflow history", f"{history} events ({history_id})"),
        ("search load", report.search),
        ("stack start", c.fmt_s(stack_s)),
        *(
            (f"requests to API {url}", f"{n:,}")
            for url, n in report.api_requests.items()
            if args.replicas > 1
        ),
    ]
    return c.Outcome(
        params={
            "scale": args.scale,
            "time_scale": args.time_scale,
            "starts": args.starts,
            "concurrency": args.concurrency,
            "api": args.api,
            "seed": args.seed,
            "replicas": args.replicas,
            "worker": args.worker,
            "bids_per_s": args.bids_per_s,
            "poll_each": args.poll_each,
        },
        metrics=metrics,
        table=c.table(f"The launch week at scale {args.scale:g}", rows),
        checks={
            **{check.name: check.ok for check in report.checks},
            "every tender finished": not report.failures,
            "start ratio >= 0.5": ratio >= 0.5,
        },
        notes=[
            "rates per second are over the week phase (announcing to the last payment), "
            "paced by the compressed clock, not a saturation measure",
            "start rates measured after the replay, same stack: POST /tenders with C in "
            "flight vs start_workflow of a type nobody polls, alternated A B B A with S/2 "
            "each time, the stack quiet before each; CPU per start counts each process "
            "from a loop's first request until the stack is quiet again (the worker's "
            "share of an announced tender is in the API side's)",
        ],
    )


def _cpu_ms(by_label: dict[str, float]) -> str:
    shown = sorted(((ms, label) for label, ms in by_label.items() if ms >= 0.5), reverse=True)
    total = sum(by_label.values())
    parts = ", ".join(f"{label.split(' (')[0]} {ms:.1f}" for ms, label in shown)
    return f"{total:.0f} ms: {parts}"


def scale(raw: str) -> float:
    value = float(raw)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {value}")
    return value


def main() -> int:
    p = c.parser(__doc__)
    p.add_argument("--scale", type=scale, default=0.1, help="share of the real week, (0, 1]")
    p.add_argument("--seed", type=int, default=1, help="seed of the replay's dice")
    p.add_argument(
        "--time-scale",
        type=c.positive_int,
        default=20_000,
        help="NARA_TIME_SCALE of the API (20000, as `nara dev`: 7 days are 30 s)",
    )
    p.add_argument(
        "--starts",
        type=c.positive_int,
        default=300,
        help="starts of each kind in the start-ratio measure (S): API and bare, alternated "
        "A B B A in halves",
    )
    p.add_argument(
        "-c", "--concurrency", type=c.positive_int, default=16, help="starts in flight (C)"
    )
    p.add_argument(
        "--bids-per-s",
        type=float,
        default=15.0,
        help="the bid rate the replay plans its bid window for (`nara replay launch-week "
        "--bids-per-s`)",
    )
    p.add_argument(
        "--poll-each",
        action="store_true",
        help="stories poll their tender (GET /tenders/{n}, a workflow query each) instead "
        "of waiting on the replay's phase watch: the way before the watch, for comparison",
    )
    p.add_argument(
        "--replicas",
        type=c.positive_int,
        default=1,
        help="workers and API processes (2: a second `nara worker` and `nara api` on the "
        "same database, namespace and task queue; the replay sends each request to the "
        "next API in turn)",
    )
    p.add_argument(
        "--worker",
        choices=("process", "thread"),
        default="process",
        help="process: the worker is `nara worker` in a child process (production's shape: "
        "its own interpreter, apart from the replay's driver); thread: in this process, "
        "sharing one interpreter lock with the driver and the simulators",
    )
    p.add_argument("--api", choices=c.API_MODES, default="process", help=c.API_MODE_HELP)
    args = p.parse_args()
    return c.run("replay", args, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
