"""Officer decisions and the winner's steps: Temporal Updates on the tender workflow."""

from __future__ import annotations

from fastapi import APIRouter

from nara.api.deps import ActorDep, KeysDep, SessionDep, TemporalDep
from nara.api.problems import problem_responses
from nara.api.schemas.base import NoticeNumber
from nara.api.schemas.decisions import (
    AwardOutcome,
    AwardRequest,
    ClaimOutcome,
    ComprehensiveOutcomeRead,
    ComprehensiveScoresRequest,
    GuaranteeOutcome,
    PaymentClaimRequest,
    PerformanceGuaranteeRequest,
    ReviewOutcome,
    ReviewRequest,
    ScoresRequest,
    ScoringOutcome,
    SignOutcome,
    SignRequest,
)
from nara.domain.enums import PaymentKind
from nara.services import decisions

router = APIRouter(
    prefix="/tenders", responses=problem_responses(400, 401, 403, 404, 409, 422, 500, 503)
)


@router.post(
    "/{notice_no}/review",
    response_model=ReviewOutcome,
    tags=["evaluation"],
    summary="Qualification review of the current candidate (officer)",
)
async def review_candidate(
    notice_no: NoticeNumber,
    body: ReviewRequest,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
) -> ReviewOutcome:
    outcome = await decisions.review(
        session=session,
        temporal=temporal,
        actor=actor,
        notice_no=notice_no,
        business_no=body.business_no,
        capability_score=body.capability_score,
        note=body.note,
    )
    return ReviewOutcome.model_validate(outcome)


@router.post(
    "/{notice_no}/scores",
    response_model=ScoringOutcome,
    tags=["evaluation"],
    summary="Score every proposal of a negotiated tender (officer)",
)
async def score_proposals(
    notice_no: NoticeNumber,
    body: ScoresRequest,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
) -> ScoringOutcome:
    outcome = await decisions.score(
        session=session,
        temporal=temporal,
        actor=actor,
        notice_no=notice_no,
        technical_scores=body.technical_scores,
    )
    return ScoringOutcome.model_validate(outcome)


@router.post(
    "/{notice_no}/comprehensive-scores",
    response_model=ComprehensiveOutcomeRead,
    tags=["evaluation"],
    summary="Enter the non-price points of a works tender of 30 bn or more (officer)",
    description=(
        "Comprehensive evaluation: the officer enters every counted bid's capability and "
        "social points; the price score is computed against the balanced price of the bids, "
        "the highest total becomes the candidate (ties: non-price points, lower price, "
        "seeded lottery). `confirmed` false says the table is not yet confirmed against its "
        "source; the tender runs all the same."
    ),
)
async def score_comprehensive(
    notice_no: NoticeNumber,
    body: ComprehensiveScoresRequest,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
) -> ComprehensiveOutcomeRead:
    outcome = await decisions.score_comprehensive(
        session=session,
        temporal=temporal,
        actor=actor,
        notice_no=notice_no,
        scores={b: (p.capability, p.social) for b, p in body.scores.items()},
    )
    return ComprehensiveOutcomeRead.model_validate(outcome)


@router.post(
    "/{notice_no}/award",
    response_model=AwardOutcome,
    tags=["evaluation"],
    summary="Approve the award to the candidate who passed review (officer)",
)
async def approve_award(
    notice_no: NoticeNumber,
    body: AwardRequest,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
    keys: KeysDep,
) -> AwardOutcome:
    outcome = await decisions.approve(
        session=session,
        temporal=temporal,
        actor=actor,
        keys=keys,
        notice_no=notice_no,
        business_no=body.business_no,
    )
    return AwardOutcome.model_validate(outcome)


@router.post(
    "/{notice_no}/performance-guarantee",
    response_model=GuaranteeOutcome,
    tags=["contract"],
    summary="Post the performance guarantee (winner's agent)",
)
async def post_performance_guarantee(
    notice_no: NoticeNumber,
    body: PerformanceGuaranteeRequest,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
) -> GuaranteeOutcome:
    outcome = await decisions.submit_guarantee(
        session=session,
        temporal=temporal,
        actor=actor,
        notice_no=notice_no,
        business_no=body.business_no,
        certificate_no=body.certificate_no,
    )
    return GuaranteeOutcome.model_validate(outcome)


@router.post(
    "/{notice_no}/sign",
    response_model=SignOutcome,
    tags=["contract"],
    summary="Sign the contract (officer for the agency, agent for the winner)",
)
async def sign_contract(
    notice_no: NoticeNumber,
    body: SignRequest,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
    keys: KeysDep,
) -> SignOutcome:
    outcome = await decisions.sign(
        session=session,
        temporal=temporal,
        actor=actor,
        keys=keys,
        notice_no=notice_no,
        business_no=body.business_no,
    )
    return SignOutcome.model_validate(outcome)


@router.post(
    "/{notice_no}/payments",
    response_model=ClaimOutcome,
    status_code=201,
    tags=["payments"],
    summary="Claim a payment: advance, progress or final (contractor's agent)",
)
async def claim_payment(
    notice_no: NoticeNumber,
    body: PaymentClaimRequest,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
    keys: KeysDep,
) -> ClaimOutcome:
    outcome = await decisions.submit_claim(
        session=session,
        temporal=temporal,
        actor=actor,
        keys=keys,
        notice_no=notice_no,
        business_no=body.business_no,
        kind=PaymentKind(body.kind),
        amount=body.amount,
        subcontract_amount=body.subcontract_amount,
        subcontractor_no=body.subcontractor_no,
    )
    return ClaimOutcome.model_validate(outcome)
