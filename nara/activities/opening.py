"""Opening steps of a tender: open the sealed bids, score a negotiated tender's proposals,
read a ranked candidate. Opening and scoring are stored once; a retry reads them back."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nara.contracts import activities as declared
from nara.contracts import steps as m
from nara.contracts.activities import implements
from nara.contracts.errors import to_application_error
from nara.contracts.tender import Candidate
from nara.domain import evaluation, opening
from nara.domain.calendar import SEOUL
from nara.domain.errors import RuleViolation
from nara.domain.identifiers import validate_business_no
from nara.store import audit, bids, contracts, tenders
from nara.store.tables import Bid, OpeningResult


class OpeningSteps:
    """Activities that open the bids and rank the candidates."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @implements(declared.open_bids)
    async def open_bids(self, step: m.OpenStep) -> m.OpeningSummary:
        """Open the sealed bids: predetermined price, lower limit, ranking; stored once."""
        t = step.terms
        terms = opening.OpeningTerms(
            category=t.category,
            method=t.method,
            agency_kind=t.agency_kind,
            estimated_price=t.estimated_price,
            base_amount=t.base_amount,
            announced_on=t.announced_at.astimezone(SEOUL).date(),
            a_value=t.a_value,
            sme_competitive=t.sme_competitive,
        )
        async with self.sessions.begin() as session:
            await audit.lock_head(session)  # lock order: audit head, then the tender row
            tender = await tenders.get(session, notice_no=t.notice_no, lock="update")
            sealed = await bids.list(session, tender_id=tender.id)
            existing = await bids.find_opening(session, tender_id=tender.id)
            if existing is not None:
                return _summary(existing, sealed)
            try:  # a rule the announcement checks let through is no reason to retry
                opened = opening.open_bids(
                    terms=terms,
                    bids=[
                        opening.SealedBid(
                            business_no=b.business_no,
                            price=b.price,
                            reserve_picks=(b.reserve_picks[0], b.reserve_picks[1]),
                            agent_id=b.agent_id,
                            passkey_credential_id=b.passkey_credential_id,
                            certificate_fingerprint=b.certificate_fingerprint,
                            client_address=b.client_address,
                        )
                        for b in sealed
                    ],
                    reserve_seed=step.reserve_seed,
                    lottery_seed=step.lottery_seed,
                )
            except RuleViolation as violation:
                raise to_application_error(violation) from violation
            result = await bids.insert_opening(
                session,
                tender_id=tender.id,
                bids=sealed,
                opening=opened,
                reserve_seed=step.reserve_seed,
                lottery_seed=step.lottery_seed,
            )
            await audit.record(
                session,
                actor="workflow",
                entity=audit.tender_entity(t.notice_no),
                action="bids-opened",
                key=f"{t.notice_no}:bids-opened",
                payload={
                    "bids": opened.bid_count,
                    "predetermined_price": opened.predetermined_price,
                    "reserve_prices": list(opened.draw.prices),
                    "most_picked": list(opened.most_picked),
                    "lower_limit_rate": str(opened.lower_limit_rate),
                    "flags": list(opened.flags),
                },
            )
            for signal in opened.signals:  # one event per sign of lent certificates
                await audit.record(
                    session,
                    actor="workflow",
                    entity=audit.tender_entity(t.notice_no),
                    action="signal-raised",
                    key=f"{t.notice_no}:signal:{signal.trace.value}:{_digest(signal.value)}",
                    payload=signal.as_dict(),
                )
            return _summary(result, sealed)

    @implements(declared.rank_negotiated)
    async def rank_negotiated(self, step: m.NegotiationStep) -> m.NegotiationRanking:
        """Score every proposal of a negotiated tender and store the order (technical + price)."""
        t = step.terms
        async with self.sessions.begin() as session:
            await audit.lock_head(session)  # lock order: audit head, then the tender row
            tender = await tenders.get(session, notice_no=t.notice_no, lock="update")
            proposals = await bids.list(session, tender_id=tender.id)
            scores = _one_score_per_proposal(step.technical_scores, proposals)
            try:
                scored = evaluation.rank_negotiated(
                    category=t.category,
                    proposals=[(b.business_no, b.price, scores[b.business_no]) for b in proposals],
                    on=t.announced_at.astimezone(SEOUL).date(),
                    seed=step.lottery_seed,
                )
            except RuleViolation as violation:
                violation.field = "technical_scores"
                raise to_application_error(violation) from violation
            await bids.update_ranks(
                session, bids=proposals, ranks={p.bidder: p.rank for p in scored}
            )
            for proposal in scored:
                await contracts.insert_review(
                    session,
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
            await audit.record(
                session,
                actor=step.officer_id,
                entity=audit.tender_entity(t.notice_no),
                action="proposals-scored",
                key=f"{t.notice_no}:proposals-scored",
                payload={
                    p.bidder: {
                        "technical": str(p.score.technical_score),
                        "total": str(p.score.total),
                        "rank": p.rank,
                    }
                    for p in scored
                },
            )
            ranked = sum(1 for p in scored if p.rank)
            return m.NegotiationRanking(ranked=ranked, not_eligible=len(scored) - ranked)

    @implements(declared.get_candidate)
    async def get_candidate(self, query: m.CandidateQuery) -> m.CandidateAnswer:
        """The ranked candidate at a rank, if any."""
        async with self.sessions() as session:
            tender = await tenders.get(session, notice_no=query.notice_no)
            bid = await bids.find_by_rank(session, tender_id=tender.id, rank=query.rank)
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


def _digest(value: str) -> str:
    """A short stand-in for a long value (a credential id) in an audit key."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _one_score_per_proposal(
    technical_scores: dict[str, Decimal], proposals: Sequence[Bid]
) -> dict[str, Decimal]:
    """The scores by business number; refused unless every bidder, and only they, has one."""
    scores = {validate_business_no(no): v for no, v in technical_scores.items()}
    bidders = {b.business_no for b in proposals}
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
    return scores


def _summary(result: OpeningResult, sealed: Sequence[Bid]) -> m.OpeningSummary:
    return m.OpeningSummary(
        bid_count=result.bid_count,
        predetermined_price=result.predetermined_price,
        lower_limit_rate=result.lower_limit_rate,
        candidate_count=result.candidate_count,
        below_limit_count=sum(1 for b in sealed if b.status == opening.BidStatus.BELOW_LIMIT),
        most_picked=list(result.most_picked),
        flags=list(result.flags.get("signals", [])),
    )
