"""The closing report: the week's published figures and what this run achieved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from nara.demo.api import Api
from nara.demo.partners import BankFault
from nara.domain.identifiers import NoticeNo

REAL_FIRST_WEEK = {  # DESIGN.md: the real system's first week
    "announcements": "7,885",
    "openings": "1,347",
    "awards": "1,464",
    "contract value": "KRW 1.38 tn",
    "payments disbursed": "KRW 2.18 tn",
}


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
class ContractTotals:
    count: int
    value: int
    paid_contract: int
    paid_subcontract: int


async def contract_totals(api: Api, notices: list[str]) -> ContractTotals:
    """This demo's contracts (count, value) and what was paid to contractors and
    subcontractors, from the live state of the tenders it completed."""
    value = paid = subcontract = 0
    for notice in notices:
        live = (await api.tender(notice)).get("live") or {}
        value += int(live.get("contract_amount") or 0)
        for payment in live.get("payments", []):
            if payment.get("status") == "paid":
                paid += int(payment["amount"])
                subcontract += int(payment.get("subcontract_amount") or 0)
    return ContractTotals(len(notices), value, paid - subcontract, subcontract)


def krw(amount: int) -> str:
    """An amount in won, in trillions or billions when it is large."""
    if amount >= 10**12:
        return f"KRW {amount / 10**12:,.2f} tn"
    if amount >= 10**8:
        return f"KRW {amount / 10**9:,.2f} bn"
    return f"KRW {amount:,}"


def print_report(console: Console, report: DemoReport) -> None:
    """The week in the shape of the real system's published weekly figures."""
    console.print(_weekly_table(report.weekly))
    console.print(_run_table(report))


def _weekly_table(w: dict[str, Any]) -> Table:
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
        f"{w['awards']['count']:,} ({krw(w['awards']['value'])})",
        REAL_FIRST_WEEK["awards"],
    )
    table.add_row("contracts signed", f"{w['contracts']['count']:,}", "")
    table.add_row("contract value", krw(w["contracts"]["value"]), REAL_FIRST_WEEK["contract value"])
    table.add_row("payments disbursed", krw(paid["total"]), REAL_FIRST_WEEK["payments disbursed"])
    table.add_row("  to contractors", krw(paid["contract"]), "")
    table.add_row("  to subcontractors (direct)", krw(paid["subcontract"]), "")
    return table


def _run_table(report: DemoReport) -> Table:
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
    demo.add_row("contracts", f"{report.contracts} worth {krw(report.contract_value)}")
    demo.add_row(
        "paid",
        f"{krw(report.paid_contract)} to contractors, "
        f"{krw(report.paid_subcontract)} to subcontractors",
    )
    demo.add_row("bank fault", _bank_fault_line(report.bank_fault))
    demo.add_row("Temporal Web UI", report.web_ui_url)
    demo.add_row("API docs", report.docs_url)
    return demo


def _bank_fault_line(fault: BankFault | None) -> str:
    if fault is None:
        return "the armed fault was not reached"
    return (
        f"transfer {fault.transfer_id} for {fault.payment_id} committed, then timed out "
        f"({fault.hang_ms} ms, 504); the worker retried with idempotency key "
        f"{fault.idempotency_key}: the bank holds {fault.transfers_with_key} transfer for it"
        + (" (not paid twice)" if fault.transfers_with_key == 1 else " (PAID TWICE)")
    )
