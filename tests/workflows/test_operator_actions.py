"""Operators at 3 a.m.: stuck payments say why in search attributes, the tender mirrors
them, and every fix is an Update with an operator's signed token, checked and audited."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara.contracts.ops import (
    CorrectAccount,
    OperatorCancel,
    OperatorExtend,
    PersonToken,
    schedule_args,
)
from nara.contracts.payment import Inspect, PaymentView
from nara.contracts.search import (
    AWAITING_ROLE,
    AWAITING_SINCE,
    PARTNER,
    PAYMENT_OVERDUE,
    STUCK_REASON,
)
from nara.contracts.tender import CancelTender, ClaimPayment, ExtendDeadline, ReviewCandidate
from nara.domain.calendar import SEOUL
from nara.domain.enums import Phase, Role
from nara.keys import KeyService
from nara.store.tables import AuditEvent
from nara.testing.servers import admin_headers
from nara.workers.main import Partners
from nara.workflows.payment import PaymentWorkflow
from nara.workflows.tender import TenderWorkflow
from tests.factories import make_registry, tender_terms
from tests.support import eventually, sessions
from tests.workflows.helpers import (
    OPERATOR,
    bid,
    contracted_tender,
    operator_retry,
    operator_token,
    signed,
    start_tender,
    wait_bidding_open,
    wait_phase,
)
from tests.workflows.replay import check_and_record


async def _attributes(handle: WorkflowHandle) -> dict[str, object]:
    found = (await handle.describe()).typed_search_attributes
    return {
        key.name: found.get(key)
        for key in (AWAITING_ROLE, AWAITING_SINCE, STUCK_REASON, PARTNER, PAYMENT_OVERDUE)
    }


async def _status_when(payment: WorkflowHandle, test) -> PaymentView:  # type: ignore[no-untyped-def]
    async def probe() -> PaymentView | None:
        status = await payment.query(PaymentWorkflow.status)
        return status if test(status) else None

    return await eventually(probe)


async def _refused_update(handle: WorkflowHandle, update, arg) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(update, arg)
    return str(caught.value.cause)


async def _audit(engine, action: str, entity: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    """This test's audit events of one kind (the database is shared by the session)."""
    async with sessions(engine)() as s:
        found = await s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.entity == entity)
            .order_by(AuditEvent.id)
        )
        return list(found.all())


