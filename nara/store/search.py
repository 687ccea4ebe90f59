"""Tender search in SQL: trigram matches on the normalised key, filters, keyset pages.

`tender.search_key` is `nara_search_key(title, agency name, description)` (migration
0010, kept by triggers); a keyword is normalised by the same function, so "도로 포장"
and "도로포장" are one key. A tender matches when its key contains the keyword's key
(`LIKE`, served by the GIN trigram index) or, for keys of three characters or more, when
the keyword is word-similar to part of it (`<%`, one misspelt syllable). Pages are keyset
pages on (deadline, id) or (rank, deadline, id): a tender added while a client pages
never shifts the rows it has not seen yet.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Float, and_, case, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import Category, Method, Phase
from nara.store.tables import Tender

Sort = Literal["deadline", "relevance"]

FUZZY_MIN_CHARS = 3
"""Shorter keys have no whole trigram: they match as substrings only."""


@dataclass(frozen=True)
class Filters:
    """What a search asks for; `key` is the keyword already normalised (`search_key`)."""

    key: str | None = None
    category: Category | None = None
    method: Method | None = None
    agency_code: str | None = None
    region: str | None = None
    phase: Phase | None = None
    deadline_from: datetime | None = None
    deadline_to: datetime | None = None
    price_min: int | None = None
    price_max: int | None = None


@dataclass(frozen=True)
class After:
    """The last row of the previous page: where the next one starts."""

    deadline: datetime
    id: uuid.UUID
    rank: float | None = None


async def search_key(session: AsyncSession, *, words: str) -> str:
    """The words as the index spells them (`nara_search_key`: NFKC, lower, no spaces)."""
    return str(await session.scalar(select(func.nara_search_key(words))) or "")


def _rank(key: str) -> ColumnElement[float]:
    """1 for a substring match, else the word similarity (0..1) of the keyword."""
    return case(
        (Tender.search_key.like(f"%{key}%"), literal(1.0, Float)),
        else_=func.word_similarity(key, Tender.search_key),
    )


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.key:
        # The key has no LIKE wildcards: nara_search_key removed every punctuation mark.
        substring = Tender.search_key.like(f"%{filters.key}%")
        if len(filters.key) >= FUZZY_MIN_CHARS:
            found.append(or_(substring, Tender.search_key.op("%>")(filters.key)))
        else:
            found.append(substring)
    for column, value in (
        (Tender.category, filters.category),
        (Tender.method, filters.method),
        (Tender.agency_code, filters.agency_code),
        (Tender.region, filters.region),
        (Tender.phase, filters.phase),
    ):
        if value is not None:
            found.append(column == value)
    if filters.deadline_from is not None:
        found.append(Tender.deadline >= filters.deadline_from)
    if filters.deadline_to is not None:
        found.append(Tender.deadline < filters.deadline_to)
    if filters.price_min is not None:
        found.append(Tender.estimated_price >= filters.price_min)
    if filters.price_max is not None:
        found.append(Tender.estimated_price <= filters.price_max)
    return found


async def search(
    session: AsyncSession, *, filters: Filters, sort: Sort, after: After | None, limit: int
) -> Sequence[tuple[Tender, float | None]]:
    """Up to `limit` tenders after `after`, with their rank (None when sorted by deadline)."""
    by_rank = sort == "relevance" and bool(filters.key)
    rank = _rank(filters.key) if by_rank and filters.key else literal(None, Float)
    query = select(Tender, rank.label("rank")).where(*_conditions(filters)).limit(limit)
    position = tuple_(Tender.deadline, Tender.id)
    if by_rank:
        query = query.order_by(rank.desc(), Tender.deadline, Tender.id)
        if after is not None:
            query = query.where(
                or_(
                    rank < after.rank,
                    and_(rank == after.rank, position > tuple_(after.deadline, after.id)),
                )
            )
    else:
        query = query.order_by(Tender.deadline, Tender.id)
        if after is not None:
            query = query.where(position > tuple_(literal(after.deadline), literal(after.id)))
    rows = (await session.execute(query)).all()
    return [(row[0], None if row[1] is None else float(row[1])) for row in rows]


async def estimate(session: AsyncSession, *, filters: Filters) -> int:
    """The planner's estimate of how many tenders match (EXPLAIN: no row is read)."""
    query = select(literal(1)).select_from(Tender).where(*_conditions(filters))
    compiled = query.compile(dialect=session.get_bind().dialect)
    connection = await session.connection()
    result = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
    plan: Any = result.scalar()
    document = json.loads(plan) if isinstance(plan, str) else plan
    return int(document[0]["Plan"]["Plan Rows"])
