"""Shared state and helpers of TenderWorkflow: phase changes, the case file, guards.

Split from `tender.py` so each module fits in a head: `tender.py` is the life of a
tender, `tender_decisions.py` the Updates people send, this module what both use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from nara.contracts import activities, steps
    from nara.contracts.errors import refusal
    from nara.contracts.search import (
        AWAITING_ROLE,
        PARTNER,
        STUCK_REASON,
        TENDER_PHASE,
        StuckReason,
    )
    from nara.contracts.tender import (
        CancelTender,
        PaymentRecord,
        ReviewCandidate,
        TenderInput,
        TenderState,
    )
    from nara.domain import evaluation, guarantees
    from nara.domain.calendar import SEOUL
    from nara.domain.enums import AwardMethod, Method, PaymentState, Phase, Role
    from nara.domain.errors import Forbidden, RuleViolation, StaleCandidate, WrongPhase
    from nara.domain.identifiers import NoticeNo, tender_workflow_id
    from nara.workflows.calls import PARTNER_SLOW, db_step, partner_step, start_partner_step

A = TypeVar("A", bound=BaseModel)
R = TypeVar("R")
GUARANTEE_AGENCY = "guarantee-agency"

PHASES_BEFORE_CONTRACT = frozenset(
    {Phase.ANNOUNCED, Phase.BIDDING, Phase.CLOSED, Phase.OPENED, Phase.EVALUATING, Phase.AWARDED}
)


class TenderBase:
    """State and helpers shared by the run loop and the Update handlers."""

    s: TenderState
    _schedule_version: int
    _cancel: CancelTender | None
    _reopen: bool
    _payment_followers: set[asyncio.Future[None]]
    _ops: bool = False
    """The `ops-at-a-glance` patch: set at the start of the run (see `tender_ops`)."""

    _stuck_partner: str | None = None

    async def _partner_call(self, activity: Callable[[A], Awaitable[R]], arg: A) -> R:
        """A guarantee-agency call; patched: still failing after `PARTNER_SLOW`, the tender
        shows `StuckReason=partner-retrying`, `Partner=guarantee-agency` until it answers."""
        if not self._ops:
            return await partner_step(activity, arg)
        call = start_partner_step(activity, arg)
        try:
            await workflow.wait_condition(call.done, timeout=PARTNER_SLOW)
        except TimeoutError:
            self._show_partner(GUARANTEE_AGENCY)
            try:
                return await call
            finally:
                self._show_partner(None)
        return await call

    def _show_partner(self, partner: str | None) -> None:
        self._stuck_partner = partner
        workflow.upsert_search_attributes(
            [
                STUCK_REASON.value_set(StuckReason.PARTNER_RETRYING)
                if partner
                else STUCK_REASON.value_unset(),
                PARTNER.value_set(partner) if partner else PARTNER.value_unset(),
            ]
        )

    def _waiting_attributes(self, awaiting: Role | None) -> list[SearchAttributeUpdate[Any]]:
        """The search attributes of who the tender waits for (more in `TenderOps`)."""
        return [
            AWAITING_ROLE.value_set(awaiting.value) if awaiting else AWAITING_ROLE.value_unset()
        ]

    async def _examine_from(self, rank: int) -> None:
        """Make the candidate at `rank` current, or fail the tender when none is left."""
        s = self.s
        answer = await db_step(
            activities.get_candidate, steps.CandidateQuery(notice_no=s.terms.notice_no, rank=rank)
        )
        s.candidate = answer.candidate
        # Candidates of a negotiated tender or a comprehensive evaluation were ranked by
        # their scores: no further review.
        s.candidate_passed = s.terms.method is Method.NEGOTIATED or (
            s.terms.award_method is AwardMethod.COMPREHENSIVE
        )
        s.performance_guarantee_cert = None
        s.supplier_signed_by = s.agency_signed_by = None
        if s.candidate is None:
            await self._failed("no candidate at or above the lower limit passed review")
            return
        await self._enter(
            Phase.EVALUATING,
            Role.OFFICER,
            f"reviewing candidate {s.candidate.rank}: {s.candidate.business_no}",
            step=f"evaluating-{rank}",
        )

    async def _failed(self, reason: str) -> None:
        s = self.s
        terms = s.terms
        s.note = f"failed: {reason}"
        if evaluation.private_contract_allowed(
            round=NoticeNo.parse(terms.notice_no).round + 1, failed_rounds=terms.failed_rounds + 1
        ):
            s.note += "; re-announced tender failed again, a private contract is allowed"
        else:
            s.next_round_notice_no = str(NoticeNo.parse(terms.notice_no).next_round())
            s.note += f"; re-announced as {s.next_round_notice_no}"
        await self._enter(Phase.FAILED, None, s.note)
        if s.next_round_notice_no:
            await self._reannounce(s.next_round_notice_no)

    async def _reannounce(self, notice_no: str) -> None:
        terms = self.s.terms
        now = workflow.now()
        notice_period = terms.deadline - terms.announced_at
        deadline = same_minute_alignment(now + notice_period, terms.deadline)
        next_terms = terms.model_copy(
            update={
                "notice_no": notice_no,
                "announced_at": now,
                "deadline": deadline,
                "opening_at": deadline + (terms.opening_at - terms.deadline),
                "failed_rounds": terms.failed_rounds + 1,
            }
        )
        await workflow.start_child_workflow(
            "TenderWorkflow",
            TenderInput(terms=next_terms),
            id=tender_workflow_id(notice_no),
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            static_summary=f"{terms.title} (round {NoticeNo.parse(notice_no).round})",
        )

    async def _enter(
        self,
        phase: Phase,
        awaiting: Role | None,
        note: str,
        *,
        step: str | None = None,
        actor: str = "workflow",
        payload: dict[str, object] | None = None,
    ) -> None:
        """Persist a phase change (idempotently) and mirror it to search attributes."""
        s = self.s
        await db_step(
            activities.record_phase,
            steps.PhaseStep(
                notice_no=s.terms.notice_no,
                phase=phase,
                step=step or phase.value,
                actor=actor,
                awaiting_role=awaiting,
                note=note,
                payload=payload or {},
            ),
        )
        waiting = self._waiting_attributes(awaiting)
        s.phase, s.awaiting_role = phase, awaiting
        workflow.upsert_search_attributes([TENDER_PHASE.value_set(phase.value), *waiting])
        workflow.set_current_details(self._details(note))
        workflow.logger.info("tender %s -> %s: %s", s.terms.notice_no, phase.value, note)

    def _details(self, note: str) -> str:
        s = self.s
        t = s.terms
        lines = [
            f"**{t.title}** ({t.category.value}, {t.method.value})",
            f"Notice {t.notice_no} by agency {t.agency_code}; estimated {t.estimated_price:,} KRW",
            f"Phase **{s.phase.value}**"
            + (f", waiting for the {s.awaiting_role.value}" if s.awaiting_role else ""),
            f"Deadline {t.deadline.astimezone(SEOUL):%Y-%m-%d %H:%M} KST, "
            f"opening {t.opening_at.astimezone(SEOUL):%Y-%m-%d %H:%M} KST",
            f"Bids: {s.bid_count}"
            + (
                f"; predetermined price {s.predetermined_price:,} KRW"
                if s.predetermined_price
                else ""
            ),
        ]
        if s.candidate:
            lines.append(
                f"Candidate {s.candidate.rank}: {s.candidate.business_no} "
                f"at {s.candidate.price:,} KRW ({s.candidate.bid_rate}%)"
            )
        if s.contract_no:
            lines.append(
                f"Contract {s.contract_no}: {s.paid_total:,} of {s.contract_amount:,} KRW paid"
            )
        lines.append(f"Last: {note}")
        return "\n\n".join(lines)

    async def _wait(self, condition: Callable[[], bool], *, until: datetime) -> bool:
        """Wait for `condition` (or the cancel signal) until a time; False on timeout."""
        remaining = (until - workflow.now()).total_seconds()

        def ready() -> bool:
            return condition() or self._cancel is not None

        if ready() or remaining <= 0:
            return condition()
        try:
            await workflow.wait_condition(ready, timeout=timedelta(seconds=remaining))
        except TimeoutError:
            return False
        return condition()

    def _fully_paid(self) -> bool:
        return self.s.contract_amount > 0 and self.s.paid_total >= self.s.contract_amount

    def _open_payment(self) -> PaymentRecord | None:
        return next((p for p in self.s.payments if p.status is PaymentState.CLAIMED), None)

    def _require_officer(self, officer_id: str) -> None:
        if officer_id != self.s.terms.officer_id:
            raise refusal(
                Forbidden(
                    f"{officer_id} is not the contracting officer of "
                    f"{self.s.terms.notice_no}; ask {self.s.terms.officer_id}",
                )
            )

    def _require_phase(self, *phases: Phase) -> None:
        if self.s.phase not in phases:
            wanted = " or ".join(p.value for p in phases)
            raise refusal(
                WrongPhase(
                    f"tender {self.s.terms.notice_no} is {self.s.phase.value}; "
                    f"this needs it to be {wanted}",
                )
            )

    def _qualification(self, review: ReviewCandidate) -> evaluation.QualificationResult:
        """The domain's qualification score; a broken rule becomes a typed refusal."""
        s = self.s
        assert s.candidate is not None and s.predetermined_price is not None
        try:
            return evaluation.qualification_review(
                category=s.terms.category,
                estimated_price=s.terms.estimated_price,
                bid_price=s.candidate.price,
                predetermined_price=s.predetermined_price,
                capability_score=review.capability_score,
                on=s.terms.announced_at.astimezone(SEOUL).date(),
                agency_kind=s.terms.agency_kind,
                a_value=s.terms.a_value,
            )
        except RuleViolation as violation:
            raise refusal(violation) from None

    def _require_current_candidate(self, business_no: str) -> None:
        current = self.s.candidate
        if current is None or current.business_no != business_no:
            raise refusal(
                StaleCandidate(
                    f"{business_no} is not the candidate under review; "
                    f"the current candidate is {current.business_no if current else 'none'}",
                )
            )

    def _performance_guarantee_min(self) -> int:
        s = self.s
        return guarantees.performance_guarantee_amount(
            category=s.terms.category,
            contract_amount=s.contract_amount,
            on=s.terms.announced_at.astimezone(SEOUL).date(),
        )

    def _require_winner(self, business_no: str | None) -> None:
        current = self.s.candidate
        if current is None or business_no != current.business_no:
            raise refusal(Forbidden(f"{business_no} is not the winner of {self.s.terms.notice_no}"))


def same_minute_alignment(candidate: datetime, original: datetime) -> datetime:
    """Keep a re-announced deadline on the hour when the original one was."""
    if original.minute == 0 and original.second == 0 and original.microsecond == 0:
        aligned = candidate.replace(minute=0, second=0, microsecond=0)
        return aligned if aligned >= candidate else aligned + timedelta(hours=1)
    return candidate
