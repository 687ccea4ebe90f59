"""Sealed bids: accepted only inside a transaction that holds the tender row and asks the
database clock whether bidding is still open (DESIGN.md section 3). Bids never go to Temporal.

A bid arrives sealed to the tender's key (HPKE, `nara.domain.sealing`) and e-signed with
the agent's certificate key over its document (`nara.domain.bid_document`); the server
never sees the price. Before anything is stored it checks the signature, the agent's
rights, the passkey assertion and, through the key service, that the bid will open (the
check value; docs/sealed-bids.md). The answer is a receipt the server signs.

`close_bidding` flips the row under `FOR UPDATE`; a bid holds it `FOR SHARE`, so a bid
either commits before the close (and is counted) or sees the tender closed.

No lent certificates: a person may be agent of several businesses, but bids for only one
of those competing on a tender (rule `one-bidder-per-agent`). The check runs under the
competition locks (`nara.services.locks`), so of two bids racing to break the rule the
second sees the first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain import receipts
from nara.domain.bid_document import BidDocument, document_sha256
from nara.domain.clock import SEOUL
from nara.domain.enums import Phase
from nara.domain.errors import (
    DeadlinePassed,
    DuplicateBid,
    RuleViolation,
    SealRefused,
    WrongPhase,
)
from nara.domain.sealing import SealedBid
from nara.keys import KeyService, ReceiptSigner
from nara.services.actors import Actor, require_agent_of
from nara.services.base import ServiceModel
from nara.services.locks import competition, lock_named
from nara.services.passkeys import assertions as passkeys
from nara.services.passkeys.checks import Check
from nara.services.passkeys.models import PasskeyAssertion, RelyingParty
from nara.services.signatures import verify_bid_signature
from nara.services.tenders.reading import no_tender, tender_row
from nara.store import audit, audit_log, bids, clock, registry
from nara.store.tables import Bid, Tender


class BidDraft(ServiceModel):
    """A sealed, e-signed bid as a supplier's agent sends it."""

    business_no: str
    client_key: str  # sending the same key again answers the first bid's receipt
    bid_guarantee_cert: str | None
    tender_key_id: str
    sealed: SealedBid
    signature: str
    """ECDSA-SHA256 over the document's canonical bytes by the certificate below, base64."""
    signing_certificate: str
    passkey_assertion: PasskeyAssertion | None = None
    """The bidder's fingerprint: an assertion over this bid's document (required)."""

    def document(self, notice_no: str) -> BidDocument:
        """What the signature and the passkey assertion cover."""
        return BidDocument.of(
            notice_no=notice_no,
            business_no=self.business_no,
            client_key=self.client_key,
            tender_key_id=self.tender_key_id,
            sealed=self.sealed,
            bid_guarantee_cert=self.bid_guarantee_cert,
        )


class BidReceipt(ServiceModel):
    """The answer to a bid: the server's signed receipt, never a price."""

    id: str
    notice_no: str
    business_no: str
    client_key: str
    document_sha256: str
    passkey_credential_id: str | None
    submitted_at: datetime
    status: str
    replayed: bool  # this answers an earlier submission
    receipt: dict[str, object]
    """The signed fields (`nara.domain.receipts`)."""
    receipt_signature: str
    """Ed25519 by the server's receipt key (GET /.well-known/nara-keys), base64url."""


def _kst(at: datetime) -> str:
    return f"{at.astimezone(SEOUL):%Y-%m-%d %H:%M:%S} KST"


def _receipt(
    bid: Bid, tender: Tender, signer: ReceiptSigner, leaf: bytes, *, replayed: bool
) -> BidReceipt:
    assert bid.document_sha256 is not None
    signed = receipts.Receipt(
        notice_no=tender.notice_no,
        business_no=bid.business_no,
        bid_id=str(bid.id),
        bid_sha256=bid.document_sha256,
        accepted_at=bid.submitted_at,
        key_id=signer.key_id,
        log_leaf_hash=leaf.hex(),
    )
    return BidReceipt(
        id=str(bid.id),
        notice_no=tender.notice_no,
        business_no=bid.business_no,
        client_key=bid.client_key,
        document_sha256=bid.document_sha256,
        passkey_credential_id=bid.passkey_credential_id,
        submitted_at=bid.submitted_at,
        status=bid.status,
        replayed=replayed,
        receipt=signed.as_dict(),
        receipt_signature=signer.sign(signed),
    )


async def _replay(
    session: AsyncSession,
    bid: Bid,
    tender: Tender,
    draft: BidDraft,
    document_sha256: str,
    signer: ReceiptSigner,
) -> BidReceipt:
    """The first bid's receipt for a repeat of its client key; 409 if the content differs."""
    if bid.business_no != draft.business_no or bid.document_sha256 != document_sha256:
        raise DuplicateBid(
            f"client_key {draft.client_key!r} was already used on {tender.notice_no} for "
            "another bid; a sealed bid cannot be changed",
            field="client_key",
            fix="use a new client_key for every bid; resend the very same bid to get its "
            "receipt again",
        )
    leaf = await audit_log.leaf_of_key(session, _audit_key(tender.notice_no, bid.business_no))
    assert leaf is not None, "an accepted bid has its audit entry"
    return _receipt(bid, tender, signer, leaf, replayed=True)