async def test_a_refused_leg_is_seen_mirrored_audited_and_fixed_only_by_a_valid_operator(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
    keys: KeyService,
) -> None:
    # The subcontractor's account is not open at the bank: its leg will be refused after
    # the prime's leg is paid.
    deal = await contracted_tender(temporal_env, task_queue, db_engine, partners)
    tender, reg, winner = deal.handle, deal.reg, deal.winner
    sub = reg.businesses[1]
    outcome = await tender.execute_update(
        TenderWorkflow.claim_payment,
        ClaimPayment(
            person_id=reg.agents[winner],
            business_no=winner,
            kind="final",
            amount=91_000_000,
            subcontract_amount=21_000_000,
            subcontractor_no=sub,
        ),
    )
    payment = temporal_env.client.get_workflow_handle_for(PaymentWorkflow.run, outcome.workflow_id)
    entity = f"contract:C{deal.terms.notice_no}"

    # From the start: waiting for the inspector since now, not overdue (false, not unset).
    await _status_when(payment, lambda s: s.status == "waiting for inspection")
    first = await _attributes(payment)
    assert first["AwaitingRole"] == "inspector" and first["PaymentOverdue"] is False
    assert first["AwaitingSince"] is not None and first["StuckReason"] is None
    await payment.execute_update(
        PaymentWorkflow.inspect, Inspect(inspector_id=reg.inspector_id, accepted=True)
    )
    refused = await _status_when(payment, lambda s: s.awaiting_role is Role.OPERATOR)
    assert "account" in refused.attempts_note
    assert refused.legs_paid and refused.legs_paid[0].startswith("prime 70,000,000 KRW")
    stuck = await _attributes(payment)
    assert (stuck["AwaitingRole"], stuck["StuckReason"], stuck["Partner"]) == (
        "operator",
        "partner-refused",
        "bank",
    )

    # The tender waits with its payment: for an operator, not "the inspector"; its
    # payment record says what the payment says, with the leg already paid.
    async def mirrored():  # type: ignore[no-untyped-def]
        status = await tender.query(TenderWorkflow.status)
        return status if status.awaiting_role is Role.OPERATOR else None

    mirror = await eventually(mirrored)
    assert mirror.phase is Phase.PAYING
    assert "bank refused" in mirror.payments[0].progress
    assert mirror.payments[0].legs_paid == refused.legs_paid
    parent = await _attributes(tender)
    assert (parent["AwaitingRole"], parent["StuckReason"], parent["Partner"]) == (
        "operator",
        "payment-waiting",
        "bank",
    )
    assert [e.payload["leg"] for e in await _audit(db_engine, "payment-leg-paid", entity)] == [
        "prime"
    ]
    assert [e.payload["leg"] for e in await _audit(db_engine, "payment-refused", entity)] == ["sub"]

    # Without a valid person: a forged token, a token for another workflow, the old signal.
    forged = operator_retry(keys, payment.id)
    forged.token.mac = "0" * 64
    assert "valid signature" in await _refused_update(payment, PaymentWorkflow.retry_now, forged)
    elsewhere = operator_retry(keys, tender.id)
    assert "not retry on" in await _refused_update(payment, PaymentWorkflow.retry_now, elsewhere)
    await payment.signal(PaymentWorkflow.retry_transfer)
    # The cause persists: the bank still does not know the subcontractor's account.
    persists = await _refused_update(
        payment, PaymentWorkflow.retry_now, operator_retry(keys, payment.id)
    )
    assert "still refuses the subcontractor's account" in persists
    unknown = {"payee": "subcontractor", "account_no": "NOWHERE-1"}
    wrong = CorrectAccount(
        token=operator_token(keys, payment.id, "correct-account", unknown), **unknown
    )
    assert "NOWHERE-1" in await _refused_update(payment, PaymentWorkflow.correct_account, wrong)
    assert (await payment.query(PaymentWorkflow.status)).awaiting_role is Role.OPERATOR
    assert await _audit(db_engine, "operator-retry", entity) == []

    # The subcontractor's real account, opened at the bank: corrected, paid at once.
    fixed_account = f"{reg.accounts[sub]}-NEW"
    await partners.bank.open_account(account_no=fixed_account, holder=sub)
    fix = {"payee": "subcontractor", "account_no": fixed_account}
    done = await payment.execute_update(
        PaymentWorkflow.correct_account,
        CorrectAccount(token=operator_token(keys, payment.id, "correct-account", fix), **fix),
    )
    assert done.person_id == OPERATOR.id
    assert (await payment.result()).status == "paid"
    await check_and_record("payment-operator-fix", await payment.fetch_history())
    [audited] = await _audit(db_engine, "operator-correct-account", entity)
    assert audited.actor == OPERATOR.id
    assert audited.payload["reason"] == "rehearsed fix at 3 a.m."
    assert audited.payload["account_no"] == fixed_account
    assert (await partners.bank.get_account(fixed_account)).balance == 21_000_000
    assert sorted(
        e.payload["leg"] for e in await _audit(db_engine, "payment-leg-paid", entity)
    ) == [
        "prime",
        "sub",
    ]
    # The tender no longer waits for anybody.
    assert (await tender.query(TenderWorkflow.status)).awaiting_role is None


def made_up_token(tender: WorkflowHandle) -> PersonToken:
    """A cancel token as someone could type it into the Web UI: well formed, unsigned."""
    now = datetime.now(UTC)
    return PersonToken(
        person_id="someone",
        role=Role.OPERATOR,
        action="cancel",
        workflow_id=tender.id,
        reason="from the Web UI",
        issued_at=now,
        expires_at=now + timedelta(minutes=5),
        nonce="n" * 32,
    )


