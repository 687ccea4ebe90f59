"""The Updates people send to a tender, each with its validator.

Validators run before anything is written: wrong phase (`WrongPhase`), wrong person
(`Forbidden`), a candidate no longer under review (`StaleCandidate`), a score or claim
that breaks a rule (`RuleViolation`, `InvalidClaim`) are refused without a trace in
history. Handlers raise only `ApplicationError`.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from nara.contracts import activities, steps
    from nara.contracts.errors import refusal
    from nara.contracts.tender import (
        ApproveAward,
        AwardOutcome,
        Candidate,
        GuaranteeOutcome,
        PostPerformanceGuarantee,
        ReviewCandidate,
        ReviewOutcome,
        ScoreProposals,
        ScoringOutcome,
        SignContract,
        SignOutcome,
    )
    from nara.domain import guarantees
    from nara.domain.calendar import SEOUL
    from nara.domain.enums import AwardMethod, Method, Phase, Role
    from nara.domain.errors import (
        Forbidden,
        GuaranteeRejected,
        RuleViolation,
        WrongPhase,
    )
    from nara.domain.identifiers import NoticeNo
    from nara.workflows.calls import db_step, rejection_of, scoring_step
    from nara.workflows.tender_comprehensive import TenderComprehensive


class TenderDecisions(TenderComprehensive):
    """Officer, winner and payment Updates of TenderWorkflow."""

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
            activities.record_review,
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
        if self.s.terms.method is Method.NEGOTIATED:
            raise refusal(
                WrongPhase(
                    "a negotiated tender is evaluated by scoring every proposal "
                    "(score_proposals), not by qualification review",
                )
            )
        if self.s.terms.award_method is AwardMethod.COMPREHENSIVE:
            raise refusal(
                WrongPhase(
                    "works of 30 bn or more are evaluated comprehensively: enter every "
                    "bidder's non-price scores (score_comprehensive), not a qualification review",
                )
            )
        self._require_officer(review.officer_id)
        self._require_current_candidate(review.business_no)
        self._qualification(review)
        if self.s.candidate_passed:
            raise refusal(
                WrongPhase(
                    f"{review.business_no} already passed review; approve the award instead",
                )
            )

    async def _confirm_bid_guarantee(self, candidate: Candidate) -> str | None:
        """None when the agency confirms the candidate's bid guarantee, else its refusal."""
        if candidate.bid_guarantee_cert is None:
            return "no bid guarantee certificate was submitted with the bid"
        try:
            await self._partner_call(
                activities.confirm_guarantee,
                steps.GuaranteeCheck(
                    certificate_no=candidate.bid_guarantee_cert,
                    kind="bid",
                    reference=NoticeNo.parse(self.s.terms.notice_no).base,
                    business_no=candidate.business_no,
                    min_amount=guarantees.bid_guarantee_amount(candidate.price),
                ),
            )
        except ActivityError as error:
            refusal = rejection_of(error)
            if refusal is None:
                raise
            return refusal
        return None

    @workflow.update
    async def score_proposals(self, scores: ScoreProposals) -> ScoringOutcome:
        s = self.s
        assert s.lottery_seed is not None
        ranking = await scoring_step(
            activities.rank_negotiated,
            steps.NegotiationStep(
                terms=s.terms,
                lottery_seed=s.lottery_seed,
                officer_id=scores.officer_id,
                technical_scores=scores.technical_scores,
            ),
        )
        await self._examine_from(1)
        return ScoringOutcome(
            ranked=ranking.ranked,
            not_eligible=ranking.not_eligible,
            candidate=s.candidate,
            phase=s.phase,
        )

    @score_proposals.validator
    def _validate_scores(self, scores: ScoreProposals) -> None:
        self._require_phase(Phase.EVALUATING)
        self._require_officer(scores.officer_id)
        if self.s.terms.method is not Method.NEGOTIATED:
            raise refusal(
                WrongPhase(
                    f"tender {self.s.terms.notice_no} is {self.s.terms.method.value}: its "
                    "candidates go through qualification review, not proposal scoring",
                )
            )
        if self.s.candidate is not None:
            raise refusal(WrongPhase("the proposals are already scored and ranked"))
        if not scores.technical_scores:
            raise refusal(
                RuleViolation(
                    rule="one-score-per-proposal",
                    field="technical_scores",
                    value={},
                    accepted="one score for each business that bid",
                    message="technical_scores is empty; score every proposal",
                )
            )

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
            activities.record_award,
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
            raise refusal(
                WrongPhase(
                    f"{approval.business_no} has not passed qualification "
                    "review yet; review the candidate first",
                )
            )

    # --- updates: the winner and the contract --------------------------------------

    @workflow.update
    async def post_performance_guarantee(self, post: PostPerformanceGuarantee) -> GuaranteeOutcome:
        s = self.s
        assert s.contract_no is not None
        try:
            confirmed = await self._partner_call(
                activities.confirm_guarantee,
                steps.GuaranteeCheck(
                    certificate_no=post.certificate_no,
                    kind="performance",
                    reference=s.contract_no,
                    business_no=post.business_no,
                    min_amount=self._performance_guarantee_min(),
                ),
            )
        except ActivityError as error:
            reason = rejection_of(error)
            if reason is None:
                raise
            raise refusal(
                GuaranteeRejected(
                    f"the guarantee agency refused {post.certificate_no}: {reason}",
                    field="certificate_no",
                    fix="ask the guarantee agency for a certificate that matches, then post it",
                )
            ) from None
        await db_step(
            activities.create_contract,
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
            raise refusal(
                WrongPhase(
                    "the performance guarantee "
                    f"{self.s.performance_guarantee_cert} is already confirmed",
                )
            )

    @workflow.update
    async def sign_contract(self, sign: SignContract) -> SignOutcome:
        s = self.s
        assert s.contract_no is not None
        await db_step(
            activities.record_signature,
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
            raise refusal(
                WrongPhase(
                    "the contract can be signed once the performance "
                    "guarantee is confirmed; post it first",
                )
            )
        if sign.role is Role.OFFICER:
            self._require_officer(sign.person_id)
            already = self.s.agency_signed_by
        elif sign.role is Role.SUPPLIER:
            self._require_winner(sign.business_no)
            already = self.s.supplier_signed_by
        else:
            raise refusal(Forbidden(f"a {sign.role.value} cannot sign a contract"))
        if already:
            raise refusal(WrongPhase(f"the {sign.role.value} side already signed ({already})"))
