"""Tender search in SQL: trigram matches on the normalised key, filters, keyset pages.

`tender.search_key` is `nara_search_key(title, agency name, description)` (migration
0010, kept by triggers); a keyword is normalised by the same function, so "도로 포장"
and "도로포장" are one key. A tender matches when its key contains the keyword's key
(`LIKE` over its letters, served by the GIN trigram index, rechecked on the composed key);
when none does, a misspelt keyword finds the tenders whose letters (jamo) are
word-similar to part of its own (`%>`). Pages are keyset pages on (deadline, id) or
(rank, deadline, id): a tender added while a client pages never shifts the rows it has
not seen yet.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    and_,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import Category, Method, Phase
from nara.store.tables import Tender

Sort = Literal["deadline", "relevance"]


@dataclass(frozen=True)
class Filters:
    """What a search asks for; `key` and `jamo` are the keyword as the index spells it."""

    key: str | None = None
    jamo: str | None = None
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


SIMILAR_CANDIDATES = 50
"""A misspelt keyword ranks at most this many similar tenders (the first the index finds)."""

FUZZY_THRESHOLD = 0.45
"""Word similarity over letters (jamo) a misspelt syllable keeps: about 0.5 for one wrong
syllable in four to six, near 0 for another item name."""


async def search_key(session: AsyncSession, *, words: str) -> tuple[str, str]:
    """The words as the index spells them: (`nara_search_key`, `nara_search_jamo` of it)."""
    # MATERIALIZED: the planner would otherwise inline the key and compute it twice.
    row = (
        await session.execute(
            text(
                "WITH k AS MATERIALIZED (SELECT nara_search_key(:words) AS key) "
                "SELECT key, nara_search_jamo(key) FROM k"
            ),
            {"words": words},
        )
    ).one()
    return str(row[0] or ""), str(row[1] or "")


def _substring(t: Any, filters: Filters, *, recheck: bool = True) -> ColumnElement[bool]:
    # No LIKE wildcards in either: nara_search_key removed every punctuation mark. The
    # index serves the letters; the composed key keeps 공사 from matching 공산 (left out
    # of an estimate: the planner would multiply the two selectivities as if independent).
    letters = t.search_jamo.like(f"%{filters.jamo}%")
    # strpos, not a second LIKE: the planner would take the two for independent and
    # under-estimate the matches a hundredfold (and pick a plan for rare keywords).
    composed = func.strpos(t.search_key, filters.key) > 0
    return and_(letters, composed) if recheck else letters


def _conditions(
    t: Any, filters: Filters, *, similar: bool, recheck: bool = True
) -> list[ColumnElement[bool]]:
    """The WHERE of a search on `t` (the table or a window of it)."""
    found: list[ColumnElement[bool]] = []
    if filters.key and filters.jamo:
        found.append(
            t.search_jamo.op("%>")(filters.jamo)
            if similar
            else _substring(t, filters, recheck=recheck)
        )
    for name in ("category", "method", "agency_code", "region", "phase"):
        if (value := getattr(filters, name)) is not None:
            found.append(getattr(t, name) == value)
    found += _deadline_range(t, filters)
    if filters.price_min is not None:
        found.append(t.estimated_price >= filters.price_min)
    if filters.price_max is not None:
        found.append(t.estimated_price <= filters.price_max)
    return found


def _deadline_range(t: Any, filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.deadline_from is not None:
        found.append(t.deadline >= filters.deadline_from)
    if filters.deadline_to is not None:
        found.append(t.deadline < filters.deadline_to)
    return found


def _after(t: Any, after: After | None) -> list[ColumnElement[bool]]:
    if after is None:
        return []
    return [tuple_(t.deadline, t.id) > tuple_(literal(after.deadline), literal(after.id))]


async def search(
    session: AsyncSession,
    *,
    filters: Filters,
    sort: Sort,
    after: After | None,
    limit: int,
    similar: bool = False,
) -> Sequence[tuple[Tender, float | None]]:
    """Up to `limit` tenders after `after`, with their rank (None unless `similar`).

    Exact matches (the keyword's key inside the tender's) come by deadline; `similar`
    ones (trigram word similarity of the letters, for a misspelt keyword that matched
    nothing exactly) by deadline or, `sort="relevance"`, by similarity first.
    """
    if similar:
        return await _similar(session, filters=filters, sort=sort, after=after, limit=limit)
    # One query: the planner walks the deadline index for a keyword many tenders carry and
    # asks the trigram index (with the filters inside it) for a rare one.
    query = (
        select(Tender)
        .where(*_conditions(Tender, filters, similar=False), *_after(Tender, after))
        .order_by(Tender.deadline, Tender.id)
        .limit(limit)
    )
    return [(tender, None) for tender in (await session.execute(query)).scalars()]


async def _similar(
    session: AsyncSession, *, filters: Filters, sort: Sort, after: After | None, limit: int
) -> Sequence[tuple[Tender, float | None]]:
    await session.execute(text(f"SET LOCAL pg_trgm.word_similarity_threshold = {FUZZY_THRESHOLD}"))
    # The best of the first SIMILAR_CANDIDATES the index yields: a bound on the work.
    candidates = (
        select(Tender.id)
        .where(*_conditions(Tender, filters, similar=True))
        .limit(SIMILAR_CANDIDATES)
        .subquery()
    )
    rank = func.word_similarity(filters.jamo, Tender.search_jamo)
    query = select(Tender, rank).where(Tender.id.in_(select(candidates.c.id))).limit(limit)
    if sort == "relevance":
        query = query.order_by(rank.desc(), Tender.deadline, Tender.id)
        if after is not None:
            position = tuple_(Tender.deadline, Tender.id) > tuple_(after.deadline, after.id)
            query = query.where(or_(rank < after.rank, and_(rank == after.rank, position)))
    else:
        query = query.order_by(Tender.deadline, Tender.id).where(*_after(Tender, after))
    return [(tender, float(score)) for tender, score in (await session.execute(query)).all()]


async def estimate(session: AsyncSession, *, filters: Filters, similar: bool = False) -> int:
    """The planner's estimate of how many tenders match (EXPLAIN: no row is read)."""
    query = (
        select(literal(1))
        .select_from(Tender)
        .where(*_conditions(Tender, filters, similar=similar, recheck=False))
    )
    compiled = query.compile(dialect=session.get_bind().dialect)
    connection = await session.connection()
    result = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
    plan: Any = result.scalar()
    document = json.loads(plan) if isinstance(plan, str) else plan
    return int(document[0]["Plan"]["Plan Rows"])
