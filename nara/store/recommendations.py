"""Open tenders recommended to a business, with the evidence for each: the query behind
GET /businesses/{business_no}/recommendations (weights of `nara.domain.alerts`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain import alerts as rules


@dataclass(frozen=True)
class Candidate:
    """An open tender and the evidence for recommending it (`rules.Evidence`)."""

    tender_id: uuid.UUID
    notice_no: str
    title: str
    agency_code: str
    agency_name: str
    category: str
    region: str | None
    estimated_price: int
    deadline: datetime
    licence: str | None
    same_region: bool
    agency_bids: int
    category_bids: int


# Open tenders the business has not bid on yet, with its licence for the tender's
# category, whether the region is its own, and its bids on the agency and category
# before; only those with some evidence, ranked by `rules.score` (the same weights).
_RECOMMEND = text(
    """
WITH me AS (SELECT region FROM business WHERE business_no = :business_no),
history AS (
    SELECT t.agency_code, t.category, count(*) AS n
      FROM bid b JOIN tender t ON t.id = b.tender_id
     WHERE b.business_no = :business_no
     GROUP BY t.agency_code, t.category
),
by_agency AS (SELECT agency_code, sum(n)::int AS n FROM history GROUP BY agency_code),
by_category AS (SELECT category, sum(n)::int AS n FROM history GROUP BY category),
lic AS (
    SELECT category, min(licence) AS licence FROM business_licence
     WHERE business_no = :business_no GROUP BY category
),
open AS (
    SELECT t.id AS tender_id, t.notice_no, t.title, t.agency_code, a.name AS agency_name,
           t.category, t.region, t.estimated_price, t.deadline,
           lic.licence,
           coalesce(t.region = me.region, false) AS same_region,
           coalesce(ba.n, 0) AS agency_bids,
           coalesce(bc.n, 0) AS category_bids
      FROM tender t
      JOIN agency a ON a.code = t.agency_code
      CROSS JOIN me
      LEFT JOIN lic ON lic.category = t.category
      LEFT JOIN by_agency ba ON ba.agency_code = t.agency_code
      LEFT JOIN by_category bc ON bc.category = t.category
     WHERE t.phase = 'bidding' AND t.bidding_open AND t.deadline > now()
       AND NOT EXISTS (SELECT 1 FROM bid b
                        WHERE b.tender_id = t.id AND b.business_no = :business_no)
)
SELECT * FROM open
 WHERE licence IS NOT NULL OR same_region OR agency_bids > 0 OR category_bids > 0
 ORDER BY (CASE WHEN licence IS NOT NULL THEN :licence_points ELSE 0 END
           + CASE WHEN same_region THEN :region_points ELSE 0 END
           + :agency_points * least(agency_bids, :cap)
           + :category_points * least(category_bids, :cap)) DESC,
          deadline, notice_no
 LIMIT :limit
"""
)


async def recommend(session: AsyncSession, *, business_no: str, limit: int) -> list[Candidate]:
    """Up to `limit` open tenders for the business, best first."""
    rows = await session.execute(
        _RECOMMEND,
        {
            "business_no": business_no,
            "limit": limit,
            "licence_points": rules.LICENCE_POINTS,
            "region_points": rules.REGION_POINTS,
            "agency_points": rules.AGENCY_POINTS_PER_BID,
            "category_points": rules.CATEGORY_POINTS_PER_BID,
            "cap": rules.HISTORY_CAP,
        },
    )
    return [Candidate(**row._mapping) for row in rows]
