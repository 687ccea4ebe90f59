"""Searching tenders: keywords as people type them, filters, stable pages, a total.

The keyword is normalised by the database (`nara_search_key`), matched as a substring or,
misspelt, by trigram word similarity (`nara.store.search`). The cursor is opaque to
clients: base64url of the last row's position, the sort and a fingerprint of the search,
so a cursor of another search, another sort or a forged one is refused (422 naming
`cursor`) instead of answering a wrong page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.errors import InvalidSearch
from nara.services.base import ServiceModel
from nara.services.tenders.models import TenderView
from nara.store import search as store
from nara.store.search import After, Filters, Sort

CURSOR_VERSION = 1


class SearchHit(TenderView):
    """A tender found, with its rank (1 for a keyword found as typed; None by deadline)."""

    rank: float | None = None


class SearchPage(ServiceModel):
    items: list[SearchHit]
    next_cursor: str | None
    limit: int
    sort: Sort
    estimated_total: int
    total_is_exact: bool


def _fingerprint(filters: Filters, sort: Sort) -> str:
    """A short hash of what was asked: a cursor only continues the search it came from."""
    asked = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(filters).items()}
    blob = json.dumps([asked, sort], sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def encode_cursor(after: After, *, fingerprint: str) -> str:
    body = {
        "v": CURSOR_VERSION,
        "f": fingerprint,
        "d": after.deadline.isoformat(),
        "i": str(after.id),
        "r": after.rank,
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad_cursor(why: str) -> InvalidSearch:
    return InvalidSearch(
        f"cursor: {why}",
        field="query.cursor",
        fix="pass the next_cursor of the previous page of this same search unchanged, "
        "or leave cursor out to start from the first page",
    )


def decode_cursor(cursor: str, *, fingerprint: str) -> After:
    """The position a cursor names; InvalidSearch (field `cursor`) for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body: Any = json.loads(raw)
        if not isinstance(body, dict) or body.get("v") != CURSOR_VERSION:
            raise ValueError("unknown cursor version")
        deadline = datetime.fromisoformat(body["d"])
        rank = body["r"]
        if deadline.tzinfo is None or not (rank is None or isinstance(rank, int | float)):
            raise ValueError("malformed position")
        after = After(deadline=deadline, id=uuid.UUID(body["i"]), rank=rank)
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise _bad_cursor(f"not a cursor this API gave ({error})") from error
    if body.get("f") != fingerprint:
        raise _bad_cursor("it belongs to another search (other keywords, filters or sort)")
    return after


async def search(
    *,
    session: AsyncSession,
    words: str | None,
    filters: Filters,
    sort: Sort,
    cursor: str | None,
    limit: int,
) -> SearchPage:
    """One page of tenders matching `words` and `filters`, and an estimated total."""
    if words is not None:
        key = await store.search_key(session, words=words)
        if not key:
            raise InvalidSearch(
                f"q {words!r} has no letter or digit to search for",
                field="query.q",
                fix="send words with letters or digits, e.g. 도로포장",
            )
        filters = Filters(**(vars(filters) | {"key": key}))
    fingerprint = _fingerprint(filters, sort)
    after = decode_cursor(cursor, fingerprint=fingerprint) if cursor is not None else None
    rows = await store.search(session, filters=filters, sort=sort, after=after, limit=limit + 1)
    items = [SearchHit.model_validate(row).model_copy(update={"rank": rank}) for row, rank in rows]
    items = items[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        position = After(deadline=last[0].deadline, id=last[0].id, rank=last[1])
        next_cursor = encode_cursor(position, fingerprint=fingerprint)
    exact = cursor is None and next_cursor is None
    total = len(items) if exact else await store.estimate(session, filters=filters)
    return SearchPage(
        items=items,
        next_cursor=next_cursor,
        limit=limit,
        sort=sort,
        estimated_total=max(total, len(items)),
        total_is_exact=exact,
    )
