"""Works of 30 bn or more: opened unranked, the officer enters the non-price scores with
the `score_comprehensive` Update, the price part is computed against the balanced price,
and the highest total becomes the candidate for the award."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara.contracts.comprehensive import NonPriceEntry, ScoreComprehensive
from nara.contracts.tender import ApproveAward, CancelTender, ReviewCandidate, ScoreProposals
from nara.domain.enums import Category, Phase, Role
from nara.domain.rules import BN
from nara.keys import KeyService
from nara.store.tables import Review, Tender
from nara.workers.main import Partners
from nara.workflows.tender import TenderWorkflow
from tests.factories import make_registry, tender_terms
from tests.support import sessions
from tests.workflows.helpers import bid, signed, start_tender, wait_bidding_open, wait_phase


async def _refused(handle: WorkflowHandle, update, arg) -> ApplicationError:  # type: ignore[no-untyped-def]
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(update, arg)
    assert isinstance(caught.value.cause, ApplicationError)
    return caught.value.cause


async def test_works_of_35_bn_are_awarded_to_the_highest_total(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
    keys: KeyService,
) -> None:
    reg = await make_registry(db_engine, businesses=3)
    low, strong, high = reg.businesses
    terms = tender_terms(
        reg,
        now=await temporal_env.get_current_time(),
        notice_days=41,
        category=Category.CONSTRUCTION,
        estimated_price=35 * BN,
    )
    handle = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    await bid(db_engine, partners, reg, terms, low, 30 * BN)
    await bid(db_engine, partners, reg, terms, strong, 31 * BN)
    await bid(db_engine, partners, reg, terms, high, 32 * BN)
    await temporal_env.sleep(timedelta(days=42))
    status = await wait_phase(handle, Phase.EVALUATING)
    assert status.candidate is None  # nobody is a candidate before the scores are in
    assert status.awaiting_role is Role.OFFICER

    # Neither qualification review nor negotiated scoring is how these works are judged.
    wrong = await _refused(
        handle,
        TenderWorkflow.review_candidate,
        ReviewCandidate(officer_id=reg.officer_id, business_no=low, capability_score=40),
    )
    assert wrong.type == "WrongPhase" and "score_comprehensive" in wrong.message
    wrong = await _refused(
        handle,
        TenderWorkflow.score_proposals,
        ScoreProposals(officer_id=reg.officer_id, technical_scores={low: 60}),
    )
    assert wrong.type == "WrongPhase"
    missing = await _refused(
        handle,
        TenderWorkflow.score_comprehensive,
        ScoreComprehensive(
            officer_id=reg.officer_id, scores={low: NonPriceEntry(capability=Decimal(40))}
        ),
    )
    assert "missing" in missing.message

    # Three bids from 70% to 100% of the predetermined price: the highest 40% (one bid,
    # 32 bn) is left out, none of the lowest 20%; balanced price (30 + 31) / 2 = 30.5 bn.
    # Price: 30 and 31 bn score 50 x (1 - 2 x 0.5 / 30.5) = 48.3607, 32 bn 45.0820.
    # Totals: low 40 + 48.3607 = 88.3607; strong 50 + 2 + 48.3607 = 100.3607;
    # high 50 + 45.0820 = 95.0820: the strong bid wins although it is not the cheapest.
    outcome = await handle.execute_update(
        TenderWorkflow.score_comprehensive,
        ScoreComprehensive(
            officer_id=reg.officer_id,
            scores={
                low: NonPriceEntry(capability=Decimal(40)),
                strong: NonPriceEntry(capability=Decimal(50), social=Decimal(2)),
                high: NonPriceEntry(capability=Decimal(50)),
            },
        ),
    )
    assert outcome.balanced_price == 30_500_000_000
    assert (outcome.ranked, outcome.not_ranked, outcome.confirmed) == (3, 0, False)
    assert outcome.candidate is not None and outcome.candidate.business_no == strong
    async with sessions(db_engine)() as session:
        tender = (
            await session.execute(select(Tender).where(Tender.notice_no == terms.notice_no))
        ).scalar_one()
        reviews = (
            (await session.execute(select(Review).where(Review.tender_id == tender.id)))
            .scalars()
            .all()
        )
    totals = {r.business_no: (r.rank, r.total) for r in reviews}
    assert totals == {
        strong: (1, Decimal("100.3607")),
        high: (2, Decimal("95.0820")),
        low: (3, Decimal("88.3607")),
    }

    again = await _refused(
        handle,
        TenderWorkflow.score_comprehensive,
        ScoreComprehensive(
            officer_id=reg.officer_id, scores={low: NonPriceEntry(capability=Decimal(1))}
        ),
    )
    assert again.type == "WrongPhase"
    await handle.execute_update(
        TenderWorkflow.approve_award, ApproveAward(officer_id=reg.officer_id, business_no=strong)
    )
    await wait_phase(handle, Phase.AWARDED)
    await handle.signal(
        TenderWorkflow.cancel,
        signed(keys, handle.id, CancelTender(reason="end of test", requested_by=reg.officer_id)),
    )
    assert (await handle.result()).phase is Phase.CANCELLED
