"""Routes map HTTP schemas to service models and back without losing what clients see."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

from nara.api.schemas.decisions import ReviewOutcome
from nara.api.schemas.tenders import TenderCreate, TenderDetail
from nara.contracts.tender import Candidate, PaymentRecord, TenderStatus
from nara.contracts.tender import ReviewOutcome as ReviewAnswer
from nara.domain.enums import AgencyKind, Category, Method, PaymentKind, Phase
from nara.services.tenders.announcing import request_hash
from nara.services.tenders.models import TenderDetail as TenderRecord
from nara.services.tenders.models import TenderDraft

DEADLINE = datetime(2026, 3, 9, 10, tzinfo=UTC)
OPENING = datetime(2026, 3, 9, 11, tzinfo=UTC)


def _draft_of(body: TenderCreate) -> TenderDraft:
    return TenderDraft(**{name: getattr(body, name) for name in TenderDraft.model_fields})


def test_an_idempotency_key_stands_for_the_same_announcement_as_before() -> None:
    """Announcements recorded before services had their own models replay unchanged: the
    request hash was sha256 of the HTTP body's JSON, and the draft's JSON is the same."""
    full = TenderCreate(
        title="Road repair",
        description="lane 2",
        category=Category.CONSTRUCTION,
        method=Method.LIMITED,
        estimated_price=1_200_000_000,
        base_amount=1_100_000_000,
        deadline=DEADLINE,
        opening_at=OPENING,
        urgent=True,
        region="Seoul",
        agency_code="1230000",
    )
    least = TenderCreate(
        title="Paper",
        category=Category.GOODS,
        estimated_price=5_000_000,
        deadline=DEADLINE,
        opening_at=OPENING,
    )
    for body in (full, least):
        before = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
        assert request_hash(_draft_of(body)) == before
    assert set(TenderDraft.model_fields) == set(TenderCreate.model_fields)


def test_a_tender_answers_the_workflow_status_in_the_http_shape() -> None:
    candidate = Candidate(rank=1, business_no="123-45-67891", price=9, bid_rate=Decimal("87.7"))
    live = TenderStatus(
        notice_no="20260000001-00",
        phase=Phase.EVALUATING,
        awaiting_role=None,
        deadline=DEADLINE,
        opening_at=OPENING,
        bid_count=3,
        predetermined_price=10,
        candidate=candidate,
        contract_no=None,
        paid_total=0,
        contract_amount=0,
        payments=[PaymentRecord(payment_id="p", seq=1, kind=PaymentKind.ADVANCE, amount=5)],
        next_round_notice_no=None,
        note="",
    )
    record = TenderRecord(
        notice_no="20260000001-00",
        base_no="20260000001",
        round=0,
        workflow_id="tender-20260000001-00",
        agency_code="1230000",
        agency_kind=AgencyKind.NATIONAL,
        officer_id="officer",
        title="Road repair",
        description="",
        category=Category.CONSTRUCTION,
        method=Method.GENERAL,
        region=None,
        urgent=False,
        estimated_price=10,
        base_amount=10,
        announced_at=DEADLINE,
        deadline=DEADLINE,
        opening_at=OPENING,
        bidding_open=False,
        phase=Phase.EVALUATING,
        awaiting_role=None,
        outcome_note=None,
        created_at=DEADLINE,
        updated_at=DEADLINE,
        live=live,
        live_note=None,
        next_round=None,
    )
    answer = TenderDetail.model_validate(record).model_dump(mode="json")
    assert answer["live"] == live.model_dump(mode="json")
    assert answer["phase"] == "evaluating" and answer["next_round"] is None

    outcome = ReviewAnswer(
        business_no="123-45-67891",
        passed=True,
        total=Decimal("95.5"),
        pass_mark=Decimal("95"),
        next_candidate=candidate,
        phase=Phase.AWARDED,
    )
    assert ReviewOutcome.model_validate(outcome).model_dump(mode="json") == outcome.model_dump(
        mode="json"
    )
