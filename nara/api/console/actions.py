"""The officers' and inspectors' actions, as HTML forms.

Each form is checked by the API's own request model (`nara.api.schemas`) and sent to the
same service as the API route (review, award, scores, extend, cancel, sign, inspection);
success redirects back to the page (post, redirect, get), a refusal re-renders it with the
problem the API would answer, next to the field it names, and the API's status. A form's
`request_key` makes a second sending of it the same request as the first (`_keyed`): the
decision is made once, and the second gets its outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from nara.api.console import web
from nara.api.console.pages import payment_page, tender_page
from nara.api.deps import ActorDep, KeysDep, SessionDep, SettingsDep, TemporalDep
from nara.api.gate import bind_request_key
from nara.api.problems import accepted_values, field_path, http_status
from nara.api.schemas.base import NoticeNumber, PaymentId
from nara.api.schemas.decisions import AwardRequest, ReviewRequest, ScoresRequest
from nara.api.schemas.payments import InspectionRequest
from nara.api.schemas.tenders import CancelRequest, ExtendDeadlineRequest
from nara.domain.calendar import SEOUL
from nara.domain.errors import NaraError
from nara.services import decisions, payments
from nara.services.actors import Actor
from nara.services.tenders import scheduling

router = APIRouter(
    prefix=web.PREFIX, include_in_schema=False, dependencies=[Depends(web.verify_csrf)]
)
M = TypeVar("M", bound=BaseModel)


class Refused(Exception):
    """A form the API would refuse: its status, problem and per-field messages."""

    def __init__(self, status: int, problem: dict[str, Any], errors: dict[str, str]) -> None:
        super().__init__(problem.get("detail", ""))
        self.status, self.problem, self.errors = status, problem, errors


def _validated(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        errors: dict[str, str] = {}
        for e in error.errors():
            path = field_path(("body", *e.get("loc", ())))
            message = str(e.get("msg", "invalid")).removeprefix("Value error, ")
            errors.setdefault(path, f"{message} (accepted: {accepted_values(dict(e))})")
        first = next(iter(errors.items()), ("body", "invalid"))
        raise Refused(422, {"detail": f"{first[0]}: {first[1]}", "fix": None}, errors) from error


_NOT_FIELDS = (web.CSRF_FIELD, web.REQUEST_KEY_FIELD)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k not in _NOT_FIELDS}


async def _keyed(request: Request, actor: Actor) -> Actor:
    """The actor with the form's request key bound, as the API binds an Idempotency-Key
    (the form's fields are the body); a form without one (a client of its own) is a
    request of its own each time."""
    form = await request.form()
    key = form.get(web.REQUEST_KEY_FIELD)
    if not isinstance(key, str):
        return actor
    fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    return bind_request_key(
        actor,
        key=key,
        field=web.REQUEST_KEY_FIELD,
        path=request.url.path,
        body=urlencode(fields).encode(),
    )


def _kst(value: str) -> str:
    """A datetime-local field (`2026-12-01T10:00`) is Seoul time."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=SEOUL).isoformat()
    except ValueError:
        return value  # the request model refuses it, naming the field


async def _act(request: Request, actor: Actor, call: Callable[[Actor], Awaitable[object]]) -> None:
    try:
        await call(await _keyed(request, actor))
    except NaraError as error:
        field = error.field or ""
        problem = {"detail": error.detail, "fix": error.fix}
        errors = {field: error.detail} if field else {}
        raise Refused(http_status(type(error)), problem, errors) from error


async def _tender_action(
    request: Request,
    notice_no: str,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
    done: str,
    act: Callable[[dict[str, str], Actor], Awaitable[object]],
) -> Response:
    form = await _form(request)
    try:
        await _act(request, actor, lambda keyed: act(form, keyed))
        await session.commit()
    except Refused as refused:
        await session.rollback()
        return await tender_page(
            request,
            session=session,
            temporal=temporal,
            actor=actor,
            notice_no=notice_no,
            status=refused.status,
            problem=refused.problem,
            errors=refused.errors,
            form=form,
        )
    return RedirectResponse(f"{web.PREFIX}/tenders/{notice_no}?done={done}", status_code=303)


@router.post("/tenders/{notice_no}/review")
async def review(
    request: Request,
    notice_no: NoticeNumber,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
) -> Response:
    async def act(form: dict[str, str], actor: Actor) -> object:
        body = _validated(ReviewRequest, form)
        return await decisions.review(
            session=session,
            temporal=temporal,
            actor=actor,
            notice_no=notice_no,
            business_no=body.business_no,
            capability_score=body.capability_score,
            note=body.note,
        )

    return await _tender_action(request, notice_no, session, temporal, actor, "review", act)


@router.post("/tenders/{notice_no}/award")
async def award(
    request: Request,
    notice_no: NoticeNumber,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
    keys: KeysDep,
) -> Response:
    async def act(form: dict[str, str], actor: Actor) -> object:
        body = _validated(AwardRequest, form)
        return await decisions.approve(
            session=session,
            temporal=temporal,
            actor=actor,
            keys=keys,
            notice_no=notice_no,
            business_no=body.business_no,
        )

    return await _tender_action(request, notice_no, session, temporal, actor, "award", act)


@router.post("/tenders/{notice_no}/scores")
async def scores(
    request: Request,
    notice_no: NoticeNumber,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
) -> Response:
    async def act(form: dict[str, str], actor: Actor) -> object:
        given = {k.removeprefix("score:"): v for k, v in form.items() if k.startswith("score:")}
        body = _validated(ScoresRequest, {"technical_scores": given})
        return await decisions.score(
            session=session,
            temporal=temporal,
            actor=actor,
            notice_no=notice_no,
            technical_scores={b: Decimal(s) for b, s in body.technical_scores.items()},
        )

    return await _tender_action(request, notice_no, session, temporal, actor, "score", act)


@router.post("/tenders/{notice_no}/extend")
async def extend(
    request: Request,
    notice_no: NoticeNumber,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
    settings: SettingsDep,
    keys: KeysDep,
) -> Response:
    async def act(form: dict[str, str], actor: Actor) -> object:
        data = {
            **form,
            "deadline": _kst(form.get("deadline", "")),
            "opening_at": _kst(form.get("opening_at", "")),
        }
        body = _validated(ExtendDeadlineRequest, data)
        return await scheduling.extend(
            session=session,
            temporal=temporal,
            settings=settings,
            actor=actor,
            notice_no=notice_no,
            deadline=body.deadline,
            opening_at=body.opening_at,
            reason=body.reason,
            keys=keys,
        )

    return await _tender_action(request, notice_no, session, temporal, actor, "extend", act)


@router.post("/tenders/{notice_no}/cancel")
async def cancel(
    request: Request,
    notice_no: NoticeNumber,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
    keys: KeysDep,
) -> Response:
    async def act(form: dict[str, str], actor: Actor) -> object:
        body = _validated(CancelRequest, form)
        return await scheduling.cancel(
            session=session,
            temporal=temporal,
            actor=actor,
            notice_no=notice_no,
            reason=body.reason,
            keys=keys,
        )

    return await _tender_action(request, notice_no, session, temporal, actor, "cancel", act)


@router.post("/tenders/{notice_no}/sign")
async def sign(
    request: Request,
    notice_no: NoticeNumber,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
    keys: KeysDep,
) -> Response:
    async def act(form: dict[str, str], actor: Actor) -> object:
        return await decisions.sign(
            session=session, temporal=temporal, actor=actor, notice_no=notice_no, keys=keys
        )

    return await _tender_action(request, notice_no, session, temporal, actor, "sign", act)


@router.post("/payments/{payment_id}/inspection")
async def inspect(
    request: Request,
    payment_id: PaymentId,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
    keys: KeysDep,
) -> Response:
    form = await _form(request)
    answer = {"true": True, "false": False}.get(form.get("accepted", ""), form.get("accepted"))
    try:
        body = _validated(InspectionRequest, {**form, "accepted": answer})
        await _act(
            request,
            actor,
            lambda keyed: payments.inspect(
                session=session,
                temporal=temporal,
                actor=keyed,
                keys=keys,
                payment_id=payment_id,
                accepted=body.accepted,
                note=body.note,
            ),
        )
    except Refused as refused:
        return await payment_page(
            request,
            session=session,
            temporal=temporal,
            actor=actor,
            payment_id=payment_id,
            status=refused.status,
            problem=refused.problem,
            errors=refused.errors,
            form=form,
        )
    return RedirectResponse(f"{web.PREFIX}/payments/{payment_id}?done=inspect", status_code=303)
