"""Sealed bids: accepted only inside a transaction that holds the tender row and asks the
database clock whether bidding is still open (DESIGN.md section 3). Bids never go to Temporal.

`close_bidding` flips the row under `FOR UPDATE`; a bid holds it `FOR SHARE`, so a bid
either commits before the close (and is counted) or sees the tender closed.

No lent certificates: a person may be agent of several businesses, but bids for only one
of those competing on a tender (rule `one-bidder-per-agent`). The check runs under the
locks, after the audit head: that lock is exclusive, so of two bids racing to break the
rule the second sees the first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain import ranking
from nara.domain.bid_document import BidDocument
from nara.domain.clock import SEOUL
from nara.domain.enums import Phase
from nara.domain.errors import DeadlinePassed, DuplicateBid, RuleViolation, WrongPhase
from nara.services.actors import Actor, require_agent
from nara.services.base import ServiceModel
from nara.services.locks import lock_audit_head
from nara.services.passkeys import assertions as passkeys
from nara.services.passkeys.checks import Check
from nara.services.passkeys.models import PasskeyAssertion, RelyingParty
from nara.services.registry import get_business
from nara.services.tenders.reading import tender_row
from nara.store import audit, bids, clock
from nara.store.tables import Bid, Tender


class BidDraft(ServiceModel):
    """A sealed bid as a supplier's agent sends it."""

    business_no: str
    price: int
    reserve_picks: list[int]  # two different reserve prices, numbered 1-15
    bid_guarantee_cert: str | None
    client_key: str  # sending the same key again answers the first bid
    passkey_assertion: PasskeyAssertion | None = None
    """The bidder's fingerprint: an assertion over this bid's document (required)."""

    def document(self, notice_no: str) -> BidDocument:
        """What the passkey assertion must confirm."""
        return BidDocument.of(
            notice_no=notice_no,
            business_no=self.business_no,
            price=self.price,
            reserve_picks=self.reserve_picks,
            client_key=self.client_key,
            bid_guarantee_cert=self.bid_guarantee_cert,
        )


class BidView(ServiceModel):
    """The caller's own bid; other bidders are never shown."""

    id: str
    notice_no: str
    business_no: str
    price: int
    reserve_picks: list[int]
    bid_guarantee_cert: str | None
    client_key: str
    passkey_credential_id: str | None
    submitted_at: datetime
    status: str
    replayed: bool  # this answers an earlier submission


def _kst(at: datetime) -> str:
    return f"{at.astimezone(SEOUL):%Y-%m-%d %H:%M:%S} KST"


def _read(bid: Bid, tender: Tender, *, replayed: bool) -> BidView:
    return BidView(
        id=str(bid.id),
        notice_no=tender.notice_no,
        business_no=bid.business_no,
        price=bid.price,
        reserve_picks=list(bid.reserve_picks),
        bid_guarantee_cert=bid.bid_guarantee_cert,
        client_key=bid.client_key,
        passkey_credential_id=bid.passkey_credential_id,
        submitted_at=bid.submitted_at,
        status=bid.status,
        replayed=replayed,
    )


def _replay(bid: Bid, tender: Tender, draft: BidDraft) -> BidView:
    if bid.business_no != draft.business_no:
        raise DuplicateBid(
            f"client_key {draft.client_key!r} was already used on {tender.notice_no} for "
            "another business",
            field="client_key",
            fix="use a new client_key for every bid",
        )
    return _read(bid, tender, replayed=True)


def _require_open(tender: Tender, now: datetime) -> None:
    """Refuse unless the tender is bidding and its deadline (database clock) is ahead."""
    notice_no = tender.notice_no
    if now >= tender.deadline or tender.phase in (Phase.CLOSED, Phase.OPENED):
        raise DeadlinePassed(
            f"the bid deadline of {notice_no} was {_kst(tender.deadline)}; the server time is "
            f"{_kst(now)}; no bid is accepted after the deadline",
            field="deadline",
            fix="bid on an open tender; an officer may extend a deadline only before it passes",
            deadline=tender.deadline.isoformat(),
            server_time=now.isoformat(),
        )
    if tender.phase is not Phase.BIDDING or not tender.bidding_open:
        opening_soon = tender.phase is Phase.ANNOUNCED
        raise WrongPhase(
            f"tender {notice_no} is {tender.phase}; bids are accepted only while it is bidding",
            fix="bidding opens a moment after the announcement: retry shortly"
            if opening_soon
            else "bid on an open tender",
            phase=tender.phase,
        )


