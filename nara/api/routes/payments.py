"""Payments: status, inspection, operator retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from nara.api.deps import ActorDep, KeysDep, MaybeTemporalDep, SessionDep, TemporalDep
from nara.api.problems import problem_responses
from nara.api.schemas.base import PaymentId
from nara.api.schemas.payments import (
    InspectionRequest,
    InspectOutcome,
    PaymentDetail,
    RetryAccepted,
)
from nara.services import payments
from nara.services.ops import actions

router = APIRouter(
    prefix="/payments",
    tags=["payments"],
    responses=problem_responses(401, 403, 404, 422, 500, 503),
)


@router.get(
    "/{payment_id}",
    response_model=PaymentDetail,
    summary="A payment: its record and the live workflow status",
)
async def get_payment(
    payment_id: PaymentId,
    session: SessionDep,
    temporal: MaybeTemporalDep,
    actor: ActorDep,
    live: Annotated[
        bool,
        Query(
            description="false: the record only, without asking the workflow (`live` is "
            "null): the cheap read for following a payment's status"
        ),
    ] = True,
) -> PaymentDetail:
    detail = await payments.get(
        session=session, temporal=temporal, actor=actor, payment_id=payment_id, live=live
    )
    return PaymentDetail.model_validate(detail)


@router.post(
    "/{payment_id}/inspection",
    response_model=InspectOutcome,
    responses=problem_responses(400, 409),
    summary="Accept or reject the delivered work (inspector of the agency)",
)
async def inspect_payment(
    payment_id: PaymentId,
    body: InspectionRequest,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
    keys: KeysDep,
) -> InspectOutcome:
    outcome = await payments.inspect(
        session=session,
        temporal=temporal,
        actor=actor,
        keys=keys,
        payment_id=payment_id,
        accepted=body.accepted,
        note=body.note,
    )
    return InspectOutcome.model_validate(outcome)


@router.post(
    "/{payment_id}/retry",
    response_model=RetryAccepted,
    status_code=202,
    responses=problem_responses(409),
    summary="Retry a transfer the bank refused, after fixing the cause (operator)",
    description="The same as `POST /ops/payments/{payment_id}/retry` with a fixed reason: "
    "refused (409) while the bank still refuses or fails; audited under the operator.",
)
async def retry_payment(
    payment_id: PaymentId,
    session: SessionDep,
    temporal: TemporalDep,
    keys: KeysDep,
    actor: ActorDep,
) -> RetryAccepted:
    done = await actions.retry(
        session=session,
        temporal=temporal,
        keys=keys,
        actor=actor,
        payment_id=payment_id,
        reason=f"retry asked through POST /payments/{payment_id}/retry",
    )
    return RetryAccepted(payment_id=payment_id, note=done.note)
