"""`run_demo`: check the stack, register the cast, play the week, print the report."""

from __future__ import annotations

import asyncio
import random
import time

import httpx
from rich.console import Console

from nara.demo.api import Api, DemoError
from nara.demo.cast import OPERATOR, Cast, register
from nara.demo.incidents import plant_incidents, print_incidents
from nara.demo.partners import Bank, GuaranteeAgency
from nara.demo.plan import SEVEN_DAYS_S, plan_week
from nara.demo.progress import Board
from nara.demo.report import DemoReport, contract_totals, print_report
from nara.demo.script import Week
from nara.settings import get_settings, reveal
from nara.wallet.keyring import Keyring

MIN_TIME_SCALE = 1_000  # below this a 7-day notice period takes over ten minutes


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
    simulator_admin_token: str | None = None,
    ca_url: str | None = None,
    operator: str = OPERATOR,
    passkey_origin: str | None = None,
    incidents: bool = False,
) -> DemoReport | None:
    """Play the week against a running stack and print its report.

    Args:
        api_url: the API, e.g. http://localhost:8000.
        tenders: how many tenders the agencies announce (one in eight draws a single bid
            and is re-announced).
        guarantee_url, bank_url: the partner simulators (default: from the settings).
        time_scale: the compression the deadlines are planned for; the API's own
            NARA_TIME_SCALE (from /health) wins when it differs.
        simulator_admin_token: the simulators' admin token, for opening the cast's bank
            accounts, arming the bank's fault and having the CA certify the cast's keys
            (default: SIMULATOR_ADMIN_TOKEN).
        ca_url: the certificate authority (default: CA_URL).
        operator: an operator registered from the console (`nara people add`); the
            demo logs in as them to register everyone else.
        passkey_origin: the API's WEBAUTHN_ORIGIN, where the agents' software
            authenticators say they are (default: WEBAUTHN_ORIGIN).
        incidents: instead of the week, leave three stuck cases for operators to
            practise on (`nara.demo.incidents`); the bank is left down. Returns None.

    Raises:
        DemoError: no admin token, or the stack did not play along.
    """
    settings = get_settings()
    admin_token = simulator_admin_token or reveal(settings.simulator_admin_token)
    if not admin_token:
        raise DemoError(
            "the demo opens bank accounts, arms a bank fault and has the CA certify its "
            "people's keys, which needs the simulators' admin token: set "
            "SIMULATOR_ADMIN_TOKEN, or let `nara dev` run the demo (it keeps the token in "
            "NARA_VAR_DIR/simulators/admin-token)"
        )
    console = console or Console()
    started = time.monotonic()
    # Idle connections are dropped after 2 s, before the server's keep-alive (uvicorn: 5 s)
    # would close them under a request just sent ("Server disconnected without sending a
    # response").
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50, keepalive_expiry=2.0)
    async with (
        httpx.AsyncClient(base_url=api_url, timeout=90.0, limits=limits) as http,
        httpx.AsyncClient(
            base_url=guarantee_url or settings.guarantee_agency_url, timeout=30.0
        ) as guarantee_http,
        httpx.AsyncClient(base_url=bank_url or settings.bank_url, timeout=30.0) as bank_http,
        Keyring(
            ca_url or settings.ca_url,
            admin_token=admin_token,
            passkey_origin=passkey_origin or settings.webauthn_origin,
        ) as keyring,
    ):
        api, bank = Api(http, keyring), Bank(bank_http, admin_token=admin_token)
        scale = await _time_scale(api, default=time_scale)
        week = Week(
            api=api,
            guarantees=GuaranteeAgency(guarantee_http),
            cast=Cast.default(),
            rng=random.Random(seed if seed is not None else time.time_ns()),
            board=Board(console),
        )
        _print_intro(console, week.cast, tenders=tenders, scale=scale)
        await register(week.cast, api=api, bank=bank, operator=operator)
        if incidents:
            plans = plan_week(tenders=6, time_scale=scale, cast=week.cast, rng=week.rng)
            planted = await plant_incidents(week, bank, plans, operator)
            print_incidents(console, planted, ui_url=settings.ui_url)
            return None
        await bank.arm_fault(fault_hang_ms)
        plans = plan_week(tenders=tenders, time_scale=scale, cast=week.cast, rng=week.rng)
        with week.board:
            results = await asyncio.gather(*(week.play(p) for p in plans), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        weekly = await api.call("GET", "/reports/weekly")
        fault = await bank.fault()
        totals = await contract_totals(api, week.completed)
    report = DemoReport(
        wall_time_s=time.monotonic() - started,
        tenders_planned=tenders,
        tenders_completed=len(week.completed),
        announcements=len(week.announced),
        re_announced=week.re_announced,
        contracts=totals.count,
        contract_value=totals.value,
        paid_contract=totals.paid_contract,
        paid_subcontract=totals.paid_subcontract,
        weekly=weekly,
        bank_fault=fault,
        web_ui_url=f"http://localhost:{settings.temporal_ui_port}",
        docs_url=f"{api_url.rstrip('/')}/docs",
        notices=week.announced,
    )
    print_report(console, report)
    _raise_on_failures(console, failures, tenders=tenders)
    return report


async def _time_scale(api: Api, *, default: int) -> int:
    """The API's NARA_TIME_SCALE from /health; DemoError if unhealthy or too slow."""
    health = await api.call("GET", "/health", ok=(200, 503))
    if health["status"] != "ok":
        raise DemoError(f"the stack is not healthy: {health}")
    scale = int(health.get("time_scale") or default)
    if scale < MIN_TIME_SCALE:
        raise DemoError(
            f"the API checks notice periods at NARA_TIME_SCALE={scale}: a 7-day notice "
            "period would take days. Start the API with NARA_TIME_SCALE=20000 (`nara dev` "
            "does this)"
        )
    return scale


def _print_intro(console: Console, cast: Cast, *, tenders: int, scale: int) -> None:
    console.rule("[bold]Nara back office: a busy procurement week")
    console.print(
        f"{len(cast.agencies)} agencies and {len(cast.businesses)} businesses "
        f"register; {tenders} tenders; 7 days of notice pass in "
        f"{SEVEN_DAYS_S / scale:.0f} s (NARA_TIME_SCALE={scale:,})."
    )


def _raise_on_failures(console: Console, failures: list[BaseException], *, tenders: int) -> None:
    if not failures:
        return
    for failure in failures:
        console.print(f"[red]{type(failure).__name__}: {failure}")
    raise DemoError(f"{len(failures)} of {tenders} tenders did not finish: {failures[0]}")
