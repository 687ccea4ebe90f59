"""Searching tenders: keywords as people type them, filters, stable pages, a total.

The keyword is normalised by the database (`nara_search_key`) and matched as a substring
of the tender's key; when nothing matches it so (a misspelt keyword), the first page
answers the tenders whose letters are most similar instead (`matched: similar`, ranked by
trigram word similarity; `nara.store.search`). The cursor is opaque to
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
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.errors import InvalidSearch
from nara.services.base import ServiceModel
from nara.services.tenders.models import TenderView
from nara.store import search as store
from nara.store.search import After, Filters, Sort

CURSOR_VERSION = 1


class SearchHit(TenderView):
    """A tender found, with its rank: the word similarity of a similar match, else None."""

    rank: float | None = None


class SearchPage(ServiceModel):
    items: list[SearchHit]
    matched: Literal["exact", "similar"]
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


def encode_cursor(after: After, *, fingerprint: str, similar: bool) -> str:
    body = {
        "v": CURSOR_VERSION,
        "m": "similar" if similar else "exact",
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
        rule="search-cursor",
    )


def decode_cursor(cursor: str, *, fingerprint: str) -> tuple[After, bool]:
    """The position a cursor names and whether it pages similar matches; InvalidSearch
    (field `cursor`) for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body: Any = json.loads(raw)
        if not isinstance(body, dict) or body.get("v") != CURSOR_VERSION:
            raise ValueError("unknown cursor version")
        deadline = datetime.fromisoformat(body["d"])
        rank = body["r"]
        similar = body["m"] == "similar"
        if body["m"] not in ("exact", "similar") or deadline.tzinfo is None:
            raise ValueError("malformed position")
        if not (rank is None or isinstance(rank, int | float)) or (rank is None) == similar:
            raise ValueError("malformed position")
        after = After(deadline=deadline, id=uuid.UUID(body["i"]), rank=rank)
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise _bad_cursor(f"not a cursor this API gave ({error})") from error
    if body.get("f") != fingerprint:
        raise _bad_cursor("it belongs to another search (other keywords, filters or sort)")
    return after, similar


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
        key, jamo = await store.search_key(session, words=words)
        if not key:
            raise InvalidSearch(
                f"q {words!r} has no letter or digit to search for",
                field="query.q",
                fix="send words with letters or digits, e.g. 도로포장",
                rule="search-keyword",
            )
        filters = Filters(**(vars(filters) | {"key": key, "jamo": jamo}))
    fingerprint = _fingerprint(filters, sort)
    after, similar = (None, False)
    if cursor is not None:
        after, similar = decode_cursor(cursor, fingerprint=fingerprint)
    rows = await store.search(
        session, filters=filters, sort=sort, after=after, limit=limit + 1, similar=similar
    )
    if not rows and cursor is None and filters.key:
        # Nothing has the keyword as typed: a misspelt one finds what is similar.
        similar = True
        rows = await store.search(
            session, filters=filters, sort=sort, after=None, limit=limit + 1, similar=True
        )
    items = [SearchHit.model_validate(row).model_copy(update={"rank": rank}) for row, rank in rows]
    items = items[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        position = After(deadline=last[0].deadline, id=last[0].id, rank=last[1])
        next_cursor = encode_cursor(position, fingerprint=fingerprint, similar=similar)
    exact = cursor is None and next_cursor is None
    if exact:
        total = len(items)
    else:
        total = await store.estimate(session, filters=filters, similar=similar)
    return SearchPage(
        items=items,
        matched="similar" if similar else "exact",
        next_cursor=next_cursor,
        limit=limit,
        sort=sort,
        estimated_total=max(total, len(items)),
        total_is_exact=exact,
    )
