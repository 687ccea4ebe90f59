"""A rehearsal payment (NARA_TIME_SCALE 20000) on the time-skipping server: its deadlines
come within a minute, it turns overdue while the bank refuses, its interest counts the
days the law would; and the worker's JSON log lines carry the workflow's ids, one warning
per retried bank call (the traceback only at debug).

The real PaymentWorkflow, the real worker interceptors, the real bank simulator with
injected faults; the database steps are fakes registered under the real activity names.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara.contracts import steps
from nara.contracts.errors import to_application_error
from nara.contracts.payment import Inspect, PaymentInput
from nara.domain import calendar, time_scale
from nara.domain.errors import NaraError
from nara.logs import configure_logging
from nara.partners.bank import BankClient
from nara.simulators.runner import ServerHandle
from nara.testing.servers import admin_headers
from nara.workers.main import Partners, sandbox_runner
from nara.workers.telemetry import LogContext
from nara.workflows.payment import PaymentWorkflow

SCALE = 20_000
AMOUNT = 50_000_000
FAILS = 8
"""Bank failures before the transfer goes through: the payment is paid some 4 minutes late."""

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def json_lines() -> Iterator[Lines]:
    """The process's log lines as JSON (at debug), read back as dicts; the set-up restored."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    configure_logging(level="DEBUG", fmt="json", stream=buffer)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line]
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


class FakeSteps:
    """The payment's database steps as fakes; the transfer calls the real bank."""

    def __init__(self, bank: BankClient) -> None:
        self.bank = bank
        self.inspections: list[steps.InspectionStep] = []
        self.paid: list[steps.PaidStep] = []

    @activity.defn(name="record_claim")
    async def record_claim(self, step: steps.ClaimStep) -> None:
        pass

    @activity.defn(name="record_inspection")
    async def record_inspection(self, step: steps.InspectionStep) -> None:
        self.inspections.append(step)

    @activity.defn(name="record_paid")
    async def record_paid(self, step: steps.PaidStep) -> None:
        self.paid.append(step)

    @activity.defn(name="transfer_payment")
    async def transfer_payment(self, step: steps.TransferStep) -> steps.TransferDone:
        try:
            done = await self.bank.transfer(
                from_account="agency",
                to_account=f"acct-{step.contract_no}",
                amount=step.amount,
                reference=step.payment_id,
                idempotency_key=f"{step.payment_id}:{step.purpose}",
            )
        except NaraError as error:
            raise to_application_error(error) from error
        return steps.TransferDone(transfer_ids=[done.transfer_id], completed_at=datetime.now(UTC))


