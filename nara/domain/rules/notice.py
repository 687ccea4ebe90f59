"""Announcement: minimum notice periods and the capacity of a deadline hour."""

from __future__ import annotations

from dataclasses import dataclass

from nara.domain.enums import AgencyKind, Category, Method
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

    agency_kind: AgencyKind  # the law: State Contracts Act or Local Contracts Act
    categories: frozenset[Category]
    methods: frozenset[Method]
    band: Band = ANY_AMOUNT
    urgent: bool = False
    days: int


@dataclass(frozen=True, kw_only=True)
class DeadlineRow(RuleRow):
    """Deadlines fall on the hour; at most ``tenders_per_hour`` share one deadline hour."""

    tenders_per_hour: int


# 국가계약법 시행령 / 지방계약법 시행령: which decree a row comes from, by the agency's law.
_STATE_35 = "Enforcement Decree of the State Contracts Act art. 35 (입찰공고의 시기)"
_LOCAL_33 = "Enforcement Decree of the Local Contracts Act art. 33 (입찰공고의 시기)"
_LOCAL_43 = "Enforcement Decree of the Local Contracts Act art. 43 (협상에 의한 계약)"
_READ_STATE = "text read as re-posted by conpaper.tistory.com/28381 (quoting art. 35 in force 2024)"
_READ_STATE_NEGOTIATED = (
    "text read as quoted verbatim in a public law-snapshot repository"
    " ('제안서 제출마감일의 전날부터 기산하여 40일 전에 공고하여야 한다')"
)
_READ_LOCAL_43 = "text read as re-posted by work.hospitalk.net (local decree art. 43)"
_READ_LOCAL_GENERAL = "text read on easylaw.go.kr (local contracts, as of 2024-02-15)"

NATIONAL = AgencyKind.NATIONAL
LOCAL = AgencyKind.LOCAL


def _period(
    kind: AgencyKind,
    categories: frozenset[Category],
    methods: frozenset[Method],
    days: int,
    source: str,
    *,
    band: Band = ANY_AMOUNT,
    urgent: bool = False,
    confirmed: bool = True,
) -> NoticePeriodRow:
    return NoticePeriodRow(
        effective_from=BASELINE,
        agency_kind=kind,
        categories=categories,
        methods=methods,
        band=band,
        urgent=urgent,
        days=days,
        source=source,
        confirmed=confirmed,
    )


_PRIVATE_ROWS = tuple(
    _period(
        kind,
        ALL_CATEGORIES,
        PRIVATE,
        0,
        "private contracts are not announced for competition; the e-quotation period of"
        " small-value private contracts is not modelled",
        urgent=urgent,
        confirmed=False,
    )
    for kind in AgencyKind
    for urgent in (False, True)
)

