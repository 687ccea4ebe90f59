"""Acting out the people of a tender against a running TenderWorkflow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from nara.contracts.ops import OperatorVerb, PersonToken, RetryNow, schedule_args
from nara.contracts.tender import (
    ApproveAward,
    CancelTender,
    ExtendDeadline,
    PostPerformanceGuarantee,
    ReviewCandidate,
    SignContract,
    TenderStatus,
    TenderTerms,
)
from nara.domain.enums import Phase, Role
from nara.domain.identifiers import NoticeNo
from nara.keys import KeyService
from nara.services.actors import Actor
from nara.services.ops import tokens
from nara.workers.main import Partners
from nara.workflows.tender import TenderWorkflow, tender_workflow_id
from tests.factories import Registry, make_registry, place_bid, tender_row, tender_terms
from tests.support import eventually, sessions


async def start_tender(
    client: Client, task_queue: str, terms: TenderTerms, **options: int
) -> WorkflowHandle:
    from nara.contracts.tender import TenderInput

    return await client.start_workflow(
        TenderWorkflow.run,
        TenderInput(terms=terms, **options),
        id=tender_workflow_id(terms.notice_no),
        task_queue=task_queue,
    )


async def wait_bidding_open(engine: AsyncEngine, notice: str) -> None:
    async def probe() -> bool:
        async with sessions(engine)() as s:
            row = await tender_row(s, notice)
            return row is not None and row.bidding_open

    await eventually(probe)


async def wait_phase(
    handle: WorkflowHandle, *phases: Phase, timeout_s: float = 20.0
) -> TenderStatus:
    async def probe() -> TenderStatus | None:
        status = await handle.query(TenderWorkflow.status)
        return status if status.phase in phases else None

    return await eventually(probe, timeout_s=timeout_s)


async def bid(
    engine: AsyncEngine,
    partners: Partners,
    reg: Registry,
    terms: TenderTerms,
    business: str,
    price: int,
    picks: tuple[int, int] = (3, 9),
    **sent_with: str,
) -> str:
    """Issue a bid guarantee at the agency and place the sealed bid; returns the certificate.
    `sent_with`: the bid's `passkey_credential_id`, `certificate_fingerprint` and
    `client_address`, if any."""
    cert = await partners.guarantee_agency.issue(
        kind="bid",
        reference=NoticeNo.parse(terms.notice_no).base,
        business_no=business,
        amount=price // 20 + 1,
        beneficiary=reg.agency_code,
        idempotency_key=uuid.uuid4().hex,
    )
    await place_bid(
        engine,
        notice=terms.notice_no,
        business=business,
        agent=reg.agents[business],
        price=price,
        picks=picks,
        guarantee_cert=cert.certificate_no,
        **sent_with,
    )
    return cert.certificate_no


async def review_and_award(handle: WorkflowHandle, reg: Registry, business: str) -> None:
    outcome = await handle.execute_update(
        TenderWorkflow.review_candidate,
        ReviewCandidate(officer_id=reg.officer_id, business_no=business, capability_score=70),
    )
    assert outcome.passed, outcome
    await handle.execute_update(
        TenderWorkflow.approve_award, ApproveAward(officer_id=reg.officer_id, business_no=business)
    )


async def guarantee_and_sign(
    handle: WorkflowHandle, partners: Partners, reg: Registry, business: str, amount: int
) -> str:
    status = await handle.query(TenderWorkflow.status)
    assert status.contract_no
    cert = await partners.guarantee_agency.issue(
        kind="performance",
        reference=status.contract_no,
        business_no=business,
        amount=amount,
        beneficiary=reg.agency_code,
        idempotency_key=uuid.uuid4().hex,
    )
    await handle.execute_update(
        TenderWorkflow.post_performance_guarantee,
        PostPerformanceGuarantee(
            person_id=reg.agents[business], business_no=business, certificate_no=cert.certificate_no
        ),
    )
    await handle.execute_update(
        TenderWorkflow.sign_contract,
        SignContract(person_id=reg.agents[business], role=Role.SUPPLIER, business_no=business),
    )
    signed = await handle.execute_update(
        TenderWorkflow.sign_contract, SignContract(person_id=reg.officer_id, role=Role.OFFICER)
    )
    assert signed.agency_signed and signed.supplier_signed
    return status.contract_no


SKIP_PAST_OPENING = timedelta(days=31)


@dataclass
class Contracted:
    handle: WorkflowHandle
    reg: Registry
    terms: TenderTerms
    winner: str


async def contracted_tender(
    env: WorkflowEnvironment,
    task_queue: str,
    engine: AsyncEngine,
    partners: Partners,
    *,
    winner_account: bool = True,
    **start_options: int,
) -> Contracted:
    """A 7-day goods tender, two bids, awarded at 91,000,000 KRW and signed.

    The agency's bank account holds 1 bn KRW; the winner's account is opened unless
    `winner_account` is False (to make the bank refuse the transfer).
    """
    reg = await make_registry(engine, businesses=2)
    winner, other = reg.businesses
    await partners.bank.open_account(
        account_no=reg.agency_account, holder="agency", balance=1_000_000_000
    )
    if winner_account:
        await partners.bank.open_account(account_no=reg.accounts[winner], holder=winner)
    terms = tender_terms(reg, now=await env.get_current_time(), notice_days=7)
    handle = await start_tender(env.client, task_queue, terms, **start_options)
    await wait_bidding_open(engine, terms.notice_no)
    await bid(engine, partners, reg, terms, winner, 91_000_000)
    await bid(engine, partners, reg, terms, other, 94_000_000)
    await env.sleep(timedelta(days=8))
    await wait_phase(handle, Phase.EVALUATING)
    await review_and_award(handle, reg, winner)
    await guarantee_and_sign(handle, partners, reg, winner, 9_100_000)
    await wait_phase(handle, Phase.CONTRACTED)
    return Contracted(handle=handle, reg=reg, terms=terms, winner=winner)


OPERATOR = Actor(id="op-night", name="Night operator", role=Role.OPERATOR, agency_code=None)


def operator_token(
    keys: KeyService,
    workflow_id: str,
    action: OperatorVerb,
    args: dict[str, str] | None = None,
    *,
    actor: Actor = OPERATOR,
) -> PersonToken:
    """A person token as the API signs it for an operator."""
    return tokens.issue(
        keys=keys,
        actor=actor,
        action=action,
        workflow_id=workflow_id,
        reason="rehearsed fix at 3 a.m.",
        args=args,
    )


def operator_retry(keys: KeyService, payment_id: str) -> RetryNow:
    return RetryNow(token=operator_token(keys, payment_id, "retry"))


Signal = TypeVar("Signal", CancelTender, ExtendDeadline)


def signed(
    keys: KeyService, workflow_id: str, message: Signal, *, role: Role = Role.OFFICER
) -> Signal:
    """A cancel or extension signal with the token the API signs for its sender."""
    actor = Actor(id=message.requested_by, name="", role=role, agency_code=None)
    if isinstance(message, ExtendDeadline):
        action: OperatorVerb = "extend"
        args = schedule_args(message.deadline, message.opening_at)
    else:
        action, args = "cancel", {}
    message.token = tokens.issue(
        keys=keys,
        actor=actor,
        action=action,
        workflow_id=workflow_id,
        reason=message.reason,
        args=args,
    )
    return message
