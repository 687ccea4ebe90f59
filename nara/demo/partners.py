"""The partner simulators as the demo uses them: the guarantee agency and the bank."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from nara.demo.api import DemoError


@dataclass(frozen=True)
class BankFault:
    """The transfer the armed fault hit, and how many transfers its idempotency key made."""

    payment_id: str
    transfer_id: str
    idempotency_key: str
    transfers_with_key: int
    hang_ms: int


class GuaranteeAgency:
    """Issues bid and performance guarantees to the businesses' agents."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def issue(
        self, *, kind: str, reference: str, business_no: str, amount: int, beneficiary: str
    ) -> str:
        """A new guarantee of `kind`; its certificate number."""
        response = await self.http.post(
            "/guarantees",
            headers={"Idempotency-Key": uuid.uuid4().hex},
            json={
                "kind": kind,
                "reference": reference,
                "business_no": business_no,
                "amount": amount,
                "beneficiary": beneficiary,
            },
        )
        if response.status_code not in (200, 201):
            raise DemoError(f"the guarantee agency refused a {kind} guarantee: {response.text}")
        return str(response.json()["certificate_no"])


class Bank:
    """Opens the cast's accounts and sets the double-payment trap.

    Both use the simulator's admin routes (`POST /accounts`, `/_faults`, `/_ledger`), so
    the bank is given its admin token; it goes with those calls only.
    """

    def __init__(self, http: httpx.AsyncClient, *, admin_token: str) -> None:
        self.http = http
        self.transfers_before = 0
        self.hang_ms = 0
        self.admin = {"Authorization": f"Bearer {admin_token}"}

    async def open_account(self, account_no: str, holder: str, balance: int) -> None:
        response = await self.http.post(
            "/accounts",
            headers=self.admin,
            json={"account_no": account_no, "holder": holder, "balance": balance},
        )
        if response.status_code not in (200, 201):
            raise DemoError(f"the bank refused account {account_no}: {response.text[:200]}")

    async def ledger(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of the bank's ledger: accounts and transfers (an admin route)."""
        response = await self.http.get("/_ledger", headers=self.admin)
        if response.status_code != 200:
            raise DemoError(f"could not read the bank's ledger: {response.text[:200]}")
        ledger: dict[str, list[dict[str, Any]]] = response.json()
        return ledger

    async def arm_fault(self, hang_ms: int) -> None:
        """The next transfer commits, then hangs and answers 504: the double-payment trap."""
        ledger = await self.ledger()
        self.hang_ms = hang_ms
        self.transfers_before = len(ledger["transfers"])
        cleared = await self.http.delete("/_faults", headers=self.admin)
        if cleared.status_code != 204:
            raise DemoError(f"could not clear the bank's faults: {cleared.text[:200]}")
        response = await self.http.post(
            "/_faults",
            headers=self.admin,
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

    async def arm_outage(self) -> None:
        """Transfers answer 503 until the faults are cleared (`DELETE /_faults`): the bank
        is down for every payment from now on."""
        response = await self.http.post(
            "/_faults",
            headers=self.admin,
            json={"mode": "outage", "path_prefix": "/transfers", "method": "POST"},
        )
        if response.status_code != 201:
            raise DemoError(f"could not arm the bank outage: {response.text[:200]}")

    async def fault(self) -> BankFault | None:
        """What the armed fault hit, or None if no transfer was made since arming it."""
        transfers = (await self.ledger())["transfers"]
        if len(transfers) <= self.transfers_before:
            return None
        hit = transfers[self.transfers_before]
        same_key = [t for t in transfers if t["idempotency_key"] == hit["idempotency_key"]]
        return BankFault(
            payment_id=hit["reference"],
            transfer_id=hit["transfer_id"],
            idempotency_key=hit["idempotency_key"],
            transfers_with_key=len(same_key),
            hang_ms=self.hang_ms,
        )
