"""The demo week, scaled down to four tenders, end to end through the public API."""

from __future__ import annotations

import httpx
import pytest
from rich.console import Console

from nara.demo import run_demo
from tests.integration.support import ApiStack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def test_demo_week_completes_every_tender_and_never_pays_twice(stack: ApiStack) -> None:
    console = Console(record=True, width=120, force_terminal=False)
    report = await run_demo(
        api_url=stack.api_url,
        tenders=4,
        guarantee_url=stack.guarantee_url,
        bank_url=stack.bank_url,
        simulator_admin_token=stack.simulator_admin_token,
        ca_url=stack.ca_url,
        operator=stack.operator,
        passkey_origin=stack.settings.webauthn_origin,
        console=console,
        seed=7,
    )
    assert report.tenders_completed == 4
    assert len(report.re_announced) >= 1  # the lonely tender failed and came back as -01
    assert report.announcements == 4 + len(report.re_announced)
    assert report.contracts == 4 and report.contract_value > 0
    assert report.paid_contract + report.paid_subcontract == report.contract_value
    assert report.paid_subcontract > 0

    fault = report.bank_fault
    assert fault is not None and fault.transfers_with_key == 1
    async with httpx.AsyncClient(base_url=stack.bank_url) as bank:
        transfers = (await bank.get("/transfers", params={"reference": fault.payment_id})).json()
    keys = [t["idempotency_key"] for t in transfers["items"]]
    assert len(keys) == len(set(keys))  # every leg of the hit payment was made exactly once

    weekly = report.weekly
    assert weekly["announcements"] >= report.announcements
    assert weekly["failed_tenders"] >= 1
    assert weekly["payments_disbursed"]["subcontract"] >= report.paid_subcontract

    output = console.export_text()
    for words in (
        "Weekly figures",
        "announcements",
        "payments disbursed",
        "bank fault",
        "not paid twice",
        "http://localhost:8233",
        f"{stack.api_url}/docs",
    ):
        assert words in output, words