async def _require_no_competitor(
    session: AsyncSession, tender: Tender, actor: Actor, business_no: str
) -> None:
    """RuleViolation if the actor sent, or is an agent of, a competing bid on the tender."""
    other = await bids.find_competing(
        session, tender_id=tender.id, business_no=business_no, person_id=actor.id
    )
    if other is None:
        return
    how = "sent a bid for" if other.agent_id == actor.id else "is an agent of"
    raise RuleViolation(
        rule="one-bidder-per-agent",
        field="business_no",
        value=business_no,
        accepted="a business none of whose competitors on this tender you act for",
        message=f"{actor.id} {how} business {other.business_no}, which bid on "
        f"{tender.notice_no}: a person may act for only one of the businesses competing on "
        "a tender",
        fix="each competing business bids through an agent of its own",
    )


async def submit(
    *, session: AsyncSession, rp: RelyingParty, actor: Actor, notice_no: str, draft: BidDraft
) -> BidView:
    """Accept a sealed bid, or answer the earlier one with the same client key. Caller commits.

    A new bid needs the actor's passkey assertion over its document (PasskeyRefused, 403
    naming `passkey_assertion`, otherwise); the signature is checked without locks, then
    the counter moves (locking the passkey's row, before the audit head), in the bid's
    transaction. A repeat of an earlier client key
    answers the earlier bid without asking for the fingerprint again (a client's retry).
    """
    tender = await tender_row(session=session, notice_no=notice_no)
    await require_agent(session=session, actor=actor, business_no=draft.business_no)
    await get_business(session=session, business_no=draft.business_no)
    earlier = await bids.find_by_client_key(
        session, tender_id=tender.id, client_key=draft.client_key
    )
    if earlier is not None:
        return _replay(earlier, tender, draft)
    ranking.check_bid_price(price=draft.price, base_amount=tender.base_amount)
    # Refuse early without locks (a snapshot read never waits); then decide under the locks.
    _require_open(tender, await clock.now(session))
    confirmation = await passkeys.confirm_bid(
        session=session,
        rp=rp,
        actor=actor,
        document=draft.document(tender.notice_no),
        assertion=draft.passkey_assertion,
    )
    # The counter moves first: its row lock comes before the audit head in the one lock
    # order, and the audit head's critical section (every writer waits for it) stays as
    # short as it was. A bid refused later rolls the counter back with everything else.
    try:
        await passkeys.record(session, confirmation)
    except Check as failed:
        # The same request sent twice at once: its twin took the counter and committed
        # (it held the passkey's row until then). Answer the twin's bid.
        twin = await bids.find_by_client_key(
            session, tender_id=tender.id, client_key=draft.client_key
        )
        if twin is not None:
            return _replay(twin, tender, draft)
        raise passkeys.bid_refusal(failed) from None

    await lock_audit_head(session)
    tender = await tender_row(session=session, notice_no=notice_no, lock="share")
    _require_open(tender, await clock.now(session))
    await _require_no_competitor(session, tender, actor, draft.business_no)

    sent = actor.auth  # None only for trusted in-process callers (benchmarks)
    bid = await bids.insert(
        session,
        tender_id=tender.id,
        business_no=draft.business_no,
        agent_id=actor.id,
        client_key=draft.client_key,
        price=draft.price,
        reserve_picks=draft.reserve_picks,
        bid_guarantee_cert=draft.bid_guarantee_cert,
        passkey_credential_id=confirmation.credential_id,
        certificate_fingerprint=sent.certificate_fingerprint if sent else None,
        certificate_serial=sent.certificate_serial if sent else None,
        client_address=sent.client_address if sent else None,
    )
    if bid is None:
        # A concurrent request won: the same client key (answer it) or the same business.
        earlier = await bids.find_by_client_key(
            session, tender_id=tender.id, client_key=draft.client_key
        )
        if earlier is not None:
            return _replay(earlier, tender, draft)
        raise DuplicateBid(
            f"business {draft.business_no} already bid on {notice_no}; one bid per business",
            field="business_no",
            fix="a sealed bid cannot be changed; resend with the first client_key to read it",
        )
    await audit.append(
        session,
        actor=actor.id,
        entity=f"tender:{notice_no}",
        action="bid-submitted",
        idempotency_key=f"{notice_no}:bid:{draft.business_no}",
        # Sealed: the audit log records that a bid was made, not its price or picks.
        payload={
            "business_no": draft.business_no,
            "bid_id": str(bid.id),
            "passkey_credential_id": confirmation.credential_id,
            "certificate_fingerprint": bid.certificate_fingerprint,
            "client_address": bid.client_address,
        },
    )
    return _read(bid, tender, replayed=False)
