"""Operators' desk: every stuck case at a glance; retry, correct, extend, cancel (audited)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from nara.api.deps import ActorDep, KeysDep, SessionDep, SettingsDep, TemporalDep
from nara.api.problems import problem_responses
from nara.api.schemas.base import NoticeNumber, PaymentId, Whole
from nara.api.schemas.ops import (
    AccountCorrection,
    ActionDone,
    OperatorCancellation,
    OperatorExtension,
    RetryRequest,
    StuckList,
)
from nara.services.ops import actions, stuck

router = APIRouter(
    prefix="/ops",
    tags=["operations"],
    responses=problem_responses(400, 401, 403, 422, 500, 503),
)

_ACTED = (
    "The operator's person token (signed by this API) goes with the Update; the workflow's "
    "activity checks it and the cause, then writes the audit event naming the operator."
)


@router.get(
    "/stuck",
    response_model=StuckList,
    summary="Every case needing a person: overdue steps, failing or refused partner calls, "
    "overdue payments",
    description="Visibility queries (AwaitingRole/AwaitingSince, StuckReason) and one "
    "PostgreSQL query, never a scan of every workflow. Each case has its Web UI link and "
    "the suggested action. A person's step counts as overdue after its patience (officer "
    "1 day, inspector 14, supplier 10, divided by NARA_TIME_SCALE) or `older_than_s`.",
)
async def list_stuck(
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
    settings: SettingsDep,
    older_than_s: Annotated[
        int | None,
        Query(description="count a person's step as overdue after this many seconds"),
        Whole(0, 365 * 86400, text=True),
    ] = None,
    limit: Annotated[int, Query(), Whole(1, 1000, text=True)] = 200,
) -> StuckList:
    found = await stuck.list_cases(
        session=session,
        temporal=temporal,
        actor=actor,
        ui_url=settings.ui_url,
        time_scale=settings.time_scale,
        older_than=timedelta(seconds=older_than_s) if older_than_s is not None else None,
        annual_rate_bp=settings.late_interest_rate_bp,
        limit=limit,
    )
    return StuckList.model_validate(found.model_dump())


@router.post(
    "/payments/{payment_id}/retry",
    response_model=ActionDone,
    responses=problem_responses(404, 409),
    summary="Transfer now, not at the next backoff (refused while the bank still fails)",
    description=_ACTED,
)
async def retry_now(
    payment_id: PaymentId,
    body: RetryRequest,
    session: SessionDep,
    temporal: TemporalDep,
    keys: KeysDep,
    actor: ActorDep,
) -> ActionDone:
    done = await actions.retry(
        session=session,
        temporal=temporal,
        keys=keys,
        actor=actor,
        payment_id=payment_id,
        reason=body.reason,
    )
    return ActionDone.model_validate(done)


@router.post(
    "/payments/{payment_id}/account",
    response_model=ActionDone,
    responses=problem_responses(404, 409),
    summary="Correct a payee's account (checked at the bank first), then transfer now",
    description=_ACTED,
)
async def correct_account(
    payment_id: PaymentId,
    body: AccountCorrection,
    session: SessionDep,
    temporal: TemporalDep,
    keys: KeysDep,
    actor: ActorDep,
) -> ActionDone:
    done = await actions.correct_account(
        session=session,
        temporal=temporal,
        keys=keys,
        actor=actor,
        payment_id=payment_id,
        payee=body.payee,
        account_no=body.account_no,
        reason=body.reason,
    )
    return ActionDone.model_validate(done)


@router.post(
    "/tenders/{notice_no}/extend",
    response_model=ActionDone,
    responses=problem_responses(400, 404, 409),
    summary="Extend one tender's deadline and opening (at most 90 days)",
    description=_ACTED,
)
async def extend_tender(
    notice_no: NoticeNumber,
    body: OperatorExtension,
    session: SessionDep,
    temporal: TemporalDep,
    keys: KeysDep,
    actor: ActorDep,
) -> ActionDone:
    done = await actions.extend(
        session=session,
        temporal=temporal,
        keys=keys,
        actor=actor,
        notice_no=notice_no,
        deadline=body.deadline,
        opening_at=body.opening_at,
        reason=body.reason,
    )
    return ActionDone.model_validate(done)


@router.post(
    "/tenders/{notice_no}/cancel",
    response_model=ActionDone,
    responses=problem_responses(404, 409),
    summary="Cancel one tender before its contract",
    description=_ACTED,
)
async def cancel_tender(
    notice_no: NoticeNumber,
    body: OperatorCancellation,
    session: SessionDep,
    temporal: TemporalDep,
    keys: KeysDep,
    actor: ActorDep,
) -> ActionDone:
    done = await actions.cancel(
        session=session,
        temporal=temporal,
        keys=keys,
        actor=actor,
        notice_no=notice_no,
        reason=body.reason,
    )
    return ActionDone.model_validate(done)
