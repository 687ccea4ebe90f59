"""The ranking step of a comprehensive evaluation (works of 30 bn or more): the officer's
non-price scores plus the price score against the balanced price of the bids, stored once;
a retry computes and stores the same."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nara.contracts import activities as declared
from nara.contracts.activities import implements
from nara.contracts.comprehensive import ComprehensiveRanking, ComprehensiveStep
from nara.contracts.errors import to_application_error
from nara.domain import comprehensive
from nara.domain.errors import RuleViolation
from nara.domain.identifiers import validate_business_no
from nara.store import audit, bids, contracts, tenders


class ComprehensiveSteps:
    """Activities of the comprehensive evaluation."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @implements(declared.rank_comprehensive)
    async def rank_comprehensive(self, step: ComprehensiveStep) -> ComprehensiveRanking:
        """Score every bid (capability + social + price) and store the order and the reviews."""
        t = step.terms
        async with self.sessions.begin() as session:
            tender = await tenders.get(session, notice_no=t.notice_no, lock="update")
            sealed = await bids.list_valid(session, tender_id=tender.id)  # opened, counted
            opening = await bids.find_opening(session, tender_id=tender.id)
            try:
                if opening is None or opening.predetermined_price is None:
                    raise RuleViolation(
                        rule="opened-first",
                        field="scores",
                        value=t.notice_no,
                        accepted="a tender whose bids were opened",
                        message=f"tender {t.notice_no} has no opened bids to score",
                    )
                scores = {
                    validate_business_no(no): comprehensive.NonPriceScore(
                        capability=entry.capability, social=entry.social
                    )
                    for no, entry in step.scores.items()
                }
                evaluation = comprehensive.rank_comprehensive(
                    agency_kind=t.agency_kind,
                    estimated_price=t.estimated_price,
                    bids=[(b.business_no, b.price) for b in sealed if b.price is not None],
                    scores=scores,
                    predetermined_price=opening.predetermined_price,
                    on=t.announced_on,
                    seed=step.lottery_seed,
                )
            except RuleViolation as violation:
                raise to_application_error(violation) from violation
            await bids.update_ranks(
                session, bids=sealed, ranks={s.bidder: s.rank for s in evaluation.scores}
            )
            table = "" if evaluation.confirmed else " (table not confirmed)"
            for score in evaluation.scores:
                await contracts.insert_review(
                    session,
                    tender_id=tender.id,
                    business_no=score.bidder,
                    rank=score.rank or 0,
                    price_score=score.price_score,
                    capability_score=score.capability + score.social,
                    total=score.total,
                    passed=score.rank is not None,
                    note=f"comprehensive: capability {score.capability} + social"
                    f" {score.social} + price {score.price_score} against the balanced price"
                    f" {evaluation.balanced_price:,} KRW{table}",
                    reviewed_by=step.officer_id,
                )
            await audit.record(
                session,
                actor=step.officer_id,
                entity=audit.tender_entity(t.notice_no),
                action="comprehensive-scored",
                key=f"{t.notice_no}:comprehensive-scored",
                payload={
                    "balanced_price": evaluation.balanced_price,
                    "confirmed": evaluation.confirmed,
                    "scores": {
                        s.bidder: {
                            "capability": str(s.capability),
                            "social": str(s.social),
                            "price": str(s.price_score),
                            "total": str(s.total),
                            "rank": s.rank,
                        }
                        for s in evaluation.scores
                    },
                },
            )
            ranked = sum(1 for s in evaluation.scores if s.rank is not None)
            return ComprehensiveRanking(
                balanced_price=evaluation.balanced_price,
                ranked=ranked,
                not_ranked=len(evaluation.scores) - ranked,
                confirmed=evaluation.confirmed,
            )
