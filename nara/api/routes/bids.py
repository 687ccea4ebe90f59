"""Sealed bids."""

from __future__ import annotations

from fastapi import APIRouter, Response

from nara.api.deps import ActorDep, RelyingPartyDep, SessionDep
from nara.api.problems import problem_responses
from nara.api.schemas.base import NoticeNumber
from nara.api.schemas.bids import BidCreate, BidRead
from nara.services import bids

router = APIRouter(prefix="/tenders", tags=["bids"], responses=problem_responses(422, 500, 503))


@router.post(
    "/{notice_no}/bids",
    response_model=BidRead,
    status_code=201,
    responses={
        200: {"model": BidRead, "description": "the bid this client_key submitted first"},
        **problem_responses(400, 401, 403, 404, 409),
    },
    summary="Submit a sealed bid (supplier agent of the business)",
    description=(
        "Accepted only while bidding is open by the database clock (409 DeadlinePassed "
        "otherwise, naming the deadline and the server time). One bid per business (409 "
        "DuplicateBid); the same `client_key` again answers the first bid with 200. "
        "`passkey_assertion` is required: the bidder's passkey assertion whose challenge is "
        "the SHA-256 of this bid's document (see the API description); without it, or for "
        "another document, origin, person or a counter already seen, 403 `passkey-refused` "
        "names the field and the `reason`, and nothing is stored."
    ),
)
async def submit_bid(
    notice_no: NoticeNumber,
    body: BidCreate,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    rp: RelyingPartyDep,
) -> BidRead:
    bid = await bids.submit(
        session=session,
        rp=rp,
        actor=actor,
        notice_no=notice_no,
        draft=bids.BidDraft(
            business_no=body.business_no,
            price=body.price,
            reserve_picks=body.reserve_picks,
            bid_guarantee_cert=body.bid_guarantee_cert,
            client_key=body.client_key,
            passkey_assertion=body.passkey_assertion.to_service()
            if body.passkey_assertion
            else None,
        ),
    )
    await session.commit()
    response.status_code = 200 if bid.replayed else 201
    return BidRead.model_validate(bid)
