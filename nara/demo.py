"""The demo: a busy procurement week in about two minutes, played through the public API.

Everything goes through HTTP exactly as users would: the demo plays the operators who
register agencies and businesses, the officers who announce, review, award and sign,
the suppliers' agents who get guarantees from the guarantee agency and bid, and the
inspectors who accept the work. The bank simulator gets one armed fault: the first
transfer is committed and then times out, and the worker's retry with the same
idempotency key must not pay twice. At least one tender draws a single bid, fails and
is re-announced by its workflow; the demo bids on the new round.

Deadlines are tens of seconds away: the API checks notice periods on a compressed clock
(`NARA_TIME_SCALE`, 20000 in `nara dev`: 7 days are 30 s). Progress is read by polling
`GET /tenders/{notice_no}`; the closing report is `GET /reports/weekly`.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from nara.domain.identifiers import NoticeNo, business_no_check_digit
from nara.settings import get_settings

PHASES = (
    "announced",
    "bidding",
    "closed",
    "opened",
    "evaluating",
    "awarded",
    "contracted",
    "paying",
    "completed",
)
REAL_FIRST_WEEK = {  # DESIGN.md: the real system's first week
    "announcements": "7,885",
    "openings": "1,347",
    "awards": "1,464",
    "contract value": "KRW 1.38 tn",
    "payments disbursed": "KRW 2.18 tn",
}
AGENCIES = (  # code, name, kind
    ("1230000", "Public Procurement Service", "national"),
    ("1613000", "Ministry of Land, Infrastructure and Transport", "national"),
    ("6110000", "Seoul Metropolitan Government", "local"),
    ("6260000", "Busan Metropolitan City", "local"),
    ("7530000", "Gyeonggi Office of Education", "local"),
)
BUSINESSES = (
    "Hanbit Construction",
    "Saebyeok Engineering",
    "Daon Office Supply",
    "Nuri Systems",
    "Mirae Facilities",
    "Haneul Civil Works",
    "Gaon Logistics",
    "Baram Electric",
    "Sarang Furniture",
    "Dasom IT Services",
    "Hyeonmu Steel",
    "Bitna Cleaning",
)
WHAT = {
    "goods": ("Office furniture", "Laptops for schools", "Fire-fighting gear", "LED streetlights"),
    "services": ("Building cleaning", "Cloud hosting", "Facility security", "Translation"),
    "construction": (
        "Community centre repair",
        "Road resurfacing",
        "School roof works",
        "Riverside footpath",
    ),
}
# Bid prices in thousandths of a percent of the base amount (integers: no float touches
# money). Construction under 1 bn has a lower limit of 89.745% and passes review only up to
# about 90.5% of the predetermined price, so its bidders spread finely across the whole
# reserve range; goods and services pass review widely.
BID_SHARES = {
    "construction": tuple(86_800 + 620 * i for i in range(11)),
    "goods": (87_900, 88_600, 89_700, 90_600, 91_800),
    "services": (88_100, 88_900, 89_900, 90_900, 92_100),
}
PRICES = {"goods": (60, 190), "services": (80, 220), "construction": (300, 900)}  # M KRW
CAPABILITY_SCORE = 70  # full capability points where price counts 30 of 100
SEVEN_DAYS_S = 7 * 86_400


class DemoError(RuntimeError):
    """The demo could not go on; the message says where and what to look at."""


@dataclass(frozen=True)
class BankFault:
    payment_id: str
    transfer_id: str
    idempotency_key: str
    transfers_with_key: int
    hang_ms: int


@dataclass
class DemoReport:
    wall_time_s: float
    tenders_planned: int
    tenders_completed: int
    announcements: int
    re_announced: list[str]
    contracts: int
    contract_value: int
    paid_contract: int
    paid_subcontract: int
    weekly: dict[str, Any]
    bank_fault: BankFault | None
    web_ui_url: str
    docs_url: str
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    kind: str

    @property
    def officer(self) -> str:
        return f"officer-{self.code}"

    @property
    def inspector(self) -> str:
        return f"inspector-{self.code}"

    @property
    def account(self) -> str:
        return f"AG-{self.code}"


@dataclass(frozen=True)
class Business:
    no: str
    name: str

    @property
    def agent(self) -> str:
        return f"agent-{self.no.replace('-', '')}"

    @property
    def account(self) -> str:
        return f"BZ-{self.no.replace('-', '')}"


def _business_no(i: int) -> str:
    first9 = f"{211 + 37 * i:03d}81{10_007 + 7_919 * i:05d}"[:9]
    digits = first9 + str(business_no_check_digit(first9))
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


class Api:
    """The public API as people use it: one HTTP call, the person in the header."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def call(
        self,
        method: str,
        path: str,
        *,
        person: str | None = None,
        json: Any = None,
        ok: Sequence[int] = (200, 201, 202),
    ) -> Any:
        headers = {"X-Nara-Person": person} if person else {}
        try:
            response = await self.http.request(method, path, json=json, headers=headers)
        except httpx.HTTPError as error:
            raise DemoError(f"{method} {path} failed: {error!r}") from error
        if response.status_code not in ok:
            try:
                problem = response.json()
                why = f"{problem.get('title')}: {problem.get('detail')}"
            except ValueError:
                why = response.text[:300]
            raise DemoError(f"{method} {path} answered {response.status_code}: {why}")
        return response.json() if response.content else None


