"""The stuck list: every case that needs a person, from visibility queries and PostgreSQL.

Never a scan of every workflow: one visibility query for people's steps past due (by
`AwaitingRole` and `AwaitingSince`), one for refused partner calls and one for failing
ones (by `StuckReason`), a describe only of the failing ones (attempt, last error, next
retry), and one indexed PostgreSQL query for overdue payments with their interest so far.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowExecution

from nara.contracts.search import (
    AWAITING_ROLE,
    AWAITING_SINCE,
    NOTICE_NO,
    PARTNER,
    TENDER_PHASE,
    StuckReason,
)
from nara.domain import calendar
from nara.domain.enums import PaymentState, Phase, Role
from nara.services.actors import Actor, require_role
from nara.services.ops.models import StuckCase, StuckKind, StuckList
from nara.store import ops as store_ops

PATIENCE: dict[Role, timedelta] = {
    Role.OFFICER: timedelta(days=1),
    Role.INSPECTOR: timedelta(days=14),  # the inspection is due within 14 days
    Role.SUPPLIER: timedelta(days=10),  # a winner posts the guarantee and signs in 10 days
}
"""How long a person's step may wait before it is a stuck case (divided by NARA_TIME_SCALE)."""

DESCRIBE_AT_ONCE = 16


def ui_link(ui_url: str, namespace: str, workflow_id: str, run_id: str | None = None) -> str:
    """The workflow in the Temporal Web UI (its history; a list query without a run id)."""
    base = f"{ui_url.rstrip('/')}/namespaces/{quote(namespace)}/workflows"
    if run_id:
        return f"{base}/{quote(workflow_id, safe='')}/{run_id}/history"
    query = "WorkflowId = '" + workflow_id + "'"
    return f"{base}?query={quote(query)}"


def query_link(ui_url: str, namespace: str, query: str) -> str:
    """A visibility query in the Web UI's workflow list."""
    return f"{ui_url.rstrip('/')}/namespaces/{quote(namespace)}/workflows?query={quote(query)}"


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def waiting_query(now: datetime, patience: dict[Role, timedelta]) -> str:
    """People's steps past due: each role with its own cutoff."""
    parts = [
        f"(AwaitingRole = '{role.value}' AND AwaitingSince < '{_iso(now - wait)}')"
        for role, wait in patience.items()
    ]
    return f"ExecutionStatus = 'Running' AND ({' OR '.join(parts)})"


def reason_query(reason: StuckReason) -> str:
    return f"ExecutionStatus = 'Running' AND StuckReason = '{reason.value}'"


async def _listed(client: Client, query: str, limit: int) -> list[WorkflowExecution]:
    return [w async for w in client.list_workflows(query, limit=limit, page_size=min(limit, 500))]


def _words(role: Role) -> str:
    return {
        Role.OFFICER: "the contracting officer",
        Role.INSPECTOR: "the inspector",
        Role.SUPPLIER: "the winning supplier",
    }.get(role, f"the {role.value}")


async def _pending_call(client: Client, workflow_id: str) -> dict[str, Any]:
    """The failing partner call of one workflow, from its pending activities."""
    described = await client.get_workflow_handle(workflow_id).describe()
    for pending in described.raw_description.pending_activities:
        if pending.attempt <= 1 and not pending.HasField("last_failure"):
            continue
        return {
            "run_id": described.run_id,
            "attempts": pending.attempt,
            "last_error": pending.last_failure.message or None,
            "next_retry": pending.next_attempt_schedule_time.ToDatetime(tzinfo=UTC)
            if pending.HasField("next_attempt_schedule_time")
            else None,
            "activity": pending.activity_type.name,
        }
    return {"run_id": described.run_id}


