"""The side exits and officer decisions of a tender on the time-skipping server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara.contracts.tender import (
    ApproveAward,
    CancelTender,
    ExtendDeadline,
    ReviewCandidate,
    ScoreProposals,
)
from nara.domain.enums import Category, Method, Phase, Role
from nara.keys import KeyService
from nara.store.tables import Award, Guarantee, Tender
from nara.workers.main import Partners
from nara.workflows.tender import TenderWorkflow
from tests.factories import make_registry, tender_terms
from tests.support import eventually, sessions
from tests.workflows.helpers import (
    bid,
    review_and_award,
    signed,
    start_tender,
    wait_bidding_open,
    wait_phase,
)


async def _phase_in_db(engine, notice: str) -> str | None:
    async with sessions(engine)() as s:
        return await s.scalar(select(Tender.phase).where(Tender.notice_no == notice))


async def test_single_bid_fails_and_is_reannounced_as_next_round(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
    keys: KeyService,
) -> None:
    reg = await make_registry(db_engine, businesses=1)
    terms = tender_terms(reg, now=await temporal_env.get_current_time(), notice_days=7)
    handle = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    await bid(db_engine, partners, reg, terms, reg.businesses[0], 92_000_000)

    await temporal_env.sleep(timedelta(days=8))
    result = await wait_phase(handle, Phase.FAILED)
    next_no = terms.notice_no[:-2] + "01"
    assert result.next_round_notice_no == next_no
    assert await _phase_in_db(db_engine, terms.notice_no) == "failed"

    # Round 01 runs as its own workflow, bidding again with the same notice period.
    round_two = temporal_env.client.get_workflow_handle_for(TenderWorkflow.run, f"tender-{next_no}")
    status = await wait_phase(round_two, Phase.BIDDING)
    assert status.deadline > terms.deadline
    async with sessions(db_engine)() as s:
        row = (await s.execute(select(Tender).where(Tender.notice_no == next_no))).scalar_one()
        assert (row.round, row.base_no, row.phase) == (1, terms.notice_no[:-3], "bidding")
        assert row.deadline - row.announced_at >= terms.deadline - terms.announced_at
        assert row.deadline.minute == 0  # still on the hour
    await round_two.signal(
        TenderWorkflow.cancel,
        signed(keys, round_two.id, CancelTender(reason="end of test", requested_by=reg.officer_id)),
    )
    await wait_phase(round_two, Phase.CANCELLED)


async def test_cancel_during_bidding(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    keys: KeyService,
) -> None:
    reg = await make_registry(db_engine, businesses=1)
    terms = tender_terms(reg, now=await temporal_env.get_current_time())
    handle = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    await handle.signal(
        TenderWorkflow.cancel,
        signed(
            keys, handle.id, CancelTender(reason="budget withdrawn", requested_by=reg.officer_id)
        ),
    )
    result = await handle.result()
    assert result.phase is Phase.CANCELLED
    assert "budget withdrawn" in result.note
    assert await _phase_in_db(db_engine, terms.notice_no) == "cancelled"


async def test_deadline_extension_replaces_the_timer(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    keys: KeyService,
) -> None:
    reg = await make_registry(db_engine, businesses=1)
    terms = tender_terms(reg, now=await temporal_env.get_current_time(), notice_days=7)
    handle = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    new_deadline = terms.deadline + timedelta(days=3)
    await handle.signal(
        TenderWorkflow.extend_deadline,
        signed(
            keys,
            handle.id,
            ExtendDeadline(
                deadline=new_deadline,
                opening_at=new_deadline + timedelta(hours=1),
                reason="site briefing added",
                requested_by=reg.officer_id,
            ),
        ),
    )

    # Past the original deadline: still bidding, and the row the bid check reads moved too.
    await temporal_env.sleep(timedelta(days=8))
    status = await handle.query(TenderWorkflow.status)
    assert status.phase is Phase.BIDDING
    assert status.deadline == new_deadline
    async with sessions(db_engine)() as s:
        row = (
            await s.execute(select(Tender).where(Tender.notice_no == terms.notice_no))
        ).scalar_one()
        assert row.deadline == new_deadline and row.bidding_open
    # Past the new one: closed, opened, failed for lack of bids.
    await temporal_env.sleep(timedelta(days=3))
    result = await handle.result()
    assert result.phase is Phase.FAILED


async def _rejected(update, arg, handle) -> ApplicationError:
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(update, arg)
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError)
    return cause


async def test_update_validators_reject_before_anything_is_written(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
) -> None:
    reg = await make_registry(db_engine, businesses=2)
    first, second = reg.businesses
    terms = tender_terms(reg, now=await temporal_env.get_current_time(), notice_days=7)
    handle = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    await wait_phase(handle, Phase.BIDDING)  # the row opens before the workflow says so

    wrong_phase = await _rejected(
        TenderWorkflow.approve_award,
        ApproveAward(officer_id=reg.officer_id, business_no=first),
        handle,
    )
    assert wrong_phase.type == "WrongPhase" and "bidding" in wrong_phase.message

    await bid(db_engine, partners, reg, terms, first, 91_000_000)
    await bid(db_engine, partners, reg, terms, second, 93_000_000)
    await temporal_env.sleep(timedelta(days=8))
    await wait_phase(handle, Phase.EVALUATING)

    wrong_officer = await _rejected(
        TenderWorkflow.review_candidate,
        ReviewCandidate(officer_id="someone-else", business_no=first, capability_score=70),
        handle,
    )
    assert wrong_officer.type == "Forbidden" and reg.officer_id in wrong_officer.message
    stale = await _rejected(
        TenderWorkflow.review_candidate,
        ReviewCandidate(officer_id=reg.officer_id, business_no=second, capability_score=70),
        handle,
    )
    assert stale.type == "StaleCandidate" and first in stale.message
    out_of_range = await _rejected(
        TenderWorkflow.review_candidate,
        ReviewCandidate(officer_id=reg.officer_id, business_no=first, capability_score=95),
        handle,
    )
    assert out_of_range.type == "RuleViolation" and "capability_score" in out_of_range.message
    not_reviewed = await _rejected(
        TenderWorkflow.approve_award,
        ApproveAward(officer_id=reg.officer_id, business_no=first),
        handle,
    )
    assert not_reviewed.type == "WrongPhase"

    history = await handle.fetch_history()
    accepted = [
        e
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    assert accepted == [], "rejected updates must leave no trace in history"
    async with sessions(db_engine)() as s:
        tender = (
            await s.execute(select(Tender).where(Tender.notice_no == terms.notice_no))
        ).scalar_one()
        assert (await s.execute(select(Award).where(Award.tender_id == tender.id))).first() is None

    # A failing review moves on to the next candidate in rank order.
    failed = await handle.execute_update(
        TenderWorkflow.review_candidate,
        ReviewCandidate(officer_id=reg.officer_id, business_no=first, capability_score=10),
    )
    assert not failed.passed
    assert failed.next_candidate is not None and failed.next_candidate.business_no == second


async def test_winner_without_performance_guarantee_loses_the_award(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
    keys: KeyService,
) -> None:
    reg = await make_registry(db_engine, businesses=2)
    first, second = reg.businesses
    terms = tender_terms(reg, now=await temporal_env.get_current_time(), notice_days=7)
    handle = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    cert = await bid(db_engine, partners, reg, terms, first, 91_000_000)
    await bid(db_engine, partners, reg, terms, second, 93_000_000)
    await temporal_env.sleep(timedelta(days=8))
    await wait_phase(handle, Phase.EVALUATING)
    await review_and_award(handle, reg, first)
    await wait_phase(handle, Phase.AWARDED)

    # Ten days pass without a performance guarantee: the award goes to the next candidate.
    await temporal_env.sleep(timedelta(days=11))
    status = await wait_phase(handle, Phase.EVALUATING)
    assert status.candidate is not None and status.candidate.business_no == second
    claimed = await partners.guarantee_agency.get(cert)
    assert claimed.status == "claimed"
    async with sessions(db_engine)() as s:
        award = (await s.execute(select(Award).where(Award.business_no == first))).scalar_one()
        assert award.status == "forfeited"
        guarantee = await s.get(Guarantee, cert)
        assert guarantee is not None and guarantee.claimed_amount == 91_000_000 // 20

    async def cancelled():
        await handle.signal(
            TenderWorkflow.cancel,
            signed(
                keys, handle.id, CancelTender(reason="end of test", requested_by=reg.officer_id)
            ),
        )
        return True

    await eventually(cancelled)
    assert (await handle.result()).phase is Phase.CANCELLED


async def test_outage_extension_reopens_a_closed_tender_before_its_opening(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
    keys: KeyService,
) -> None:
    reg = await make_registry(db_engine, businesses=2)
    first, late = reg.businesses
    terms = tender_terms(reg, now=await temporal_env.get_current_time(), notice_days=7)
    terms.opening_at = terms.deadline + timedelta(days=2)
    handle = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    await bid(db_engine, partners, reg, terms, first, 91_000_000)
    await temporal_env.sleep(timedelta(days=7, hours=2))
    await wait_phase(handle, Phase.CLOSED)

    # The site was down over the deadline: recovery + 2 h is the new deadline.
    now = await temporal_env.get_current_time()
    await handle.signal(
        TenderWorkflow.extend_deadline,
        signed(
            keys,
            handle.id,
            ExtendDeadline(
                deadline=now + timedelta(hours=2),
                opening_at=now + timedelta(hours=3),
                reason="outage 1: site down",
                requested_by="operator",
            ),
            role=Role.OPERATOR,
        ),
    )
    status = await wait_phase(handle, Phase.BIDDING)
    assert status.deadline == now + timedelta(hours=2)
    await wait_bidding_open(db_engine, terms.notice_no)
    await bid(db_engine, partners, reg, terms, late, 93_000_000)  # the bidder the outage kept out

    await temporal_env.sleep(timedelta(hours=4))
    status = await wait_phase(handle, Phase.EVALUATING)
    assert status.bid_count == 2


async def test_negotiated_tender_is_won_on_technical_and_price_score(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
    keys: KeyService,
) -> None:
    reg = await make_registry(db_engine, businesses=3)
    cheap_weak, dear_strong, middle = reg.businesses
    terms = tender_terms(
        reg,
        now=await temporal_env.get_current_time(),
        notice_days=40,
        category=Category.SERVICES,
        method=Method.NEGOTIATED,
    )
    handle = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    await bid(db_engine, partners, reg, terms, cheap_weak, 80_000_000)
    await bid(db_engine, partners, reg, terms, dear_strong, 100_000_000)
    await bid(db_engine, partners, reg, terms, middle, 90_000_000)
    await temporal_env.sleep(timedelta(days=41))
    status = await wait_phase(handle, Phase.EVALUATING)
    assert status.candidate is None  # nobody is a candidate before scoring

    # Qualification review is not how a negotiated tender is evaluated.
    wrong = await _rejected(
        TenderWorkflow.review_candidate,
        ReviewCandidate(officer_id=reg.officer_id, business_no=cheap_weak, capability_score=60),
        handle,
    )
    assert wrong.type == "WrongPhase" and "score_proposals" in wrong.message
    missing = await _rejected_after_acceptance(
        handle, ScoreProposals(officer_id=reg.officer_id, technical_scores={dear_strong: 68})
    )
    assert "missing" in missing.message

    # National 70:30 weights (from 2026-01-02), 59.5 points to be negotiated with: the
    # cheapest falls short; of the other two the stronger proposal wins on total (68 + 27 =
    # 95 against 64 + 30 = 94) despite its higher price.
    outcome = await handle.execute_update(
        TenderWorkflow.score_proposals,
        ScoreProposals(
            officer_id=reg.officer_id,
            technical_scores={cheap_weak: 55, dear_strong: 68, middle: 64},
        ),
    )
    assert (outcome.ranked, outcome.not_eligible) == (2, 1)
    assert outcome.candidate is not None and outcome.candidate.business_no == dear_strong
    await handle.execute_update(
        TenderWorkflow.approve_award,
        ApproveAward(officer_id=reg.officer_id, business_no=dear_strong),
    )
    await wait_phase(handle, Phase.AWARDED)
    await handle.signal(
        TenderWorkflow.cancel,
        signed(keys, handle.id, CancelTender(reason="end of test", requested_by=reg.officer_id)),
    )
    assert (await handle.result()).phase is Phase.CANCELLED


async def _rejected_after_acceptance(handle, scores) -> ApplicationError:
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(TenderWorkflow.score_proposals, scores)
    assert isinstance(caught.value.cause, ApplicationError)
    return caught.value.cause
