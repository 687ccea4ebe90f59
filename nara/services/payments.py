"""Payments: read one (record plus live workflow state), inspect it (operators retry
through `nara.services.ops.actions`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from nara.contracts.payment import Inspect, InspectOutcome, PaymentView
from nara.domain.enums import PaymentKind, PaymentState, Role
from nara.domain.errors import NotFound, WrongPhase
from nara.keys import KeyService
from nara.services import processes
from nara.services.actors import Actor, require_agency, require_role
from nara.services.base import ServiceModel
from nara.services.ops import tokens
from nara.store import contracts, payments, registry
from nara.store.tables import Contract, Payment, Tender
from nara.workflows.payment import PaymentWorkflow


class RecordedPayment(ServiceModel):
    """A payment as the workflow recorded it in PostgreSQL."""

    contract_no: str
    seq: int
    kind: PaymentKind
    amount: int
    subcontract_amount: int
    subcontractor_no: str | None
    claimed_by: str
    claimed_at: datetime
    inspection_due: datetime
    inspected_by: str | None
    inspected_at: datetime | None
    inspection_note: str | None
    due_at: datetime | None
    paid_at: datetime | None
    transfer_ids: list[str]
    late_interest: int
    status: PaymentState


class PaymentDetail(ServiceModel):
    """The record (None for a moment after the claim) and the workflow's live view."""

    payment_id: str
    notice_no: str
    record: RecordedPayment | None
    live: PaymentView | None
    live_note: str | None


@dataclass(frozen=True)
class _PaymentRef:
    payment_id: str
    contract: Contract
    tender: Tender
    seq: int


def _parse(payment_id: str) -> tuple[str, int]:
    """`payment-<contract no>-<n>` -> (contract no, n)."""
    body = payment_id.removeprefix("payment-")
    contract_no, _, seq = body.rpartition("-")
    if not payment_id.startswith("payment-") or not contract_no or not seq.isdigit():
        raise NotFound(
            f"{payment_id!r} is not a payment id",
            field="payment_id",
            fix="payment ids look like payment-C20260000012-00-1 (from the claim's answer)",
        )
    return contract_no, int(seq)


async def _ref(session: AsyncSession, payment_id: str) -> _PaymentRef:
    contract_no, seq = _parse(payment_id)
    row = await contracts.find_with_tender(session, contract_no=contract_no)
    if row is None:
        raise NotFound(f"no payment {payment_id}: no contract {contract_no}", field="payment_id")
    return _PaymentRef(payment_id=payment_id, contract=row[0], tender=row[1], seq=seq)


class PaymentParties(ServiceModel):
    """Whose a payment is: the buying agency, and the businesses that may read it."""

    agency_code: str
    business_nos: list[str]  # the contractor, and the payment's subcontractor if any


async def parties(*, session: AsyncSession, payment_id: str) -> PaymentParties:
    """The agency and businesses of a payment (NotFound without its contract)."""
    ref = await _ref(session, payment_id)
    payment = await payments.find(session, contract_no=ref.contract.contract_no, seq=ref.seq)
    businesses = [ref.contract.business_no]
    if payment is not None and payment.subcontractor_no:
        businesses.append(payment.subcontractor_no)
    return PaymentParties(agency_code=ref.tender.agency_code, business_nos=businesses)


async def _may_read(
    session: AsyncSession, actor: Actor, ref: _PaymentRef, payment: Payment | None
) -> None:
    if actor.role in (Role.OPERATOR, Role.AUDITOR):
        return
    if actor.role in (Role.OFFICER, Role.INSPECTOR):
        require_agency(actor, ref.tender.agency_code, doing=f"read {ref.payment_id}")
        return
    businesses = {ref.contract.business_no}
    if payment is not None and payment.subcontractor_no:
        businesses.add(payment.subcontractor_no)
    if not await registry.is_agent_of_any(session, person_id=actor.id, business_nos=businesses):
        require_role(actor, Role.OPERATOR, Role.AUDITOR, doing=f"read {ref.payment_id}")


NOT_ASKED = "not asked (live=false): the record only"


def _detail(
    payment_id: str,
    ref: _PaymentRef,
    payment: Payment | None,
    live: PaymentView | None,
    note: str | None,
) -> PaymentDetail:
    return PaymentDetail(
        payment_id=payment_id,
        notice_no=ref.tender.notice_no,
        record=RecordedPayment.model_validate(payment) if payment is not None else None,
        live=live,
        live_note=note,
    )


async def get(
    *,
    session: AsyncSession,
    temporal: Client | None,
    actor: Actor,
    payment_id: str,
    live: bool = True,
) -> PaymentDetail:
    """The payment row (once the workflow recorded it) and the live PaymentView; with
    `live` False the row only, without a workflow query (a query is the worker's work:
    hundreds of claimants following their payments' status need only the row)."""
    ref = await _ref(session, payment_id)
    payment = await payments.find(session, contract_no=ref.contract.contract_no, seq=ref.seq)
    await _may_read(session, actor, ref, payment)
    if not live:
        return _detail(payment_id, ref, payment, None, NOT_ASKED)
    view, note = await processes.query(
        temporal, payment_id, PaymentWorkflow.status, release=session
    )
    if payment is None and view is None:
        raise NotFound(
            f"no payment {payment_id}", field="payment_id", fix="check the id in the claim answer"
        )
    return _detail(payment_id, ref, payment, view, note)


def _closed(payment_id: str) -> processes.ClosedError:
    async def error() -> WrongPhase:
        return WrongPhase(
            f"payment {payment_id} has finished (paid or rejected)",
            fix=f"see GET /payments/{payment_id}",
        )

    return error


async def inspect(
    *,
    session: AsyncSession,
    temporal: Client,
    actor: Actor,
    payment_id: str,
    accepted: bool,
    keys: KeyService,
    note: str = "",
) -> InspectOutcome:
    """An inspector of the buying agency accepts or rejects the work (Update `inspect`,
    with the inspector's signed token)."""
    ref = await _ref(session, payment_id)
    require_role(actor, Role.INSPECTOR, doing=f"inspect {payment_id}")
    require_agency(actor, ref.tender.agency_code, doing=f"inspect {payment_id}")
    inspection = Inspect(inspector_id=actor.id, accepted=accepted, note=note)
    inspection.token = tokens.issue(
        keys=keys,
        actor=actor,
        action="inspect",
        workflow_id=payment_id,
        reason=note or ("accepted" if accepted else "rejected"),
        args=inspection.token_args(),
    )
    return await processes.update(
        temporal,
        payment_id,
        PaymentWorkflow.inspect,
        inspection,
        closed=_closed(payment_id),
        release=session,
        request_key=actor.request_key,
    )
