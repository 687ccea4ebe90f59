"""The closed vocabularies of the procurement rules."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """What is bought."""

    GOODS = "goods"
    SERVICES = "services"
    CONSTRUCTION = "construction"


class Method(StrEnum):
    """How the contractor is chosen."""

    GENERAL = "general"
    LIMITED = "limited"
    DESIGNATED = "designated"
    NEGOTIATED = "negotiated"
    PRIVATE = "private"


COMPETITIVE_METHODS = frozenset(
    {Method.GENERAL, Method.LIMITED, Method.DESIGNATED, Method.NEGOTIATED}
)


class AgencyKind(StrEnum):
    """Which contract law the buying agency follows."""

    NATIONAL = "national"
    LOCAL = "local"  # local governments and education offices


CONTRACT_LAWS = {
    AgencyKind.NATIONAL: "Act on Contracts to which the State is a Party (국가계약법)",
    AgencyKind.LOCAL: "Act on Contracts to which a Local Government is a Party (지방계약법)",
}
"""The law a tender is run under, by the kind of its contracting authority."""


class AwardMethod(StrEnum):
    """How the winner of a tender is chosen (from its method, category and amount)."""

    QUALIFICATION = "qualification"  # 적격심사: lowest price at or above the lower limit, reviewed
    NEGOTIATED = "negotiated"  # 협상: technical + price score
    COMPREHENSIVE = "comprehensive"  # 종합심사 / 종합평가: capability + price + social, highest


class WorkType(StrEnum):
    """Construction work type, for the defect guarantee rate."""

    BRIDGE_TUNNEL = "bridge_tunnel"
    ROAD_BUILDING = "road_building"
    OTHER = "other"


class Phase(StrEnum):
    """Where a tender is in its life (the workflow is the system of record for it)."""

    ANNOUNCED = "announced"
    BIDDING = "bidding"
    CLOSED = "closed"
    OPENED = "opened"
    EVALUATING = "evaluating"
    AWARDED = "awarded"
    CONTRACTED = "contracted"
    PAYING = "paying"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINAL_PHASES = frozenset({Phase.COMPLETED, Phase.FAILED, Phase.CANCELLED})


class Role(StrEnum):
    """What a person does in the system."""

    OFFICER = "officer"
    INSPECTOR = "inspector"
    SUPPLIER = "supplier"
    OPERATOR = "operator"
    AUDITOR = "auditor"


class PaymentKind(StrEnum):
    """What a payment claim is for."""

    ADVANCE = "advance"  # 선금
    PROGRESS = "progress"  # 기성금
    FINAL = "final"  # 준공금


class PaymentState(StrEnum):
    """Where a payment claim stands."""

    CLAIMED = "claimed"
    ACCEPTED = "accepted"  # inspected and accepted, transfer pending
    PAID = "paid"
    REJECTED = "rejected"
