"""Reserve prices (복수예비가격), their rounding, and how they become the predetermined price."""

from __future__ import annotations

from dataclasses import dataclass

from nara.domain.enums import AgencyKind, Category
from nara.domain.rules.base import BASELINE, CONSTRUCTION, GOODS_SERVICES, RuleRow


@dataclass(frozen=True, kw_only=True)
class ReservePriceRow(RuleRow):
    """복수예비가격: the range around the base amount and how it is split and picked."""

    agency_kind: AgencyKind
    range_bp: int
    band_count: int = 15
    picks_per_bidder: int = 2
    averaged: int = 4


@dataclass(frozen=True, kw_only=True)
class ReserveRoundingRow(RuleRow):
    """Reserve prices are rounded up to a multiple of ``unit`` KRW."""

    categories: frozenset[Category]
    unit: int


@dataclass(frozen=True, kw_only=True)
class PredeterminedPriceRow(RuleRow):
    """How the most-picked reserve prices become the predetermined price."""

    rounding_unit: int = 1  # mean rounded up to this many KRW
    tie_break: str = "lower band number"


RESERVE_PRICES: tuple[ReservePriceRow, ...] = (
    ReservePriceRow(
        effective_from=BASELINE,
        agency_kind=AgencyKind.NATIONAL,
        range_bp=200,
        source="MOEF contract rules on predetermined prices: base amount +-2%,"
        " 15 reserve prices, 2 picks, 4 averaged; RULES.md",
    ),
    ReservePriceRow(
        effective_from=BASELINE,
        agency_kind=AgencyKind.LOCAL,
        range_bp=300,
        source="MOIS rules for local governments and education offices: base amount +-3%; RULES.md",
    ),
)

RESERVE_ROUNDING: tuple[ReserveRoundingRow, ...] = (
    ReserveRoundingRow(
        effective_from=BASELINE,
        categories=GOODS_SERVICES,
        unit=1,
        source="RULES.md: goods and services round any fraction of 1 won up",
    ),
    ReserveRoundingRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        unit=100,
        confirmed=False,
        source="RULES.md: construction lump-sum 'rounds up below 100 won', read"
        " as: reserve prices rounded up to a multiple of 100 KRW",
    ),
)

PREDETERMINED_PRICES: tuple[PredeterminedPriceRow, ...] = (
    PredeterminedPriceRow(
        effective_from=BASELINE,
        rounding_unit=1,
        tie_break="lower band number",
        confirmed=False,
        source="mean of the 4 most-picked reserve prices (RULES.md); no source was found"
        " for a tie at 4th place among the most-picked prices (searched again in round"
        " two): ours is the lower band number; the mean is rounded up to the won",
    ),
)
