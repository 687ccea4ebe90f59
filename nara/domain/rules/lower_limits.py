"""낙찰하한율: the lower-limit award rate by category, agency kind and amount band."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from nara.domain.enums import AgencyKind, Category
from nara.domain.rules.base import (
    ANY_AMOUNT,
    BASELINE,
    BN,
    INTERNATIONAL_GOODS_SERVICES_2025,
    Band,
    M,
    RuleRow,
)


@dataclass(frozen=True, kw_only=True)
class LowerLimitRow(RuleRow):
    """낙찰하한율 in percent; ``rate=None``: the band is not awarded by qualification review."""

    category: Category
    agency_kind: AgencyKind
    band: Band
    rate: Decimal | None
    # 중소기업자간 경쟁제품: goods bought in competition among SMEs only (goods rows only).
    sme_competitive: bool = False


def _rates(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


_CONSTRUCTION_BANDS = (
    Band(0, 300 * M),
    Band(300 * M, 1 * BN),
    Band(1 * BN, 5 * BN),
    Band(5 * BN, 10 * BN),
    Band(10 * BN, 30 * BN),
)
_BEYOND_QUALIFICATION = Band(30 * BN)


def _construction_lower_limits(
    *,
    agency_kind: AgencyKind,
    effective_from: date,
    rates: tuple[Decimal, ...],
    source: str,
    confirmed: bool,
) -> tuple[LowerLimitRow, ...]:
    rows = tuple(
        LowerLimitRow(
            effective_from=effective_from,
            category=Category.CONSTRUCTION,
            agency_kind=agency_kind,
            band=band,
            rate=rate,
            source=source,
            confirmed=confirmed,
        )
        for band, rate in zip(_CONSTRUCTION_BANDS, rates, strict=True)
    )
    return (
        *rows,
        LowerLimitRow(
            effective_from=effective_from,
            category=Category.CONSTRUCTION,
            agency_kind=agency_kind,
            band=_BEYOND_QUALIFICATION,
            rate=None,
            confirmed=True,
            source="construction of 30 bn or more is awarded by comprehensive evaluation"
            " (national 종합심사낙찰제, local 종합평가낙찰제), not by qualification review;"
            " see the comprehensive table",
        ),
    )


_MOEF_QUALIFICATION = "MOEF contract rules, qualification review standard (적격심사기준)"

LOWER_LIMITS: tuple[LowerLimitRow, ...] = (
    *_construction_lower_limits(
        agency_kind=AgencyKind.NATIONAL,
        effective_from=BASELINE,
        rates=_rates("87.745", "87.745", "86.745", "85.495", "79.995"),
        confirmed=True,
        source=f"{_MOEF_QUALIFICATION}, construction, national; RULES.md",
    ),
    *_construction_lower_limits(
        agency_kind=AgencyKind.NATIONAL,
        effective_from=date(2026, 1, 30),
        rates=_rates("89.745", "89.745", "88.745", "87.495", "81.995"),
        confirmed=False,
        source=f"{_MOEF_QUALIFICATION} and PPS detailed standard as amended for 2026-01-30:"
        " every band +2 percentage points (contractor associations' notices of"
        " 2025-12); 89.745% for small works confirmed, the other bands derived",
    ),
    *_construction_lower_limits(
        agency_kind=AgencyKind.LOCAL,
        effective_from=BASELINE,
        rates=_rates("87.745", "87.745", "86.745", "85.495", "79.995"),
        confirmed=False,
        source="MOIS award standard for local governments before 2025-07-01: taken as equal"
        " to the national table",
    ),
    *_construction_lower_limits(
        agency_kind=AgencyKind.LOCAL,
        effective_from=date(2025, 7, 1),
        rates=_rates("89.745", "89.745", "88.745", "87.495", "81.995"),
        confirmed=False,
        source="MOIS local contract rules in force 2025-07-01: lower limits of works under"
        " 30 bn +2 percentage points (first rise in 20 years, press 2025-07-01);"
        " band values derived",
    ),
    *(
        LowerLimitRow(
            effective_from=BASELINE,
            category=Category.GOODS,
            agency_kind=kind,
            band=band,
            rate=Decimal(rate),
            confirmed=False,
            source=f"{_MOEF_QUALIFICATION}, goods other than SME-competitive goods; RULES.md"
            " gives 80.495% as an example; the band edge at the 230 M international"
            " threshold and 84.245% below it are ours, not read",
        )
        for kind in AgencyKind
        for band, rate in (
            (Band(0, INTERNATIONAL_GOODS_SERVICES_2025), "84.245"),
            (Band(INTERNATIONAL_GOODS_SERVICES_2025), "80.495"),
        )
    ),
    *(
        LowerLimitRow(
            effective_from=BASELINE,
            category=Category.GOODS,
            agency_kind=kind,
            band=ANY_AMOUNT,
            rate=Decimal("88.000"),
            sme_competitive=True,
            confirmed=False,
            source=f"{_MOEF_QUALIFICATION}, SME-competitive goods (중소기업자간 경쟁제품): 88% at"
            " any amount, as an outside check of the tables reported (issue 12); the"
            " standard's text was not found in the stored corpora",
        )
        for kind in AgencyKind
    ),
    *(
        LowerLimitRow(
            effective_from=BASELINE,
            category=Category.SERVICES,
            agency_kind=kind,
            band=band,
            rate=Decimal(rate),
            confirmed=False,
            source=f"{_MOEF_QUALIFICATION}, general services; not confirmed",
        )
        for kind in AgencyKind
        for band, rate in (
            (Band(0, INTERNATIONAL_GOODS_SERVICES_2025), "87.745"),
            (Band(INTERNATIONAL_GOODS_SERVICES_2025), "80.495"),
        )
    ),
)