async def list_cases(
    *,
    session: AsyncSession,
    temporal: Client,
    actor: Actor,
    ui_url: str,
    now: datetime | None = None,
    time_scale: int = 1,
    older_than: timedelta | None = None,
    annual_rate_bp: int = 1200,
    limit: int = 200,
) -> StuckList:
    """Every case needing a person, most urgent kinds first (operators; auditors read)."""
    require_role(actor, Role.OPERATOR, Role.AUDITOR, doing="list the stuck cases")
    now = now or datetime.now(UTC)
    namespace = temporal.namespace
    patience = {
        role: older_than if older_than is not None else wait / time_scale
        for role, wait in PATIENCE.items()
    }
    queries = [
        reason_query(StuckReason.PARTNER_REFUSED),
        reason_query(StuckReason.PARTNER_RETRYING),
        waiting_query(now, patience),
    ]
    refused, retrying, waiting = await asyncio.gather(
        *(_listed(temporal, q, limit) for q in queries)
    )
    cases: dict[str, StuckCase] = {}

    def contract_of(w: WorkflowExecution) -> str:
        return "contract:" + w.id.removeprefix("payment-").rpartition("-")[0]

    refusals = await store_ops.latest_payloads(
        session, entities=[contract_of(w) for w in refused], action="payment-refused"
    )

    def refusal_of(w: WorkflowExecution) -> StuckCase:
        last = refusals.get(contract_of(w))
        return StuckCase(
            kind=StuckKind.PARTNER_REFUSED,
            workflow_id=w.id,
            workflow_type=w.workflow_type,
            notice_no=w.typed_search_attributes.get(NOTICE_NO),
            awaiting_role=Role.OPERATOR,
            waiting_since=w.typed_search_attributes.get(AWAITING_SINCE),
            partner=w.typed_search_attributes.get(PARTNER),
            last_error=str(last.get("refusal")) if last else None,
            ui_url=ui_link_for(w),
            action="the bank refused: correct the payee's account (checked at the bank "
            "first), or have the cause fixed at the bank, then retry",
            command=f"nara ops correct-account {w.id} --payee prime --account ACCOUNT "
            f'--reason "..."  |  nara ops retry {w.id} --reason "..."',
        )

    def ui_link_for(w: WorkflowExecution) -> str:
        return ui_link(ui_url, namespace, w.id, w.run_id)

    for w in refused:
        cases[w.id] = refusal_of(w)

    gate = asyncio.Semaphore(DESCRIBE_AT_ONCE)

    async def failing(w: WorkflowExecution) -> StuckCase:
        async with gate:
            call = await _pending_call(temporal, w.id)
        return StuckCase(
            kind=StuckKind.PARTNER_RETRYING,
            workflow_id=w.id,
            workflow_type=w.workflow_type,
            notice_no=w.typed_search_attributes.get(NOTICE_NO),
            partner=w.typed_search_attributes.get(PARTNER),
            attempts=call.get("attempts"),
            last_error=call.get("last_error"),
            next_retry=call.get("next_retry"),
            ui_url=ui_link_for(w),
            action="the partner keeps failing and the call is retried with backoff; once "
            "it answers again, retry now instead of waiting for the next attempt",
            command=f'nara ops retry {w.id} --reason "..."',
        )

    for case in await asyncio.gather(*(failing(w) for w in retrying)):
        cases.setdefault(case.workflow_id, case)

    for w in waiting:
        role_text = w.typed_search_attributes.get(AWAITING_ROLE)
        role = Role(role_text) if role_text else None
        phase = w.typed_search_attributes.get(TENDER_PHASE)
        if w.id in cases or role is None:
            continue
        if phase == Phase.PAYING.value and role is Role.INSPECTOR:
            continue  # the tender waits with its payment, which is listed itself
        notice = w.typed_search_attributes.get(NOTICE_NO)
        cases[w.id] = StuckCase(
            kind=StuckKind.WAITING,
            workflow_id=w.id,
            workflow_type=w.workflow_type,
            notice_no=notice,
            awaiting_role=role,
            waiting_since=w.typed_search_attributes.get(AWAITING_SINCE),
            ui_url=ui_link_for(w),
            action=f"remind {_words(role)}; their step is overdue"
            + (
                "; if the tender cannot go on, extend or cancel it"
                if w.workflow_type == "TenderWorkflow"
                else ""
            ),
            command=f'nara ops cancel {notice} --reason "..."'
            if notice and w.workflow_type == "TenderWorkflow"
            else None,
        )

    for payment, notice_no in await store_ops.overdue_payments(session, now=now, limit=limit):
        payment_id = f"payment-{payment.contract_no}-{payment.seq}"
        late_payment = payment.status is PaymentState.ACCEPTED and payment.due_at is not None
        since = payment.due_at if late_payment and payment.due_at else payment.inspection_due
        interest = (
            calendar.late_payment_interest(
                amount=payment.amount, due=since, paid=now, annual_rate_bp=annual_rate_bp
            )
            if late_payment
            else 0
        )
        known = cases.get(payment_id)
        overdue = {
            "overdue_since": since,
            "amount": payment.amount,
            "interest_accrued": interest,
            "notice_no": notice_no,
        }
        if known is not None:
            # Refused or failing says more than late; a late person's step is "overdue".
            kind = StuckKind.OVERDUE if known.kind is StuckKind.WAITING else known.kind
            cases[payment_id] = known.model_copy(update={**overdue, "kind": kind})
            continue
        cases[payment_id] = StuckCase(
            kind=StuckKind.OVERDUE,
            workflow_id=payment_id,
            workflow_type="PaymentWorkflow",
            awaiting_role=None if late_payment else Role.INSPECTOR,
            ui_url=ui_link(ui_url, namespace, payment_id),
            action=(
                "the payment is past its due date and interest accrues daily: find what "
                "holds the transfer (the payment's workflow) and fix it"
                if late_payment
                else "the inspection is past its due date: remind the agency's inspector"
            ),
            **overdue,
        )
    ordered = sorted(
        cases.values(),
        key=lambda c: (
            [
                StuckKind.PARTNER_REFUSED,
                StuckKind.PARTNER_RETRYING,
                StuckKind.OVERDUE,
                StuckKind.WAITING,
            ].index(c.kind),
            c.waiting_since or c.overdue_since or now,
        ),
    )
    return StuckList(
        at=now,
        cases=ordered[:limit],
        queries=[*queries, "PaymentOverdue = true AND ExecutionStatus = 'Running'"],
        truncated=len(ordered) > limit
        or any(len(found) >= limit for found in (refused, retrying, waiting)),
    )
