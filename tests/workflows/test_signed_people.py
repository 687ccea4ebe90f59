"""The people who move money act with a signed token (patch `signed-people`): a payment
claim or an inspection sent from the Web UI or the `temporal` CLI without a valid token
for that person, workflow and decision is refused, and nothing changes."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara.contracts.payment import Inspect
from nara.contracts.tender import ClaimPayment
from nara.domain.enums import Phase, Role
from nara.keys import KeyService
from nara.services.actors import Actor
from nara.services.ops import tokens
from nara.store.tables import AuditEvent
from nara.workers.main import Partners
from nara.workflows.payment import PaymentWorkflow
from nara.workflows.tender import TenderWorkflow
from tests.support import sessions
from tests.workflows.helpers import claimed, contracted_tender, inspection
from tests.workflows.replay import check_and_record


async def _refused(handle: WorkflowHandle, update, arg) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(update, arg)
    return str(caught.value.cause)


async def _audited(engine: AsyncEngine, action: str, entity: str) -> list[AuditEvent]:
    async with sessions(engine)() as s:
        found = await s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.entity == entity)
            .order_by(AuditEvent.id)
        )
        return list(found.all())


async def test_a_claim_or_inspection_without_a_valid_person_is_refused_and_changes_nothing(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine: AsyncEngine,
    partners: Partners,
    keys: KeyService,
) -> None:
    started = time.monotonic()
    deal = await contracted_tender(temporal_env, task_queue, db_engine, partners)
    tender, reg, winner = deal.handle, deal.reg, deal.winner
    notice, agent = deal.terms.notice_no, reg.agents[winner]
    claim = ClaimPayment(person_id=agent, business_no=winner, kind="progress", amount=20_000_000)
    claim_update = TenderWorkflow.claim_payment

    # A claim as typed into the Web UI: the person's id, no token.
    assert "without a signed token" in await _refused(tender, claim_update, claim)
    # A well-formed token whose signature is made up.
    forged = claimed(keys, tender.id, claim)
    assert forged.token is not None
    forged.token.mac = "0" * 64
    assert "without a valid signature" in await _refused(tender, claim_update, forged)
    # A valid token, but for another workflow, another amount, another person, another role.
    elsewhere = claimed(keys, "tender-elsewhere", claim)
    assert "not claim on" in await _refused(tender, claim_update, elsewhere)
    more = claimed(keys, tender.id, claim).model_copy(update={"amount": 20_000_001})
    assert "not claim on" in await _refused(tender, claim_update, more)
    other = claimed(keys, tender.id, claim.model_copy(update={"person_id": reg.inspector_id}))
    assert "the claim names" in await _refused(
        tender, claim_update, other.model_copy(update={"person_id": agent})
    )
    as_officer = claim.model_copy(
        update={
            "token": tokens.issue(
                keys=keys,
                actor=Actor(id=agent, name="", role=Role.OFFICER, agency_code=None),
                action="claim",
                workflow_id=tender.id,
                reason="progress payment",
                args=claim.token_args(),
            )
        }
    )
    assert "needs supplier" in await _refused(tender, claim_update, as_officer)
    status = await tender.query(TenderWorkflow.status)
    assert status.payments == [] and status.phase is Phase.CONTRACTED
    assert await _audited(db_engine, "supplier-claim", f"tender:{notice}") == []

    # The agent's signed claim counts once: the same token again is refused.
    signed_claim = claimed(keys, tender.id, claim)
    outcome = await tender.execute_update(claim_update, signed_claim)
    payment = temporal_env.client.get_workflow_handle_for(PaymentWorkflow.run, outcome.workflow_id)
    assert "already used" in await _refused(tender, claim_update, signed_claim)
    assert len((await tender.query(TenderWorkflow.status)).payments) == 1
    (audited,) = await _audited(db_engine, "supplier-claim", f"tender:{notice}")
    assert audited.actor == agent and audited.payload["amount"] == "20000000"

    # The inspection: no token, a forged one, one for another payment, another decision,
    # or the claimant's own; none of them inspects.
    inspect = PaymentWorkflow.inspect
    bare = Inspect(inspector_id=reg.inspector_id, accepted=True)
    assert "without a signed token" in await _refused(payment, inspect, bare)
    forged_inspection = inspection(keys, payment.id, reg.inspector_id)
    assert forged_inspection.token is not None
    forged_inspection.token.mac = "f" * 64
    assert "without a valid signature" in await _refused(payment, inspect, forged_inspection)
    foreign = inspection(keys, "payment-elsewhere-1", reg.inspector_id)
    assert "not inspect on" in await _refused(payment, inspect, foreign)
    flipped = inspection(keys, payment.id, reg.inspector_id, accepted=False)
    assert "not inspect on" in await _refused(
        payment, inspect, flipped.model_copy(update={"accepted": True})
    )
    own = inspection(keys, payment.id, agent)
    assert "cannot inspect" in await _refused(payment, inspect, own)
    view = await payment.query(PaymentWorkflow.status)
    assert view.status == "waiting for inspection" and view.awaiting_role is Role.INSPECTOR
    contract = f"contract:C{notice}"
    assert await _audited(db_engine, "inspector-inspect", contract) == []

    # The inspector's signed acceptance pays; it is audited under the inspector's name.
    accepted = await payment.execute_update(inspect, inspection(keys, payment.id, reg.inspector_id))
    assert accepted.accepted and accepted.due_at is not None
    assert (await payment.result()).status == "paid"
    (inspected,) = await _audited(db_engine, "inspector-inspect", contract)
    assert inspected.actor == reg.inspector_id and inspected.payload["accepted"] == "yes"
    await check_and_record("payment-signed-inspection", await payment.fetch_history())
    print(f"\nsigned claim and inspection: {time.monotonic() - started:.1f}s")
