"""`run_replay`: the launch week through the public API, then the report and the checks.

The week is played by the demo's people and stories (`nara.demo`): the same logins with
certificates and passkeys, the same sealed, signed bids through the bidder client, the
same reviews, awards, guarantees, signatures, claims and inspections. What the replay
adds is the week's shape (`week`), the partners' latency and faults, the outage at the
start, one aggregate progress display, and the checks (`checks`).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nara.demo.api import Api, DemoError
from nara.demo.cast import OPERATOR, Business, register
from nara.demo.partners import Bank, GuaranteeAgency
from nara.demo.plan import WHAT
from nara.demo.progress import PHASES, Board, TenderBar
from nara.demo.report import krw
from nara.demo.run import _time_scale
from nara.demo.script import TenderStory, Week
from nara.domain.calendar import SEOUL
from nara.domain.identifiers import NoticeNo
from nara.replay.balance import RoundRobin
from nara.replay.checks import Check, Scope, checks_table, run_checks
from nara.replay.watch import PhaseWatch
from nara.replay.week import (
    BIDS_PER_S,
    REAL_WEEK,
    Replayed,
    WeekPlan,
    earliest_deadline,
    late_deadline,
    make_cast,
    plan_launch_week,
)
from nara.settings import get_settings, reveal
from nara.wallet.keyring import Keyring

OUTAGE = timedelta(hours=2)  # simulated: search broken, then the site down
MIN_OUTAGE_S = 1.0  # real: at least this long, at any NARA_TIME_SCALE
MILESTONES = ("announced", "bidding", "evaluating", "awarded", "contracted", "completed")


class ReplayFailed(DemoError):
    """The replay ran, but a check failed or tenders did not finish."""


@dataclass(frozen=True)
class Faults:
    """The partners' behaviour during the week: latency on every call, and the share of
    bank transfers that fail (503, retried by the worker), after one that commits then
    times out (the double-payment trap)."""

    bank_latency_ms: int = 30
    guarantee_latency_ms: int = 20
    transfer_error_share: float = 0.02
    commit_then_timeout_ms: int = 1_500


@dataclass
class ReplayReport:
    scale: float
    time_scale: int
    wall_time_s: float
    planned: int
    planted: list[str]
    completed: int
    announced: int
    re_announced: int
    bids: int
    weekly: dict[str, Any]
    checks: list[Check]
    failures: list[str]
    phase_s: dict[str, float] = field(default_factory=dict)
    search: str = ""
    deadline_hours: dict[str, int] = field(default_factory=dict)
    api_requests: dict[str, int] = field(default_factory=dict)
    """Requests sent to each API replica."""
    watch: str = ""
    """What the phase watch read."""
    ended_private: list[str] = field(default_factory=list)
    """Tenders whose re-announced round failed too (a private contract allowed): ended by
    the rules, not completed."""

    @property
    def ok(self) -> bool:
        return not self.failures and all(c.ok for c in self.checks)


class CountingApi(Api):
    """The demo's API, counting the bid receipts it is given per notice."""

    def __init__(self, http: httpx.AsyncClient, keyring: Keyring) -> None:
        super().__init__(http, keyring)
        self.receipts: Counter[str] = Counter()

    async def bid(self, person: str, notice: str, body: dict[str, Any]) -> Any:
        receipt = await super().bid(person, notice, body)
        self.receipts[notice] += 1
        return receipt


@dataclass
class SearchLoad:
    """A light search load through the week: `GET /tenders/search` for the week's words,
    `per_s` a second, as the public would. A 503 is search shedding load (it answers
    fast and harms nothing else); anything else but 200 is a failure."""

    api: Api
    per_s: float = 2.0
    latencies_ms: list[float] = field(default_factory=list)
    answers: Counter[int] = field(default_factory=Counter)

    async def run(self, rng: random.Random) -> None:
        words = [w for titles in WHAT.values() for t in titles for w in t.split()]
        while True:
            started = time.perf_counter()
            try:
                response = await self.api.http.get(
                    "/tenders/search", params={"q": rng.choice(words)}
                )
                self.answers[response.status_code] += 1
            except httpx.HTTPError:
                self.answers[0] += 1
            self.latencies_ms.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(1 / self.per_s)

    def summary(self) -> str:
        if not self.latencies_ms:
            return "none"
        ms = sorted(self.latencies_ms)
        p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        answers = ", ".join(
            f"{n} x {code or 'no answer'}" for code, n in sorted(self.answers.items())
        )
        return f"{len(ms)} searches ({answers}); p50 {ms[len(ms) // 2]:.0f} ms, p95 {p95:.0f} ms"

    @property
    def failed(self) -> int:
        return sum(n for code, n in self.answers.items() if code not in (200, 503))


