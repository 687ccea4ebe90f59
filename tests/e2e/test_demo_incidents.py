"""`nara demo --incidents` leaves the three cases an operator rehearses on, and the stuck
list shows each with its cause."""

from __future__ import annotations

import httpx
import pytest
from rich.console import Console

from nara.demo import run_demo
from tests.integration.support import ApiStack, as_, ok, person
from tests.support import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def test_incidents_are_planted_and_listed_as_stuck(stack: ApiStack) -> None:
    console = Console(record=True, width=160, force_terminal=False)
    try:
        await run_demo(
            api_url=stack.api_url,
            guarantee_url=stack.guarantee_url,
            bank_url=stack.bank_url,
            simulator_admin_token=stack.simulator_admin_token,
            ca_url=stack.ca_url,
            operator=stack.operator,
            passkey_origin=stack.settings.webauthn_origin,
            console=console,
            seed=11,
            incidents=True,
        )
        printed = console.export_text()
        assert "waiting for its officer" in printed and "nara ops stuck" in printed
        async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
            operator = await person(http, stack, "operator")

            async def three_kinds() -> dict | None:
                found = await ok(await http.get("/ops/stuck", headers=as_(operator)))
                kinds = {c["kind"] for c in found["cases"]}
                # The bank-down payment shows once its calls have failed for 30 s; by then
                # its compressed due date has passed, so it is overdue too.
                wanted = {"waiting", "partner-refused", "partner-retrying"}
                return found if wanted <= kinds else None

            found = await eventually(three_kinds, timeout_s=60, every_s=1, what="the incidents")
        refused = next(c for c in found["cases"] if c["kind"] == "partner-refused")
        assert "already paid: prime" in refused["last_error"]
        down = next(c for c in found["cases"] if c["kind"] == "partner-retrying")
        assert down["partner"] == "bank" and down["overdue_since"] is not None
    finally:
        async with httpx.AsyncClient(
            base_url=stack.bank_url, headers=stack.simulator_admin_headers
        ) as bank:
            await bank.delete("/_faults")
