"""Announcement: minimum notice periods and the capacity of a deadline hour."""

from __future__ import annotations

from dataclasses import dataclass

from nara.domain.enums import Category, Method
from nara.domain.rules.base import (
    ALL_CATEGORIES,
    ANY_AMOUNT,
    BASELINE,
    BN,
    CONSTRUCTION,
    GOODS_SERVICES,
    INTERNATIONAL_CONSTRUCTION_2025,
    NEGOTIATED,
    OPEN_METHODS,
    PRIVATE,
    Band,
    M,
    RuleRow,
)


@dataclass(frozen=True, kw_only=True)
class NoticePeriodRow(RuleRow):
    """Minimum days between announcement and bid deadline."""

    categories: frozenset[Category]
    methods: frozenset[Method]
    band: Band = ANY_AMOUNT
    urgent: bool = False
    days: int


@dataclass(frozen=True, kw_only=True)
class DeadlineRow(RuleRow):
    """Deadlines fall on the hour; at most ``tenders_per_hour`` share one deadline hour."""

    tenders_per_hour: int


_DECREE_35 = "Enforcement Decree of the State Contracts Act art. 35; RULES.md 'Announcement'"

NOTICE_PERIODS: tuple[NoticePeriodRow, ...] = (
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=GOODS_SERVICES,
        methods=OPEN_METHODS,
        days=7,
        source=f"{_DECREE_35}: 7 days in general",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        methods=OPEN_METHODS,
        band=Band(0, 1 * BN),
        days=7,
        source=f"{_DECREE_35}: construction without site briefing, under 1 bn",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        methods=OPEN_METHODS,
        band=Band(1 * BN, 5 * BN),
        days=15,
        source=f"{_DECREE_35}: construction without site briefing, 1-5 bn",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        methods=OPEN_METHODS,
        band=Band(5 * BN, INTERNATIONAL_CONSTRUCTION_2025),
        days=30,
        source=f"{_DECREE_35}: construction 5 bn up to the international threshold"
        " (8.8 bn, MOEF notice 2024-12-24, valid to 2026-12-31; the 2027"
        " threshold is not known and this row carries 8.8 bn on)",
        confirmed=False,
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        methods=OPEN_METHODS,
        band=Band(INTERNATIONAL_CONSTRUCTION_2025),
        days=40,
        source="international tenders (WTO GPA special-procurement decree):"
        " construction from the 8.8 bn threshold; RULES.md",
        confirmed=False,
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=NEGOTIATED,
        band=Band(0, 100 * M),
        days=10,
        confirmed=False,
        source="negotiated contracts under 100 M; RULES.md marks it 'varies'",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=NEGOTIATED,
        band=Band(100 * M, 1 * BN),
        days=20,
        confirmed=False,
        source="negotiated contracts 100 M-1 bn; RULES.md marks it 'varies'",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=NEGOTIATED,
        band=Band(1 * BN),
        days=40,
        confirmed=False,
        source="Enforcement Decree art. 43: proposals 40 days; RULES.md 'varies'",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=OPEN_METHODS,
        urgent=True,
        days=5,
        source=f"{_DECREE_35}: urgent tenders 5 days",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=NEGOTIATED,
        urgent=True,
        days=5,
        confirmed=False,
        source="RULES.md: urgent tenders 5 days; some sources give 10 days for"
        " urgent negotiated contracts",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=PRIVATE,
        days=0,
        confirmed=False,
        source="private contracts are not announced for competition; the"
        " e-quotation period of small-value private contracts is not modelled",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=PRIVATE,
        urgent=True,
        days=0,
        confirmed=False,
        source="as the non-urgent private contract row",
    ),
)

DEADLINES: tuple[DeadlineRow, ...] = (
    DeadlineRow(
        effective_from=BASELINE,
        tenders_per_hour=1500,
        source="KONEPS capacity rule: deadlines on the hour, at most 1,500 per"
        " deadline hour; RULES.md 'Announcement'",
    ),
)
