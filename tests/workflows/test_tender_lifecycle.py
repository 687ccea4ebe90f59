"""A tender's whole life on the time-skipping server: 30-day notice, months of payments."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara.contracts.tender import ClaimPayment
from nara.domain.enums import Phase
from nara.keys import KeyService
from nara.store import audit
from nara.store.tables import AuditEvent, Award, Bid, Contract, OpeningResult, Payment, Tender
from nara.testing.servers import admin_headers
from nara.workers.main import Partners
from nara.workflows.payment import PaymentWorkflow
from nara.workflows.tender import TenderWorkflow
from tests.factories import make_registry, tender_terms
from tests.support import eventually, sessions
from tests.workflows.helpers import (
    SKIP_PAST_OPENING,
    bid,
    claimed,
    contracted_tender,
    guarantee_and_sign,
    inspection,
    review_and_award,
    start_tender,
    wait_bidding_open,
    wait_phase,
)
from tests.workflows.replay import check_and_record


async def _pay(  # type: ignore[no-untyped-def]
    env: WorkflowEnvironment, keys: KeyService, handle, reg, business, claim: ClaimPayment
) -> None:
    outcome = await handle.execute_update(
        TenderWorkflow.claim_payment, claimed(keys, handle.id, claim)
    )
    payment = env.client.get_workflow_handle_for(PaymentWorkflow.run, outcome.workflow_id)
    await payment.execute_update(
        PaymentWorkflow.inspect, inspection(keys, payment.id, reg.inspector_id)
    )
    result = await payment.result()
    assert result.status == "paid"


async def _prices(engine, notice: str) -> dict[str, int | None]:
    async with sessions(engine)() as s:
        rows = await s.execute(
            select(Bid.business_no, Bid.price)
            .join(Tender, Bid.tender_id == Tender.id)
            .where(Tender.notice_no == notice)
        )
        return {business: price for business, price in rows}


async def test_full_lifecycle_from_announcement_to_final_payment(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
    keys: KeyService,
) -> None:
    started = time.monotonic()
    reg = await make_registry(db_engine, businesses=4)
    winner, runner_up, third, low = reg.businesses
    await partners.bank.open_account(
        account_no=reg.agency_account, holder="agency", balance=10_000_000_000
    )
    for no in reg.businesses:
        await partners.bank.open_account(account_no=reg.accounts[no], holder=no, balance=0)
    terms = tender_terms(
        reg, now=await temporal_env.get_current_time(), notice_days=30, estimated_price=100_000_000
    )
    handle = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)

    await bid(db_engine, partners, reg, terms, winner, 90_500_000, (1, 8))
    await bid(db_engine, partners, reg, terms, runner_up, 93_000_000, (8, 15))
    await bid(db_engine, partners, reg, terms, third, 95_000_000, (4, 8))
    await bid(db_engine, partners, reg, terms, low, 60_000_000, (2, 12))  # below the lower limit
    sent = {winner: 90_500_000, runner_up: 93_000_000, third: 95_000_000, low: 60_000_000}
    # Sealed: until the opening the database holds ciphertexts, never a price.
    assert await _prices(db_engine, terms.notice_no) == dict.fromkeys(sent)

    await temporal_env.sleep(SKIP_PAST_OPENING)
    status = await wait_phase(handle, Phase.EVALUATING)
    assert status.bid_count == 4
    assert status.candidate is not None and status.candidate.business_no == winner
    assert status.predetermined_price is not None
    assert 98_000_000 <= status.predetermined_price <= 102_000_000
    assert await _prices(db_engine, terms.notice_no) == sent  # the opening decrypted them

    await review_and_award(handle, reg, winner, keys)
    contract_no = await guarantee_and_sign(handle, partners, reg, winner, 9_050_000, keys)
    await wait_phase(handle, Phase.CONTRACTED)

    agent = reg.agents[winner]
    await _pay(
        temporal_env,
        keys,
        handle,
        reg,
        winner,
        ClaimPayment(person_id=agent, business_no=winner, kind="advance", amount=27_000_000),
    )
    await temporal_env.sleep(timedelta(days=30))
    await _pay(
        temporal_env,
        keys,
        handle,
        reg,
        winner,
        ClaimPayment(
            person_id=agent,
            business_no=winner,
            kind="progress",
            amount=30_000_000,
            subcontract_amount=5_000_000,
            subcontractor_no=third,
        ),
    )
    await temporal_env.sleep(timedelta(days=30))
    await _pay(
        temporal_env,
        keys,
        handle,
        reg,
        winner,
        ClaimPayment(person_id=agent, business_no=winner, kind="final", amount=33_500_000),
    )

    result = await handle.result()
    elapsed = time.monotonic() - started
    print(f"\nfull lifecycle (30-day notice, 3 payments over 2 months): {elapsed:.1f}s")
    assert result.phase is Phase.COMPLETED
    assert result.paid_total == 90_500_000

    # The bank moved exactly the contract amount, the subcontractor's share directly.
    assert (await partners.bank.get_account(reg.accounts[winner])).balance == 85_500_000
    assert (await partners.bank.get_account(reg.accounts[third])).balance == 5_000_000
    # PostgreSQL holds the business record of every step.
    async with sessions(db_engine)() as s:
        tender = (
            await s.execute(select(Tender).where(Tender.notice_no == terms.notice_no))
        ).scalar_one()
        assert tender.phase == "completed" and not tender.bidding_open
        opening = await s.get(OpeningResult, tender.id)
        assert opening is not None and opening.predetermined_price == status.predetermined_price
        assert len(opening.reserve_prices) == 15
        award = (await s.execute(select(Award).where(Award.tender_id == tender.id))).scalar_one()
        assert award.business_no == winner and award.status == "contracted"
        contract = await s.get(Contract, contract_no)
        assert contract is not None and contract.status == "completed"
        payments = (
            (
                await s.execute(
                    select(Payment).where(Payment.contract_no == contract_no).order_by(Payment.seq)
                )
            )
            .scalars()
            .all()
        )
        assert [(p.kind, p.status) for p in payments] == [
            ("advance", "paid"),
            ("progress", "paid"),
            ("final", "paid"),
        ]
        assert sum(p.subcontract_amount for p in payments) == 5_000_000
        # Every step left its entry in the audit log, each matching its leaf hash (the
        # sequencer and the tree are tested in tests/store/test_audit_log.py).
        entries = (
            (
                await s.execute(
                    select(AuditEvent).where(
                        AuditEvent.entity.in_(
                            [
                                audit.tender_entity(terms.notice_no),
                                audit.contract_entity(contract_no),
                            ]
                        )
                    )
                )
            )
            .scalars()
            .all()
        )
        assert len(entries) >= 15
        assert all(audit.leaf_of(e) == e.leaf_hash for e in entries)
    await check_and_record("tender-lifecycle-sealed", await handle.fetch_history())


async def test_bank_commit_then_timeout_pays_once(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
    bank_sim,
    keys: KeyService,
) -> None:
    deal = await contracted_tender(temporal_env, task_queue, db_engine, partners, keys)
    handle, reg, winner = deal.handle, deal.reg, deal.winner

    # The bank commits the transfer, then the answer is lost: the retry must not pay twice.
    import httpx

    async with httpx.AsyncClient() as http:
        armed = await http.post(
            f"{bank_sim.url}/_faults",
            headers=admin_headers(),
            json={
                "mode": "commit_then_timeout",
                "path_prefix": "/transfers",
                "count": 1,
                "hang_ms": 3000,
            },
        )
        assert armed.status_code == 201
    outcome = await handle.execute_update(
        TenderWorkflow.claim_payment,
        claimed(
            keys,
            handle.id,
            ClaimPayment(
                person_id=reg.agents[winner], business_no=winner, kind="final", amount=91_000_000
            ),
        ),
    )
    payment = temporal_env.client.get_workflow_handle_for(PaymentWorkflow.run, outcome.workflow_id)
    await payment.execute_update(
        PaymentWorkflow.inspect, inspection(keys, payment.id, reg.inspector_id)
    )

    async def paid():
        status = await handle.query(TenderWorkflow.status)
        return status.phase is Phase.COMPLETED

    await eventually(paid, timeout_s=40)
    assert (await partners.bank.get_account(reg.accounts[winner])).balance == 91_000_000
    transfers = await partners.bank.list_transfers(reference=outcome.payment_id)
    assert len(transfers) == 1
    history = await payment.fetch_history()
    attempts = [
        e.activity_task_started_event_attributes.attempt
        for e in history.events
        if e.HasField("activity_task_started_event_attributes")
    ]
    assert max(attempts) >= 2, "the bank call should have been retried"
    await check_and_record("payment-with-retry", history)


async def test_long_contract_continues_as_new_between_payments(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
    keys: KeyService,
) -> None:
    # A tiny history budget: the tender hands over to a new run whenever no payment is open.
    deal = await contracted_tender(
        temporal_env, task_queue, db_engine, partners, keys, history_event_limit=10
    )
    first_run, reg, winner = deal.handle, deal.reg, deal.winner

    latest = temporal_env.client.get_workflow_handle_for(TenderWorkflow.run, first_run.id)

    async def new_run():
        described = await latest.describe()
        return described.run_id != first_run.first_execution_run_id and described

    await eventually(new_run)
    await wait_phase(latest, Phase.CONTRACTED)
    agent = reg.agents[winner]
    await _pay(
        temporal_env,
        keys,
        latest,
        reg,
        winner,
        ClaimPayment(person_id=agent, business_no=winner, kind="advance", amount=30_000_000),
    )

    async def handed_over_again():
        try:  # a query landing during the hand-over may time out: ask again
            status = await latest.query(TenderWorkflow.status, rpc_timeout=timedelta(seconds=2))
        except RPCError:
            return None
        return status.payments and status.payments[0].status == "paid" and status

    carried = await eventually(handed_over_again)
    assert carried.paid_total == 30_000_000
    await _pay(
        temporal_env,
        keys,
        latest,
        reg,
        winner,
        ClaimPayment(person_id=agent, business_no=winner, kind="final", amount=61_000_000),
    )
    result = await latest.result()
    assert result.phase is Phase.COMPLETED and result.paid_total == 91_000_000
    # Payment numbering went on across runs: no second "payment 1".
    final = await latest.query(TenderWorkflow.status)
    assert [p.seq for p in final.payments] == [1, 2]
    assert (await latest.describe()).run_id != first_run.first_execution_run_id
