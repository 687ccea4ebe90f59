"""TenderWorkflow: one tender from announcement to the final payment.

Deterministic orchestration only: business facts go to PostgreSQL through
idempotent activities, bids never enter history (they are rows), and officers
act through Updates whose validators reject wrong phase, wrong person or a
stale candidate before anything is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from nara.contracts import activities, steps
    from nara.contracts.ops import schedule_args
    from nara.contracts.search import AGENCY_CODE, BID_DEADLINE, ESTIMATED_PRICE, NOTICE_NO
    from nara.contracts.tender import (
        CancelTender,
        ExtendDeadline,
        TenderInput,
        TenderResult,
        TenderState,
        TenderStatus,
        TenderTerms,
    )
    from nara.domain import evaluation, guarantees
    from nara.domain.calendar import SEOUL
    from nara.domain.enums import FINAL_PHASES, AwardMethod, Method, Phase, Role
    from nara.domain.identifiers import tender_workflow_id
    from nara.workflows.calls import db_step, decide_local_db_steps
    from nara.workflows.payment_ops import OPS_AT_A_GLANCE, SIGNED_PEOPLE
    from nara.workflows.tender_base import PHASES_BEFORE_CONTRACT
    from nara.workflows.tender_ops import TenderOps


# workflow.patched ids (see docs/architecture.md, "Changing a workflow safely").
SCHEDULE_MOVED_WHILE_ANNOUNCING = "schedule-moved-while-announcing"
SEALED_BIDS = "sealed-bids"
"""The key service makes the tender's key and reserve secret; history holds only the
public key and the commitment (before: the reserve seed itself)."""
COMPREHENSIVE_EVALUATION = "comprehensive-evaluation"


@workflow.defn
class TenderWorkflow(TenderOps):
    @workflow.init
    def __init__(self, input: TenderInput) -> None:
        self.s: TenderState = input.state or TenderState(terms=input.terms)
        self._schedule_version = 0
        self._cancel: CancelTender | None = None
        self._payment_followers: set[asyncio.Future[None]] = set()
        self._reopen = False
        self._history_event_limit = input.history_event_limit

    # --- the life of a tender --------------------------------------------------

    @workflow.run
    async def run(self, input: TenderInput) -> TenderResult:
        s = self.s
        self._ops = workflow.patched(OPS_AT_A_GLANCE)
        self._signed_people = workflow.patched(SIGNED_PEOPLE)
        decide_local_db_steps()
        while s.phase not in FINAL_PHASES:
            if self._cancel and s.phase in PHASES_BEFORE_CONTRACT:
                await self._cancelled(self._cancel)
                break
            if s.phase is Phase.ANNOUNCED:
                await self._announce()
            elif s.phase is Phase.BIDDING:
                await self._bidding()
            elif s.phase is Phase.CLOSED:
                await self._open()
            elif s.phase is Phase.EVALUATING:
                await workflow.wait_condition(
                    lambda: s.phase is not Phase.EVALUATING or self._cancel is not None
                )
            elif s.phase is Phase.AWARDED:
                await self._awarded()
            elif s.phase in (Phase.CONTRACTED, Phase.PAYING):
                if await self._paying():
                    await workflow.wait_condition(workflow.all_handlers_finished)
                    workflow.continue_as_new(
                        TenderInput(
                            terms=s.terms,
                            state=s,
                            history_event_limit=self._history_event_limit,
                        )
                    )
            else:  # pragma: no cover - every phase is handled above
                raise ApplicationError(f"unknown phase {s.phase}", non_retryable=True)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return TenderResult(
            notice_no=s.terms.notice_no,
            phase=s.phase,
            note=s.note,
            contract_no=s.contract_no,
            paid_total=s.paid_total,
            next_round_notice_no=s.next_round_notice_no,
        )

    async def _announce(self) -> None:
        s = self.s
        if workflow.patched(SEALED_BIDS):
            key = await db_step(
                activities.make_tender_key,
                steps.SealingStep(notice_no=s.terms.notice_no, officer_id=s.terms.officer_id),
            )
            s.sealing_key_id, s.reserve_commitment = key.key_id, key.reserve_commitment
            s.lottery_seed = workflow.random().getrandbits(62)
            await db_step(activities.announce_tender, steps.AnnounceStep(terms=s.terms))
        else:
            rnd = workflow.random()
            s.reserve_seed = rnd.getrandbits(62)
            s.lottery_seed = rnd.getrandbits(62)
            await db_step(
                activities.announce_tender,
                steps.AnnounceStep(
                    terms=s.terms, reserve_seed=s.reserve_seed, lottery_seed=s.lottery_seed
                ),
            )
        workflow.upsert_search_attributes(
            [
                NOTICE_NO.value_set(s.terms.notice_no),
                AGENCY_CODE.value_set(s.terms.agency_code),
                ESTIMATED_PRICE.value_set(s.terms.estimated_price),
                BID_DEADLINE.value_set(s.terms.deadline),
            ]
        )
        await self._enter(Phase.BIDDING, None, "bidding opened")

    async def _bidding(self) -> None:
        s = self.s
        if self._schedule_version and workflow.patched(SCHEDULE_MOVED_WHILE_ANNOUNCING):
            # An extension that arrived while the row was being written is not in the row.
            await self._record_schedule()
        if not await self._sleep_until(lambda: s.terms.deadline):
            return  # cancelled
        closed = await db_step(
            activities.close_bidding, steps.CloseStep(notice_no=s.terms.notice_no)
        )
        s.bid_count = closed.bid_count
        await self._enter(Phase.CLOSED, None, f"bidding closed with {closed.bid_count} bids")

    async def _open(self) -> None:
        s = self.s
        if not await self._sleep_until(lambda: s.terms.opening_at):
            return
        if s.phase is Phase.BIDDING:
            return  # an outage extension reopened bidding before the opening
        assert s.lottery_seed is not None
        opening = await db_step(
            activities.open_bids,
            steps.OpenStep(
                terms=s.terms,
                reserve_seed=s.reserve_seed,  # None: the key service reveals the secret
                lottery_seed=s.lottery_seed,
                reserve_commitment=s.reserve_commitment,
            ),
        )
        s.bid_count = opening.bid_count
        s.predetermined_price = opening.predetermined_price
        s.candidate_count = opening.candidate_count
        await self._enter(
            Phase.OPENED,
            None,
            f"opened: {opening.bid_count} bids, {opening.candidate_count} above the lower limit",
            payload={"predetermined_price": opening.predetermined_price, "flags": opening.flags},
        )
        if evaluation.tender_failed(method=s.terms.method, valid_bids=opening.bid_count):
            await self._failed(
                "no bids"
                if opening.bid_count == 0
                else f"only {opening.bid_count} bid in a competitive tender"
            )
            return
        if s.terms.method is Method.NEGOTIATED:
            # Negotiated: the officer scores every proposal before anyone is a candidate.
            await self._enter(
                Phase.EVALUATING,
                Role.OFFICER,
                f"awaiting technical scores of {opening.bid_count} proposals",
                step="evaluating-scores",
            )
            return
        if s.terms.award_method is AwardMethod.COMPREHENSIVE and workflow.patched(
            COMPREHENSIVE_EVALUATION
        ):
            # Works of 30 bn or more: the officer scores every bid (tender_comprehensive).
            await self._enter(
                Phase.EVALUATING,
                Role.OFFICER,
                f"awaiting the non-price scores of {opening.bid_count} bids",
                step="evaluating-scores",
            )
            return
        await self._examine_from(1)

    async def _awarded(self) -> None:
        s = self.s
        assert s.award_due is not None and s.candidate is not None
        done = await self._wait(
            lambda: s.supplier_signed_by is not None and s.performance_guarantee_cert is not None,
            until=s.award_due,
        )
        if self._cancel:
            return
        if not done:
            await self._forfeit(
                "no performance guarantee and signature by "
                f"{s.award_due.astimezone(SEOUL):%Y-%m-%d %H:%M} KST"
            )
            return
        await workflow.wait_condition(lambda: s.agency_signed_by is not None or bool(self._cancel))
        if self._cancel:
            return
        await self._enter(Phase.CONTRACTED, Role.SUPPLIER, f"contract {s.contract_no} signed")

    async def _forfeit(self, reason: str) -> None:
        s = self.s
        assert s.candidate is not None
        await self._partner_call(
            activities.forfeit_award,
            steps.ForfeitStep(
                notice_no=s.terms.notice_no,
                business_no=s.candidate.business_no,
                reason=reason,
                bid_guarantee_cert=s.candidate.bid_guarantee_cert,
                claim_amount=guarantees.bid_guarantee_amount(s.candidate.price),
            ),
        )
        s.note = f"{s.candidate.business_no} lost the award: {reason}"
        await self._examine_from(s.candidate.rank + 1)

    async def _paying(self) -> bool:
        """Wait for payments; True when continue-as-new is due (no payment in flight)."""
        s = self.s
        await workflow.wait_condition(
            lambda: (
                self._fully_paid()
                or (
                    self._history_is_long()
                    and not self._open_payment()
                    and not self._verifying_claims
                )
            )
        )
        if not self._fully_paid():
            return True
        await self._enter(Phase.COMPLETED, None, f"completed: {s.paid_total:,} KRW paid")
        return False

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self._history_event_limit
        )

    async def _cancelled(self, cancel: CancelTender) -> None:
        self.s.cancel_reason = cancel.reason
        self.s.note = f"cancelled by {cancel.requested_by}: {cancel.reason}"
        await self._enter(Phase.CANCELLED, None, self.s.note, actor=cancel.requested_by)

    # --- helpers ----------------------------------------------------------------

    async def _sleep_until(self, when: Callable[[], datetime]) -> bool:
        """Sleep until a schedule time that may move (extension); False if cancelled."""
        while True:
            version = self._schedule_version
            await self._wait(
                lambda v=version: self._schedule_version != v or self._cancel is not None,  # type: ignore[misc]
                until=when(),
            )
            if self._cancel:
                return False
            if self._schedule_version == version:
                return True
            reopen, self._reopen = self._reopen, False
            await self._record_schedule(reopen=reopen)
            if reopen:
                deadline = self.s.terms.deadline.astimezone(SEOUL)
                await self._enter(
                    Phase.BIDDING,
                    None,
                    f"bidding reopened until {deadline:%Y-%m-%d %H:%M} KST: {self.s.note}",
                    step=f"reopened-{self._schedule_version}",
                )
                return True

    async def _record_schedule(self, *, reopen: bool = False) -> None:
        """Persist the moved schedule so the database's bid check uses the new deadline."""
        t = self.s.terms
        await db_step(
            activities.record_schedule,
            steps.ScheduleStep(
                notice_no=t.notice_no,
                version=self._schedule_version,
                deadline=t.deadline,
                opening_at=t.opening_at,
                note=self.s.note,
                reopen_bidding=reopen,
            ),
        )

    # --- signals ----------------------------------------------------------------

    @workflow.signal
    async def extend_deadline(self, change: ExtendDeadline) -> None:
        if self._ops:
            args = schedule_args(change.deadline, change.opening_at)
            if not await self._signed(change.token, "extend", args):
                return
            assert change.token is not None
            change = change.model_copy(update={"requested_by": change.token.person_id})
        self._apply_extension(change)

    @workflow.signal
    async def cancel(self, request: CancelTender) -> None:
        if self.s.phase not in PHASES_BEFORE_CONTRACT or self._cancel is not None:
            return
        if self._ops:
            if not await self._signed(request.token, "cancel", {}):
                return
            assert request.token is not None
            request = request.model_copy(update={"requested_by": request.token.person_id})
        if self.s.phase in PHASES_BEFORE_CONTRACT and self._cancel is None:
            self._cancel = request

    # --- queries ----------------------------------------------------------------

    @workflow.query
    def status(self) -> TenderStatus:
        s = self.s
        return TenderStatus(
            notice_no=s.terms.notice_no,
            phase=s.phase,
            awaiting_role=s.awaiting_role,
            deadline=s.terms.deadline,
            opening_at=s.terms.opening_at,
            bid_count=s.bid_count,
            predetermined_price=s.predetermined_price,
            candidate=s.candidate,
            contract_no=s.contract_no,
            paid_total=s.paid_total,
            contract_amount=s.contract_amount,
            payments=list(s.payments),
            next_round_notice_no=s.next_round_notice_no,
            note=s.note,
        )


__all__ = ["TenderTerms", "TenderWorkflow", "tender_workflow_id"]
