"""The people who move money act with a signed token (patch `signed-people`): a payment
claim or an inspection sent from the Web UI or the `temporal` CLI without a valid token
for that person, workflow and decision is refused, and nothing changes."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara.contracts.payment import Inspect
from nara.contracts.tender import (
    ApproveAward,
    ClaimPayment,
    PostPerformanceGuarantee,
    ReviewCandidate,
    SignContract,
)
from nara.domain.enums import Phase, Role
from nara.keys import KeyService
from nara.services.actors import Actor
from nara.services.ops import tokens
from nara.store.tables import AuditEvent
from nara.workers.main import Partners
from nara.workflows.payment import PaymentWorkflow
from nara.workflows.tender import TenderWorkflow
from tests.factories import make_registry, tender_terms
from tests.support import sessions
from tests.workflows.helpers import (
    awarded,
    bid,
    claimed,
    contracted_tender,
    inspection,
    signed_by,
    start_tender,
    wait_bidding_open,
    wait_phase,
)
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
    deal = await contracted_tender(temporal_env, task_queue, db_engine, partners, keys)
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


async def test_an_award_or_signature_without_a_valid_person_is_refused(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine: AsyncEngine,
    partners: Partners,
    keys: KeyService,
) -> None:
    started = time.monotonic()
    reg = await make_registry(db_engine, businesses=2)
    winner, other = reg.businesses
    terms = tender_terms(reg, now=await temporal_env.get_current_time(), notice_days=7)
    tender = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    await bid(db_engine, partners, reg, terms, winner, 91_000_000)
    await bid(db_engine, partners, reg, terms, other, 94_000_000)
    await temporal_env.sleep(timedelta(days=8))
    await wait_phase(tender, Phase.EVALUATING)
    await tender.execute_update(
        TenderWorkflow.review_candidate,
        ReviewCandidate(officer_id=reg.officer_id, business_no=winner, capability_score=70),
    )

    # The award: no token, a forged one, one for the other bidder; then the signed one.
    award = ApproveAward(officer_id=reg.officer_id, business_no=winner)
    approve = TenderWorkflow.approve_award
    assert "without a signed token" in await _refused(tender, approve, award)
    forged = awarded(keys, tender.id, award)
    assert forged.token is not None
    forged.token.mac = "0" * 64
    assert "without a valid signature" in await _refused(tender, approve, forged)
    for_other = awarded(keys, tender.id, award.model_copy(update={"business_no": other}))
    assert "not award on" in await _refused(
        tender, approve, for_other.model_copy(update={"business_no": winner})
    )
    assert (await tender.query(TenderWorkflow.status)).phase is Phase.EVALUATING
    await tender.execute_update(approve, awarded(keys, tender.id, award))
    status = await wait_phase(tender, Phase.AWARDED)
    assert status.contract_no is not None
    cert = await partners.guarantee_agency.issue(
        kind="performance",
        reference=status.contract_no,
        business_no=winner,
        amount=9_100_000,
        beneficiary=reg.agency_code,
        idempotency_key=uuid.uuid4().hex,
    )
    await tender.execute_update(
        TenderWorkflow.post_performance_guarantee,
        PostPerformanceGuarantee(
            person_id=reg.agents[winner], business_no=winner, certificate_no=cert.certificate_no
        ),
    )

    # The signatures: the agent's without a token, the officer's with the agent's token.
    sign = TenderWorkflow.sign_contract
    agent_signs = SignContract(person_id=reg.agents[winner], role=Role.SUPPLIER, business_no=winner)
    assert "without a signed token" in await _refused(tender, sign, agent_signs)
    officer_signs = SignContract(person_id=reg.officer_id, role=Role.OFFICER)
    borrowed = signed_by(keys, tender.id, agent_signs).token
    assert "not sign on" in await _refused(
        tender, sign, officer_signs.model_copy(update={"token": borrowed})
    )
    status = await tender.query(TenderWorkflow.status)
    assert status.phase is Phase.AWARDED
    assert await _audited(db_engine, "supplier-sign", f"contract:{status.contract_no}") == []
    await tender.execute_update(sign, signed_by(keys, tender.id, agent_signs))
    done = await tender.execute_update(sign, signed_by(keys, tender.id, officer_signs))
    assert done.agency_signed and done.supplier_signed
    await wait_phase(tender, Phase.CONTRACTED)
    (officer,) = await _audited(db_engine, "officer-sign", f"contract:{status.contract_no}")
    assert officer.actor == reg.officer_id
    (award_event,) = await _audited(db_engine, "officer-award", f"tender:{terms.notice_no}")
    assert award_event.payload["business_no"] == winner
    print(f"\nsigned award and signatures: {time.monotonic() - started:.1f}s")
