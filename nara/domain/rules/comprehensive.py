"""Comprehensive evaluation of works of 30 bn or more.

National agencies award them by 종합심사낙찰제, local governments by 종합평가낙찰제.

The officer enters the non-price scores (performance capability, social responsibility);
the price score is computed against the balanced price (균형가격), the trimmed mean of the
bids; the highest total wins. No row here could be read in its source text: every row is
``confirmed=False`` and a tender under it still runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from nara.domain.enums import AgencyKind
from nara.domain.rules.base import BASELINE, BN, Band, RuleRow


@dataclass(frozen=True, kw_only=True)
class ComprehensiveRow(RuleRow):
    """How a comprehensive evaluation scores and breaks ties.

    Attributes:
        capability_points: Most points for performance capability (공사수행능력; local: the
            technical items together), entered by the officer.
        social_points: Most bonus points for social responsibility (사회적 책임), entered.
        price_points: Most points for the price, computed.
        price_deduction: Price score = price points x (1 - deduction x |bid - balanced| /
            balanced), never below ``min_price_points``.
        valid_from_pct: Bids from this share of the predetermined price up to it count for
            the balanced price.
        trim_high_pct, trim_low_pct: Shares of those bids, the highest and the lowest,
            left out before the mean (rounded down to whole bids).
        tie_break: The order of the tie rules after the total, in words.
    """

    agency_kind: AgencyKind
    band: Band
    capability_points: Decimal
    social_points: Decimal
    price_points: Decimal
    price_deduction: Decimal
    min_price_points: Decimal
    valid_from_pct: int
    trim_high_pct: int
    trim_low_pct: int
    tie_break: str


COMPREHENSIVE: tuple[ComprehensiveRow, ...] = (
    ComprehensiveRow(
        effective_from=BASELINE,
        agency_kind=AgencyKind.NATIONAL,
        band=Band(30 * BN),
        capability_points=Decimal(50),
        social_points=Decimal(2),
        price_points=Decimal(50),
        price_deduction=Decimal(2),
        min_price_points=Decimal(0),
        valid_from_pct=70,
        trim_high_pct=40,
        trim_low_pct=20,
        tie_break="capability + social points higher, then lower price, then seeded lottery",
        confirmed=False,
        source="MOEF comprehensive evaluation standard (종합심사낙찰제 심사기준, 계약예규) and"
        " PPS detailed standard: capability 50 + price 50 + social responsibility bonus 2;"
        " balanced price the mean of bids 70-100% of the predetermined price without the"
        " highest 40% and lowest 20%; the price formula and the tie order are ours, from"
        " memory of the standard; its text was not found in the stored corpora",
    ),
    ComprehensiveRow(
        effective_from=BASELINE,
        agency_kind=AgencyKind.LOCAL,
        band=Band(30 * BN),
        capability_points=Decimal(50),
        social_points=Decimal(0),
        price_points=Decimal(50),
        price_deduction=Decimal(2),
        min_price_points=Decimal(0),
        valid_from_pct=70,
        trim_high_pct=40,
        trim_low_pct=20,
        tie_break="capability points higher, then lower price, then seeded lottery",
        confirmed=False,
        source="MOIS award standard for local governments (지방자치단체 입찰시 낙찰자 결정기준,"
        " MOIS rule 283, in force 2024-07-01), 종합평가낙찰제 under local decree art. 42-3:"
        " highest total of quality, technical staff, proposal, period, price, capability and"
        " social responsibility wins; ties go to the higher technical-execution score, then"
        " the lower price, then a lottery (read on easylaw.go.kr); social responsibility is"
        " entered with capability here; points and the price formula are the national ones,"
        " not read",
    ),
)
