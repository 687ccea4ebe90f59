"""How bids are scored: qualification review (적격심사) and negotiated contracts (협상)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from nara.domain.enums import AgencyKind, Category
from nara.domain.rules.base import (
    ALL_CATEGORIES,
    ANY_AMOUNT,
    BASELINE,
    BN,
    CONSTRUCTION,
    GOODS_SERVICES,
    Band,
    M,
    RuleRow,
)


@dataclass(frozen=True, kw_only=True)
class QualificationRow(RuleRow):
    """적격심사 scoring of the price: points - deduction x |reference rate - rate|.

    The rate is (bid - A) / (predetermined - A) in percent, the ratio rounded half up
    to ``ratio_places`` decimals (A is the announcement's A value; 0 when it has none
    or ``a_value`` is False). A bid at or below the predetermined price whose rate
    reaches ``fixed_from_rate`` scores ``fixed_score`` exactly; no score is below
    ``min_price_points``.
    """

    agency_kind: AgencyKind
    categories: frozenset[Category]
    band: Band
    price_points: Decimal
    reference_rate: Decimal
    deduction_per_point: Decimal
    min_price_points: Decimal
    pass_mark: Decimal
    fixed_score: Decimal | None = None
    fixed_from_rate: Decimal | None = None
    a_value: bool = False
    ratio_places: int = 4

    @property
    def capability_points(self) -> Decimal:
        """The points left for capability (experience, finances, ...) out of 100."""
        return Decimal(100) - self.price_points


@dataclass(frozen=True, kw_only=True)
class NegotiatedRow(RuleRow):
    """협상에 의한 계약: technical:price weights and who may be negotiated with."""

    agency_kind: AgencyKind
    categories: frozenset[Category]
    technical_weight: int
    price_weight: int
    min_technical_weight: int
    max_technical_weight: int
    eligibility_bp: int  # technical score needed, in bp of the technical weight


_PPS_STANDARD = (
    "PPS construction qualification-review detailed standard (조달청 시설공사 적격심사세부기준)"
)
_READ_A_VALUE = (
    "formula with the A value read in a PPS notice re-posted by thebid.co.kr (amendment for"
    " announcements from 2019-08-01: A = national pension, health insurance, retirement"
    " mutual aid, long-term care, occupational safety, safety management)"
)
_READ_FIXED = (
    "the form 90 - 20 x |88 - rate| with a fixed 85 points from 88.25% up to the"
    " predetermined price read on bidsys.co.kr's guide (band not named there)"
)
_DERIVED = (
    "fixed-score region derived from the pass mark and the capability points (the score a"
    " bid with full capability needs), not read"
)
_ROUNDING = (
    "ratio rounded half up at the 5th decimal, as the guides of bidsys.co.kr and kin.naver read"
)
NEW_STANDARD_2026 = date(2026, 1, 30)
LOCAL_RISE_2025 = date(2025, 7, 1)

# Construction bands of qualification review: (band, price points, deduction, pass mark).
_BANDS = (
    (Band(0, 300 * M), 90, 20, 95),
    (Band(300 * M, 1 * BN), 80, 20, 95),
    (Band(1 * BN, 5 * BN), 70, 4, 95),
)
_BANDS_2026 = (*_BANDS, (Band(5 * BN, 10 * BN), 50, 2, 95), (Band(10 * BN, 30 * BN), 30, 1, 92))
_BANDS_BEFORE = (*_BANDS, (Band(5 * BN, 10 * BN), 30, 2, 95), (Band(10 * BN, 30 * BN), 30, 1, 92))
_BEYOND = Band(30 * BN)


def _construction(
    *,
    agency_kind: AgencyKind,
    effective_from: date,
    reference: int,
    bands: tuple[tuple[Band, int, int, int], ...],
    source: str,
) -> tuple[QualificationRow, ...]:
    rows: list[QualificationRow] = []
    for band, points, deduction, pass_mark in bands:
        fixed = Decimal(pass_mark - (100 - points))  # what a full-capability bid needs
        reach = (Decimal(points) - fixed) / deduction
        note = _READ_FIXED if points == 90 and reference == 88 else _DERIVED
        rows.append(
            QualificationRow(
                effective_from=effective_from,
                agency_kind=agency_kind,
                categories=CONSTRUCTION,
                band=band,
                price_points=Decimal(points),
                reference_rate=Decimal(reference),
                deduction_per_point=Decimal(deduction),
                min_price_points=Decimal(2),
                pass_mark=Decimal(pass_mark),
                fixed_score=fixed,
                fixed_from_rate=Decimal(reference) + reach,
                a_value=True,
                confirmed=False,
                source=f"{source}; {note}; {_ROUNDING}",
            )
        )
    # 30 bn or more: no qualification review (comprehensive evaluation); the row keeps
    # every key resolvable and scores like the largest band if ever asked.
    last = rows[-1]
    rows.append(
        QualificationRow(
            effective_from=effective_from,
            agency_kind=agency_kind,
            categories=CONSTRUCTION,
            band=_BEYOND,
            price_points=last.price_points,
            reference_rate=last.reference_rate,
            deduction_per_point=last.deduction_per_point,
            min_price_points=last.min_price_points,
            pass_mark=last.pass_mark,
            fixed_score=last.fixed_score,
            fixed_from_rate=last.fixed_from_rate,
            a_value=True,
            confirmed=False,
            source="construction of 30 bn or more is not reviewed for qualification but"
            " awarded by comprehensive evaluation; this row repeats the 10-30 bn one",
        )
    )
    return tuple(rows)


QUALIFICATION: tuple[QualificationRow, ...] = (
    *_construction(
        agency_kind=AgencyKind.NATIONAL,
        effective_from=BASELINE,
        reference=88,
        bands=_BANDS_BEFORE,
        source=f"{_PPS_STANDARD} before 2026-01-30: reference 88%; {_READ_A_VALUE} for"
        " 5-10 bn (30 - 2 x) and 10-30 bn (30 - 1 x); smaller bands' points and"
        " deductions derived from the lower limits 87.745 / 86.745%",
    ),
    *_construction(
        agency_kind=AgencyKind.NATIONAL,
        effective_from=NEW_STANDARD_2026,
        reference=90,
        bands=_BANDS_2026,
        source=f"{_PPS_STANDARD} for announcements from 2026-01-30 (rise of the lower limits"
        " by 2 points on that date read in contractor associations' notices, kosca.or.kr and"
        " kewbc.or.kr, 2025-12): reference 90%, points 90/80/70/50/30, pass marks 95 and 92"
        " from 10 bn as an outside check reported (issue 12); quality management joins A;"
        " the standard's own text was not found",
    ),
    *_construction(
        agency_kind=AgencyKind.LOCAL,
        effective_from=BASELINE,
        reference=88,
        bands=_BANDS_BEFORE,
        source="MOIS local qualification-review standard before 2025-07-01, taken as the"
        " national table (the form 70 - 4 x |88 - rate| for local works of 1-2 bn read on"
        " a bidder's blog, blog.daum.net)",
    ),
    *_construction(
        agency_kind=AgencyKind.LOCAL,
        effective_from=LOCAL_RISE_2025,
        reference=90,
        bands=_BANDS_2026,
        source="MOIS local qualification-review standard from 2025-07-01 (lower limits +2"
        " points): taken as the national 2026 table; not read",
    ),
    *(
        QualificationRow(
            effective_from=BASELINE,
            agency_kind=kind,
            categories=GOODS_SERVICES,
            band=ANY_AMOUNT,
            price_points=Decimal(30),
            reference_rate=Decimal(88),
            deduction_per_point=Decimal(2),
            min_price_points=Decimal(2),
            pass_mark=Decimal(85),
            confirmed=False,
            source="PPS qualification review of goods and services, simplified: price score ="
            " 30 - 2 x |88 - rate|, no A value; weights not read",
        )
        for kind in AgencyKind
    ),
)

_NEGOTIATED_RANGE = (
    "90:10 to 60:40 allowed (RULES.md 'varies'); negotiation only with technical scores of"
    " at least 85% of the technical weight (an outside check found the 85% confirmed)"
)

NEGOTIATED_WEIGHTS: tuple[NegotiatedRow, ...] = (
    NegotiatedRow(
        effective_from=BASELINE,
        agency_kind=AgencyKind.NATIONAL,
        categories=ALL_CATEGORIES,
        technical_weight=80,
        price_weight=20,
        min_technical_weight=60,
        max_technical_weight=90,
        eligibility_bp=8500,
        confirmed=False,
        source="MOEF standard for negotiated contracts (협상에 의한 계약체결기준): technical:price"
        f" 80:20 by default until 2026-01-01; {_NEGOTIATED_RANGE}",
    ),
    NegotiatedRow(
        effective_from=date(2026, 1, 2),
        agency_kind=AgencyKind.NATIONAL,
        categories=ALL_CATEGORIES,
        technical_weight=70,
        price_weight=30,
        min_technical_weight=60,
        max_technical_weight=90,
        eligibility_bp=8500,
        confirmed=False,
        source="MOEF standard for negotiated contracts as amended from 2026-01-02: default"
        " 70:30 as an outside check reported (issue 12), the amendment's text was not"
        f" found; {_NEGOTIATED_RANGE}",
    ),
    NegotiatedRow(
        effective_from=BASELINE,
        agency_kind=AgencyKind.LOCAL,
        categories=ALL_CATEGORIES,
        technical_weight=80,
        price_weight=20,
        min_technical_weight=60,
        max_technical_weight=90,
        eligibility_bp=8500,
        confirmed=False,
        source="MOIS award standard for local governments (지방자치단체 입찰시 낙찰자 결정기준),"
        f" negotiated contracts: 80:20 by default (not read); {_NEGOTIATED_RANGE}",
    ),
)
