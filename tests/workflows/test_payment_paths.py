"""Payments that go wrong: a bank refusal waits for an operator, lateness costs interest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara.contracts.payment import Inspect
from nara.contracts.search import PAYMENT_OVERDUE
from nara.contracts.tender import ClaimPayment
from nara.domain.calendar import late_payment_interest
from nara.domain.enums import Phase, Role
from nara.keys import KeyService
from nara.store.tables import Payment
from nara.workers.main import Partners
from nara.workflows.payment import PaymentWorkflow
from nara.workflows.tender import TenderWorkflow
from tests.support import eventually, sessions
from tests.workflows.helpers import contracted_tender, operator_retry


async def test_refused_transfer_waits_for_operator_and_pays_late_interest(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
    keys: KeyService,
) -> None:
    # The winner's account is not open at the bank yet: the transfer will be refused.
    deal = await contracted_tender(
        temporal_env, task_queue, db_engine, partners, winner_account=False
    )
    handle, reg, terms, winner = deal.handle, deal.reg, deal.terms, deal.winner

    outcome = await handle.execute_update(
        TenderWorkflow.claim_payment,
        ClaimPayment(
            person_id=reg.agents[winner], business_no=winner, kind="final", amount=91_000_000
        ),
    )
    payment = temporal_env.client.get_workflow_handle_for(PaymentWorkflow.run, outcome.workflow_id)
    inspected = await payment.execute_update(
        PaymentWorkflow.inspect, Inspect(inspector_id=reg.inspector_id, accepted=True)
    )
    assert inspected.due_at is not None

    async def waiting_for_operator():
        status = await payment.query(PaymentWorkflow.status)
        return status if status.awaiting_role is Role.OPERATOR else None

    refused = await eventually(waiting_for_operator)
    assert "account" in refused.attempts_note

    # Three weeks pass before anyone fixes it: the payment is overdue in visibility.
    await temporal_env.sleep(timedelta(days=21))
    status = await payment.query(PaymentWorkflow.status)
    assert status.overdue
    described = await payment.describe()
    assert described.typed_search_attributes.get(PAYMENT_OVERDUE) is True

    await partners.bank.open_account(account_no=reg.accounts[winner], holder=winner, balance=0)
    await payment.execute_update(PaymentWorkflow.retry_now, operator_retry(keys, payment.id))
    result = await payment.result()
    assert result.status == "paid"
    assert result.paid_at is not None
    expected = late_payment_interest(
        amount=91_000_000, due=inspected.due_at, paid=result.paid_at, annual_rate_bp=1200
    )
    assert result.late_interest == expected > 0
    balance = (await partners.bank.get_account(reg.accounts[winner])).balance
    assert balance == 91_000_000 + expected
    async with sessions(db_engine)() as s:
        row = (
            await s.execute(select(Payment).where(Payment.contract_no == f"C{terms.notice_no}"))
        ).scalar_one()
        assert (row.status, row.late_interest) == ("paid", expected)


async def test_late_inspection_is_flagged_and_a_rejected_claim_can_be_claimed_again(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
) -> None:
    deal = await contracted_tender(temporal_env, task_queue, db_engine, partners)
    handle, reg, terms, winner = deal.handle, deal.reg, deal.terms, deal.winner
    claim = ClaimPayment(
        person_id=reg.agents[winner], business_no=winner, kind="final", amount=91_000_000
    )
    first = await handle.execute_update(TenderWorkflow.claim_payment, claim)
    payment = temporal_env.client.get_workflow_handle_for(PaymentWorkflow.run, first.workflow_id)

    # While the final claim is open, nothing more can be claimed.
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(TenderWorkflow.claim_payment, claim)
    assert "final payment" in str(caught.value.cause)

    # Nobody inspects for 15 days: the claim shows as overdue in visibility.
    await temporal_env.sleep(timedelta(days=15))
    assert (await payment.query(PaymentWorkflow.status)).overdue
    assert (await payment.describe()).typed_search_attributes.get(PAYMENT_OVERDUE) is True

    # The claimant cannot inspect their own claim; the inspector rejects it.
    with pytest.raises(WorkflowUpdateFailedError):
        await payment.execute_update(
            PaymentWorkflow.inspect, Inspect(inspector_id=reg.agents[winner], accepted=True)
        )
    await payment.execute_update(
        PaymentWorkflow.inspect,
        Inspect(inspector_id=reg.inspector_id, accepted=False, note="delivery incomplete"),
    )
    assert (await payment.result()).status == "rejected"

    # The same amount can be claimed again, and this time it is paid.
    async def claimable():
        status = await handle.query(TenderWorkflow.status)
        return status.payments and status.payments[0].status == "rejected"

    await eventually(claimable)
    second = await handle.execute_update(TenderWorkflow.claim_payment, claim)
    assert second.seq == 2
    again = temporal_env.client.get_workflow_handle_for(PaymentWorkflow.run, second.workflow_id)
    await again.execute_update(
        PaymentWorkflow.inspect, Inspect(inspector_id=reg.inspector_id, accepted=True)
    )
    assert (await again.result()).status == "paid"
    assert (await handle.result()).phase is Phase.COMPLETED
    async with sessions(db_engine)() as s:
        rows = (
            await s.execute(
                select(Payment.seq, Payment.status)
                .where(Payment.contract_no == f"C{terms.notice_no}")
                .order_by(Payment.seq)
            )
        ).all()
        assert [tuple(r) for r in rows] == [(1, "rejected"), (2, "paid")]
