"""TenderWorkflow: one tender from announcement to the final payment.

Deterministic orchestration only: business facts go to PostgreSQL through
idempotent activities, bids never enter history (they are rows), and officers
act through Updates whose validators reject wrong phase, wrong person or a
stale candidate before anything is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from nara.activities import models as steps
    from nara.domain import evaluation, guarantees
    from nara.domain.calendar import SEOUL
    from nara.domain.errors import RuleViolation
    from nara.domain.identifiers import NoticeNo
    from nara.temporal import (
        AGENCY_CODE,
        AWAITING_ROLE,
        BID_DEADLINE,
        ESTIMATED_PRICE,
        NOTICE_NO,
        TENDER_PHASE,
    )
    from nara.workflows.models import (
        FINAL_PHASES,
        ApproveAward,
        AwardOutcome,
        CancelTender,
        Candidate,
        ClaimOutcome,
        ClaimPayment,
        ExtendDeadline,
        GuaranteeOutcome,
        PaymentInput,
        PaymentRecord,
        PaymentResult,
        Phase,
        PostPerformanceGuarantee,
        ReviewCandidate,
        ReviewOutcome,
        Role,
        SignContract,
        SignOutcome,
        TenderInput,
        TenderResult,
        TenderState,
        TenderStatus,
        TenderTerms,
    )
    from nara.workflows.payment import PaymentWorkflow
    from nara.workflows.steps import db_step, partner_step, rejection_of

PHASES_BEFORE_CONTRACT = frozenset(
    {Phase.ANNOUNCED, Phase.BIDDING, Phase.CLOSED, Phase.OPENED, Phase.EVALUATING, Phase.AWARDED}
)


def tender_workflow_id(notice_no: str) -> str:
    return f"tender-{notice_no}"


def _refuse(kind: str, message: str) -> ApplicationError:
    return ApplicationError(message, type=kind, non_retryable=True)


@workflow.defn
class TenderWorkflow:
    @workflow.init
    def __init__(self, input: TenderInput) -> None:
        self.s: TenderState = input.state or TenderState(terms=input.terms)
        self._schedule_version = 0
        self._cancel: CancelTender | None = None
        self._payment_followers: set[asyncio.Future[None]] = set()

    # --- the life of a tender --------------------------------------------------

    @workflow.run
    async def run(self, input: TenderInput) -> TenderResult:
        s = self.s
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
                    workflow.continue_as_new(TenderInput(terms=s.terms, state=s))
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
        rnd = workflow.random()
        s.reserve_seed = rnd.getrandbits(62)
        s.lottery_seed = rnd.getrandbits(62)
        await db_step(
            steps.ANNOUNCE_TENDER,
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
        if not await self._sleep_until(lambda: s.terms.deadline):
            return  # cancelled
        closed = await db_step(
            steps.CLOSE_BIDDING, steps.CloseStep(notice_no=s.terms.notice_no), steps.CloseResult
        )
        s.bid_count = closed.bid_count
        await self._enter(Phase.CLOSED, None, f"bidding closed with {closed.bid_count} bids")

    async def _open(self) -> None:
        s = self.s
        if not await self._sleep_until(lambda: s.terms.opening_at):
            return
        assert s.reserve_seed is not None and s.lottery_seed is not None
        opening = await db_step(
            steps.OPEN_BIDS,
            steps.OpenStep(terms=s.terms, reserve_seed=s.reserve_seed, lottery_seed=s.lottery_seed),
            steps.OpeningSummary,
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
        await self._examine_from(1)

    async def _examine_from(self, rank: int) -> None:
        """Make the candidate at `rank` current, or fail the tender when none is left."""
        s = self.s
        answer = await db_step(
            steps.GET_CANDIDATE,
            steps.CandidateQuery(notice_no=s.terms.notice_no, rank=rank),
            steps.CandidateAnswer,
        )
        s.candidate = answer.candidate
        s.candidate_passed = False
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
        await partner_step(
            steps.FORFEIT_AWARD,
            steps.ForfeitStep(
                notice_no=s.terms.notice_no,
                business_no=s.candidate.business_no,
                reason=reason,
                bid_guarantee_cert=s.candidate.bid_guarantee_cert,
                claim_amount=guarantees.bid_guarantee_amount(s.candidate.price),
            ),
            steps.ForfeitResult,
        )
        s.note = f"{s.candidate.business_no} lost the award: {reason}"
        await self._examine_from(s.candidate.rank + 1)

    async def _paying(self) -> bool:
        """Wait for payments; True when continue-as-new is due (no payment in flight)."""
        s = self.s
        await workflow.wait_condition(
            lambda: (
                self._fully_paid()
                or (workflow.info().is_continue_as_new_suggested() and not self._open_payment())
            )
        )
        if not self._fully_paid():
            return True
        await self._enter(Phase.COMPLETED, None, f"completed: {s.paid_total:,} KRW paid")
        return False

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
        deadline = _same_minute_alignment(now + notice_period, terms.deadline)
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
            TenderWorkflow.run,
            TenderInput(terms=next_terms),
            id=tender_workflow_id(notice_no),
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            static_summary=f"{terms.title} (round {NoticeNo.parse(notice_no).round})",
        )

    async def _cancelled(self, cancel: CancelTender) -> None:
        self.s.cancel_reason = cancel.reason
        self.s.note = f"cancelled by {cancel.requested_by}: {cancel.reason}"
        await self._enter(Phase.CANCELLED, None, self.s.note, actor=cancel.requested_by)

    # --- helpers ----------------------------------------------------------------

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
            steps.RECORD_PHASE,
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
        s.phase, s.awaiting_role = phase, awaiting
        workflow.upsert_search_attributes(
            [
                TENDER_PHASE.value_set(phase.value),
                AWAITING_ROLE.value_set(awaiting.value)
                if awaiting
                else AWAITING_ROLE.value_unset(),
            ]
        )
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
            await self._record_schedule()

    async def _record_schedule(self) -> None:
        """Persist the moved schedule so the database's bid check uses the new deadline."""
        t = self.s.terms
        await db_step(
            steps.RECORD_SCHEDULE,
            steps.ScheduleStep(
                notice_no=t.notice_no,
                version=self._schedule_version,
                deadline=t.deadline,
                opening_at=t.opening_at,
                note=self.s.note,
            ),
        )

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
        return next((p for p in self.s.payments if p.status == "claimed"), None)

    def _require_officer(self, officer_id: str) -> None:
        if officer_id != self.s.terms.officer_id:
            raise _refuse(
                "Forbidden",
                f"{officer_id} is not the contracting officer of "
                f"{self.s.terms.notice_no}; ask {self.s.terms.officer_id}",
            )

    def _require_phase(self, *phases: Phase) -> None:
        if self.s.phase not in phases:
            wanted = " or ".join(p.value for p in phases)
            raise _refuse(
                "WrongPhase",
                f"tender {self.s.terms.notice_no} is {self.s.phase.value}; "
                f"this needs it to be {wanted}",
            )

    # --- signals ----------------------------------------------------------------

    @workflow.signal
    def extend_deadline(self, change: ExtendDeadline) -> None:
        s = self.s
        if s.phase not in (Phase.ANNOUNCED, Phase.BIDDING, Phase.CLOSED):
            workflow.logger.warning("extension ignored: tender is %s", s.phase.value)
            return
        if s.phase is Phase.CLOSED:
            s.terms.opening_at = max(change.opening_at, s.terms.deadline)
        else:
            s.terms.deadline = max(change.deadline, s.terms.deadline)
            s.terms.opening_at = max(change.opening_at, s.terms.deadline)
            workflow.upsert_search_attributes([BID_DEADLINE.value_set(s.terms.deadline)])
        s.note = f"schedule moved by {change.requested_by}: {change.reason}"
        workflow.set_current_details(self._details(s.note))
        self._schedule_version += 1

    @workflow.signal
    def cancel(self, request: CancelTender) -> None:
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

    # --- updates: officer decisions -----------------------------------------------

    @workflow.update
    async def review_candidate(self, review: ReviewCandidate) -> ReviewOutcome:
        s = self.s
        candidate = s.candidate
        assert candidate is not None and s.predetermined_price is not None
        note = review.note
        guarantee_ok = await self._confirm_bid_guarantee(candidate)
        if guarantee_ok is not None:
            note = f"bid guarantee not confirmed: {guarantee_ok}"
        result = self._qualification(review)
        passed = result.passed and guarantee_ok is None
        await db_step(
            steps.RECORD_REVIEW,
            steps.ReviewStep(
                notice_no=s.terms.notice_no,
                candidate=candidate,
                officer_id=review.officer_id,
                price_score=result.price_score,
                capability_score=result.capability_score,
                total=result.total,
                passed=passed,
                note=note,
            ),
        )
        if passed:
            s.candidate_passed = True
            workflow.set_current_details(
                self._details(
                    f"{candidate.business_no} passed review ({result.total}); "
                    "awaiting award approval"
                )
            )
        else:
            await self._examine_from(candidate.rank + 1)
        return ReviewOutcome(
            business_no=candidate.business_no,
            passed=passed,
            total=result.total,
            pass_mark=result.pass_mark,
            next_candidate=None if passed else s.candidate,
            phase=s.phase,
        )

    @review_candidate.validator
    def _validate_review(self, review: ReviewCandidate) -> None:
        self._require_phase(Phase.EVALUATING)
        self._require_officer(review.officer_id)
        self._require_current_candidate(review.business_no)
        self._qualification(review)
        if self.s.candidate_passed:
            raise _refuse(
                "WrongPhase",
                f"{review.business_no} already passed review; approve the award instead",
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
            )
        except RuleViolation as violation:
            raise _refuse("RuleViolation", violation.message) from None

    def _require_current_candidate(self, business_no: str) -> None:
        current = self.s.candidate
        if current is None or current.business_no != business_no:
            raise _refuse(
                "StaleCandidate",
                f"{business_no} is not the candidate under review; "
                f"the current candidate is {current.business_no if current else 'none'}",
            )

    async def _confirm_bid_guarantee(self, candidate: Candidate) -> str | None:
        """None when the agency confirms the candidate's bid guarantee, else its refusal."""
        if candidate.bid_guarantee_cert is None:
            return "no bid guarantee certificate was submitted with the bid"
        try:
            await partner_step(
                steps.CONFIRM_GUARANTEE,
                steps.GuaranteeCheck(
                    certificate_no=candidate.bid_guarantee_cert,
                    kind="bid",
                    reference=NoticeNo.parse(self.s.terms.notice_no).base,
                    business_no=candidate.business_no,
                    min_amount=guarantees.bid_guarantee_amount(candidate.price),
                ),
                steps.GuaranteeConfirmed,
            )
        except ActivityError as error:
            refusal = rejection_of(error)
            if refusal is None:
                raise
            return refusal
        return None

    @workflow.update
    async def approve_award(self, approval: ApproveAward) -> AwardOutcome:
        s = self.s
        candidate = s.candidate
        assert candidate is not None
        on = s.terms.announced_at.astimezone(SEOUL).date()
        s.award_due = workflow.now() + timedelta(days=guarantees.performance_guarantee_days(on=on))
        s.contract_amount = candidate.price
        s.contract_no = f"C{s.terms.notice_no}"
        await db_step(
            steps.RECORD_AWARD,
            steps.AwardStep(
                notice_no=s.terms.notice_no,
                business_no=candidate.business_no,
                price=candidate.price,
                approved_by=approval.officer_id,
                guarantee_due=s.award_due,
            ),
        )
        await self._enter(
            Phase.AWARDED,
            Role.SUPPLIER,
            f"awarded to {candidate.business_no} at {candidate.price:,} KRW",
            step=f"awarded-{candidate.rank}",
            actor=approval.officer_id,
        )
        return AwardOutcome(
            business_no=candidate.business_no,
            price=candidate.price,
            guarantee_due=s.award_due,
            performance_guarantee_min=self._performance_guarantee_min(),
        )

    @approve_award.validator
    def _validate_award(self, approval: ApproveAward) -> None:
        self._require_phase(Phase.EVALUATING)
        self._require_officer(approval.officer_id)
        self._require_current_candidate(approval.business_no)
        if not self.s.candidate_passed:
            raise _refuse(
                "WrongPhase",
                f"{approval.business_no} has not passed qualification "
                "review yet; review the candidate first",
            )

    def _performance_guarantee_min(self) -> int:
        s = self.s
        return guarantees.performance_guarantee_amount(
            category=s.terms.category,
            contract_amount=s.contract_amount,
            on=s.terms.announced_at.astimezone(SEOUL).date(),
        )

    # --- updates: the winner and the contract --------------------------------------

    @workflow.update
    async def post_performance_guarantee(self, post: PostPerformanceGuarantee) -> GuaranteeOutcome:
        s = self.s
        assert s.contract_no is not None
        try:
            confirmed = await partner_step(
                steps.CONFIRM_GUARANTEE,
                steps.GuaranteeCheck(
                    certificate_no=post.certificate_no,
                    kind="performance",
                    reference=s.contract_no,
                    business_no=post.business_no,
                    min_amount=self._performance_guarantee_min(),
                ),
                steps.GuaranteeConfirmed,
            )
        except ActivityError as error:
            refusal = rejection_of(error)
            if refusal is None:
                raise
            raise _refuse(
                "GuaranteeRejected",
                f"the guarantee agency refused {post.certificate_no}: {refusal}",
            ) from None
        await db_step(
            steps.CREATE_CONTRACT,
            steps.ContractStep(
                notice_no=s.terms.notice_no,
                contract_no=s.contract_no,
                business_no=post.business_no,
                amount=s.contract_amount,
                performance_guarantee_cert=post.certificate_no,
            ),
        )
        s.performance_guarantee_cert = post.certificate_no
        workflow.set_current_details(
            self._details(f"performance guarantee {post.certificate_no} confirmed")
        )
        return GuaranteeOutcome(
            certificate_no=post.certificate_no, amount=confirmed.amount, contract_no=s.contract_no
        )

    @post_performance_guarantee.validator
    def _validate_guarantee(self, post: PostPerformanceGuarantee) -> None:
        self._require_phase(Phase.AWARDED)
        self._require_winner(post.business_no)
        if self.s.performance_guarantee_cert:
            raise _refuse(
                "WrongPhase",
                "the performance guarantee "
                f"{self.s.performance_guarantee_cert} is already confirmed",
            )

    def _require_winner(self, business_no: str | None) -> None:
        current = self.s.candidate
        if current is None or business_no != current.business_no:
            raise _refuse(
                "Forbidden", f"{business_no} is not the winner of {self.s.terms.notice_no}"
            )

    @workflow.update
    async def sign_contract(self, sign: SignContract) -> SignOutcome:
        s = self.s
        assert s.contract_no is not None
        await db_step(
            steps.RECORD_SIGNATURE,
            steps.SignatureStep(
                contract_no=s.contract_no, role=sign.role, person_id=sign.person_id
            ),
        )
        if sign.role is Role.OFFICER:
            s.agency_signed_by = sign.person_id
        else:
            s.supplier_signed_by = sign.person_id
        workflow.set_current_details(self._details(f"{sign.role.value} signed {s.contract_no}"))
        await workflow.wait_condition(
            lambda: (
                s.phase is not Phase.AWARDED
                or s.agency_signed_by is None
                or s.supplier_signed_by is None
            )
        )
        return SignOutcome(
            contract_no=s.contract_no,
            agency_signed=s.agency_signed_by is not None,
            supplier_signed=s.supplier_signed_by is not None,
            phase=s.phase,
        )

    @sign_contract.validator
    def _validate_sign(self, sign: SignContract) -> None:
        self._require_phase(Phase.AWARDED)
        if not self.s.performance_guarantee_cert:
            raise _refuse(
                "WrongPhase",
                "the contract can be signed once the performance "
                "guarantee is confirmed; post it first",
            )
        if sign.role is Role.OFFICER:
            self._require_officer(sign.person_id)
            already = self.s.agency_signed_by
        elif sign.role is Role.SUPPLIER:
            self._require_winner(sign.business_no)
            already = self.s.supplier_signed_by
        else:
            raise _refuse("Forbidden", f"a {sign.role.value} cannot sign a contract")
        if already:
            raise _refuse("WrongPhase", f"the {sign.role.value} side already signed ({already})")

    # --- updates: payments --------------------------------------------------------

    @workflow.update
    async def claim_payment(self, claim: ClaimPayment) -> ClaimOutcome:
        s = self.s
        assert s.contract_no is not None
        seq = len(s.payments) + 1
        payment_id = f"payment-{s.contract_no}-{seq}"
        record = PaymentRecord(
            payment_id=payment_id,
            seq=seq,
            kind=claim.kind,
            amount=claim.amount,
            subcontract_amount=claim.subcontract_amount,
        )
        s.payments.append(record)
        handle = await workflow.start_child_workflow(
            PaymentWorkflow.run,
            PaymentInput(
                payment_id=payment_id,
                notice_no=s.terms.notice_no,
                contract_no=s.contract_no,
                seq=seq,
                kind=claim.kind,
                amount=claim.amount,
                subcontract_amount=claim.subcontract_amount,
                subcontractor_no=claim.subcontractor_no,
                business_no=claim.business_no,
                agency_code=s.terms.agency_code,
                claimed_by=claim.person_id,
                claimed_at=workflow.now(),
                late_interest_rate_bp=s.terms.late_interest_rate_bp,
            ),
            id=payment_id,
            static_summary=f"{claim.kind} payment {seq} of {s.contract_no}: {claim.amount:,} KRW",
        )
        if s.phase is Phase.CONTRACTED:
            await self._enter(Phase.PAYING, Role.INSPECTOR, f"payment {seq} claimed")
        self._payment_followers.add(asyncio.ensure_future(self._follow_payment(record, handle)))
        return ClaimOutcome(payment_id=payment_id, seq=seq, workflow_id=payment_id)

    async def _follow_payment(
        self, record: PaymentRecord, handle: workflow.ChildWorkflowHandle[Any, PaymentResult]
    ) -> None:
        result = await handle
        record.status = result.status
        if result.status == "paid":
            self.s.paid_total += result.amount
        workflow.set_current_details(self._details(f"payment {record.seq} {result.status}"))

    @claim_payment.validator
    def _validate_claim(self, claim: ClaimPayment) -> None:
        s = self.s
        self._require_phase(Phase.CONTRACTED, Phase.PAYING)
        self._require_winner(claim.business_no)
        open_payment = self._open_payment()
        if open_payment:
            raise _refuse(
                "WrongPhase",
                f"payment {open_payment.seq} is still in progress; "
                "claim the next one after it is paid or rejected",
            )
        claimed = sum(p.amount for p in s.payments if p.status != "rejected")
        remaining = s.contract_amount - claimed
        if claim.subcontract_amount > claim.amount:
            raise _refuse("InvalidClaim", "subcontract_amount cannot exceed amount")
        if claim.subcontract_amount and not claim.subcontractor_no:
            raise _refuse("InvalidClaim", "a subcontract amount needs subcontractor_no")
        if claim.kind == "final" and claim.amount != remaining:
            raise _refuse(
                "InvalidClaim",
                f"the final payment must be the remaining {remaining:,} KRW, not {claim.amount:,}",
            )
        if claim.kind != "final" and claim.amount >= remaining:
            raise _refuse(
                "InvalidClaim",
                f"{claim.amount:,} KRW would use the whole remaining "
                f"{remaining:,} KRW; claim it as the final payment",
            )
        if claim.kind == "advance":
            if any(p.kind == "advance" and p.status != "rejected" for p in s.payments):
                raise _refuse("InvalidClaim", "the advance payment was already claimed")
            cap = guarantees.advance_payment_cap(
                contract_amount=s.contract_amount, on=s.terms.announced_at.astimezone(SEOUL).date()
            )
            if claim.amount > cap:
                raise _refuse(
                    "InvalidClaim",
                    f"an advance payment is capped at {cap:,} KRW "
                    f"(70% of the contract); {claim.amount:,} asked",
                )


def _same_minute_alignment(candidate: datetime, original: datetime) -> datetime:
    """Keep a re-announced deadline on the hour when the original one was."""
    if original.minute == 0 and original.second == 0 and original.microsecond == 0:
        aligned = candidate.replace(minute=0, second=0, microsecond=0)
        return aligned if aligned >= candidate else aligned + timedelta(hours=1)
    return candidate


__all__ = ["TenderTerms", "TenderWorkflow", "tender_workflow_id"]
