"""What crosses Temporal for a comprehensive evaluation (works of 30 bn or more): the
officer's Update with the non-price scores, its outcome, and the ranking activity's step.

Kept apart from `tender.py` and `steps.py` so the evaluation can grow without touching
the models every tender carries.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from nara.contracts.base import Model
from nara.contracts.tender import Candidate, TenderTerms
from nara.domain.enums import Phase


class NonPriceEntry(Model):
    """One bidder's points entered by the officer."""

    capability: Decimal = Field(ge=0, le=100)  # performance capability (공사수행능력)
    social: Decimal = Field(Decimal(0), ge=0, le=100)  # social responsibility (사회적 책임)


class ScoreComprehensive(Model):
    """Officer's non-price scores of every bid of a comprehensively evaluated tender."""

    officer_id: str
    scores: dict[str, NonPriceEntry]  # business no -> points


class ComprehensiveOutcome(Model):
    balanced_price: int
    ranked: int
    not_ranked: int  # bids above the predetermined price
    candidate: Candidate | None
    phase: Phase
    confirmed: bool  # False: scored by a table not confirmed against its source


class ComprehensiveStep(Model):
    terms: TenderTerms
    lottery_seed: int
    officer_id: str
    scores: dict[str, NonPriceEntry]


class ComprehensiveRanking(Model):
    balanced_price: int
    ranked: int
    not_ranked: int
    confirmed: bool