NOTICE_PERIODS: tuple[NoticePeriodRow, ...] = (
    # --- national: State Contracts Act ---------------------------------------------
    _period(
        NATIONAL,
        GOODS_SERVICES,
        OPEN_METHODS,
        7,
        f"{_STATE_35} para. 1: 7 days before the deadline in general; {_READ_STATE}",
    ),
    _period(
        NATIONAL,
        CONSTRUCTION,
        OPEN_METHODS,
        7,
        f"{_STATE_35} para. 3: works without a site briefing, estimated price under 1 bn:"
        f" 7 days; {_READ_STATE}",
        band=Band(0, 1 * BN),
    ),
    _period(
        NATIONAL,
        CONSTRUCTION,
        OPEN_METHODS,
        15,
        f"{_STATE_35} para. 3: works without a site briefing, 1 bn to under 5 bn: 15 days;"
        f" {_READ_STATE}",
        band=Band(1 * BN, 5 * BN),
    ),
    _period(
        NATIONAL,
        CONSTRUCTION,
        OPEN_METHODS,
        40,
        f"{_STATE_35} para. 3: works without a site briefing, 5 bn or more: 40 days; {_READ_STATE}",
        band=Band(5 * BN),
    ),
    _period(
        NATIONAL,
        ALL_CATEGORIES,
        NEGOTIATED,
        40,
        f"{_STATE_35}: negotiated contracts (art. 43) 40 days before the proposal deadline,"
        f" at any amount; {_READ_STATE_NEGOTIATED}",
    ),
    _period(
        NATIONAL,
        ALL_CATEGORIES,
        OPEN_METHODS,
        5,
        f"{_STATE_35} para. 4: urgent tenders 5 days (not re-read in this round)",
        urgent=True,
    ),
    _period(
        NATIONAL,
        ALL_CATEGORIES,
        NEGOTIATED,
        10,
        f"{_STATE_35}: urgent or re-announced negotiated contracts 10 days; read only in the"
        " local decree's twin clause (art. 43), the national text was not found",
        urgent=True,
        confirmed=False,
    ),
    # --- local: Local Contracts Act --------------------------------------------------
    _period(
        LOCAL,
        GOODS_SERVICES,
        OPEN_METHODS,
        7,
        f"{_LOCAL_33} para. 1: 7 days before the deadline in general; {_READ_LOCAL_GENERAL}",
    ),
    _period(
        LOCAL,
        CONSTRUCTION,
        OPEN_METHODS,
        7,
        f"{_LOCAL_33}: works without a site briefing, under 1 bn: 7 days (text not found)",
        band=Band(0, 1 * BN),
        confirmed=False,
    ),
    _period(
        LOCAL,
        CONSTRUCTION,
        OPEN_METHODS,
        15,
        f"{_LOCAL_33}: works without a site briefing, 1 bn to under 5 bn: 15 days (text not found)",
        band=Band(1 * BN, 5 * BN),
        confirmed=False,
    ),
    _period(
        LOCAL,
        CONSTRUCTION,
        OPEN_METHODS,
        30,
        f"{_LOCAL_33}: works without a site briefing, 5 bn up to the international threshold:"
        " 30 days (text not found; the threshold for local governments is notified by MOIS"
        " and not known here, the national 8.8 bn of the MOEF notice of 2024-12-24 stands in)",
        band=Band(5 * BN, INTERNATIONAL_CONSTRUCTION_2025),
        confirmed=False,
    ),
    _period(
        LOCAL,
        CONSTRUCTION,
        OPEN_METHODS,
        40,
        f"{_LOCAL_33}: works from the international threshold: 40 days (text not found;"
        " threshold as the row above)",
        band=Band(INTERNATIONAL_CONSTRUCTION_2025),
        confirmed=False,
    ),
    _period(
        LOCAL,
        ALL_CATEGORIES,
        NEGOTIATED,
        10,
        f"{_LOCAL_43}: proposals, estimated price under 100 M: 10 days; {_READ_LOCAL_43}",
        band=Band(0, 100 * M),
    ),
    _period(
        LOCAL,
        ALL_CATEGORIES,
        NEGOTIATED,
        20,
        f"{_LOCAL_43}: proposals, 100 M to under 1 bn: 20 days; {_READ_LOCAL_43}",
        band=Band(100 * M, 1 * BN),
    ),
    _period(
        LOCAL,
        ALL_CATEGORIES,
        NEGOTIATED,
        40,
        f"{_LOCAL_43}: proposals, 1 bn or more: 40 days; {_READ_LOCAL_43}",
        band=Band(1 * BN),
    ),
    _period(
        LOCAL,
        ALL_CATEGORIES,
        OPEN_METHODS,
        5,
        f"{_LOCAL_33}: urgent tenders 5 days (text not found)",
        urgent=True,
        confirmed=False,
    ),
    _period(
        LOCAL,
        ALL_CATEGORIES,
        NEGOTIATED,
        10,
        f"{_LOCAL_43}: urgent or re-announced negotiated contracts 10 days; {_READ_LOCAL_43}",
        urgent=True,
    ),
    *_PRIVATE_ROWS,
)

DEADLINES: tuple[DeadlineRow, ...] = (
    DeadlineRow(
        effective_from=BASELINE,
        tenders_per_hour=1500,
        source="KONEPS capacity rule: deadlines on the hour, at most 1,500 per"
        " deadline hour; RULES.md 'Announcement'",
    ),
)
