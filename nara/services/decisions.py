"""Officer decisions and the winner's steps, sent to the tender workflow as Updates.

The workflow's validators decide wrong phase, wrong officer and stale candidates; here
the API only checks who the caller is (role, agency, agent link) and names the tender.
Nothing is written here: the workflow records each decision through its activities.
Each answers the Update's outcome as the workflow's contract defines it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from nara.contracts.comprehensive import (
    ComprehensiveOutcome,
    NonPriceEntry,
    ScoreComprehensive,
)
from nara.contracts.tender import (
    ApproveAward,
    AwardOutcome,
    ClaimOutcome,
    ClaimPayment,
    GuaranteeOutcome,
    PostPerformanceGuarantee,
    ReviewCandidate,
    ReviewOutcome,
    ScoreProposals,
    ScoringOutcome,
    SignContract,
    SignOutcome,
)
from nara.domain.enums import PaymentKind, Role
from nara.domain.errors import InvalidClaim, RuleViolation, WrongPhase
from nara.keys import KeyService
from nara.services import processes
from nara.services.actors import (
    Actor,
    require_agency,
    require_agent,
    require_role,
)
from nara.services.ops import tokens
from nara.services.tenders.reading import tender_row
from nara.store import registry
from nara.store.tables import Tender
from nara.workflows.tender import TenderWorkflow


def _closed(session: AsyncSession, notice_no: str) -> processes.ClosedError:
    async def error() -> WrongPhase:
        tender = await tender_row(session=session, notice_no=notice_no)
        return WrongPhase(
            f"tender {notice_no} is {tender.phase}: its process has ended",
            fix="see GET /tenders/{notice_no}",
            phase=tender.phase,
        )

    return error


async def _officer_tender(
    session: AsyncSession, actor: Actor, notice_no: str, doing: str
) -> Tender:
    tender = await tender_row(session=session, notice_no=notice_no)
    require_role(actor, Role.OFFICER, doing=doing)
    require_agency(actor, tender.agency_code, doing=doing)
    return tender


async def review(
    *,
    session: AsyncSession,
    temporal: Client,
    actor: Actor,
    notice_no: str,
    business_no: str,
    capability_score: Decimal,
    note: str = "",
) -> ReviewOutcome:
    """Qualification review of the current candidate (Update `review_candidate`)."""
    tender = await _officer_tender(session, actor, notice_no, f"review candidates of {notice_no}")
    return await processes.update(
        temporal,
        tender.workflow_id,
        TenderWorkflow.review_candidate,
        ReviewCandidate(
            officer_id=actor.id,
            business_no=business_no,
            capability_score=capability_score,
            note=note,
        ),
        closed=_closed(session, notice_no),
        release=session,
        request_key=actor.request_key,
    )


async def score(
    *,
    session: AsyncSession,
    temporal: Client,
    actor: Actor,
    notice_no: str,
    technical_scores: Mapping[str, Decimal],
) -> ScoringOutcome:
    """Score every proposal of a negotiated tender (Update `score_proposals`)."""
    tender = await _officer_tender(session, actor, notice_no, f"score proposals of {notice_no}")
    return await processes.update(
        temporal,
        tender.workflow_id,
        TenderWorkflow.score_proposals,
        ScoreProposals(officer_id=actor.id, technical_scores=dict(technical_scores)),
        closed=_closed(session, notice_no),
        release=session,
        request_key=actor.request_key,
    )


async def score_comprehensive(
    *,
    session: AsyncSession,
    temporal: Client,
    actor: Actor,
    notice_no: str,
    scores: Mapping[str, tuple[Decimal, Decimal]],
) -> ComprehensiveOutcome:
    """Enter the non-price points (capability, social) of every bid of a works tender of
    30 bn or more (Update `score_comprehensive`)."""
    tender = await _officer_tender(session, actor, notice_no, f"score the bids of {notice_no}")
    return await processes.update(
        temporal,
        tender.workflow_id,
        TenderWorkflow.score_comprehensive,
        ScoreComprehensive(
            officer_id=actor.id,
            scores={
                business: NonPriceEntry(capability=capability, social=social)
                for business, (capability, social) in scores.items()
            },
        ),
        closed=_closed(session, notice_no),
        release=session,
        request_key=actor.request_key,
    )


async def approve(
    *,
    session: AsyncSession,
    temporal: Client,
    actor: Actor,
    notice_no: str,
    business_no: str,
    keys: KeyService,
) -> AwardOutcome:
    """Approve the award to the candidate who passed review (Update `approve_award`, with
    the officer's signed token)."""
    tender = await _officer_tender(session, actor, notice_no, f"award {notice_no}")
    approval = ApproveAward(officer_id=actor.id, business_no=business_no)
    approval.token = tokens.issue(
        keys=keys,
        actor=actor,
        action="award",
        workflow_id=tender.workflow_id,
        reason=f"award to {business_no}",
        args=approval.token_args(),
    )
    return await processes.update(
        temporal,
        tender.workflow_id,
        TenderWorkflow.approve_award,
        approval,
        closed=_closed(session, notice_no),
        release=session,
        request_key=actor.request_key,
    )


async def submit_guarantee(
    *,
    session: AsyncSession,
    temporal: Client,
    actor: Actor,
    notice_no: str,
    business_no: str,
    certificate_no: str,
) -> GuaranteeOutcome:
    """The winner posts its performance guarantee (Update `post_performance_guarantee`)."""
    tender = await tender_row(session=session, notice_no=notice_no)
    await require_agent(session=session, actor=actor, business_no=business_no)
    return await processes.update(
        temporal,
        tender.workflow_id,
        TenderWorkflow.post_performance_guarantee,
        PostPerformanceGuarantee(
            person_id=actor.id, business_no=business_no, certificate_no=certificate_no
        ),
        closed=_closed(session, notice_no),
        release=session,
        request_key=actor.request_key,
    )


async def sign(
    *,
    session: AsyncSession,
    temporal: Client,
    actor: Actor,
    notice_no: str,
    keys: KeyService,
    business_no: str | None = None,
) -> SignOutcome:
    """The officer signs for the agency, a supplier agent for the winner (`sign_contract`,
    with the signer's signed token)."""
    tender = await tender_row(session=session, notice_no=notice_no)
    require_role(actor, Role.OFFICER, Role.SUPPLIER, doing=f"sign the contract of {notice_no}")
    if actor.role is Role.OFFICER:
        require_agency(actor, tender.agency_code, doing=f"sign the contract of {notice_no}")
        command = SignContract(person_id=actor.id, role=Role.OFFICER)
    else:
        if business_no is None:
            raise RuleViolation(
                rule="supplier-signs-for-business",
                field="business_no",
                value=None,
                accepted="the business registration number of the winner the supplier acts for",
                message="a supplier signs for a business: send business_no",
                fix="send the winner's business_no",
            )
        await require_agent(session=session, actor=actor, business_no=business_no)
        command = SignContract(person_id=actor.id, role=Role.SUPPLIER, business_no=business_no)
    command.token = tokens.issue(
        keys=keys,
        actor=actor,
        action="sign",
        workflow_id=tender.workflow_id,
        reason=f"contract of {notice_no} signed",
        args=command.token_args(),
    )
    return await processes.update(
        temporal,
        tender.workflow_id,
        TenderWorkflow.sign_contract,
        command,
        closed=_closed(session, notice_no),
        release=session,
        request_key=actor.request_key,
    )


async def submit_claim(
    *,
    session: AsyncSession,
    temporal: Client,
    actor: Actor,
    notice_no: str,
    business_no: str,
    kind: PaymentKind,
    amount: int,
    keys: KeyService,
    subcontract_amount: int = 0,
    subcontractor_no: str | None = None,
) -> ClaimOutcome:
    """The contractor claims a payment (Update `claim_payment` with the agent's signed
    token; a child PaymentWorkflow)."""
    tender = await tender_row(session=session, notice_no=notice_no)
    await require_agent(session=session, actor=actor, business_no=business_no)
    if subcontractor_no is not None:
        subcontractor = await registry.find_business(session, business_no=subcontractor_no)
        if subcontractor is None:
            raise InvalidClaim(
                f"subcontractor {subcontractor_no} is not a registered business",
                field="subcontractor_no",
                fix="register the subcontractor with POST /businesses first",
            )
    claim = ClaimPayment(
        person_id=actor.id,
        business_no=business_no,
        kind=kind,
        amount=amount,
        subcontract_amount=subcontract_amount,
        subcontractor_no=subcontractor_no,
    )
    claim.token = tokens.issue(
        keys=keys,
        actor=actor,
        action="claim",
        workflow_id=tender.workflow_id,
        reason=f"{kind} payment of {amount:,} KRW",
        args=claim.token_args(),
    )
    return await processes.update(
        temporal,
        tender.workflow_id,
        TenderWorkflow.claim_payment,
        claim,
        closed=_closed(session, notice_no),
        release=session,
        request_key=actor.request_key,
    )
