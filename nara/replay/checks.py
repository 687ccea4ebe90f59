"""Nothing lost: the replay's checks, read as an auditor would.

Each check reads the record it is about from where it is kept: PostgreSQL (plain,
read-only SQL on the back office's database), the bank simulator's ledger (`/_ledger`)
and the public API (`GET /outages/{id}`, `GET /audit/verify` and `GET /ops/stuck` as
the operator). A check
lists what it found wrong (the first few) and passes only when nothing is.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import psycopg
from rich.table import Table

from nara.demo.api import Api, DemoError
from nara.domain.outage import extend_for_outage

SHOWN = 5  # problems shown per check
SEQUENCER_WAIT_S = 30.0  # for the audit sequencer to chain the last entries


@dataclass
class Check:
    name: str
    looked_at: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Scope:
    """What this replay made: its notices (every round), the planted ones (caught by the
    outage and left open on purpose), the receipts it holds, and the declared outage."""

    notices: list[str]
    planted: set[str]
    receipts: dict[str, int]  # notice -> bids the API gave a receipt for
    outage_id: int | None
    operator: str


async def run_checks(
    *, database_url: str, api: Api, ledger: dict[str, list[dict[str, Any]]], scope: Scope
) -> list[Check]:
    """Every check, in the order the week's money and bids flow."""
    async with await reader(database_url) as db:
        checks = [
            await _bids_opened(db, scope),
            await _awards_closed(db, scope),
            await _payments_in_ledger(db, scope, ledger),
            await _outage_moves(db, api, scope),
            await _audit_verifies(api, scope),
            await _nothing_stuck(db, api, scope),
        ]
    return checks


async def reader(database_url: str) -> psycopg.AsyncConnection[Any]:
    """The checks' connection. Autocommit, read-only by the server's default: a check
    whose statement fails leaves no aborted transaction behind for the next one, and no
    check can write."""
    return await psycopg.AsyncConnection.connect(
        _plain(database_url), autocommit=True, options="-c default_transaction_read_only=on"
    )


def check_named(
    name: str,
) -> Callable[[Callable[..., Awaitable[None]]], Callable[..., Awaitable[Check]]]:
    """A check named `name`; one that cannot run (the API or the database refused it) is a
    failed check saying why, and the other checks still run: a week's run keeps its
    numbers."""

    def named(look: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[Check]]:
        @functools.wraps(look)
        async def run(*args: Any) -> Check:
            check = Check(name)
            try:
                await look(check, *args)
            except (DemoError, psycopg.Error, httpx.HTTPError) as error:
                check.problems.append(f"the check could not run: {_said(error)}")
            return check

        return run

    return named


def _said(error: Exception) -> str:
    return (f"{type(error).__name__}: {error}".splitlines() or [""])[0][:300]


