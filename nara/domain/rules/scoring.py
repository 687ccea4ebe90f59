"""How bids are scored: qualification review (적격심사) and negotiated contracts (협상)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from nara.domain.enums import Category
from nara.domain.rules.base import (
    ALL_CATEGORIES,
    ANY_AMOUNT,
    BASELINE,
    BN,
    CONSTRUCTION,
    GOODS_SERVICES,
    Band,
    RuleRow,
)


@dataclass(frozen=True, kw_only=True)
class QualificationRow(RuleRow):
    """적격심사 scoring: price score = price_points - deduction x |reference_rate - bid rate|."""

    categories: frozenset[Category]
    band: Band
    price_points: Decimal
    reference_rate: Decimal
    deduction_per_point: Decimal
    min_price_points: Decimal
    pass_mark: Decimal

    @property
    def capability_points(self) -> Decimal:
        """The points left for capability (experience, finances, ...) out of 100."""
        return Decimal(100) - self.price_points


@dataclass(frozen=True, kw_only=True)
class NegotiatedRow(RuleRow):
    """협상에 의한 계약: technical:price weights and who may be negotiated with."""

    categories: frozenset[Category]
    technical_weight: int
    price_weight: int
    min_technical_weight: int
    max_technical_weight: int
    eligibility_bp: int  # technical score needed, in bp of the technical weight


_QUALIFICATION_SOURCE = (
    "PPS qualification review detailed standard, simplified: price score ="
    " points - 2 x |88 - bid rate %|, A-value correction not modelled; weights not confirmed"
)

QUALIFICATION: tuple[QualificationRow, ...] = (
    QualificationRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        band=Band(0, 1 * BN),
        price_points=Decimal(30),
        reference_rate=Decimal(88),
        deduction_per_point=Decimal(2),
        min_price_points=Decimal(2),
        pass_mark=Decimal(95),
        confirmed=False,
        source=_QUALIFICATION_SOURCE,
    ),
    QualificationRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        band=Band(1 * BN, 10 * BN),
        price_points=Decimal(50),
        reference_rate=Decimal(88),
        deduction_per_point=Decimal(2),
        min_price_points=Decimal(2),
        pass_mark=Decimal(95),
        confirmed=False,
        source=_QUALIFICATION_SOURCE,
    ),
    QualificationRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        band=Band(10 * BN),
        price_points=Decimal(70),
        reference_rate=Decimal(88),
        deduction_per_point=Decimal(2),
        min_price_points=Decimal(2),
        pass_mark=Decimal(92),
        confirmed=False,
        source=_QUALIFICATION_SOURCE,
    ),
    QualificationRow(
        effective_from=BASELINE,
        categories=GOODS_SERVICES,
        band=ANY_AMOUNT,
        price_points=Decimal(30),
        reference_rate=Decimal(88),
        deduction_per_point=Decimal(2),
        min_price_points=Decimal(2),
        pass_mark=Decimal(85),
        confirmed=False,
        source=_QUALIFICATION_SOURCE,
    ),
)

NEGOTIATED_WEIGHTS: tuple[NegotiatedRow, ...] = (
    NegotiatedRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        technical_weight=80,
        price_weight=20,
        min_technical_weight=60,
        max_technical_weight=90,
        eligibility_bp=8500,
        confirmed=False,
        source="MOEF standard for negotiated contracts: technical:price 80:20 by"
        " default, 90:10 to 60:40 allowed (RULES.md 'varies'); negotiation"
        " only with technical scores of at least 85% of the technical weight",
    ),
)