def _audit_key(notice_no: str, business_no: str) -> str:
    return f"{notice_no}:bid:{business_no}"


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
    *,
    session: AsyncSession,
    rp: RelyingParty,
    keys: KeyService,
    actor: Actor,
    notice_no: str,
    draft: BidDraft,
) -> BidReceipt:
    """Accept a sealed bid, or answer the receipt of the earlier one with the same client
    key and content. Caller commits.

    Checked without locks, in this order: the agent's rights, the bid's document against
    an earlier one with its client key, the deadline, the tender key, the e-signature
    (SignatureRefused), the passkey assertion (PasskeyRefused), the seal (SealRefused: the
    key service derives the check value); then, under the locks, the deadline again and
    the one-bidder-per-agent rule.
    """
    # One read without locks: the tender, an earlier bid with this client key, the clock.
    found, earlier, now = await bids.tender_for_bid(
        session, notice_no=notice_no, client_key=draft.client_key
    )
    if found is None:
        raise no_tender(notice_no)
    tender = found
    # One read serves the agent check (a business the person acts for exists) and, later,
    # the competition locks.
    acting_for = await registry.businesses_of(session, person_id=actor.id)
    require_agent_of(actor, draft.business_no, acting_for)
    document = draft.document(tender.notice_no)
    digest = document_sha256(document)
    if earlier is not None:
        return await _replay(session, earlier, tender, draft, digest, keys.receipts)
    # Refuse early (a snapshot read never waits); then decide under the locks.
    _require_open(tender, now)
    tender_key = await keys.tender_key(notice_no=tender.notice_no)
    if draft.tender_key_id != tender_key.key_id:
        raise SealRefused(
            f"the bid is sealed to key {draft.tender_key_id}; {notice_no} has key "
            f"{tender_key.key_id}",
            field="tender_key_id",
            fix=f"fetch GET /tenders/{notice_no}/sealing-key and seal the bid to that key",
        )
    signed = await verify_bid_signature(
        session=session,
        actor=actor,
        business_no=draft.business_no,
        document=document,
        certificate_pem=draft.signing_certificate,
        signature=draft.signature,
        now=now,
    )
    confirmation = await passkeys.confirm_bid(
        session=session,
        rp=rp,
        actor=actor,
        document=document,
        assertion=draft.passkey_assertion,
    )
    if not await keys.check_bid(
        notice_no=tender.notice_no, business_no=document.business_no, sealed=draft.sealed
    ):
        raise SealRefused(
            f"this bid would not open: its check value is not the one the key of {notice_no} "
            f"derives for business {document.business_no} over these ciphertexts",
            field="sealed.check",
            fix="seal the bid again with the bidder client (nara bidder) for this tender "
            "and business; nothing was stored",
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
            return await _replay(session, twin, tender, draft, digest, keys.receipts)
        raise passkeys.bid_refusal(failed) from None

    # Two bids wait for each other only when together they could break one bidder per
    # agent: each locks the competition of its own business and of every business its
    # sender is an agent of (a shared name means a shared agent). Bids of unrelated
    # businesses, and every bid on another tender, never wait.
    await lock_named(session, *competition(tender.notice_no, {draft.business_no, *acting_for}))
    tender = await tender_row(session=session, notice_no=notice_no, lock="share")
    now = await clock.now(session)
    _require_open(tender, now)
    await _require_no_competitor(session, tender, actor, draft.business_no)

    sent = actor.auth  # None only for trusted in-process callers (benchmarks)
    bid = await bids.insert(
        session,
        tender_id=tender.id,
        business_no=draft.business_no,
        agent_id=actor.id,
        client_key=draft.client_key,
        submitted_at=now,
        sealed=bids.SealedRecord(
            tender_key_id=tender_key.key_id,
            enc=draft.sealed.enc,
            price=draft.sealed.price,
            picks=draft.sealed.picks,
            check=draft.sealed.check,
            document_sha256=digest,
            signature=signed.signature,
            signing_certificate=signed.certificate_pem,
        ),
        bid_guarantee_cert=draft.bid_guarantee_cert,
        passkey_credential_id=confirmation.credential_id,
        certificate_fingerprint=sent.certificate_fingerprint if sent else signed.fingerprint,
        certificate_serial=sent.certificate_serial if sent else None,
        client_address=sent.client_address if sent else None,
    )
    if bid is None:
        # A concurrent request won: the same client key (answer it) or the same business.
        earlier = await bids.find_by_client_key(
            session, tender_id=tender.id, client_key=draft.client_key
        )
        if earlier is not None:
            return await _replay(session, earlier, tender, draft, digest, keys.receipts)
        raise DuplicateBid(
            f"business {draft.business_no} already bid on {notice_no}; one bid per business",
            field="business_no",
            fix="a sealed bid cannot be changed; resend the first bid to get its receipt",
        )
    leaf = await audit.append(
        session,
        actor=actor.id,
        entity=f"tender:{notice_no}",
        action="bid-submitted",
        idempotency_key=_audit_key(notice_no, draft.business_no),
        # Sealed: the audit log records that a bid was made and what was checked, never
        # its price or picks.
        payload={
            "business_no": draft.business_no,
            "bid_id": str(bid.id),
            "document_sha256": digest,
            "tender_key_id": tender_key.key_id,
            "seal_check": "passed",
            "signing_certificate": signed.fingerprint,
            "passkey_credential_id": confirmation.credential_id,
            "certificate_fingerprint": bid.certificate_fingerprint,
            "client_address": bid.client_address,
        },
    )
    assert leaf is not None, "the bid is new, so is its entry"
    return _receipt(bid, tender, keys.receipts, leaf, replayed=False)
