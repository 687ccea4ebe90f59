"""Tender search: `GET /tenders/search`, on the search pool (503 fast when it is full).

Its own router, included before `/tenders/{notice_no}`, so "search" is never read as a
notice number.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from nara.api.problems import problem_responses
from nara.api.schemas.base import MAX_KRW, AgencyCode, Moment, Text, Whole
from nara.api.schemas.search import TenderSearchPage
from nara.api.search_gate import SearchGate
from nara.domain.enums import Category, Method, Phase
from nara.domain.errors import InvalidSearch
from nara.services import search
from nara.store.search import Filters

router = APIRouter(prefix="/tenders", tags=["tenders"], responses=problem_responses(422, 500, 503))

Krw = Annotated[int, Whole(0, MAX_KRW, unit=" of KRW", text=True)]
Cursor = Annotated[
    str, Text(400), Query(description="next_cursor of the previous page of the same search")
]


@router.get(
    "/search",
    response_model=TenderSearchPage,
    summary="Search tenders by keyword and filters (public notices)",
    description=(
        "Keywords are matched over the title, the agency's name and the description (the "
        "items) as people type them: spaces and punctuation are ignored (도로포장 finds "
        "'도로 포장 공사'), a part finds the whole (포장공사 finds 도로포장공사), and a keyword "
        "with one syllable wrong still finds it: when nothing holds the keyword as typed, "
        "the most similar tenders are answered (`matched: similar`, trigram word similarity "
        "over Hangul letters). Pages are keyset pages: a tender announced meanwhile never "
        "shifts the rows not seen yet. Search runs on a pool of its own: when it is "
        "saturated or its database fails it answers 503 with Retry-After at once, and "
        "bidding is unaffected."
    ),
)
async def search_tenders(
    request: Request,
    q: Annotated[str, Text(100), Query(description="keywords, 1 to 100 characters")] | None = None,
    category: Category | None = None,
    method: Method | None = None,
    agency_code: AgencyCode | None = None,
    region: Annotated[str, Text(40), Query(description="the region, exactly")] | None = None,
    phase: Phase | None = None,
    deadline_from: Annotated[Moment, Query(description="deadline at or after")] | None = None,
    deadline_to: Annotated[Moment, Query(description="deadline before")] | None = None,
    price_min: Annotated[Krw, Query(description="estimated price at least, KRW")] | None = None,
    price_max: Annotated[Krw, Query(description="estimated price at most, KRW")] | None = None,
    sort: Annotated[
        Literal["deadline", "relevance"],
        Query(
            description="deadline (soonest first) or relevance (similar matches best first; "
            "exact matches by deadline)"
        ),
    ] = "deadline",
    cursor: Cursor | None = None,
    limit: Annotated[int, Whole(1, 200, text=True), Query()] = 20,
) -> TenderSearchPage:
    if deadline_from is not None and deadline_to is not None and deadline_from >= deadline_to:
        raise _empty_range("deadline_from", "deadline_to")
    if price_min is not None and price_max is not None and price_min > price_max:
        raise _empty_range("price_min", "price_max")
    filters = Filters(
        category=category,
        method=method,
        agency_code=agency_code,
        region=region,
        phase=phase,
        deadline_from=deadline_from,
        deadline_to=deadline_to,
        price_min=price_min,
        price_max=price_max,
    )
    gate: SearchGate = request.app.state.search
    async with gate.session() as session:
        page = await search.search(
            session=session, words=q, filters=filters, sort=sort, cursor=cursor, limit=limit
        )
    return TenderSearchPage.model_validate(page)


def _empty_range(low: str, high: str) -> InvalidSearch:
    return InvalidSearch(
        f"{low} is not before {high}: nothing can match",
        field=f"query.{high}",
        fix=f"send {high} after {low}, or leave one of them out",
        rule="search-range",
    )
