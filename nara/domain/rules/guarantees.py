"""Guarantee rates: bid, performance and defect guarantees."""

from __future__ import annotations

from dataclasses import dataclass

from nara.domain.enums import Category, WorkType
from nara.domain.rules.base import BASELINE, CONSTRUCTION, GOODS_SERVICES, RuleRow


@dataclass(frozen=True, kw_only=True)
class BidGuaranteeRow(RuleRow):
    rate_bp: int


@dataclass(frozen=True, kw_only=True)
class PerformanceGuaranteeRow(RuleRow):
    categories: frozenset[Category]
    rate_bp: int
    post_within_days: int


@dataclass(frozen=True, kw_only=True)
class DefectGuaranteeRow(RuleRow):
    work_type: WorkType
    rate_bp: int


BID_GUARANTEES: tuple[BidGuaranteeRow, ...] = (
    BidGuaranteeRow(
        effective_from=BASELINE,
        rate_bp=500,
        source="Enforcement Decree of the State Contracts Act art. 37: at least 5%"
        " of the bid price",
    ),
)

PERFORMANCE_GUARANTEES: tuple[PerformanceGuaranteeRow, ...] = (
    PerformanceGuaranteeRow(
        effective_from=BASELINE,
        categories=GOODS_SERVICES,
        rate_bp=1000,
        post_within_days=10,
        source="Enforcement Decree art. 50: at least 10%, within 10 days",
    ),
    PerformanceGuaranteeRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        rate_bp=1500,
        post_within_days=10,
        source="RULES.md: construction 15%, within 10 days of award",
    ),
)

DEFECT_GUARANTEES: tuple[DefectGuaranteeRow, ...] = (
    DefectGuaranteeRow(
        effective_from=BASELINE,
        work_type=WorkType.BRIDGE_TUNNEL,
        rate_bp=500,
        source="Enforcement Rule art. 72 (2-5% by work type): bridges, tunnels",
    ),
    DefectGuaranteeRow(
        effective_from=BASELINE,
        work_type=WorkType.ROAD_BUILDING,
        rate_bp=300,
        source="Enforcement Rule art. 72: roads and general buildings",
    ),
    DefectGuaranteeRow(
        effective_from=BASELINE,
        work_type=WorkType.OTHER,
        rate_bp=200,
        source="Enforcement Rule art. 72: other works",
    ),
)
