"""Tender search: what a page of results reads like."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from nara.api.schemas.base import ApiModel
from nara.api.schemas.tenders import TenderRead


class TenderHit(TenderRead):
    rank: float | None = Field(
        None,
        description="matched=similar: the trigram word similarity (0 to 1) of the keyword's "
        "letters to the tender's; null for an exact match",
    )


class TenderSearchPage(ApiModel):
    items: list[TenderHit]
    matched: Literal["exact", "similar"] = Field(
        description="exact: every tender holds the keyword as typed (spaces and punctuation "
        "ignored); similar: none did, these are the most similar (a misspelt keyword)"
    )
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
