"""Database and partner steps of a tender. Each one is idempotent: a retry never writes twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nara.contracts import activities as declared
from nara.contracts import steps as m
from nara.contracts.activities import implements
from nara.contracts.errors import to_application_error
from nara.contracts.tender import Candidate
from nara.domain import evaluation, ranking, reserve_prices
from nara.domain.calendar import SEOUL
from nara.domain.enums import Method, Phase, Role
from nara.domain.errors import NaraError, RuleViolation
from nara.domain.identifiers import NoticeNo, validate_business_no
from nara.partners.guarantee import GuaranteeAgencyClient
from nara.store import audit
from nara.store.tables import (
    Award,
    Bid,
    Contract,
    Guarantee,
    OpeningResult,
    Review,
    Tender,
)


def _entity(notice_no: str) -> str:
    return f"tender:{notice_no}"


async def _tender(session: AsyncSession, notice_no: str, *, lock: bool = False) -> Tender:
    query = select(Tender).where(Tender.notice_no == notice_no)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one()


class TenderSteps:
    """Activities of TenderWorkflow; one instance per worker holds the pools and clients."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], guarantee_agency: GuaranteeAgencyClient
    ) -> None:
        self.sessions = sessions
        self.guarantee_agency = guarantee_agency

    @implements(declared.announce_tender)
    async def announce_tender(self, step: m.AnnounceStep) -> None:
        """Create (or confirm) the tender row and open bidding."""
        t = step.terms
        notice = NoticeNo.parse(t.notice_no)
        async with self.sessions.begin() as session:
            await audit.lock_head(session)
            await session.execute(
                insert(Tender)
                .values(
                    notice_no=t.notice_no,
                    base_no=notice.base,
                    round=notice.round,
                    workflow_id=f"tender-{t.notice_no}",
                    agency_code=t.agency_code,
                    officer_id=t.officer_id,
                    title=t.title,
                    description=t.description,
                    category=t.category,
                    method=t.method,
                    agency_kind=t.agency_kind,
                    region=t.region,
                    estimated_price=t.estimated_price,
                    base_amount=t.base_amount,
                    announced_at=t.announced_at,
                    deadline=t.deadline,
                    opening_at=t.opening_at,
                    bidding_open=True,
                    phase=Phase.BIDDING,
                )
                .on_conflict_do_update(
                    index_elements=[Tender.notice_no],
                    set_={
                        "bidding_open": True,
                        "phase": Phase.BIDDING,
                        "updated_at": func.now(),
                    },
                    where=Tender.phase == Phase.ANNOUNCED,
                )
            )
            await audit.append(
                session,
                actor=t.officer_id,
                entity=_entity(t.notice_no),
                action="announced",
                idempotency_key=f"{t.notice_no}:announced",
                payload={
                    "deadline": t.deadline.isoformat(),
                    "opening_at": t.opening_at.isoformat(),
                    "estimated_price": t.estimated_price,
                    "round": notice.round,
                },
            )

    @implements(declared.record_phase)
    async def record_phase(self, step: m.PhaseStep) -> None:
        """Mirror a phase change onto the tender row and the audit log."""
        async with self.sessions.begin() as session:
            fresh = await audit.append(
                session,
                actor=step.actor,
                entity=_entity(step.notice_no),
                action=step.phase.value,
                idempotency_key=f"{step.notice_no}:{step.step}",
                payload={"note": step.note, **step.payload},
            )
            if fresh:
                await session.execute(
                    update(Tender)
                    .where(Tender.notice_no == step.notice_no)
                    .values(
                        phase=step.phase,
                        awaiting_role=step.awaiting_role,
                        outcome_note=step.note,
                        updated_at=func.now(),
                    )
                )

    @implements(declared.record_schedule)
    async def record_schedule(self, step: m.ScheduleStep) -> None:
        """Write a moved deadline and opening to the tender row (the bid check reads it)."""
        async with self.sessions.begin() as session:
            fresh = await audit.append(
                session,
                actor="workflow",
                entity=_entity(step.notice_no),
                action="bidding-reopened" if step.reopen_bidding else "schedule-moved",
                idempotency_key=f"{step.notice_no}:schedule:{step.version}",
                payload={
                    "deadline": step.deadline.isoformat(),
                    "opening_at": step.opening_at.isoformat(),
                    "note": step.note,
                },
            )
            if not fresh:
                return
            values: dict[str, object] = {
                "deadline": step.deadline,
                "opening_at": step.opening_at,
                "updated_at": func.now(),
            }
            if step.reopen_bidding:
                values |= {"bidding_open": True, "bidding_closed_at": None}
            await session.execute(
                update(Tender).where(Tender.notice_no == step.notice_no).values(**values)
            )

    @implements(declared.close_bidding)
    async def close_bidding(self, step: m.CloseStep) -> m.CloseResult:
        """Flip the tender to closed under its row lock: no bid slips in after this commits."""
        async with self.sessions.begin() as session:
            tender = await _tender(session, step.notice_no, lock=True)
            if tender.bidding_open:
                tender.bidding_open = False
                tender.bidding_closed_at = datetime.now(UTC)
            count = await session.scalar(
                select(func.count()).select_from(Bid).where(Bid.tender_id == tender.id)
            )
            assert tender.bidding_closed_at is not None
            return m.CloseResult(bid_count=count or 0, closed_at=tender.bidding_closed_at)

    @implements(declared.open_bids)
    async def open_bids(self, step: m.OpenStep) -> m.OpeningSummary:
        """Open the sealed bids: predetermined price, lower limit, ranking; stored once."""
        t = step.terms
        on = t.announced_at.astimezone(SEOUL).date()
        async with self.sessions.begin() as session:
            await audit.lock_head(session)
            tender = await _tender(session, t.notice_no, lock=True)
            existing = await session.get(OpeningResult, tender.id)
            bids = (
                (
                    await session.execute(
                        select(Bid).where(Bid.tender_id == tender.id).order_by(Bid.submitted_at)
                    )
                )
                .scalars()
                .all()
            )
            if existing is not None:
                return _summary(existing, bids)
            try:  # a rule the announcement checks let through is no reason to retry
                draw = reserve_prices.draw_reserve_prices(
                    base_amount=t.base_amount,
                    category=t.category,
                    agency_kind=t.agency_kind,
                    seed=step.reserve_seed,
                    on=on,
                )
                picks = [(b.reserve_picks[0], b.reserve_picks[1]) for b in bids]
                pp = reserve_prices.predetermined_price(draw=draw, picks=picks)
                rate: Decimal | None = None
                ranked = None
                if t.method is not Method.NEGOTIATED:  # negotiated: ranked once scored
                    rate = ranking.lower_limit_rate(
                        category=t.category,
                        agency_kind=t.agency_kind,
                        estimated_price=t.estimated_price,
                        on=on,
                    )
                    ranked = ranking.rank_bids(
                        bids=[ranking.BidPrice(bidder=b.business_no, price=b.price) for b in bids],
                        predetermined_price=pp.price,
                        lower_limit_rate=rate,
                        seed=step.lottery_seed,
                    )
            except RuleViolation as violation:
                raise to_application_error(violation) from violation
            by_business = {b.business_no: b for b in bids}
            for bid in bids:
                bid.bid_rate = ranking.bid_rate(price=bid.price, predetermined_price=pp.price)
                bid.status = "opened"
            if ranked is not None:
                for r in ranked.candidates:
                    row = by_business[r.bidder]
                    row.rank, row.status = r.rank, "candidate"
                for r in ranked.below_limit:
                    by_business[r.bidder].status = "below_limit"
            flags = _proxy_bidding_flags(bids)
            result = OpeningResult(
                tender_id=tender.id,
                bid_count=len(bids),
                reserve_seed=step.reserve_seed,
                reserve_prices=list(draw.prices),
                pick_counts=list(pp.pick_counts),
                most_picked=list(pp.most_picked),
                predetermined_price=pp.price if bids else None,
                lower_limit_rate=rate,
                lottery_seed=step.lottery_seed,
                candidate_count=len(ranked.candidates) if ranked is not None else len(bids),
                flags={"signals": flags},
            )
            session.add(result)
            await audit.append(
                session,
                actor="workflow",
                entity=_entity(t.notice_no),
                action="bids-opened",
                idempotency_key=f"{t.notice_no}:bids-opened",
                payload={
                    "bids": len(bids),
                    "predetermined_price": result.predetermined_price,
                    "reserve_prices": list(draw.prices),
                    "most_picked": list(pp.most_picked),
                    "lower_limit_rate": str(rate),
                    "flags": flags,
                },
            )
            await session.flush()
            return _summary(result, bids)

    @implements(declared.rank_negotiated)
    async def rank_negotiated(self, step: m.NegotiationStep) -> m.NegotiationRanking:
        """Score every proposal of a negotiated tender and store the order (technical + price)."""
        t = step.terms
        async with self.sessions.begin() as session:
            await audit.lock_head(session)
            tender = await _tender(session, t.notice_no, lock=True)
            bids = (
                (await session.execute(select(Bid).where(Bid.tender_id == tender.id)))
                .scalars()
                .all()
            )
            scores = {validate_business_no(no): v for no, v in step.technical_scores.items()}
            bidders = {b.business_no for b in bids}
            if set(scores) != bidders:
                missing = sorted(bidders - set(scores))
                unknown = sorted(set(scores) - bidders)
                raise to_application_error(
                    RuleViolation(
                        rule="one-score-per-proposal",
                        message="every proposal needs exactly one technical score"
                        + (f"; missing {', '.join(missing)}" if missing else "")
                        + (f"; not bidders {', '.join(unknown)}" if unknown else ""),
                        field="technical_scores",
                        value=sorted(scores),
                        accepted="one score for each business that bid",
                        fix="score each business that bid, and no other",
                    )
                )
            try:
                scored = evaluation.rank_negotiated(
                    category=t.category,
                    proposals=[(b.business_no, b.price, scores[b.business_no]) for b in bids],
                    on=t.announced_at.astimezone(SEOUL).date(),
                    seed=step.lottery_seed,
                )
            except RuleViolation as violation:
                violation.field = "technical_scores"
                raise to_application_error(violation) from violation
            by_business = {b.business_no: b for b in bids}
            for proposal in scored:
                row = by_business[proposal.bidder]
                row.rank = proposal.rank
                row.status = "candidate" if proposal.rank else "not_eligible"
                await session.execute(
                    insert(Review)
                    .values(
                        tender_id=tender.id,
                        business_no=proposal.bidder,
                        rank=proposal.rank or 0,
                        price_score=proposal.score.price_score,
                        capability_score=proposal.score.technical_score,
                        total=proposal.score.total,
                        passed=proposal.rank is not None,
                        note="negotiated: technical + price score",
                        reviewed_by=step.officer_id,
                    )
                    .on_conflict_do_nothing(constraint="uq_review_candidate")
                )
            ranked = sum(1 for p in scored if p.rank)
            await audit.append(
                session,
                actor=step.officer_id,
                entity=_entity(t.notice_no),
                action="proposals-scored",
                idempotency_key=f"{t.notice_no}:proposals-scored",
                payload={
                    p.bidder: {
                        "technical": str(p.score.technical_score),
                        "total": str(p.score.total),
                        "rank": p.rank,
                    }
                    for p in scored
                },
            )
            return m.NegotiationRanking(ranked=ranked, not_eligible=len(scored) - ranked)

    @implements(declared.get_candidate)
    async def get_candidate(self, query: m.CandidateQuery) -> m.CandidateAnswer:
        async with self.sessions() as session:
            tender = await _tender(session, query.notice_no)
            bid = (
                await session.execute(
                    select(Bid).where(Bid.tender_id == tender.id, Bid.rank == query.rank)
                )
            ).scalar_one_or_none()
            if bid is None:
                return m.CandidateAnswer(candidate=None)
            assert bid.bid_rate is not None
            return m.CandidateAnswer(
                candidate=Candidate(
                    rank=query.rank,
                    business_no=bid.business_no,
                    price=bid.price,
                    bid_rate=bid.bid_rate,
                    bid_guarantee_cert=bid.bid_guarantee_cert,
                )
            )

    @implements(declared.record_review)
    async def record_review(self, step: m.ReviewStep) -> None:
        async with self.sessions.begin() as session:
            tender = await _tender(session, step.notice_no)
            c = step.candidate
            await session.execute(
                insert(Review)
                .values(
                    tender_id=tender.id,
                    business_no=c.business_no,
                    rank=c.rank,
                    price_score=step.price_score,
                    capability_score=step.capability_score,
                    total=step.total,
                    passed=step.passed,
                    note=step.note,
                    reviewed_by=step.officer_id,
                )
                .on_conflict_do_nothing(constraint="uq_review_candidate")
            )
            await audit.append(
                session,
                actor=step.officer_id,
                entity=_entity(step.notice_no),
                action="candidate-passed" if step.passed else "candidate-failed",
                idempotency_key=f"{step.notice_no}:review:{c.business_no}",
                payload={
                    "business_no": c.business_no,
                    "rank": c.rank,
                    "total": str(step.total),
                    "note": step.note,
                },
            )

    @implements(declared.record_award)
    async def record_award(self, step: m.AwardStep) -> None:
        async with self.sessions.begin() as session:
            tender = await _tender(session, step.notice_no)
            await session.execute(
                insert(Award)
                .values(
                    tender_id=tender.id,
                    business_no=step.business_no,
                    price=step.price,
                    approved_by=step.approved_by,
                    guarantee_due=step.guarantee_due,
                )
                .on_conflict_do_nothing(constraint="uq_award_candidate")
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
            await session.execute(
                insert(Guarantee)
                .values(
                    certificate_no=check.certificate_no,
                    kind=check.kind,
                    reference=check.reference,
                    business_no=check.business_no,
                    amount=confirmed.amount,
                    confirmed_at=datetime.now(UTC),
                )
                .on_conflict_do_nothing(index_elements=[Guarantee.certificate_no])
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
            tender = await _tender(session, step.notice_no)
            await session.execute(
                update(Award)
                .where(Award.tender_id == tender.id, Award.business_no == step.business_no)
                .values(status="forfeited", forfeit_reason=step.reason)
            )
            if step.bid_guarantee_cert:
                await session.execute(
                    update(Guarantee)
                    .where(Guarantee.certificate_no == step.bid_guarantee_cert)
                    .values(claimed_amount=step.claim_amount, claimed_at=func.now())
                )
            await audit.append(
                session,
                actor="workflow",
                entity=_entity(step.notice_no),
                action="award-forfeited",
                idempotency_key=f"{step.notice_no}:forfeit:{step.business_no}",
                payload={
                    "business_no": step.business_no,
                    "reason": step.reason,
                    "bid_guarantee_claim": claim_id,
                },
            )
        return m.ForfeitResult(claimed=claim_id is not None, claim_id=claim_id)

    @implements(declared.create_contract)
    async def create_contract(self, step: m.ContractStep) -> None:
        async with self.sessions.begin() as session:
            tender = await _tender(session, step.notice_no)
            await session.execute(
                insert(Contract)
                .values(
                    contract_no=step.contract_no,
                    tender_id=tender.id,
                    business_no=step.business_no,
                    amount=step.amount,
                    performance_guarantee_cert=step.performance_guarantee_cert,
                )
                .on_conflict_do_nothing(index_elements=[Contract.contract_no])
            )
            await audit.append(
                session,
                actor=step.business_no,
                entity=f"contract:{step.contract_no}",
                action="performance-guarantee-confirmed",
                idempotency_key=f"{step.contract_no}:guarantee",
                payload={"certificate_no": step.performance_guarantee_cert},
            )

    @implements(declared.record_signature)
    async def record_signature(self, step: m.SignatureStep) -> None:
        async with self.sessions.begin() as session:
            await audit.lock_head(session)
            contract = (
                await session.execute(
                    select(Contract)
                    .where(Contract.contract_no == step.contract_no)
                    .with_for_update()
                )
            ).scalar_one()
            now = datetime.now(UTC)
            if step.role is Role.OFFICER and contract.agency_signed_by is None:
                contract.agency_signed_by, contract.agency_signed_at = step.person_id, now
            elif step.role is Role.SUPPLIER and contract.supplier_signed_by is None:
                contract.supplier_signed_by, contract.supplier_signed_at = step.person_id, now
            if contract.agency_signed_by and contract.supplier_signed_by:
                contract.status = "active"
                await session.execute(
                    update(Award)
                    .where(
                        Award.tender_id == contract.tender_id,
                        Award.business_no == contract.business_no,
                    )
                    .values(status="contracted")
                )
            await audit.append(
                session,
                actor=step.person_id,
                entity=f"contract:{step.contract_no}",
                action=f"signed-by-{step.role.value}",
                idempotency_key=f"{step.contract_no}:signed:{step.role.value}",
            )


def _summary(result: OpeningResult, bids: list[Bid] | tuple[Bid, ...]) -> m.OpeningSummary:
    return m.OpeningSummary(
        bid_count=result.bid_count,
        predetermined_price=result.predetermined_price,
        lower_limit_rate=result.lower_limit_rate,
        candidate_count=result.candidate_count,
        below_limit_count=sum(1 for b in bids if b.status == "below_limit"),
        most_picked=list(result.most_picked),
        flags=list(result.flags.get("signals", [])),
    )


def _proxy_bidding_flags(bids: list[Bid] | tuple[Bid, ...]) -> list[str]:
    """One agent bidding for several competing businesses on one tender is a warning sign."""
    per_agent = Counter(b.agent_id for b in bids)
    return [
        f"agent {agent} submitted bids for {count} competing businesses"
        for agent, count in sorted(per_agent.items())
        if count > 1
    ]
