"""The officer's Update of a comprehensive evaluation (works of 30 bn or more).

As for a negotiated tender, nobody is a candidate at the opening: the officer enters every
bidder's non-price points (`score_comprehensive`), the `rank_comprehensive` activity adds
the price score against the balanced price of the bids and stores the order, and the best
bid becomes the candidate for the award approval. A table not confirmed against its source
still scores; the outcome says so.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from nara.contracts import activities
    from nara.contracts.comprehensive import (
        ComprehensiveOutcome,
        ComprehensiveStep,
        ScoreComprehensive,
    )
    from nara.contracts.errors import refusal
    from nara.domain.enums import AwardMethod, Phase
    from nara.domain.errors import RuleViolation, WrongPhase
    from nara.workflows.calls import scoring_step
    from nara.workflows.tender_payments import TenderPayments


class TenderComprehensive(TenderPayments):
    """The `score_comprehensive` Update of TenderWorkflow."""

    @workflow.update
    async def score_comprehensive(self, scores: ScoreComprehensive) -> ComprehensiveOutcome:
        s = self.s
        assert s.lottery_seed is not None
        ranking = await scoring_step(
            activities.rank_comprehensive,
            ComprehensiveStep(
                terms=s.terms,
                lottery_seed=s.lottery_seed,
                officer_id=scores.officer_id,
                scores=scores.scores,
            ),
        )
        await self._examine_from(1)
        return ComprehensiveOutcome(
            balanced_price=ranking.balanced_price,
            ranked=ranking.ranked,
            not_ranked=ranking.not_ranked,
            candidate=s.candidate,
            phase=s.phase,
            confirmed=ranking.confirmed,
        )

    @score_comprehensive.validator
    def _validate_comprehensive(self, scores: ScoreComprehensive) -> None:
        self._require_phase(Phase.EVALUATING)
        self._require_officer(scores.officer_id)
        if self.s.terms.award_method is not AwardMethod.COMPREHENSIVE:
            raise refusal(
                WrongPhase(
                    f"tender {self.s.terms.notice_no} is not awarded by comprehensive"
                    " evaluation (works of 30 bn or more); use its own evaluation",
                )
            )
        if self.s.candidate is not None:
            raise refusal(WrongPhase("the bids are already scored and ranked"))
        if not scores.scores:
            raise refusal(
                RuleViolation(
                    rule="one-score-per-bid",
                    field="scores",
                    value={},
                    accepted="one score for each business that bid",
                    message="scores is empty; score every bid",
                )
            )