async def test_a_rehearsal_payment_turns_overdue_in_minutes_and_logs_with_its_ids(
    temporal_env: WorkflowEnvironment,
    task_queue: str,
    partners: Partners,
    bank_sim: ServerHandle,
    json_lines: Lines,
) -> None:
    bank = partners.bank
    notice = f"R2026-{uuid.uuid4().hex[:6]}"
    contract = f"C{notice}"  # as the tender names its contract
    await bank.open_account(account_no="agency", holder="Seoul City", balance=10**12)
    fakes = FakeSteps(bank)
    await bank.open_account(account_no=f"acct-{contract}", holder="Hangang Build")
    # The bank fails 8 times, retried with backoff (1, 2, ... 128 s: some 4 minutes), so
    # the payment, due about 30 s after its acceptance, turns overdue before it is paid.
    armed = await bank._http.post(
        f"{bank_sim.url}/_faults",
        json={"mode": "error_5xx", "path_prefix": "/transfers", "method": "POST", "count": FAILS},
        headers=admin_headers(),
    )
    assert armed.status_code == 201, armed.text

    async with Worker(
        temporal_env.client,
        task_queue=task_queue,
        workflows=[PaymentWorkflow],
        activities=[
            fakes.record_claim,
            fakes.record_inspection,
            fakes.record_paid,
            fakes.transfer_payment,
        ],
        workflow_runner=sandbox_runner(),
        interceptors=[LogContext()],
    ):
        claimed_at = await temporal_env.get_current_time()
        payment_id = f"payment-{contract}-1"
        handle = await temporal_env.client.start_workflow(
            PaymentWorkflow.run,
            PaymentInput(
                payment_id=payment_id,
                notice_no=notice,
                contract_no=contract,
                seq=1,
                kind="final",
                amount=AMOUNT,
                business_no="123-45-67890",
                agency_code="A1000",
                claimed_by="agent-1",
                claimed_at=claimed_at,
                time_scale=SCALE,
            ),
            id=payment_id,
            task_queue=task_queue,
        )
        status = await handle.query(PaymentWorkflow.status)
        assert status.inspection_due is not None
        # 14 days (to the end of a business day) pass in about a minute.
        inspect_by_law = calendar.inspection_due(claimed_at) - claimed_at
        assert status.inspection_due - claimed_at == pytest.approx(
            inspect_by_law / SCALE, abs=timedelta(seconds=1)
        )
        assert status.inspection_due - claimed_at < timedelta(minutes=2)

        accepted = await handle.execute_update(
            PaymentWorkflow.inspect, Inspect(inspector_id="inspector-1", accepted=True)
        )
        accepted_at = await temporal_env.get_current_time()
        assert accepted.due_at is not None
        by_law = calendar.payment_due(accepted_at)
        assert accepted.due_at - accepted_at == pytest.approx(
            (by_law - accepted_at) / SCALE, abs=timedelta(seconds=1)
        )
        assert accepted.due_at - accepted_at < timedelta(minutes=1)
        assert fakes.inspections[0].due_at == accepted.due_at  # recorded as the real moment

        await temporal_env.sleep(timedelta(minutes=1))
        assert (await handle.query(PaymentWorkflow.status)).overdue
        result = await handle.result()

    # Paid some 4 to 5 minutes late: at scale 20000 that is 2 months of the law's interest,
    # counted in whole days from the law's due date.
    assert result.paid_at is not None
    days = (result.paid_at - accepted.due_at).total_seconds() * SCALE / 86_400
    assert 30 < days < 90
    paid_for_law = time_scale.lateness_by_law(
        due_by_law=by_law, due_at=accepted.due_at, paid=result.paid_at, scale=SCALE
    )
    assert (paid_for_law.date() - by_law.date()).days == pytest.approx(days, abs=1)
    assert result.late_interest == calendar.late_payment_interest(
        amount=AMOUNT, due=by_law, paid=paid_for_law, annual_rate_bp=1200
    )
    assert result.late_interest == pytest.approx(AMOUNT * 1200 * days / (10_000 * 365), rel=0.05)
    assert fakes.paid[0].late_interest == result.late_interest > 0

    lines = json_lines()
    retries = [line for line in lines if line["event"].startswith("partner call failed")]
    assert [line["attempt"] for line in retries] == list(range(1, FAILS + 1))
    for line in retries:
        assert line["level"] == "warning" and "exception" not in line
        assert line["workflow_id"] == payment_id and line["run_id"] == handle.result_run_id
        assert (line["activity"], line["partner"], line["error"]) == (
            "transfer_payment",
            "bank",
            "PartnerUnavailable",
        )
        assert line["code"] == "simulated-error" and line["message"].startswith("bank:")
        assert line["notice_no"] == notice
    # One line per retried call: the SDK's own warning with its traceback is dropped, and
    # the traceback is kept at debug.
    assert not [
        line
        for line in lines
        if line["level"] != "debug" and "PartnerUnavailable" in json.dumps(line.get("exception"))
    ]
    tracebacks = [line for line in lines if line["event"] == "partner call failure traceback"]
    assert len(tracebacks) == FAILS and all(line["level"] == "debug" for line in tracebacks)
    assert all(line.get("exception") for line in tracebacks)
    overdue = [line for line in lines if line["event"] == "payment overdue"]
    assert overdue and overdue[0]["workflow_id"] == payment_id
    assert overdue[0]["workflow_type"] == "PaymentWorkflow"
    assert overdue[0]["notice_no"] == notice and overdue[0]["run_id"]
