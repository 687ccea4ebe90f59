"""Opening steps of a tender: open the sealed bids, score a negotiated tender's proposals,
read a ranked candidate. Opening and scoring are stored once; a retry reads them back."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError

from nara.contracts import activities as declared
from nara.contracts import steps as m
from nara.contracts.activities import implements
from nara.contracts.errors import to_application_error
from nara.contracts.tender import Candidate, TenderTerms
from nara.domain import evaluation, opening, sealing
from nara.domain.calendar import SEOUL
from nara.domain.errors import NaraError, RuleViolation
from nara.domain.identifiers import validate_business_no
from nara.keys import KeyService
from nara.store import audit, bids, contracts, tenders
from nara.store.tables import Bid, OpeningResult


class OpeningSteps:
    """Activities that open the bids and rank the candidates."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], keys: KeyService) -> None:
        self.sessions = sessions
        self.keys = keys

    @implements(declared.open_bids)
    async def open_bids(self, step: m.OpenStep) -> m.OpeningSummary:
        """Open the sealed bids: decrypt them all (the key service, after the close), check
        each, then predetermined price, lower limit, ranking; stored once. A bid that does
        not decrypt or breaks a rule is kept as invalid with its reason; the tender opens."""
        t = step.terms
        async with self.sessions() as session:
            tender = await tenders.get(session, notice_no=t.notice_no)
            existing = await bids.find_opening(session, tender_id=tender.id)
            if existing is not None:
                return _summary(existing, await bids.list(session, tender_id=tender.id))
            sealed = await bids.list(session, tender_id=tender.id)
        revealed = await self._reveal(step, sealed)
        async with self.sessions.begin() as session:
            tender = await tenders.get(session, notice_no=t.notice_no, lock="update")
            rows = await bids.list(session, tender_id=tender.id)
            existing = await bids.find_opening(session, tender_id=tender.id)
            if existing is not None:
                return _summary(existing, rows)
            valid, invalid = _admit(rows, revealed.plain, base_amount=t.base_amount)
            try:  # a rule the announcement checks let through is no reason to retry
                opened = opening.open_bids(
                    terms=_terms(t),
                    bids=[_domain_bid(b) for b in valid],
                    reserve_seed=revealed.reserve_seed,
                    lottery_seed=step.lottery_seed,
                )
            except RuleViolation as violation:
                raise to_application_error(violation) from violation
            result = await bids.insert_opening(
                session,
                tender_id=tender.id,
                bids=valid,
                opening=opened,
                reserve_seed=revealed.reserve_seed,
                lottery_seed=step.lottery_seed,
                reserve_secret=revealed.secret,
                reserve_commitment=step.reserve_commitment,
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
                    "reserve_secret": revealed.secret.hex() if revealed.secret else None,
                    "reserve_commitment": step.reserve_commitment,
                    "most_picked": list(opened.most_picked),
                    "lower_limit_rate": str(opened.lower_limit_rate),
                    "flags": list(opened.flags),
                    "invalid": [{"business_no": b, "reason": r} for b, r in invalid],
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
            return _summary(result, rows)

    async def _reveal(self, step: m.OpenStep, rows: Sequence[Bid]) -> _Revealed:
        """The prices and picks of every bid and the reserve seed: from the key service
        (sealed bids, every tender since sealing), or as stored (older tenders)."""
        notice_no = step.terms.notice_no
        plain = {
            b.id: sealing.OpenedBid(b.price, tuple(b.reserve_picks or ()))
            for b in rows
            if b.sealed_enc is None
        }
        if step.reserve_seed is not None:  # a tender announced before sealed bids
            return _Revealed(plain, step.reserve_seed, None)
        to_open = [b for b in rows if b.sealed_enc is not None]
        try:
            tender = await self.keys.open_tender(
                notice_no=notice_no,
                bids=[(b.business_no, _sealed(b)) for b in to_open],
                actor="workflow",
            )
        except NaraError as refused:
            raise to_application_error(refused) from refused
        if step.reserve_commitment is not None and not sealing.verify_reserve_secret(
            notice_no=notice_no, secret=tender.reserve_secret, commitment=step.reserve_commitment
        ):
            raise ApplicationError(
                f"the reserve secret of {notice_no} does not match its commitment; the key "
                "service's record was changed: the opening stops for an operator",
                type="ReserveCommitmentBroken",
                non_retryable=True,
            )
        opened = {b.id: o for b, o in zip(to_open, tender.bids, strict=True)}
        return _Revealed(
            plain | opened, sealing.reserve_seed(tender.reserve_secret), tender.reserve_secret
        )

    @implements(declared.rank_negotiated)
    async def rank_negotiated(self, step: m.NegotiationStep) -> m.NegotiationRanking:
        """Score every proposal of a negotiated tender and store the order (technical + price)."""
        t = step.terms
        async with self.sessions.begin() as session:
            tender = await tenders.get(session, notice_no=t.notice_no, lock="update")
            proposals = await bids.list_valid(session, tender_id=tender.id)
            scores = _one_score_per_proposal(step.technical_scores, proposals)
            try:
                scored = evaluation.rank_negotiated(
                    category=t.category,
                    proposals=[
                        (b.business_no, _price(b), scores[b.business_no]) for b in proposals
                    ],
                    on=t.announced_at.astimezone(SEOUL).date(),
                    seed=step.lottery_seed,
                    agency_kind=t.agency_kind,  # the law of the contracting authority
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
                    price=_price(bid),
                    bid_rate=bid.bid_rate,
                    bid_guarantee_cert=bid.bid_guarantee_cert,
                )
            )