async def test_retry_now_skips_the_backoff_once_the_bank_answers_and_not_before(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
    keys: KeyService,
    bank_sim,
) -> None:
    deal = await contracted_tender(temporal_env, task_queue, db_engine, partners)
    tender, reg, winner = deal.handle, deal.reg, deal.winner
    entity = f"contract:C{deal.terms.notice_no}"
    async with httpx.AsyncClient(base_url=bank_sim.url, headers=admin_headers()) as http:
        armed = await http.post("/_faults", json={"mode": "outage", "path_prefix": "/transfers"})
        assert armed.status_code == 201
        try:
            outcome = await tender.execute_update(
                TenderWorkflow.claim_payment,
                ClaimPayment(
                    person_id=reg.agents[winner],
                    business_no=winner,
                    kind="final",
                    amount=91_000_000,
                ),
            )
            payment = temporal_env.client.get_workflow_handle_for(
                PaymentWorkflow.run, outcome.workflow_id
            )
            await payment.execute_update(
                PaymentWorkflow.inspect, Inspect(inspector_id=reg.inspector_id, accepted=True)
            )
            # An hour of failures: the backoff has grown to its 5-minute cap.
            await temporal_env.sleep(timedelta(hours=1))
            retrying = await _status_when(payment, lambda s: s.stuck_reason == "partner-retrying")
            assert retrying.partner == "bank"
            attributes = await _attributes(payment)
            assert (attributes["StuckReason"], attributes["Partner"]) == (
                "partner-retrying",
                "bank",
            )
            [pending] = (await payment.describe()).raw_description.pending_activities
            assert pending.attempt > 5 and pending.last_failure.message
            # The inspector accepted: the tender waits for nobody, not "the inspector".
            mirror = await tender.query(TenderWorkflow.status)
            assert mirror.awaiting_role is None
            assert mirror.payments[0].progress == "the bank keeps failing; the transfer is retried"

            # Still down: the retry is refused and nothing is audited.
            down = await _refused_update(
                payment, PaymentWorkflow.retry_now, operator_retry(keys, payment.id)
            )
            assert "the bank still fails" in down
            assert await _audit(db_engine, "operator-retry", entity) == []
        finally:
            await http.delete("/_faults")

    # Back: left alone, the transfer waits for its next attempt, up to 5 minutes away...
    await asyncio.sleep(1)
    assert (await payment.query(PaymentWorkflow.status)).stuck_reason == "partner-retrying"
    # ... while an operator's retry makes it at once.
    started = time.monotonic()
    done = await payment.execute_update(PaymentWorkflow.retry_now, operator_retry(keys, payment.id))
    assert done.person_id == OPERATOR.id
    paid = await _status_when(payment, lambda s: s.status.startswith("paid"))
    assert time.monotonic() - started < 20, "paid at once, not after the backoff"
    assert paid.stuck_reason is None
    [audited] = await _audit(db_engine, "operator-retry", entity)
    assert audited.actor == OPERATOR.id