class Milestones:
    """One bar per milestone of the week (how many tenders reached it), not per tender."""

    def __init__(self, console: Console, total: int) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(bar_width=40),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self.tasks = {m: self.progress.add_task(m, total=total) for m in MILESTONES}

    def bar(self, plan: Replayed) -> StoryBar:
        return StoryBar(self.progress, self.tasks["announced"], plan, board=self)


@dataclass
class StoryBar(TenderBar):
    """A tender's place on the milestone bars: each milestone counts it once."""

    board: Milestones | None = None
    reached: int = -1

    def show(self, notice: str, phase: str) -> None:
        rank = PHASES.index(phase) if phase in PHASES else -1
        assert self.board is not None
        for milestone in MILESTONES:
            at = PHASES.index(milestone)
            if self.reached < at <= rank:
                self.progress.advance(self.board.tasks[milestone])
        self.reached = max(self.reached, rank)

    def note(self, phase: str) -> None:
        """The milestone bars have no words per tender."""


class ReplayStory(TenderStory):
    """A demo tender story that waits for its announcement time and aims at its
    simulated deadline; a planted one is only announced (the outage moves it)."""

    plan: Replayed
    time_scale: int = 20_000
    bid_window = timedelta(0)
    watch: PhaseWatch | None = None
    bids_in_flight: asyncio.Semaphore | None = None
    next_round_s = 300.0  # a worker with a backlog re-announces late, not never
    ended_private: list[str] = []  # noqa: RUF012 - set per replay by run_replay

    async def _bid(self, bidders: list[Business]) -> None:
        """A re-announced round (its workflow set the law's minimum notice, seconds at
        this NARA_TIME_SCALE) is first extended by the officer by the week's bid window, so
        its bids are not crowded out by the week's other bids, and never to less than the
        notice period from now (the rule an extension is checked by). A round that closed
        before its officer got to it (a busy machine) draws no bids: it fails and the
        workflow re-announces it again."""
        if NoticeNo.parse(self.notice).round > 0 and self.bid_window > timedelta(0):
            detail = await self.api.tender(self.notice)
            now = _now()
            legal = earliest_deadline(self.plan, now=now, time_scale=self.time_scale)
            deadline = max(_at(detail["deadline"]), legal) + self.bid_window
            opening = deadline + (_at(detail["opening_at"]) - _at(detail["deadline"]))
            extended = await self.api.call(
                "POST",
                f"/tenders/{self.notice}/extend",
                person=self.plan.agency.officer,
                json={
                    "deadline": deadline.isoformat(),
                    "opening_at": opening.isoformat(),
                    "reason": "re-announced during the launch week: more time for bids",
                },
                ok=(200, 201, 202, 409),
            )
            refused = (extended or {}).get("code")
            if refused in ("wrong-phase", "deadline-passed"):
                return
            if refused is not None:
                raise DemoError(f"POST /tenders/{self.notice}/extend answered 409: {refused}")
        await super()._bid(bidders)

    async def _bid_one(self, business: Business, share: int) -> None:
        """The demo's bid (a guarantee, then the sealed bid), at most BIDS_IN_FLIGHT of the
        week's at once: a bidder is a person at a desk, and the driver's HTTP pools scan
        their queue per request (thousands queued cost more than the bids themselves)."""
        if self.bids_in_flight is None:
            await super()._bid_one(business, share)
            return
        async with self.bids_in_flight:
            await super()._bid_one(business, share)

    async def _wait(self, *phases: str, timeout_s: float = 180.0) -> dict[str, Any]:
        """The demo's wait, its patience lengthened by the tender's notice period and the
        week's bid window (a wait for the opening spans both).

        Waiting for bidding reads only the watch: a bid is judged on the tender's row (its
        phase and `bidding_open`), which is what the watch reads, so no live read (a
        workflow query) is needed. At scale 1 those two reads per tender were 15,770
        queries, most replaying a history the worker's cache no longer held, and the bids
        waited behind them for six minutes (docs/replay.md, bottleneck 12)."""
        longer = self.plan.notice_s + self.bid_window.total_seconds()
        if phases == ("bidding",) and self.watch is not None:
            give_up = time.monotonic() + timeout_s + longer
            while time.monotonic() < give_up:
                if await self.watch.until(self.notice, phases, timeout_s=LIVE_READ_S):
                    self.bar.show(self.notice, "bidding")
                    return {"phase": "bidding"}
                recorded = self.watch.phases.get(self.notice)
                if self.watch.stale(WATCH_STALE_S) or recorded not in (None, "announced"):
                    break  # past bidding already, or ended: the demo's wait reads it live
        return await super()._wait(*phases, timeout_s=timeout_s + longer)

    async def _pause(self, phases: tuple[str, ...]) -> None:
        """Sleep until the watch sees the tender's recorded phase become one awaited (or
        its end): at most LIVE_READ_MAX_S while the watch sweeps, LIVE_READ_S once it has
        not swept for WATCH_STALE_S; recorded but not yet live: the poll interval."""
        if self.watch is None:
            await super()._pause(phases)
            return
        awaited = {*phases, "failed", "cancelled"}
        if self.watch.phases.get(self.notice) in awaited:
            await asyncio.sleep(self.week.poll_s)
            return
        waited = 0.0
        while waited < LIVE_READ_MAX_S:
            if await self.watch.until(self.notice, awaited, timeout_s=LIVE_READ_S):
                return
            waited += LIVE_READ_S
            if self.watch.stale(WATCH_STALE_S):
                return

    async def play(self) -> None:
        await asyncio.sleep(max(0.0, (self.plan.announce_at - _now()).total_seconds()))
        now = _now()
        deadline = late_deadline(self.plan, now=now, time_scale=self.time_scale)
        self.plan.notice_s = (deadline - now).total_seconds()
        if self.plan.planted:
            await self._announce()
            self.bar.show(self.notice, "announced")
            return
        try:
            await super().play()
        except EndedForPrivateContract:
            self.ended_private.append(self.notice)
        except DemoError as error:
            # Said when it happens, above the bars: which tender, where, and why.
            self.bar.progress.console.log(f"[red]not finished[/] {self.notice}: {error}")
            raise

    async def _next_round(self) -> None:
        """The demo's, except after a re-announced round failed too: the law then allows a
        private contract and there is no next round (the replay stops there)."""
        detail = await self.api.tender(self.notice)
        note = (detail.get("live") or {}).get("note") or detail.get("outcome_note") or ""
        if not detail.get("next_round") and PRIVATE_CONTRACT in note:
            raise EndedForPrivateContract(self.notice)
        await super()._next_round()


