"""`GET /ops/stuck` on the dev server: the planted stuck cases are listed with their cause
and Web UI link, healthy ones are not; an operator's action is audited under their id."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from nara.contracts.payment import Inspect, PaymentInput
from nara.domain.enums import PaymentKind
from nara.store.tables import AuditEvent
from nara.workflows.payment import PaymentWorkflow
from tests.integration.support import (
    ApiStack,
    announce,
    as_,
    bid,
    contracted,
    ok,
    person,
    register,
    wait_for,
)
from tests.support import eventually, sessions


async def _start_payment(
    stack: ApiStack,
    contract_no: str,
    notice: str,
    winner: str,
    seq: int,
    agent: str,
    *,
    claimed_at: datetime,
    partner_slow_s: int = 30,
):
    """A payment claim started as the tender starts it (a child of nobody, for the test)."""
    return await stack.client.start_workflow(
        PaymentWorkflow.run,
        PaymentInput(
            payment_id=f"payment-{contract_no}-{seq}",
            notice_no=notice,
            contract_no=contract_no,
            seq=seq,
            kind=PaymentKind.PROGRESS,
            amount=1_000_000,
            business_no=winner,
            agency_code="-",
            claimed_by=agent,
            claimed_at=claimed_at,
            partner_slow_s=partner_slow_s,
        ),
        id=f"payment-{contract_no}-{seq}",
        task_queue=stack.task_queue,
    )


RUNBOOK_QUERIES = (
    "ExecutionStatus = 'Running' AND AwaitingRole = 'officer' "
    "AND AwaitingSince < '2026-11-29T00:00:00Z'",
    "ExecutionStatus = 'Running' AND PaymentOverdue = true",
    "ExecutionStatus = 'Running' AND StuckReason IN ('partner-retrying', 'partner-refused')",
    "ExecutionStatus = 'Running' AND AwaitingRole = 'operator'",
)
README = Path(__file__).parents[2] / "README.md"


async def _waits_for_inspection(handle) -> bool:  # type: ignore[no-untyped-def]
    return (await handle.query(PaymentWorkflow.status)).status == "waiting for inspection"


def _nara_ops_stuck(stack: ApiStack, var_dir: Path, person_id: str) -> str:
    """`nara ops stuck` in a child process with `person_id`'s session saved as `nara login`
    saves it."""
    wallet = var_dir / "wallet"
    wallet.mkdir(mode=0o700)
    saved = {
        "api_url": stack.api_url,
        "person_id": person_id,
        "role": "operator",
        "token": as_(person_id)["Authorization"].split()[-1],
        "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    }
    (wallet / "session.json").write_text(json.dumps(saved))
    env = {**os.environ, "NARA_VAR_DIR": str(var_dir), "COLUMNS": "250", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "nara", "ops", "stuck"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_the_stuck_list_finds_what_needs_a_person_and_nothing_healthy(
    stack: ApiStack, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        # The businesses' accounts are on file with us but unknown to the bank.
        cast = await register(http, stack, businesses=2, bank_accounts=False)
        operator = await person(http, stack, "operator")
        winner, second = cast.businesses
        agent = cast.agents[winner]

        # 1. A tender waiting for its officer (the review), past the officer's patience.
        waiting = (await announce(http, cast))["notice_no"]
        await wait_for(http, waiting, "bidding")
        await ok(await bid(http, stack, cast, waiting, winner, 88_000_000, (1, 8)), 201)
        await ok(await bid(http, stack, cast, waiting, second, 91_000_000, (8, 15)), 201)

        # 2. A payment the bank refused (unknown account): it waits for an operator.
        notice, contract_no, _ = await contracted(http, stack, cast)
        claim = await ok(
            await http.post(
                f"/tenders/{notice}/payments",
                headers=as_(agent),
                json={"business_no": winner, "kind": "advance", "amount": 10_000_000},
            ),
            201,
        )
        refused_id = claim["payment_id"]
        await ok(
            await http.post(
                f"/payments/{refused_id}/inspection",
                headers=as_(cast.inspector),
                json={"accepted": True},
            )
        )

        async def refused_by_the_bank() -> bool:
            detail = await ok(await http.get(f"/payments/{refused_id}", headers=as_(operator)))
            return (detail["live"] or {}).get("awaiting_role") == "operator"

        await eventually(refused_by_the_bank, timeout_s=15, what="the bank's refusal")
        # 3. A claim whose inspection is long overdue; 4. a transfer the bank keeps failing.
        now = datetime.now(UTC)
        await _start_payment(
            stack, contract_no, notice, winner, 8, agent, claimed_at=now - timedelta(days=20)
        )
        async with httpx.AsyncClient(
            base_url=stack.bank_url, headers=stack.simulator_admin_headers
        ) as bank:
            await ok(
                await bank.post("/_faults", json={"mode": "outage", "path_prefix": "/transfers"}),
                201,
            )
            try:
                failing = await _start_payment(
                    stack, contract_no, notice, winner, 9, agent, claimed_at=now, partner_slow_s=1
                )
                await failing.execute_update(
                    PaymentWorkflow.inspect, Inspect(inspector_id=cast.inspector, accepted=True)
                )
                # Healthy: a tender in bidding.
                healthy_tender = (await announce(http, cast, notice_s=3600))["notice_no"]

                wanted = {
                    f"tender-{waiting}": "waiting",
                    refused_id: "partner-refused",
                    f"payment-{contract_no}-8": "overdue",
                    failing.id: "partner-retrying",
                }

                seen: dict = {}

                async def listed() -> dict | None:
                    found = await ok(await http.get("/ops/stuck", headers=as_(operator)))
                    cases = {c["workflow_id"]: c for c in found["cases"]}
                    seen.update(last={w: cases.get(w) for w in wanted})
                    ready = all(cases.get(w, {}).get("kind") == k for w, k in wanted.items())
                    ready = ready and (cases[failing.id]["attempts"] or 0) >= 2
                    return {"found": found, "cases": cases} if ready else None

                answer = await eventually(
                    listed, timeout_s=30, every_s=0.5, what=lambda: f"the stuck list: {seen}"
                )
            finally:
                await bank.delete("/_faults")
        # A claim just made is healthy (its inspector has 14 days, scaled).
        healthy = await _start_payment(
            stack, contract_no, notice, winner, 7, agent, claimed_at=datetime.now(UTC)
        )
        await eventually(
            lambda: _waits_for_inspection(healthy), timeout_s=10, what="the fresh claim"
        )
        now_listed = {
            c["workflow_id"]
            for c in (await ok(await http.get("/ops/stuck", headers=as_(operator))))["cases"]
        }
        assert f"tender-{healthy_tender}" not in now_listed and healthy.id not in now_listed
        cases = answer["cases"]
        # The same list from the console, as the logged-in operator (`nara ops stuck`).
        table = _nara_ops_stuck(stack, tmp_path, operator)
        assert refused_id in table and f"tender-{waiting}" in table and "partner-refused" in table
        officer_case = cases[f"tender-{waiting}"]
        assert officer_case["awaiting_role"] == "officer" and officer_case["waiting_since"]
        assert officer_case["ui_url"].startswith(stack.settings.ui_url)
        refused = cases[refused_id]
        assert refused["partner"] == "bank" and "does not exist" in refused["last_error"]
        assert refused["command"] and "nara ops" in refused["command"]
        retrying = cases[failing.id]
        assert retrying["partner"] == "bank" and retrying["last_error"]
        assert retrying["next_retry"] and "/history" in retrying["ui_url"]
        overdue = cases[f"payment-{contract_no}-8"]
        assert overdue["overdue_since"] and overdue["amount"] == 1_000_000
        # The tender of the refused payment waits with it and is not listed twice.
        assert f"tender-{notice}" not in cases
        tender = await ok(await http.get(f"/tenders/{notice}"))
        assert tender["live"]["awaiting_role"] == "operator"
        assert "bank refused" in tender["live"]["payments"][0]["progress"]

        # The operator's retry while the bank still refuses the account: 409, nothing audited.
        body = {"reason": "the winner says the account is open now"}
        early = await http.post(
            f"/ops/payments/{refused_id}/retry", headers=as_(operator), json=body
        )
        assert early.status_code == 409 and "still refuses" in early.json()["detail"]
        # Corrected with an account the bank knows: audited under the operator, paid.
        async with httpx.AsyncClient(
            base_url=stack.bank_url, headers=stack.simulator_admin_headers
        ) as bank:
            await ok(
                await bank.post("/accounts", json={"account_no": f"FIX-{winner}", "holder": winner})
            )
        fixed = await ok(
            await http.post(
                f"/ops/payments/{refused_id}/account",
                headers=as_(operator),
                json={
                    "payee": "prime",
                    "account_no": f"FIX-{winner}",
                    "reason": "typo in the account",
                },
            )
        )
        assert fixed["person_id"] == operator

        async def paid() -> bool:
            detail = await ok(await http.get(f"/payments/{refused_id}", headers=as_(operator)))
            return (detail["record"] or {}).get("status") == "paid"

        await eventually(paid, timeout_s=15, what="the corrected payment paid")
    # The runbook's Web UI queries are in the README and the visibility store answers them.
    readme = README.read_text(encoding="utf-8")
    found_by: dict[str, list[str]] = {}
    for query in RUNBOOK_QUERIES:
        assert query in readme, query
        found_by[query] = [w.id async for w in stack.client.list_workflows(query, limit=1000)]
    assert f"payment-{contract_no}-8" in found_by[RUNBOOK_QUERIES[1]]
    async with sessions(stack.engine)() as s:
        actors = (
            await s.scalars(
                select(AuditEvent.actor).where(
                    AuditEvent.action == "operator-correct-account",
                    AuditEvent.entity == f"contract:{contract_no}",
                )
            )
        ).all()
    assert actors == [operator]
