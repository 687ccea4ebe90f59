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


class WorkType(StrEnum):
    """Construction work type, for the defect guarantee rate."""

    BRIDGE_TUNNEL = "bridge_tunnel"
    ROAD_BUILDING = "road_building"
    OTHER = "other"