@dataclass(frozen=True)
class _Revealed:
    plain: dict[uuid.UUID, sealing.OpenedBid]
    reserve_seed: int
    secret: bytes | None


def _terms(t: TenderTerms) -> opening.OpeningTerms:
    return opening.OpeningTerms(
        category=t.category,
        method=t.method,
        agency_kind=t.agency_kind,
        estimated_price=t.estimated_price,
        base_amount=t.base_amount,
        announced_on=t.announced_at.astimezone(SEOUL).date(),
        a_value=t.a_value,
        sme_competitive=t.sme_competitive,
    )


def _sealed(bid: Bid) -> sealing.SealedBid:
    assert bid.sealed_enc and bid.sealed_price and bid.sealed_picks and bid.sealed_check
    return sealing.SealedBid(
        enc=bid.sealed_enc, price=bid.sealed_price, picks=bid.sealed_picks, check=bid.sealed_check
    )


def _admit(
    rows: Sequence[Bid], plain: dict[uuid.UUID, sealing.OpenedBid], *, base_amount: int
) -> tuple[list[Bid], list[tuple[str, str]]]:
    """Give each bid its opened price and picks; split those that count from the invalid
    ones (status `invalid` and the reason, excluded from the opening)."""
    valid: list[Bid] = []
    invalid: list[tuple[str, str]] = []
    for bid in rows:
        bid_opened = plain[bid.id]
        reason = bid_opened.unreadable or opening.admit(
            price=bid_opened.price, picks=bid_opened.picks, base_amount=base_amount
        )
        if reason is None:
            assert bid_opened.price is not None and bid_opened.picks is not None
            bid.price, bid.reserve_picks = bid_opened.price, list(bid_opened.picks)
            valid.append(bid)
        else:
            bid.status, bid.invalid_reason = opening.BidStatus.INVALID.value, reason
            invalid.append((bid.business_no, reason))
    return valid, invalid


def _domain_bid(b: Bid) -> opening.SealedBid:
    assert b.price is not None and b.reserve_picks is not None
    return opening.SealedBid(
        business_no=b.business_no,
        price=b.price,
        reserve_picks=(b.reserve_picks[0], b.reserve_picks[1]),
        agent_id=b.agent_id,
        passkey_credential_id=b.passkey_credential_id,
        certificate_fingerprint=b.certificate_fingerprint,
        client_address=b.client_address,
    )


def _price(bid: Bid) -> int:
    assert bid.price is not None, "a ranked or scored bid was opened"
    return bid.price


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
