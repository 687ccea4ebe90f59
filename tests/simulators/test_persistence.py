"""A file ledger survives a restart: balances, certificates and idempotency keys are still there."""

from __future__ import annotations

from pathlib import Path

import httpx

from nara.simulators import bank, guarantee_agency
from nara.simulators.runner import serve_in_thread
from nara.testing.servers import SIMULATOR_ADMIN_TOKEN, admin_headers

TOKEN = SIMULATOR_ADMIN_TOKEN

TRANSFER = {
    "from_account": "agency",
    "to_account": "supplier",
    "amount": 300,
    "reference": "PAY-1",
    "memo": "",
}


def test_bank_ledger_survives_a_restart(tmp_path: Path) -> None:
    ledger = tmp_path / "bank.sqlite3"
    with serve_in_thread(bank.create_app(ledger, admin_token=TOKEN)) as sim:
        for account_no, balance in (("agency", 1_000), ("supplier", 0)):
            httpx.post(
                f"{sim.url}/accounts",
                json={"account_no": account_no, "holder": account_no, "balance": balance},
                headers=admin_headers(),
            )
        first = httpx.post(
            f"{sim.url}/transfers", json=TRANSFER, headers={"Idempotency-Key": "PAY-1:prime"}
        ).json()

    with serve_in_thread(bank.create_app(ledger, admin_token=TOKEN)) as sim:
        replay = httpx.post(
            f"{sim.url}/transfers", json=TRANSFER, headers={"Idempotency-Key": "PAY-1:prime"}
        )
        second = httpx.post(
            f"{sim.url}/transfers", json=TRANSFER, headers={"Idempotency-Key": "PAY-2:prime"}
        ).json()
        agency = httpx.get(f"{sim.url}/accounts/agency").json()

    assert replay.headers["Idempotent-Replay"] == "true"
    assert replay.json() == first
    assert (first["transfer_id"], second["transfer_id"]) == ("TRF-00000001", "TRF-00000002")
    assert agency["balance"] == 400


def test_guarantee_ledger_survives_a_restart(tmp_path: Path) -> None:
    ledger = tmp_path / "nested" / "guarantee.sqlite3"
    body = {
        "kind": "performance",
        "reference": "C-2026-0001",
        "business_no": "123-45-67890",
        "amount": 10_000_000,
        "beneficiary": "1230000",
    }
    with serve_in_thread(guarantee_agency.create_app(ledger, admin_token=TOKEN)) as sim:
        first = httpx.post(
            f"{sim.url}/guarantees", json=body, headers={"Idempotency-Key": "g1"}
        ).json()

    with serve_in_thread(guarantee_agency.create_app(ledger, admin_token=TOKEN)) as sim:
        found = httpx.get(f"{sim.url}/guarantees/{first['certificate_no']}").json()
        second = httpx.post(
            f"{sim.url}/guarantees", json=body, headers={"Idempotency-Key": "g2"}
        ).json()

    assert found == first
    assert first["certificate_no"].startswith("PG-") and first["certificate_no"].endswith("000001")
    assert second["certificate_no"].endswith("000002")


def test_an_in_memory_ledger_starts_empty(tmp_path: Path) -> None:
    with serve_in_thread(bank.create_app(admin_token=TOKEN)) as sim:
        opened = httpx.post(
            f"{sim.url}/accounts", json={"account_no": "a", "holder": "a"}, headers=admin_headers()
        )
        assert opened.status_code == 201
    with serve_in_thread(bank.create_app(admin_token=TOKEN)) as sim:
        ledger = httpx.get(f"{sim.url}/_ledger", headers=admin_headers()).json()
        assert ledger == {"accounts": [], "transfers": []}
