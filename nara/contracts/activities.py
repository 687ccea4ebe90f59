"""The activities workflows may call, declared once with their input and result types.

Workflows call these declarations (`await db_step(activities.close_bidding, step)`), so
the sandbox never imports the I/O code and every call is type-checked. The code that
runs lives in `nara.activities` and is bound to its declaration with `implements`,
which registers it under the same name and refuses a signature that differs.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, get_type_hints

from pydantic import BaseModel
from temporalio import activity

from nara.contracts.comprehensive import ComprehensiveRanking, ComprehensiveStep
from nara.contracts.ops import OperatorActionDone, OperatorActionStep
from nara.contracts.steps import (
    AnnounceStep,
    AwardStep,
    CandidateAnswer,
    CandidateQuery,
    ClaimStep,
    CloseResult,
    CloseStep,
    ContractStep,
    ForfeitResult,
    ForfeitStep,
    GuaranteeCheck,
    GuaranteeConfirmed,
    InspectionStep,
    NegotiationRanking,
    NegotiationStep,
    OpeningSummary,
    OpenStep,
    PaidStep,
    PhaseStep,
    ReviewStep,
    ScheduleStep,
    SealingKey,
    SealingStep,
    SequenceResult,
    SequenceStep,
    SignatureStep,
    TransferDone,
    TransferStep,
)

A = TypeVar("A", bound=BaseModel)
R = TypeVar("R")
S = TypeVar("S")

Declaration = Callable[[A], Awaitable[R]]
DECLARED: dict[str, Callable[..., Awaitable[Any]]] = {}


def declare(declaration: Callable[[A], Awaitable[R]]) -> Callable[[A], Awaitable[R]]:
    """Make a function signature an activity declaration named after the function."""
    DECLARED[declaration.__name__] = declaration
    return activity.defn(name=declaration.__name__)(declaration)


def implements(
    declaration: Callable[[A], Awaitable[R]],
) -> Callable[[Callable[[S, A], Awaitable[R]]], Callable[[S, A], Awaitable[R]]]:
    """Bind a worker method to its declaration: same activity name, same types."""

    def bind(method: Callable[[S, A], Awaitable[R]]) -> Callable[[S, A], Awaitable[R]]:
        declared = get_type_hints(declaration)
        given = get_type_hints(method)
        params = [p for p in inspect.signature(method).parameters if p != "self"]
        wanted = [p for p in inspect.signature(declaration).parameters]
        if [given.get(p) for p in params] != [declared.get(p) for p in wanted] or given.get(
            "return"
        ) != declared.get("return"):
            raise TypeError(
                f"{method.__qualname__} does not match the declaration of "
                f"{declaration.__name__}: {given} != {declared}"
            )
        return activity.defn(name=declaration.__name__)(method)

    return bind


def _declared_only(name: str) -> NotImplementedError:
    return NotImplementedError(f"{name} is a declaration; the worker runs nara.activities")


# --- Tender steps (database) ---


@declare
async def announce_tender(step: AnnounceStep) -> None:
    """Create (or confirm) the tender row and open bidding."""
    raise _declared_only("announce_tender")


@declare
async def make_tender_key(step: SealingStep) -> SealingKey:
    """Have the key service make the tender's sealing key and reserve secret (once)."""
    raise _declared_only("make_tender_key")


@declare
async def record_phase(step: PhaseStep) -> None:
    """Mirror a phase change onto the tender row and the audit log."""
    raise _declared_only("record_phase")


@declare
async def record_schedule(step: ScheduleStep) -> None:
    """Write a moved deadline and opening to the tender row."""
    raise _declared_only("record_schedule")


@declare
async def close_bidding(step: CloseStep) -> CloseResult:
    """Close bidding under the tender row lock; count the bids."""
    raise _declared_only("close_bidding")


@declare
async def open_bids(step: OpenStep) -> OpeningSummary:
    """Open the bids: draw the predetermined price, rank, record."""
    raise _declared_only("open_bids")


@declare
async def rank_negotiated(step: NegotiationStep) -> NegotiationRanking:
    """Rank a negotiated tender's proposals by technical + price score."""
    raise _declared_only("rank_negotiated")


@declare
async def rank_comprehensive(step: ComprehensiveStep) -> ComprehensiveRanking:
    """Score a comprehensively evaluated tender's bids (non-price + price) and store the order."""
    raise _declared_only("rank_comprehensive")


@declare
async def get_candidate(step: CandidateQuery) -> CandidateAnswer:
    """The ranked candidate at a rank, if any."""
    raise _declared_only("get_candidate")


@declare
async def record_review(step: ReviewStep) -> None:
    """Record an officer's qualification review."""
    raise _declared_only("record_review")


@declare
async def record_award(step: AwardStep) -> None:
    """Record the award and its guarantee due date."""
    raise _declared_only("record_award")


@declare
async def create_contract(step: ContractStep) -> None:
    """Create the contract once the performance guarantee is confirmed."""
    raise _declared_only("create_contract")


@declare
async def record_signature(step: SignatureStep) -> None:
    """Record one party's signature of the contract."""
    raise _declared_only("record_signature")


# --- Tender steps (guarantee agency) ---


@declare
async def confirm_guarantee(step: GuaranteeCheck) -> GuaranteeConfirmed:
    """Confirm a guarantee certificate at its agency."""
    raise _declared_only("confirm_guarantee")


@declare
async def forfeit_award(step: ForfeitStep) -> ForfeitResult:
    """Forfeit an award and claim the bid guarantee."""
    raise _declared_only("forfeit_award")


# --- Payment steps (database) ---


@declare
async def record_claim(step: ClaimStep) -> None:
    """Record a payment claim."""
    raise _declared_only("record_claim")


@declare
async def record_inspection(step: InspectionStep) -> None:
    """Record the inspector's decision on a claim."""
    raise _declared_only("record_inspection")


@declare
async def record_paid(step: PaidStep) -> None:
    """Record a payment as paid."""
    raise _declared_only("record_paid")


# --- Payment steps (bank) ---


@declare
async def transfer_payment(step: TransferStep) -> TransferDone:
    """Transfer a payment (and a subcontractor's direct share) at the bank."""
    raise _declared_only("transfer_payment")


# --- Operators' actions (database, bank) ---


@declare
async def apply_operator_action(step: OperatorActionStep) -> OperatorActionDone:
    """Check an operator's signed token and the cause, write the audit event, apply it."""
    raise _declared_only("apply_operator_action")


# --- The audit log (database) ---


@declare
async def sequence_audit_log(step: SequenceStep) -> SequenceResult:
    """Take the entries written since the last batch into the log's tree; sign its head."""
    raise _declared_only("sequence_audit_log")