@dataclass
class Plan:
    """One tender of the week, as its officer means to announce it."""

    index: int
    agency: Agency
    category: str
    estimated_price: int
    notice_s: float
    urgent: bool
    lonely: bool  # draws a single bid, fails, and is re-announced
    title: str
    bidders: list[Business]
    payments: list[tuple[str, int, bool]]  # kind, share of the contract in bp, subcontracted


class Week:
    """The whole demo: the cast, one script per tender, the progress display."""

    def __init__(
        self,
        *,
        api: Api,
        guarantee: httpx.AsyncClient,
        bank: httpx.AsyncClient,
        tenders: int,
        time_scale: int,
        console: Console,
        seed: int,
    ) -> None:
        self.api, self.guarantee, self.bank = api, guarantee, bank
        self.tenders, self.time_scale, self.console = tenders, time_scale, console
        self.rng = random.Random(seed)
        self.agencies = [Agency(*row) for row in AGENCIES]
        self.businesses = [Business(_business_no(i), name) for i, name in enumerate(BUSINESSES)]
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            TextColumn("[bold]{task.fields[phase]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.completed: list[str] = []
        self.re_announced: list[str] = []
        self.announced: list[str] = []
        self.transfers_before = 0

    # --- the cast ----------------------------------------------------------------

    async def register(self) -> None:
        """Agencies, their officers and inspectors, businesses and agents, bank accounts."""
        await self.api.call(
            "POST",
            "/people",
            json={"id": "operator-demo", "name": "Demo operator", "role": "operator"},
        )
        for agency in self.agencies:
            await self.api.call(
                "POST",
                "/agencies",
                json={
                    "code": agency.code,
                    "name": agency.name,
                    "kind": agency.kind,
                    "account_no": agency.account,
                },
            )
            for person, role in ((agency.officer, "officer"), (agency.inspector, "inspector")):
                await self.api.call(
                    "POST",
                    "/people",
                    json={
                        "id": person,
                        "name": f"{role.title()} of {agency.name}",
                        "role": role,
                        "agency_code": agency.code,
                    },
                )
            await self._open_account(agency.account, agency.code, 10**15)
        for business in self.businesses:
            await self.api.call(
                "POST",
                "/businesses",
                json={
                    "business_no": business.no,
                    "name": business.name,
                    "account_no": business.account,
                },
            )
            await self.api.call(
                "POST",
                "/people",
                json={
                    "id": business.agent,
                    "name": f"Agent of {business.name}",
                    "role": "supplier",
                },
            )
            await self.api.call(
                "POST", f"/businesses/{business.no}/agents", json={"person_id": business.agent}
            )
            await self._open_account(business.account, business.no, 0)

    async def _open_account(self, account_no: str, holder: str, balance: int) -> None:
        response = await self.bank.post(
            "/accounts", json={"account_no": account_no, "holder": holder, "balance": balance}
        )
        if response.status_code not in (200, 201):
            raise DemoError(f"the bank refused account {account_no}: {response.text[:200]}")

    async def arm_bank_fault(self, hang_ms: int) -> None:
        """The first transfer commits, then hangs and answers 504: the double-payment trap."""
        ledger = (await self.bank.get("/_ledger")).json()
        self.transfers_before = len(ledger["transfers"])
        await self.bank.delete("/_faults")
        response = await self.bank.post(
            "/_faults",
            json={
                "mode": "commit_then_timeout",
                "path_prefix": "/transfers",
                "method": "POST",
                "count": 1,
                "hang_ms": hang_ms,
            },
        )
        if response.status_code != 201:
            raise DemoError(f"could not arm the bank fault: {response.text[:200]}")

    async def bank_fault(self, hang_ms: int) -> BankFault | None:
        transfers = (await self.bank.get("/_ledger")).json()["transfers"]
        if len(transfers) <= self.transfers_before:
            return None
        hit = transfers[self.transfers_before]
        same_key = [t for t in transfers if t["idempotency_key"] == hit["idempotency_key"]]
        return BankFault(
            payment_id=hit["reference"],
            transfer_id=hit["transfer_id"],
            idempotency_key=hit["idempotency_key"],
            transfers_with_key=len(same_key),
            hang_ms=hang_ms,
        )

    # --- the plan ----------------------------------------------------------------

    def plan(self) -> list[Plan]:
        seven_days = SEVEN_DAYS_S / self.time_scale
        plans = []
        categories = ("goods", "services", "construction")
        for i in range(self.tenders):
            category = categories[i % 3]
            lo, hi = PRICES[category]
            price = self.rng.randrange(lo, hi) * 1_000_000
            lonely = i % 8 == 0
            urgent = i % 8 == 4
            notice = (seven_days * 5 / 7 if urgent else seven_days) + 3.0 + 1.5 * (i % 12)
            count = len(BID_SHARES[category])
            bidders = self.rng.sample(self.businesses, 1 if lonely else count)
            if i % 4 == 1:
                payments = [("advance", 2000, False), ("progress", 3000, True), ("final", 0, False)]
            elif i % 4 == 2:
                payments = [("progress", 5000, True), ("final", 0, False)]
            else:
                payments = [("advance", 3000, False), ("final", 0, False)]
            plans.append(
                Plan(
                    index=i,
                    agency=self.agencies[i % len(self.agencies)],
                    category=category,
                    estimated_price=price,
                    notice_s=notice,
                    urgent=urgent,
                    lonely=lonely,
                    title=f"{self.rng.choice(WHAT[category])} ({self.agencies[i % 5].name})",
                    bidders=bidders,
                    payments=payments,
                )
            )
        return plans

    # --- one tender's life ---------------------------------------------------------

    async def play(self, plan: Plan) -> None:
        task = self.progress.add_task(
            f"#{plan.index + 1:<2} {plan.category:<12}", total=len(PHASES), phase="announcing"
        )
        deadline = datetime.now().astimezone() + timedelta(seconds=plan.notice_s)
        tender = await self.api.call(
            "POST",
            "/tenders",
            person=plan.agency.officer,
            json={
                "title": plan.title,
                "description": "announced by the demo week",
                "category": plan.category,
                "method": "general",
                "estimated_price": plan.estimated_price,
                "urgent": plan.urgent,
                "deadline": deadline.isoformat(),
                "opening_at": (deadline + timedelta(seconds=3)).isoformat(),
                "region": plan.agency.name.split()[0],
            },
        )
        notice = tender["notice_no"]
        self.announced.append(notice)
        bidders = plan.bidders
        while True:
            self._show(task, plan, notice, "announced")
            await self._wait(task, plan, notice, "bidding")
            await self._bid(plan, notice, bidders)
            detail = await self._wait(task, plan, notice, "evaluating", "failed")
            if detail["live"]["phase"] == "failed":
                notice = await self._next_round(task, plan, notice)
                bidders = self.rng.sample(self.businesses, len(BID_SHARES[plan.category]))
                continue
            award = await self._evaluate(plan, notice, detail)
            if award is None:  # no candidate passed: the workflow re-announces
                notice = await self._next_round(task, plan, notice)
                continue
            break
        winner, guarantee_min = award
        await self._contract(task, plan, notice, winner, guarantee_min)
        await self._pay(task, plan, notice, winner)
        await self._wait(task, plan, notice, "completed")
        self.completed.append(notice)

    def _show(self, task: TaskID, plan: Plan, notice: str, phase: str) -> None:
        rank = PHASES.index(phase) + 1 if phase in PHASES else 0
        self.progress.update(
            task,
            completed=rank,
            phase=phase,
            description=f"#{plan.index + 1:<2} {notice} {plan.category:<12}",
        )

    async def _detail(self, notice: str) -> dict[str, Any]:
        detail: dict[str, Any] = await self.api.call("GET", f"/tenders/{notice}")
        return detail

    async def _wait(
        self, task: TaskID, plan: Plan, notice: str, *phases: str, timeout_s: float = 180.0
    ) -> dict[str, Any]:
        """Poll until the workflow's live phase is one of `phases`."""
        give_up = time.monotonic() + timeout_s
        while True:
            detail = await self._detail(notice)
            phase = (detail.get("live") or {}).get("phase") or detail["phase"]
            self._show(task, plan, notice, phase)
            if phase in phases:
                return detail
            if phase == "cancelled" or (phase == "failed" and "failed" not in phases):
                raise DemoError(f"tender {notice} ended {phase}: {detail.get('outcome_note')}")
            if time.monotonic() > give_up:
                raise DemoError(
                    f"tender {notice} stayed {phase} for {timeout_s:.0f} s while waiting for "
                    f"{' or '.join(phases)}; see workflow tender-{notice} in the Web UI"
                )
            await asyncio.sleep(0.5)

    async def _next_round(self, task: TaskID, plan: Plan, notice: str) -> str:
        give_up = time.monotonic() + 60
        while time.monotonic() < give_up:
            detail = await self._detail(notice)
            if detail.get("next_round"):
                self.re_announced.append(notice)
                self.announced.append(detail["next_round"])
                self.progress.update(task, phase="failed: re-announced")
                return str(detail["next_round"])
            await asyncio.sleep(0.5)
        raise DemoError(f"tender {notice} failed but no re-announcement appeared")

    async def _guarantee(
        self, *, kind: str, reference: str, business: Business, amount: int, agency: Agency
    ) -> str:
        response = await self.guarantee.post(
            "/guarantees",
            headers={"Idempotency-Key": uuid.uuid4().hex},
            json={
                "kind": kind,
                "reference": reference,
                "business_no": business.no,
                "amount": amount,
                "beneficiary": agency.code,
            },
        )
        if response.status_code not in (200, 201):
            raise DemoError(f"the guarantee agency refused a {kind} guarantee: {response.text}")
        return str(response.json()["certificate_no"])

    async def _bid(self, plan: Plan, notice: str, bidders: list[Business]) -> None:
        shares = BID_SHARES[plan.category]

        async def one(business: Business, share: int) -> None:
            price = plan.estimated_price * share // 100_000 // 1000 * 1000
            cert = await self._guarantee(
                kind="bid",
                reference=NoticeNo.parse(notice).base,
                business=business,
                amount=-(-price // 20),
                agency=plan.agency,
            )
            picks = self.rng.sample(range(1, 16), 2)
            await self.api.call(
                "POST",
                f"/tenders/{notice}/bids",
                person=business.agent,
                json={
                    "business_no": business.no,
                    "price": price,
                    "reserve_picks": picks,
                    "bid_guarantee_cert": cert,
                    "client_key": f"{notice}:{business.no}",
                },
            )

        await asyncio.gather(*(one(b, shares[i % len(shares)]) for i, b in enumerate(bidders)))

    async def _evaluate(
        self, plan: Plan, notice: str, detail: dict[str, Any]
    ) -> tuple[Business, int] | None:
        """Review candidates in rank order until one passes, then approve the award;
        (winner, minimum performance guarantee), or None when nobody passed."""
        officer = plan.agency.officer
        candidate = detail["live"]["candidate"]
        while candidate is not None:
            outcome = await self.api.call(
                "POST",
                f"/tenders/{notice}/review",
                person=officer,
                json={
                    "business_no": candidate["business_no"],
                    "capability_score": CAPABILITY_SCORE,
                    "note": "documents complete",
                },
            )
            if outcome["passed"]:
                award = await self.api.call(
                    "POST",
                    f"/tenders/{notice}/award",
                    person=officer,
                    json={"business_no": candidate["business_no"]},
                )
                winner = next(b for b in self.businesses if b.no == candidate["business_no"])
                return winner, int(award["performance_guarantee_min"])
            candidate = outcome.get("next_candidate")
        return None

    async def _contract(
        self, task: TaskID, plan: Plan, notice: str, winner: Business, guarantee_min: int
    ) -> None:
        detail = await self._wait(task, plan, notice, "awarded")
        cert = await self._guarantee(
            kind="performance",
            reference=detail["live"]["contract_no"],
            business=winner,
            amount=guarantee_min,
            agency=plan.agency,
        )
        await self.api.call(
            "POST",
            f"/tenders/{notice}/performance-guarantee",
            person=winner.agent,
            json={"business_no": winner.no, "certificate_no": cert},
        )
        await self.api.call(
            "POST", f"/tenders/{notice}/sign", person=winner.agent, json={"business_no": winner.no}
        )
        await self.api.call("POST", f"/tenders/{notice}/sign", person=plan.agency.officer, json={})
        await self._wait(task, plan, notice, "contracted", "paying")

    async def _pay(self, task: TaskID, plan: Plan, notice: str, winner: Business) -> None:
        detail = await self._detail(notice)
        total = int(detail["live"]["contract_amount"])
        claimed = 0
        others = [b for b in self.businesses if b.no != winner.no]
        for kind, share, subcontracted in plan.payments:
            amount = total - claimed if kind == "final" else total * share // 10_000
            body: dict[str, Any] = {"business_no": winner.no, "kind": kind, "amount": amount}
            if subcontracted:
                body["subcontract_amount"] = amount // 4
                body["subcontractor_no"] = self.rng.choice(others).no
            claim = await self.api.call(
                "POST", f"/tenders/{notice}/payments", person=winner.agent, json=body
            )
            self.progress.update(task, phase=f"paying: {kind}")
            await self.api.call(
                "POST",
                f"/payments/{claim['payment_id']}/inspection",
                person=plan.agency.inspector,
                json={"accepted": True, "note": f"{kind} work inspected"},
            )
            await self._paid(claim["payment_id"], plan.agency.inspector)
            claimed += amount

    async def _paid(self, payment_id: str, person: str, timeout_s: float = 120.0) -> None:
        give_up = time.monotonic() + timeout_s
        while time.monotonic() < give_up:
            payment = await self.api.call("GET", f"/payments/{payment_id}", person=person)
            record = payment.get("record") or {}
            if record.get("status") == "paid":
                return
            if record.get("status") == "rejected":
                raise DemoError(f"{payment_id} was rejected")
            await asyncio.sleep(0.5)
        raise DemoError(f"{payment_id} was not paid within {timeout_s:.0f} s; see the Web UI")


async def run_demo(
    *,
    api_url: str,
    tenders: int = 12,
    guarantee_url: str | None = None,
    bank_url: str | None = None,
    time_scale: int = 20_000,
    console: Console | None = None,
    seed: int | None = None,
    fault_hang_ms: int = 1_500,
) -> DemoReport:
    """Play the week against a running stack and print its report.

    Args:
        api_url: the API, e.g. http://localhost:8000.
        tenders: how many tenders the agencies announce (one in eight draws a single bid
            and is re-announced).
        guarantee_url, bank_url: the partner simulators (default: from the settings).
        time_scale: the compression the deadlines are planned for; the API's own
            NARA_TIME_SCALE (from /health) wins when it differs.
    """
    settings = get_settings()
    console = console or Console()
    started = time.monotonic()
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    async with (
        httpx.AsyncClient(base_url=api_url, timeout=90.0, limits=limits) as http,
        httpx.AsyncClient(
            base_url=guarantee_url or settings.guarantee_agency_url, timeout=30.0
        ) as guarantee,
        httpx.AsyncClient(base_url=bank_url or settings.bank_url, timeout=30.0) as bank,
    ):
        api = Api(http)
        health = await api.call("GET", "/health", ok=(200, 503))
        if health["status"] != "ok":
            raise DemoError(f"the stack is not healthy: {health}")
        scale = int(health.get("time_scale") or time_scale)
        if scale < 1_000:
            raise DemoError(
                f"the API checks notice periods at NARA_TIME_SCALE={scale}: a 7-day notice "
                "period would take days. Start the API with NARA_TIME_SCALE=20000 (`nara dev` "
                "does this)"
            )
        week = Week(
            api=api,
            guarantee=guarantee,
            bank=bank,
            tenders=tenders,
            time_scale=scale,
            console=console,
            seed=seed if seed is not None else time.time_ns(),
        )
        console.rule("[bold]Nara back office: a busy procurement week")
        console.print(
            f"{len(week.agencies)} agencies and {len(week.businesses)} businesses "
            f"register; {tenders} tenders; 7 days of notice pass in "
            f"{SEVEN_DAYS_S / scale:.0f} s (NARA_TIME_SCALE={scale:,})."
        )
        await week.register()
        await week.arm_bank_fault(fault_hang_ms)
        plans = week.plan()
        with week.progress:
            results = await asyncio.gather(*(week.play(p) for p in plans), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        weekly = await api.call("GET", "/reports/weekly")
        fault = await week.bank_fault(fault_hang_ms)
        contracts = await _contract_totals(api, week.completed)
    report = DemoReport(
        wall_time_s=time.monotonic() - started,
        tenders_planned=tenders,
        tenders_completed=len(week.completed),
        announcements=len(week.announced),
        re_announced=week.re_announced,
        contracts=contracts[0],
        contract_value=contracts[1],
        paid_contract=contracts[2],
        paid_subcontract=contracts[3],
        weekly=weekly,
        bank_fault=fault,
        web_ui_url=f"http://localhost:{settings.temporal_ui_port}",
        docs_url=f"{api_url.rstrip('/')}/docs",
        notices=week.announced,
    )
    print_report(console, report)
    if failures:
        for failure in failures:
            console.print(f"[red]{type(failure).__name__}: {failure}")
        raise DemoError(f"{len(failures)} of {tenders} tenders did not finish: {failures[0]}")
    return report


async def _contract_totals(api: Api, notices: list[str]) -> tuple[int, int, int, int]:
    """This demo's contracts (count, value) and what was paid to contractors and
    subcontractors, from the live state of the tenders it completed."""
    value = paid = subcontract = 0
    for notice in notices:
        live = (await api.call("GET", f"/tenders/{notice}")).get("live") or {}
        value += int(live.get("contract_amount") or 0)
        for payment in live.get("payments", []):
            if payment.get("status") == "paid":
                paid += int(payment["amount"])
                subcontract += int(payment.get("subcontract_amount") or 0)
    return len(notices), value, paid - subcontract, subcontract


def _krw(amount: int) -> str:
    if amount >= 10**12:
        return f"KRW {amount / 10**12:,.2f} tn"
    if amount >= 10**8:
        return f"KRW {amount / 10**9:,.2f} bn"
    return f"KRW {amount:,}"


def print_report(console: Console, report: DemoReport) -> None:
    """The week in the shape of the real system's published weekly figures."""
    w = report.weekly
    paid = w["payments_disbursed"]
    table = Table(
        title=f"Weekly figures {w['start']} to {w['end']} (GET /reports/weekly)",
        title_style="bold",
        show_lines=False,
    )
    table.add_column("figure")
    table.add_column("this week", justify="right")
    table.add_column("real system, first week", justify="right", style="dim")
    table.add_row("announcements", f"{w['announcements']:,}", REAL_FIRST_WEEK["announcements"])
    table.add_row("  of which re-announcements", f"{w['re_announcements']:,}", "")
    table.add_row("openings", f"{w['openings']:,}", REAL_FIRST_WEEK["openings"])
    table.add_row("failed tenders", f"{w['failed_tenders']:,}", "")
    table.add_row(
        "awards",
        f"{w['awards']['count']:,} ({_krw(w['awards']['value'])})",
        REAL_FIRST_WEEK["awards"],
    )
    table.add_row("contracts signed", f"{w['contracts']['count']:,}", "")
    table.add_row(
        "contract value", _krw(w["contracts"]["value"]), REAL_FIRST_WEEK["contract value"]
    )
    table.add_row("payments disbursed", _krw(paid["total"]), REAL_FIRST_WEEK["payments disbursed"])
    table.add_row("  to contractors", _krw(paid["contract"]), "")
    table.add_row("  to subcontractors (direct)", _krw(paid["subcontract"]), "")
    console.print(table)

    demo = Table(title="This demo run", title_style="bold", show_header=False)
    demo.add_column("", style="bold")
    demo.add_column("")
    demo.add_row("wall time", f"{report.wall_time_s:.1f} s")
    demo.add_row(
        "tenders completed",
        f"{report.tenders_completed} of {report.tenders_planned} "
        f"({report.announcements} announcements)",
    )
    demo.add_row(
        "re-announced after failing",
        ", ".join(f"{n} -> {NoticeNo.parse(n).next_round()}" for n in report.re_announced)
        or "none",
    )
    demo.add_row("contracts", f"{report.contracts} worth {_krw(report.contract_value)}")
    demo.add_row(
        "paid",
        f"{_krw(report.paid_contract)} to contractors, "
        f"{_krw(report.paid_subcontract)} to subcontractors",
    )
    fault = report.bank_fault
    demo.add_row(
        "bank fault",
        (
            f"transfer {fault.transfer_id} for {fault.payment_id} committed, then timed out "
            f"({fault.hang_ms} ms, 504); the worker retried with idempotency key "
            f"{fault.idempotency_key}: the bank holds {fault.transfers_with_key} transfer for it"
            + (" (not paid twice)" if fault.transfers_with_key == 1 else " (PAID TWICE)")
        )
        if fault
        else "the armed fault was not reached",
    )
    demo.add_row("Temporal Web UI", report.web_ui_url)
    demo.add_row("API docs", report.docs_url)
    console.print(demo)
