"""Sealed bids, the tender keys bidders seal to, and the server's receipt keys."""

from __future__ import annotations

from fastapi import APIRouter, Response

from nara.api.deps import ActorDep, KeysDep, RelyingPartyDep, SessionDep
from nara.api.problems import problem_responses
from nara.api.schemas.base import NoticeNumber
from nara.api.schemas.bids import (
    BidCreate,
    BidReceiptRead,
    SealingKeyRead,
    ServerKeyRead,
    ServerKeysRead,
)
from nara.domain import receipts, sealing
from nara.services import bids

router = APIRouter(prefix="/tenders", tags=["bids"], responses=problem_responses(422, 500, 503))
keys_router = APIRouter(tags=["bids"], responses=problem_responses(500))


@router.get(
    "/{notice_no}/sealing-key",
    response_model=SealingKeyRead,
    responses=problem_responses(404),
    summary="The tender's public key to seal bids to (anyone)",
)
async def sealing_key(notice_no: NoticeNumber, keys: KeysDep) -> SealingKeyRead:
    key = await keys.tender_key(notice_no=notice_no)
    return SealingKeyRead(
        notice_no=key.notice_no,
        key_id=key.key_id,
        suite=sealing.SUITE_NAME,
        public_key=sealing.b64url(key.public_key),
        reserve_commitment=key.reserve_commitment,
        format=sealing.FORMAT,
    )


@keys_router.get(
    "/.well-known/nara-keys",
    response_model=ServerKeysRead,
    summary="The server's public keys: bid receipts and the audit log's tree heads",
)
async def server_keys(keys: KeysDep) -> ServerKeysRead:
    return ServerKeysRead(
        keys=[
            ServerKeyRead(
                key_id=key_id,
                algorithm=receipts.ALGORITHM,
                public_key=receipts.public_key_text(key),
                use=signer.use,
            )
            for signer in (keys.receipts, keys.log)
            for key_id, key in signer.published().items()
        ]
    )


@router.post(
    "/{notice_no}/bids",
    response_model=BidReceiptRead,
    status_code=201,
    responses={
        200: {"model": BidReceiptRead, "description": "the receipt of the bid sent first"},
        **problem_responses(400, 401, 403, 404, 409),
    },
    summary="Submit a sealed, e-signed bid (supplier agent of the business)",
    description=(
        "The price and picks are sealed to the tender's key (GET .../sealing-key) by the "
        "bidder client; the server never sees them before the opening. Accepted only while "
        "bidding is open by the database clock (409 DeadlinePassed otherwise). Refused, with "
        "nothing stored: a signature that is not the agent's over this document (403 "
        "`signature-refused`), a missing or foreign passkey assertion (403 "
        "`passkey-refused`), a bid that would not open (422 `seal-refused` naming the "
        "part). One bid per business (409 DuplicateBid); the same `client_key` with the "
        "same bid answers its receipt with 200, with another bid 409. The answer is a "
        "receipt signed by the server (GET /.well-known/nara-keys)."
    ),
)
async def submit_bid(
    notice_no: NoticeNumber,
    body: BidCreate,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    rp: RelyingPartyDep,
    keys: KeysDep,
) -> BidReceiptRead:
    receipt = await bids.submit(
        session=session,
        rp=rp,
        keys=keys,
        actor=actor,
        notice_no=notice_no,
        draft=bids.BidDraft(
            business_no=body.business_no,
            bid_guarantee_cert=body.bid_guarantee_cert,
            client_key=body.client_key,
            tender_key_id=body.tender_key_id,
            sealed=body.sealed.to_domain(),
            signature=body.signature,
            signing_certificate=body.signing_certificate,
            passkey_assertion=body.passkey_assertion.to_service()
            if body.passkey_assertion
            else None,
        ),
    )
    await session.commit()
    response.status_code = 200 if receipt.replayed else 201
    return BidReceiptRead.model_validate(receipt)