async def test_operator_extends_and_cancels_one_tender_with_a_signed_token(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    keys: KeyService,
) -> None:
    reg = await make_registry(db_engine, businesses=1)
    terms = tender_terms(reg, now=await temporal_env.get_current_time(), notice_days=7)
    tender = await start_tender(temporal_env.client, task_queue, terms)
    entity = f"tender:{terms.notice_no}"
    await wait_bidding_open(db_engine, terms.notice_no)
    deadline = terms.deadline + timedelta(days=2)
    opening = terms.opening_at + timedelta(days=2)
    args = schedule_args(deadline, opening)
    extension = OperatorExtend(
        token=operator_token(keys, tender.id, "extend", args), deadline=deadline, opening_at=opening
    )
    # Signals sent as from the Web UI or the `temporal` CLI name nobody: ignored.
    await tender.signal(
        TenderWorkflow.extend_deadline,
        ExtendDeadline(
            deadline=deadline + timedelta(days=5),
            opening_at=opening + timedelta(days=5),
            reason="typed into the Web UI",
            requested_by=reg.officer_id,
        ),
    )
    await tender.signal(
        TenderWorkflow.cancel, CancelTender(reason="typed into the Web UI", requested_by="x")
    )
    # The same Update with other dates than the token names is refused before it runs.
    moved = extension.model_copy(update={"deadline": deadline + timedelta(days=1)})
    assert "not extend" in await _refused_update(tender, TenderWorkflow.operator_extend, moved)
    done = await tender.execute_update(TenderWorkflow.operator_extend, extension)
    assert done.person_id == OPERATOR.id
    extended = await tender.query(TenderWorkflow.status)
    assert (extended.deadline, extended.phase) == (deadline, Phase.BIDDING)
    [extended] = await _audit(db_engine, "operator-extend", entity)
    assert (extended.actor, extended.entity) == (OPERATOR.id, f"tender:{terms.notice_no}")
    # The officer's own extension, signalled with the signed token, in Seoul time.
    later = (deadline + timedelta(days=1)).astimezone(SEOUL)
    officer_extension = ExtendDeadline(
        deadline=later,
        opening_at=later + timedelta(hours=1),
        reason="site briefing added",
        requested_by=reg.officer_id,
    )
    await tender.signal(TenderWorkflow.extend_deadline, signed(keys, tender.id, officer_extension))

    async def moved_again():  # type: ignore[no-untyped-def]
        return (await tender.query(TenderWorkflow.status)).deadline == later

    await eventually(moved_again)
    [by_officer] = await _audit(db_engine, "officer-extend", entity)
    assert by_officer.actor == reg.officer_id

    # A cancel with a made-up token (as from the Web UI) is refused; a signed one cancels.
    assert "valid signature" in await _refused_update(
        tender, TenderWorkflow.operator_cancel, OperatorCancel(token=made_up_token(tender))
    )
    await tender.execute_update(
        TenderWorkflow.operator_cancel,
        OperatorCancel(token=operator_token(keys, tender.id, "cancel")),
    )
    status = await wait_phase(tender, Phase.CANCELLED)
    assert OPERATOR.id in status.note
    [cancelled] = await _audit(db_engine, "operator-cancel", entity)
    assert cancelled.actor == OPERATOR.id


async def test_a_guarantee_agency_that_keeps_failing_shows_on_the_tender_until_it_answers(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
    guarantee_sim,
) -> None:
    reg = await make_registry(db_engine, businesses=2)
    winner, other = reg.businesses
    terms = tender_terms(reg, now=await temporal_env.get_current_time(), notice_days=7)
    tender = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    await bid(db_engine, partners, reg, terms, winner, 91_000_000)
    await bid(db_engine, partners, reg, terms, other, 94_000_000)
    await temporal_env.sleep(timedelta(days=8))
    await wait_phase(tender, Phase.EVALUATING)
    async with httpx.AsyncClient(base_url=guarantee_sim.url, headers=admin_headers()) as http:
        armed = await http.post("/_faults", json={"mode": "outage", "path_prefix": "/guarantees"})
        assert armed.status_code == 201
        try:
            # The officer's review asks the agency to confirm the bid guarantee: it is down.
            review = await tender.start_update(
                TenderWorkflow.review_candidate,
                ReviewCandidate(officer_id=reg.officer_id, business_no=winner, capability_score=70),
                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            )
            await temporal_env.sleep(timedelta(minutes=10))

            async def shown() -> dict[str, object] | None:
                found = await _attributes(tender)
                return found if found["StuckReason"] == "partner-retrying" else None

            stuck = await eventually(shown)
            assert stuck["Partner"] == "guarantee-agency"
        finally:
            await http.delete("/_faults")
    await temporal_env.sleep(timedelta(minutes=10))  # the next attempt goes through
    assert (await review.result()).passed
    cleared = await _attributes(tender)
    assert (cleared["StuckReason"], cleared["Partner"]) == (None, None)