PRIVATE_CONTRACT = "a private contract is allowed"


class EndedForPrivateContract(Exception):
    """A re-announced round failed too: the law allows a private contract (no next round)."""


API_REQUESTS_IN_FLIGHT = 32
"""Requests to the API at once in each lane (`RoundRobin`: bids, reads, other writes):
the three together below the pool's 100 connections, so none waits in httpcore's queue."""
BIDS_IN_FLIGHT = 48
"""Bids of the whole week being made at one moment (guarantee and bid requests)."""

LIVE_READ_S = 15.0
"""A waiting story reads its tender's live state (a workflow query) this often when the
watch has stopped sweeping (WATCH_STALE_S)."""
LIVE_READ_MAX_S = 600.0
"""... and at least this often while it sweeps, should it miss a recorded phase. Every
live read is a workflow query, which replays the tender's history when the worker's
cache no longer holds it: at scale 1, 7,885 stories reading every 15 s were 525 queries a
second, and kept the saturated worker from the announcements (docs/replay.md, bottleneck
12)."""
WATCH_STALE_S = 30.0
WATCH_IN_FLIGHT = 4
"""The watch's requests have a transport of their own: never queued behind the stories'."""


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _now() -> datetime:
    return datetime.now(SEOUL)


async def run_replay(
    *,
    api_url: str | Sequence[str],
    database_url: str,
    scale: float = 0.01,
    minutes: float | None = None,
    seed: int | None = None,
    guarantee_url: str | None = None,
    bank_url: str | None = None,
    simulator_admin_token: str | None = None,
    ca_url: str | None = None,
    operator: str = OPERATOR,
    passkey_origin: str | None = None,
    faults: Faults | None = None,
    bids_per_s: float = BIDS_PER_S,
    phase_watch: bool = True,
    console: Console | None = None,
    raise_on_failure: bool = True,
) -> ReplayReport:
    """Play the launch week at `scale` against a running stack; print the weekly report
    beside the real week and the checks.

    Args:
        api_url: the API, or several replicas of it: each request goes to the next one
            (`RoundRobin`), as a load balancer in front of them would send it.
        database_url: the back office's PostgreSQL, read by the checks only.
        scale: the share of the real week's 7,885 announcements.
        minutes: how long, in real minutes, the agencies announce (default: one week of
            the API's compressed time, 30 s at NARA_TIME_SCALE=20000).
        seed: the dice (default: the clock).
        faults: the partners' latency and faults (default `Faults()`).
        bids_per_s: the bid rate the stack is expected to take: bidding stays open long
            enough for the week's bids at this rate (`week.bid_window`).
        phase_watch: stories wait on one `PhaseWatch` (False: each polls its tender with
            `GET /tenders/{n}`, as the demo does; the benchmark compares both).
        raise_on_failure: raise ReplayFailed when a check fails or a tender did not
            finish (False: return the report, `report.ok` says; the benchmark does this).

    Raises:
        ReplayFailed: a check failed or a tender did not finish (the report is printed).
        DemoError: the stack did not play along.
    """
    settings = get_settings()
    admin_token = simulator_admin_token or reveal(settings.simulator_admin_token)
    if not admin_token:
        raise DemoError(
            "the replay opens bank accounts, arms the partners' faults and reads the bank's "
            "ledger, which needs the simulators' admin token: set SIMULATOR_ADMIN_TOKEN"
        )
    console = console or Console()
    faults = faults or Faults()
    urls = [api_url] if isinstance(api_url, str) else list(api_url)
    started = time.monotonic()
    # Idle connections expire on our side (2 s) before uvicorn drops them (5 s): equal
    # timeouts race, and a request sent as the server closes fails with ReadError.
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100, keepalive_expiry=2.0)
    async with (
        httpx.AsyncClient(
            base_url=urls[0],
            timeout=120.0,
            transport=(
                transport := RoundRobin(urls, limits=limits, in_flight=API_REQUESTS_IN_FLIGHT)
            ),
        ) as http,
        httpx.AsyncClient(
            base_url=guarantee_url or settings.guarantee_agency_url, timeout=30.0, limits=limits
        ) as guarantee_http,
        httpx.AsyncClient(
            base_url=urls[0],
            timeout=120.0,
            transport=(
                watch_transport := RoundRobin(
                    urls,
                    limits=httpx.Limits(max_connections=WATCH_IN_FLIGHT, keepalive_expiry=2.0),
                    in_flight=WATCH_IN_FLIGHT,
                )
            ),
        ) as watch_http,
        httpx.AsyncClient(base_url=bank_url or settings.bank_url, timeout=30.0) as bank_http,
        Keyring(
            ca_url or settings.ca_url,
            admin_token=admin_token,
            passkey_origin=passkey_origin or settings.webauthn_origin,
        ) as keyring,
    ):
        api, bank = CountingApi(http, keyring), Bank(bank_http, admin_token=admin_token)
        time_scale = await _time_scale(api, default=20_000)
        rng = random.Random(seed if seed is not None else time.time_ns())
        announcing = timedelta(minutes=minutes) if minutes else timedelta(days=7) / time_scale
        cast = make_cast(scale)
        phase_s: dict[str, float] = {}
        mark = time.monotonic()
        await register(cast, api=api, bank=bank, operator=operator)
        phase_s["register"] = time.monotonic() - mark
        plan = plan_launch_week(
            scale=scale,
            time_scale=time_scale,
            start=_now(),
            announcing=announcing,
            cast=cast,
            rng=rng,
            bids_per_s=bids_per_s,
        )
        _print_intro(console, plan, scale=scale, time_scale=time_scale, announcing=announcing)
        await _arm_faults(bank, guarantee_http, faults, transfers=3 * len(plan.tenders))
        board = Milestones(console, total=len(plan.tenders))
        week = Week(
            api=api,
            guarantees=GuaranteeAgency(guarantee_http),
            cast=plan.cast,
            rng=rng,
            board=Board(console),  # unused: the stories get milestone bars
            poll_s=max(0.5, len(plan.tenders) / 400),
        )
        ended_private: list[str] = []
        bids_in_flight = asyncio.Semaphore(BIDS_IN_FLIGHT)
        watch = PhaseWatch(
            Api(watch_http, keyring), [a.code for a in plan.cast.agencies], week.announced
        )
        stories = [ReplayStory(week, t, board.bar(t)) for t in plan.tenders]
        for story in stories:
            story.time_scale, story.bid_window = time_scale, plan.bid_window
            story.watch = watch if phase_watch else None
            story.ended_private = ended_private
            story.bids_in_flight = bids_in_flight
        search = SearchLoad(api)
        mark = time.monotonic()
        with board.progress:
            planted = [s for s in stories if s.plan.planted]
            outage_id = await _outage(api, planted, time_scale=time_scale, operator=operator)
            searching = asyncio.create_task(search.run(rng))
            watching = asyncio.create_task(watch.run() if phase_watch else asyncio.sleep(0))
            results = await asyncio.gather(
                *(s.play() for s in stories if not s.plan.planted), return_exceptions=True
            )
            searching.cancel()
            watching.cancel()
        phase_s["week"] = time.monotonic() - mark
        failures = [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
        if search.failed:
            failures.append(f"search failed {search.failed} times: {search.summary()}")
        weekly = await api.call("GET", "/reports/weekly")
        ledger = await bank.ledger()
        await bank_http.delete("/_faults", headers=bank.admin)
        await guarantee_http.delete("/_faults", headers=bank.admin)
        mark = time.monotonic()
        scope = Scope(
            notices=week.announced,
            planted={s.notice for s in planted},
            receipts=dict(api.receipts),
            outage_id=outage_id,
            operator=operator,
        )
        checks = await run_checks(database_url=database_url, api=api, ledger=ledger, scope=scope)
        phase_s["checks"] = time.monotonic() - mark
    report = ReplayReport(
        scale=scale,
        time_scale=time_scale,
        wall_time_s=time.monotonic() - started,
        planned=len(plan.tenders),
        planted=sorted(scope.planted),
        completed=len(week.completed),
        announced=len(week.announced),
        re_announced=len(week.re_announced),
        bids=sum(api.receipts.values()),
        weekly=weekly,
        checks=checks,
        failures=failures,
        phase_s=phase_s,
        search=search.summary(),
        deadline_hours={f"{h:%a %H:%M}": n for h, n in sorted(plan.deadline_loads.items())[:20]},
        api_requests=dict(transport.sent + watch_transport.sent),
        watch=f"{watch.sweeps:,} sweeps, {watch.requests:,} list requests",
        ended_private=sorted(ended_private),
    )
    print_replay(console, report)
    if raise_on_failure and not report.ok:
        raise ReplayFailed(
            f"{len(failures)} tenders did not finish, "
            f"{sum(not c.ok for c in checks)} checks failed"
            + (f": {failures[0]}" if failures else "")
        )
    return report


async def _arm_faults(
    bank: Bank, guarantees: httpx.AsyncClient, faults: Faults, *, transfers: int
) -> None:
    """The first transfer commits then times out; the next share answer 503; every bank
    and guarantee-agency call is slowed by their latency (the first matching fault wins)."""
    await bank.arm_fault(faults.commit_then_timeout_ms)
    await guarantees.delete("/_faults", headers=bank.admin)
    errors = max(1, round(transfers * faults.transfer_error_share))
    for http, spec in (
        (
            bank.http,
            {"mode": "error_5xx", "status_code": 503, "path_prefix": "/transfers", "count": errors},
        ),
        (bank.http, {"mode": "latency", "latency_ms": faults.bank_latency_ms}),
        (guarantees, {"mode": "latency", "latency_ms": faults.guarantee_latency_ms}),
    ):
        armed = await http.post("/_faults", headers=bank.admin, json=spec)
        if armed.status_code != 201:
            raise DemoError(f"could not arm a partner fault {spec}: {armed.text[:200]}")


async def _outage(
    api: Api, planted: list[ReplayStory], *, time_scale: int, operator: str
) -> int | None:
    """The planted tenders are announced; the site is down for two simulated hours (no
    calls); then the operator declares the outage and the rule moves what it caught."""
    await asyncio.gather(*(s.play() for s in planted))
    down = _now()
    await asyncio.sleep(max(MIN_OUTAGE_S, OUTAGE.total_seconds() / time_scale))
    outage = await api.call(
        "POST",
        "/outages",
        person=operator,
        json={
            "started_at": down.isoformat(),
            "recovered_at": _now().isoformat(),
            "reason": "launch week: search malfunction, then the site down",
        },
    )
    return int(outage["id"])


def _print_intro(
    console: Console, plan: WeekPlan, *, scale: float, time_scale: int, announcing: timedelta
) -> None:
    by_category = Counter(t.category for t in plan.tenders)
    console.rule("[bold]Nara back office: the launch week, replayed")
    console.print(
        f"scale {scale:g}: {len(plan.tenders):,} tenders "
        f"({', '.join(f'{n:,} {c}' for c, n in by_category.items())}), "
        f"{len(plan.cast.businesses):,} businesses, {len(plan.planted)} planted for the "
        f"outage; announced over {announcing.total_seconds():.0f} s of real time "
        f"(NARA_TIME_SCALE={time_scale:,}); bidding stays open "
        f"{plan.bid_window.total_seconds():.0f} s beyond the notice period; busiest "
        f"deadline hour "
        f"{max(plan.deadline_loads.values()):,} (cap 1,500)."
    )


def print_replay(console: Console, report: ReplayReport) -> None:
    """The weekly report beside the real week's figures scaled, the run, the checks."""
    w = report.weekly
    table = Table(
        title=f"The week (GET /reports/weekly {w['start']} to {w['end']}) beside the real one",
        title_style="bold",
    )
    for column in ("figure", "this run", f"real week x {report.scale:g}", "real week"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    rows = (
        ("announcements", w["announcements"], REAL_WEEK["announcements"], False),
        ("openings", w["openings"], REAL_WEEK["openings"], False),
        ("awards", w["awards"]["count"], REAL_WEEK["awards"], False),
        ("contract value", w["contracts"]["value"], REAL_WEEK["contract_value"], True),
        ("payments", w["payments_disbursed"]["total"], REAL_WEEK["payments"], True),
    )
    for name, ours, real, money in rows:
        show = krw if money else (lambda n: f"{n:,}")
        table.add_row(name, show(int(ours)), show(round(real * report.scale)), show(real))
    console.print(table)
    run = Table(title="This replay", title_style="bold", show_header=False)
    run.add_column("", style="bold")
    run.add_column("")
    run.add_row("wall time", f"{report.wall_time_s:.1f} s ({_phases(report.phase_s)})")
    run.add_row(
        "tenders",
        f"{report.completed} of {report.planned - len(report.planted)} completed, "
        f"{report.announced} announcements ({report.re_announced} re-announced), "
        f"{len(report.planted)} planted (moved by the outage, left open)"
        + (
            f", {len(report.ended_private)} ended when their re-announced round failed too "
            "(a private contract allowed)"
            if report.ended_private
            else ""
        ),
    )
    run.add_row("bids", f"{report.bids:,} receipts")
    run.add_row("search load", report.search)
    run.add_row("phase watch", report.watch)
    if len(report.api_requests) > 1:
        run.add_row(
            "API replicas",
            ", ".join(f"{url} {n:,} requests" for url, n in report.api_requests.items()),
        )
    for failure in report.failures[:5]:
        run.add_row("[red]not finished", failure)
    console.print(run)
    console.print(checks_table(report.checks))


def _phases(phase_s: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phase_s.items())
