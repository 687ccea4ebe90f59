"""`nara demo --incidents`: three cases left stuck for operators to practise on.

1. A tender waiting for its officer: bids are in and opened; nobody reviews.
2. A refused payment: the final payment has a subcontractor's leg to an account the bank
   does not know; the prime's leg is paid, the subcontractor's refused.
3. A payment whose bank is down: every transfer answers 503 (an outage armed at the bank
   simulator) and the transfer is retried; at its due date it is overdue and interest
   accrues.

Then `nara ops stuck` lists them, and the runbook in the README says how to fix each.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from rich.console import Console
from rich.table import Table

from nara.demo.api import DemoError
from nara.demo.cast import Business, business_no
from nara.demo.partners import Bank
from nara.demo.plan import Plan
from nara.demo.script import POLL_S, TenderStory, Week

CLOSED_ACCOUNT_BUSINESS = 97
"""The index (`business_no`) of the subcontractor whose account the bank does not know."""


@dataclass(frozen=True)
class Incident:
    what: str
    workflow_id: str
    fix: str


class IncidentStory(TenderStory):
    """A tender played until it is stuck the way an incident needs."""

    async def until_evaluating(self) -> Incident:
        await self._announce()
        self.bar.show(self.notice, "announced")
        await self._wait("bidding")
        await self._bid(self.plan.bidders)
        await self._wait("evaluating")
        self.bar.note("left for its officer")
        return Incident(
            "a tender waiting for its officer",
            f"tender-{self.notice}",
            "remind the officer; or `nara ops extend` / `nara ops cancel`",
        )

    async def until_contracted(self) -> Business:
        await self._announce()
        winner, guarantee_min = await self._award()
        await self._contract(winner, guarantee_min)
        return winner

    async def claim_final(self, winner: Business, **extra: Any) -> str:
        """The winner claims the whole contract; the inspector accepts it."""
        total = int((await self.api.tender(self.notice))["live"]["contract_amount"])
        body: dict[str, Any] = {"business_no": winner.no, "kind": "final", "amount": total}
        claim = await self.api.call(
            "POST",
            f"/tenders/{self.notice}/payments",
            person=winner.agent,
            json={**body, **extra},
        )
        payment_id = str(claim["payment_id"])
        await self.api.call(
            "POST",
            f"/payments/{payment_id}/inspection",
            person=self.plan.agency.inspector,
            json={"accepted": True, "note": "inspected (incident rehearsal)"},
        )
        return payment_id

    async def wait_payment(self, payment_id: str, awaiting: str, timeout_s: float = 60) -> None:
        give_up = time.monotonic() + timeout_s
        while time.monotonic() < give_up:
            detail = await self.api.call(
                "GET", f"/payments/{payment_id}", person=self.plan.agency.inspector
            )
            if (detail.get("live") or {}).get("awaiting_role") == awaiting:
                return
            await asyncio.sleep(POLL_S)
        raise DemoError(f"{payment_id} did not come to wait for the {awaiting}")


async def plant_incidents(
    week: Week, bank: Bank, plans: list[Plan], operator: str
) -> list[Incident]:
    """Play three tenders into the three incidents; the bank is left down."""
    fit = [p for p in plans if not p.lonely and len(p.bidders) >= 2]
    if len(fit) < 3:
        raise DemoError("the incidents need three tenders with two bidders or more")
    officer, refused, down = (IncidentStory(week, p, week.board.add(p)) for p in fit[:3])
    closed = Business(
        no=business_no(CLOSED_ACCOUNT_BUSINESS), name="Subcontractor with a closed account"
    )
    await week.api.call(
        "POST",
        "/businesses",
        person=operator,
        json={"business_no": closed.no, "name": closed.name, "account_no": closed.account},
    )
    with week.board:
        waiting, refused_winner, down_winner = await asyncio.gather(
            officer.until_evaluating(), refused.until_contracted(), down.until_contracted()
        )
        total = int((await week.api.tender(refused.notice))["live"]["contract_amount"])
        refused_id = await refused.claim_final(
            refused_winner, subcontract_amount=total // 4, subcontractor_no=closed.no
        )
        await refused.wait_payment(refused_id, "operator")
        await bank.arm_outage()
        down_id = await down.claim_final(down_winner)
    return [
        waiting,
        Incident(
            "a payment the bank refused (the subcontractor's account is unknown to the bank; "
            "the prime's leg is paid)",
            refused_id,
            "`nara ops correct-account` with an account the bank knows",
        ),
        Incident(
            "a payment whose bank is down (retried; overdue at its due date)",
            down_id,
            "clear the bank's outage (DELETE /_faults), then `nara ops retry`",
        ),
    ]


def print_incidents(console: Console, incidents: list[Incident], *, ui_url: str) -> None:
    table = Table(title="Left stuck for operators to practise on", show_lines=True)
    for column in ("incident", "workflow", "fix"):
        table.add_column(column, overflow="fold")
    for incident in incidents:
        query = quote(f"WorkflowId = '{incident.workflow_id}'")
        link = f"{ui_url}/namespaces/default/workflows?query={query}"
        table.add_row(incident.what, f"{incident.workflow_id}\n{link}", incident.fix)
    console.print(table)
    console.print(
        "Find them as an operator: `nara login <operator>` then `nara ops stuck` "
        "(or GET /ops/stuck); the README's operator's runbook says the rest."
    )
