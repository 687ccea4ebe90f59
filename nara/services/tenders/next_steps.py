"""What an officer may do to a tender now: the console shows these actions and no other.

Decided from the tender's row, its live status (the workflow's query) and the review and
contract rows; the workflow's validators still judge every action when it is sent, so a
stale page never does what the process no longer allows.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import Method, Phase, Role
from nara.services.actors import Actor
from nara.services.tenders.models import TenderDetail
from nara.services.tenders.scheduling import CANCELLABLE
from nara.store import console as store
from nara.store import tenders


class Step(StrEnum):
    EXTEND = "extend"
    CANCEL = "cancel"
    REVIEW = "review"
    SCORE = "score"
    AWARD = "award"
    SIGN = "sign"


async def available(*, session: AsyncSession, actor: Actor, tender: TenderDetail) -> list[Step]:
    """The steps `actor` may take on `tender` now (none unless they are its officer)."""
    if actor.role is not Role.OFFICER or actor.id != tender.officer_id:
        return []
    phase = tender.live.phase if tender.live else tender.phase
    steps: list[Step] = []
    if phase is Phase.BIDDING:
        steps.append(Step.EXTEND)
    if phase is Phase.EVALUATING and tender.live is not None:
        candidate = tender.live.candidate
        if tender.method is Method.NEGOTIATED and candidate is None:
            steps.append(Step.SCORE)
        elif candidate is not None:
            row = await tenders.find(session, notice_no=tender.notice_no)
            assert row is not None
            passed = await store.review_passed(
                session, tender_id=row.id, business_no=candidate.business_no
            )
            steps.append(Step.AWARD if passed else Step.REVIEW)
    if phase is Phase.AWARDED:
        row = await tenders.find(session, notice_no=tender.notice_no)
        contract = await store.contract_of(session, tender_id=row.id) if row else None
        if contract is not None and contract.agency_signed_by is None:
            steps.append(Step.SIGN)
    if phase in CANCELLABLE:
        steps.append(Step.CANCEL)
    return steps
