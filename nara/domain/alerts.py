"""Personalised alerts: licence categories, how a subscription's words are compared, the
delivery backoff, and how an open tender is recommended to a business (with its reasons).

Pure: the store runs the same rules in SQL (`nara.store.alerts`) with these constants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from nara.domain.enums import Category

# 업종 (licensed business types) a business registers, and what they let it bid on.
LICENCES: dict[str, Category] = {
    "토목공사업": Category.CONSTRUCTION,
    "건축공사업": Category.CONSTRUCTION,
    "토목건축공사업": Category.CONSTRUCTION,
    "조경공사업": Category.CONSTRUCTION,
    "산업환경설비공사업": Category.CONSTRUCTION,
    "전기공사업": Category.CONSTRUCTION,
    "정보통신공사업": Category.CONSTRUCTION,
    "소방시설공사업": Category.CONSTRUCTION,
    "실내건축공사업": Category.CONSTRUCTION,
    "엔지니어링사업": Category.SERVICES,
    "소프트웨어사업": Category.SERVICES,
    "건설기술용역업": Category.SERVICES,
    "측량업": Category.SERVICES,
    "물품제조업": Category.GOODS,
    "물품공급업": Category.GOODS,
}
"""Licence name -> the category of tenders it qualifies for (the registry's vocabulary)."""

MAX_KEYWORDS = 10
MAX_REGIONS = 20
MAX_SUBSCRIPTIONS = 20
"""Per business: more is refused (each one is matched against every announcement)."""


def normalise(text: str) -> str:
    """A keyword as it is compared: lower case, without any white space, so "도로 포장"
    finds "도로포장공사" (the store compares the title and description the same way)."""
    return "".join(text.lower().split())


BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """How long a failed delivery waits before attempt `attempts + 1`: 30 s doubled per
    attempt, at most an hour."""
    doublings = min(max(attempts - 1, 0), 16)  # 30 s x 2^16 is past the cap already
    wait: timedelta = BACKOFF_BASE * 2**doublings
    return min(wait, BACKOFF_CAP)


# Recommendation weights: a licence that qualifies the business counts most, then the
# agencies it bid with (up to HISTORY_CAP bids), its region, then the category it bids in.
LICENCE_POINTS = 40
REGION_POINTS = 20
AGENCY_POINTS_PER_BID = 8
CATEGORY_POINTS_PER_BID = 2
HISTORY_CAP = 5


@dataclass(frozen=True)
class Evidence:
    """What is known about one open tender for one business."""

    licence: str | None
    """The business's licence whose category is the tender's, if any."""
    region: str | None
    """The tender's region when it is the business's region."""
    agency_name: str
    agency_bids: int
    """The business's earlier bids on this agency's tenders."""
    category: Category
    category_bids: int
    """The business's earlier bids on tenders of this category."""


def score(evidence: Evidence) -> int:
    """Points for ranking: higher first (ties: the nearer deadline first)."""
    return (
        (LICENCE_POINTS if evidence.licence else 0)
        + (REGION_POINTS if evidence.region else 0)
        + AGENCY_POINTS_PER_BID * min(evidence.agency_bids, HISTORY_CAP)
        + CATEGORY_POINTS_PER_BID * min(evidence.category_bids, HISTORY_CAP)
    )


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def reasons(evidence: Evidence) -> list[str]:
    """Why the tender is recommended, strongest first, in words a supplier reads."""
    said: list[str] = []
    if evidence.licence:
        said.append(f"matches licence {evidence.licence}")
    if evidence.agency_bids:
        said.append(f"agency you bid with {_times(evidence.agency_bids)} ({evidence.agency_name})")
    if evidence.region:
        said.append(f"in your region {evidence.region}")
    if evidence.category_bids:
        said.append(
            f"{evidence.category.value} tenders you bid on {_times(evidence.category_bids)}"
        )
    return said
