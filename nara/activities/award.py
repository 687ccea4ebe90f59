"""Award steps of a tender: reviews, the award, guarantees at their agency, the contract and
its signatures. Each is idempotent: a retry never writes or claims twice."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nara.contracts import activities as declared
from nara.contracts import steps as m
from nara.contracts.activities import implements
from nara.contracts.errors import to_application_error
from nara.domain.errors import NaraError
from nara.partners.guarantee import GuaranteeAgencyClient
from nara.store import audit, contracts, ocds, tenders


class AwardSteps:
    """Activities from the reviewed candidate to the signed contract."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], guarantee_agency: GuaranteeAgencyClient
    ) -> None:
        self.sessions = sessions
        self.guarantee_agency = guarantee_agency

    @implements(declared.record_review)
    async def record_review(self, step: m.ReviewStep) -> None:
        """Record an officer's qualification review of a candidate."""
        c = step.candidate
        async with self.sessions.begin() as session:
            tender = await tenders.get(session, notice_no=step.notice_no)
            await audit.record(
                session,
                actor=step.officer_id,
                entity=audit.tender_entity(step.notice_no),
                action="candidate-passed" if step.passed else "candidate-failed",
                key=f"{step.notice_no}:review:{c.business_no}",
                payload={
                    "business_no": c.business_no,
                    "rank": c.rank,
                    "total": str(step.total),
                    "note": step.note,
                },
                then=lambda: contracts.insert_review(
                    session,
                    tender_id=tender.id,
                    business_no=c.business_no,
                    rank=c.rank,
                    price_score=step.price_score,
                    capability_score=step.capability_score,
                    total=step.total,
                    passed=step.passed,
                    note=step.note,
                    reviewed_by=step.officer_id,
                ),
            )

    @implements(declared.record_award)
    async def record_award(self, step: m.AwardStep) -> None:
        """Record the award and its guarantee due date."""
        async with self.sessions.begin() as session:
            tender = await tenders.get(session, notice_no=step.notice_no)
            await contracts.insert_award(
                session,
                tender_id=tender.id,
                business_no=step.business_no,
                price=step.price,
                approved_by=step.approved_by,
                guarantee_due=step.guarantee_due,
            )
            await ocds.publish_award(
                session, notice_no=step.notice_no, business_no=step.business_no, price=step.price
            )

    @implements(declared.confirm_guarantee)
    async def confirm_guarantee(self, check: m.GuaranteeCheck) -> m.GuaranteeConfirmed:
        """Ask the issuing agency to confirm a certificate; record it when confirmed."""
        try:
            confirmed = await self.guarantee_agency.confirm(
                check.certificate_no,
                reference=check.reference,
                business_no=check.business_no,
                kind=check.kind,
                min_amount=check.min_amount,
            )
        except NaraError as error:
            raise to_application_error(error) from error
        async with self.sessions.begin() as session:
            await contracts.insert_guarantee(
                session,
                certificate_no=check.certificate_no,
                kind=check.kind,
                reference=check.reference,
                business_no=check.business_no,
                amount=confirmed.amount,
            )
        return m.GuaranteeConfirmed(certificate_no=check.certificate_no, amount=confirmed.amount)

    @implements(declared.forfeit_award)
    async def forfeit_award(self, step: m.ForfeitStep) -> m.ForfeitResult:
        """The winner defaulted: claim the bid guarantee (idempotently) and void the award."""
        claim_id = None
        if step.bid_guarantee_cert:
            try:
                claim = await self.guarantee_agency.claim(
                    step.bid_guarantee_cert,
                    amount=step.claim_amount,
                    reason=step.reason,
                    idempotency_key=f"bid-guarantee-claim:{step.notice_no}:{step.business_no}",
                )
                claim_id = claim.claim_id
            except NaraError as error:
                raise to_application_error(error) from error
        async with self.sessions.begin() as session:
            tender = await tenders.get(session, notice_no=step.notice_no)

            async def forfeit() -> None:
                await contracts.update_award(
                    session,
                    tender_id=tender.id,
                    business_no=step.business_no,
                    status="forfeited",
                    forfeit_reason=step.reason,
                )
                if step.bid_guarantee_cert:
                    await contracts.update_guarantee_claimed(
                        session, certificate_no=step.bid_guarantee_cert, amount=step.claim_amount
                    )

            await audit.record(
                session,
                actor="workflow",
                entity=audit.tender_entity(step.notice_no),
                action="award-forfeited",
                key=f"{step.notice_no}:forfeit:{step.business_no}",
                payload={
                    "business_no": step.business_no,
                    "reason": step.reason,
                    "bid_guarantee_claim": claim_id,
                },
                then=forfeit,
            )
            await ocds.publish_award_cancelled(
                session, notice_no=step.notice_no, business_no=step.business_no, reason=step.reason
            )
        return m.ForfeitResult(claimed=claim_id is not None, claim_id=claim_id)

    @implements(declared.create_contract)
    async def create_contract(self, step: m.ContractStep) -> None:
        """Create the contract once the performance guarantee is confirmed."""
        async with self.sessions.begin() as session:
            tender = await tenders.get(session, notice_no=step.notice_no)
            await audit.record(
                session,
                actor=step.business_no,
                entity=audit.contract_entity(step.contract_no),
                action="performance-guarantee-confirmed",
                key=f"{step.contract_no}:guarantee",
                payload={"certificate_no": step.performance_guarantee_cert},
                then=lambda: contracts.insert_contract(
                    session,
                    contract_no=step.contract_no,
                    tender_id=tender.id,
                    business_no=step.business_no,
                    amount=step.amount,
                    performance_guarantee_cert=step.performance_guarantee_cert,
                ),
            )
            await ocds.publish_contract(session, contract_no=step.contract_no)

    @implements(declared.record_signature)
    async def record_signature(self, step: m.SignatureStep) -> None:
        """Record one party's signature; with both, the contract is active."""
        async with self.sessions.begin() as session:
            await audit.record(
                session,
                actor=step.person_id,
                entity=audit.contract_entity(step.contract_no),
                action=f"signed-by-{step.role.value}",
                key=f"{step.contract_no}:signed:{step.role.value}",
                then=lambda: contracts.sign(
                    session, contract_no=step.contract_no, role=step.role, person_id=step.person_id
                ),
            )
            await ocds.publish_contract(session, contract_no=step.contract_no)
