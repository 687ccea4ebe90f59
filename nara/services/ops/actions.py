"""Operators' actions: retry now, correct a payee account, extend or cancel one tender.

Each takes a reason, is sent as an Update carrying the operator's signed person token,
and is checked by the workflow's `apply_operator_action` activity: the token, then the
cause where it can be checked (the bank must know every payee account and answer on its
transfers before a retry or a correction), then the audit event naming the operator.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from nara.contracts.ops import (
    REASON_MAX,
    REASON_MIN,
    ActionOutcome,
    CorrectAccount,
    OperatorCancel,
    OperatorExtend,
    Payee,
    RetryNow,
    schedule_args,
)
from nara.domain.enums import Role
from nara.domain.errors import NaraError, NotFound, WrongPhase
from nara.domain.identifiers import tender_workflow_id
from nara.keys import KeyService
from nara.services import payments, processes
from nara.services.actors import Actor, require_role
from nara.services.base import ServiceModel
from nara.services.ops import tokens
from nara.store import tenders
from nara.workflows.payment import PaymentWorkflow
from nara.workflows.tender import TenderWorkflow


class ActionDone(ServiceModel):
    """An operator's action, accepted and audited."""

    workflow_id: str
    action: str
    person_id: str
    note: str


def _reason(reason: str) -> str:
    text = reason.strip()
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise NaraError(
            f"a reason of {REASON_MIN} to {REASON_MAX} characters is needed, not {len(text)}",
            field="reason",
            fix="say why, in a sentence: it goes to the audit log",
        )
    return text


def _finished(workflow_id: str) -> processes.ClosedError:
    async def error() -> WrongPhase:
        return WrongPhase(f"{workflow_id} has finished", fix="see nara ops stuck")

    return error


def _done(outcome: ActionOutcome) -> ActionDone:
    return ActionDone(
        workflow_id=outcome.workflow_id,
        action=outcome.action,
        person_id=outcome.person_id,
        note=outcome.note,
    )


async def retry(
    *,
    session: AsyncSession,
    temporal: Client,
    keys: KeyService,
    actor: Actor,
    payment_id: str,
    reason: str,
) -> ActionDone:
    """Transfer now: refused while the bank still fails or refuses (checked first)."""
    require_role(actor, Role.OPERATOR, doing=f"retry the transfer of {payment_id}")
    await payments.parties(session=session, payment_id=payment_id)
    token = tokens.issue(
        keys=keys, actor=actor, action="retry", workflow_id=payment_id, reason=_reason(reason)
    )
    outcome = await processes.update(
        temporal,
        payment_id,
        PaymentWorkflow.retry_now,
        RetryNow(token=token),
        closed=_finished(payment_id),
        release=session,
        request_key=actor.request_key,
    )
    return _done(outcome)


async def correct_account(
    *,
    session: AsyncSession,
    temporal: Client,
    keys: KeyService,
    actor: Actor,
    payment_id: str,
    payee: Payee,
    account_no: str,
    reason: str,
) -> ActionDone:
    """Put a payee's account on file (the bank must know it), then transfer at once."""
    require_role(actor, Role.OPERATOR, doing=f"correct an account of {payment_id}")
    await payments.parties(session=session, payment_id=payment_id)
    args = {"payee": payee, "account_no": account_no}
    token = tokens.issue(
        keys=keys,
        actor=actor,
        action="correct-account",
        workflow_id=payment_id,
        reason=_reason(reason),
        args=args,
    )
    outcome = await processes.update(
        temporal,
        payment_id,
        PaymentWorkflow.correct_account,
        CorrectAccount(token=token, payee=payee, account_no=account_no),
        closed=_finished(payment_id),
        release=session,
        request_key=actor.request_key,
    )
    return _done(outcome)


async def _tender_id(session: AsyncSession, notice_no: str) -> str:
    if await tenders.find(session, notice_no=notice_no) is None:
        raise NotFound(f"no tender {notice_no}", field="notice_no")
    return tender_workflow_id(notice_no)


async def extend(
    *,
    session: AsyncSession,
    temporal: Client,
    keys: KeyService,
    actor: Actor,
    notice_no: str,
    deadline: datetime,
    opening_at: datetime,
    reason: str,
) -> ActionDone:
    """Move one tender's deadline and opening later (at most 90 days)."""
    require_role(actor, Role.OPERATOR, doing=f"extend {notice_no}")
    workflow_id = await _tender_id(session, notice_no)
    deadline, opening_at = deadline.astimezone(UTC), opening_at.astimezone(UTC)
    token = tokens.issue(
        keys=keys,
        actor=actor,
        action="extend",
        workflow_id=workflow_id,
        reason=_reason(reason),
        args=schedule_args(deadline, opening_at),
    )
    outcome = await processes.update(
        temporal,
        workflow_id,
        TenderWorkflow.operator_extend,
        OperatorExtend(token=token, deadline=deadline, opening_at=opening_at),
        closed=_finished(workflow_id),
        release=session,
        request_key=actor.request_key,
    )
    return _done(outcome)


async def cancel(
    *,
    session: AsyncSession,
    temporal: Client,
    keys: KeyService,
    actor: Actor,
    notice_no: str,
    reason: str,
) -> ActionDone:
    """Cancel one tender before its contract."""
    require_role(actor, Role.OPERATOR, doing=f"cancel {notice_no}")
    workflow_id = await _tender_id(session, notice_no)
    token = tokens.issue(
        keys=keys, actor=actor, action="cancel", workflow_id=workflow_id, reason=_reason(reason)
    )
    outcome: Any = await processes.update(
        temporal,
        workflow_id,
        TenderWorkflow.operator_cancel,
        OperatorCancel(token=token),
        closed=_finished(workflow_id),
        release=session,
        request_key=actor.request_key,
    )
    return _done(outcome)