def _plain(url: str) -> str:
    """psycopg's form of a SQLAlchemy URL (`postgresql+psycopg://` -> `postgresql://`)."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+')[0]}://{rest}"


async def _rows(db: psycopg.AsyncConnection[Any], sql: str, *args: Any) -> list[tuple[Any, ...]]:
    async with db.cursor() as cursor:
        await cursor.execute(sql, args)
        return await cursor.fetchall()


@check_named("every accepted bid is in its opening")
async def _bids_opened(check: Check, db: psycopg.AsyncConnection[Any], scope: Scope) -> None:
    """Every bid the API gave a receipt for is on file and counted by its tender's opening,
    and none is left sealed after the opening."""
    rows = await _rows(
        db,
        """SELECT t.notice_no, count(b.id), count(b.id) FILTER (WHERE b.status = 'sealed'),
                  o.bid_count
             FROM tender t LEFT JOIN bid b ON b.tender_id = t.id
             LEFT JOIN opening_result o ON o.tender_id = t.id
            WHERE t.notice_no = ANY(%s) GROUP BY t.notice_no, o.bid_count""",
        scope.notices,
    )
    on_file = {notice: (bids, sealed, opened) for notice, bids, sealed, opened in rows}
    for notice, receipts in scope.receipts.items():
        check.looked_at += receipts
        bids, sealed, opened = on_file.get(notice, (0, 0, None))
        if bids != receipts:
            check.problems.append(f"{notice}: {receipts} receipts, {bids} bids on file")
        elif notice not in scope.planted and opened != bids:
            check.problems.append(f"{notice}: {bids} bids, the opening counted {opened}")
        elif notice not in scope.planted and sealed:
            check.problems.append(f"{notice}: {sealed} bids still sealed after the opening")


@check_named("every award has its contract or forfeiture")
async def _awards_closed(check: Check, db: psycopg.AsyncConnection[Any], scope: Scope) -> None:
    """Every award ended in a signed contract or a forfeiture."""
    rows = await _rows(
        db,
        """SELECT t.notice_no, a.status, c.contract_no
             FROM award a JOIN tender t ON t.id = a.tender_id
             LEFT JOIN contract c ON c.tender_id = a.tender_id
            WHERE t.notice_no = ANY(%s)""",
        scope.notices,
    )
    for notice, status, contract in rows:
        check.looked_at += 1
        if status == "forfeited" or (status == "contracted" and contract):
            continue
        check.problems.append(f"{notice}: award {status}, contract {contract or 'none'}")


@check_named("every payment leg in the bank's ledger exactly once")
async def _payments_in_ledger(
    check: Check,
    db: psycopg.AsyncConnection[Any],
    scope: Scope,
    ledger: dict[str, list[dict[str, Any]]],
) -> None:
    """Every payment was paid, each leg (contractor, subcontractor, and the late-payment
    interest to the contractor when there is any) by exactly one transfer in the bank's
    ledger, for its amount; the transfers on file are those."""
    by_reference: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for transfer in ledger["transfers"]:
        by_reference[transfer["reference"]].append(transfer)
    rows = await _rows(
        db,
        """SELECT p.contract_no, p.seq, p.amount, p.subcontract_amount, p.late_interest,
                  p.transfer_ids, p.status
             FROM payment p JOIN contract c ON c.contract_no = p.contract_no
             JOIN tender t ON t.id = c.tender_id
            WHERE t.notice_no = ANY(%s)""",
        scope.notices,
    )
    for contract_no, seq, amount, sub, interest, transfer_ids, status in rows:
        check.looked_at += 1
        payment = f"payment-{contract_no}-{seq}"
        made = by_reference.get(payment, [])
        legs = [(amount - sub, "payment:prime")]
        legs += [(sub, "payment:sub")] if sub else []
        legs += [(interest, "interest:prime")] if interest else []  # paid late: interest
        problem = _leg_problem(made, legs, set(transfer_ids or ()), str(status))
        if problem:
            check.problems.append(f"{payment}: {problem}")


def _leg_problem(
    made: list[dict[str, Any]], legs: list[tuple[int, str]], on_file: set[str], status: str
) -> str | None:
    if status != "paid":
        return f"{status}, not paid"
    keys = [t["idempotency_key"] for t in made]
    if len(keys) != len(set(keys)) or len(made) != len(legs):
        return f"{len(made)} transfers in the ledger for {len(legs)} legs"
    for amount, leg in legs:
        hits = [t for t in made if t["idempotency_key"].endswith(f":{leg}")]
        if len(hits) != 1 or hits[0]["amount"] != amount:
            return f"{leg}: {[t['amount'] for t in hits]} in the ledger, {amount} owed"
    if {t["transfer_id"] for t in made} != on_file:
        return "the transfers on file are not those in the ledger"
    return None


@check_named("every deadline caught by the outage moved as the rule says")
async def _outage_moves(
    check: Check, db: psycopg.AsyncConnection[Any], api: Api, scope: Scope
) -> None:
    """Every tender the declared outage caught moved exactly as the rule says (recomputed
    here with `nara.domain.outage`), its workflow was told, and the tender kept the move."""
    if scope.outage_id is None:
        check.problems.append("no outage was declared")
        return
    outage = await api.call("GET", f"/outages/{scope.outage_id}")
    start, back = _at(outage["started_at"]), _at(outage["recovered_at"])
    moved = {t["notice_no"]: t for t in outage["tenders"]}
    now = dict(
        await _rows(
            db, "SELECT notice_no, deadline FROM tender WHERE notice_no = ANY(%s)", list(moved)
        )
    )
    for notice in sorted(scope.planted - set(moved)):
        check.problems.append(f"{notice}: open during the outage, not moved")
    for notice, move in moved.items():
        check.looked_at += 1
        rule = extend_for_outage(
            deadline=_at(move["deadline_before"]),
            opening_at=_at(move["opening_before"]),
            outage_start=start,
            recovery=back,
        )
        after = (_at(move["deadline_after"]), _at(move["opening_after"]))
        if move.get("note") is None and after != (rule.deadline, rule.opening_at):
            check.problems.append(f"{notice}: moved to {after[0]}, the rule says {rule.deadline}")
        elif move["signal"] != "sent":
            check.problems.append(f"{notice}: ExtendDeadline signal {move['signal']}")
        elif now.get(notice) != after[0]:
            check.problems.append(f"{notice}: deadline on file {now.get(notice)}, not {after[0]}")


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


@check_named("the audit log verifies")
async def _audit_verifies(check: Check, api: Api, scope: Scope) -> None:
    """`GET /audit/verify` (what `nara audit verify` runs) as the operator: the chain holds."""
    give_up = time.monotonic() + SEQUENCER_WAIT_S
    while True:  # the sequencer chains the week's last entries a moment after they land
        report = await api.call("GET", "/audit/verify", person=scope.operator)
        if (report["ok"] and not report["pending"]) or time.monotonic() > give_up:
            break
        await asyncio.sleep(1.0)
    check.looked_at = int(report["entries"])
    if not report["ok"]:
        check.problems.extend(report["problems"] or ["the chain does not verify"])


@check_named("nothing stuck but the planted cases")
async def _nothing_stuck(
    check: Check, db: psycopg.AsyncConnection[Any], api: Api, scope: Scope
) -> None:
    """No tender of the replay is left short of its end but the planted ones, and
    `GET /ops/stuck` (what `nara ops stuck` shows) lists none of its cases but those."""
    stuck = await api.call("GET", "/ops/stuck", person=scope.operator)
    ours = set(scope.notices)
    for case in stuck["cases"]:
        if case["notice_no"] in ours and case["notice_no"] not in scope.planted:
            check.problems.append(
                f"ops stuck: {case['workflow_id']} {case['kind']} ({case['action']})"
            )
    rows = await _rows(
        db,
        "SELECT notice_no, phase, awaiting_role FROM tender WHERE notice_no = ANY(%s)",
        scope.notices,
    )
    for notice, phase, awaiting in rows:
        check.looked_at += 1
        if notice in scope.planted or phase in ("completed", "failed", "cancelled"):
            continue
        check.problems.append(f"{notice}: {phase}, awaiting {awaiting or 'nobody'}")


def checks_table(checks: Iterable[Check]) -> Table:
    table = Table(title="Nothing lost: the checks", title_style="bold")
    table.add_column("check")
    table.add_column("looked at", justify="right")
    table.add_column("result")
    for check in checks:
        shown = "; ".join(check.problems[:SHOWN])
        more = len(check.problems) - SHOWN
        result = "[green]ok" if check.ok else f"[red]{shown}" + (f" (+{more})" if more > 0 else "")
        table.add_row(check.name, f"{check.looked_at:,}", result)
    return table
