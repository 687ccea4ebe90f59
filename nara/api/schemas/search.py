"""Tender search: what a page of results reads like."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from nara.api.schemas.base import ApiModel
from nara.api.schemas.tenders import TenderRead


class TenderHit(TenderRead):
    rank: float | None = Field(
        None,
        description="sort=relevance with q: 1 when the keyword is found as typed (spaces "
        "ignored), else its trigram word similarity (0 to 1); null when sorted by deadline",
    )


class TenderSearchPage(ApiModel):
    items: list[TenderHit]
    next_cursor: str | None = Field(
        None, description="pass as `cursor` (with the same q, filters and sort) for the next page"
    )
    limit: int
    sort: Literal["deadline", "relevance"]
    estimated_total: int = Field(
        description="how many tenders match: exact when total_is_exact, else the query "
        "planner's estimate (EXPLAIN; no row is counted)"
    )
    total_is_exact: bool = Field(
        description="true when this first page holds every match (the total is its length)"
    )
