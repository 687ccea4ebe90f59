"""Reading the open-data feed: pages that never skip a release, and a process's releases.

A release row carries the id of the transaction that wrote it (`xid8`). A page serves,
in (xid, seq) order after the cursor, only rows whose transaction is below a horizon
taken with the reading statement's snapshot: every transaction of this database below it
has ended (its rows are all visible), and every one still running, or not yet begun, is at
or above it. So a row served is never followed later by a row sorting before it, and a
slow transaction holds the feed back until it ends instead of being passed over
(docs/open-data.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from nara.store.ocds_tables import OcdsRelease

_CURSOR = re.compile(r"(\d{1,19})\.(\d{1,18})", re.ASCII)

_PAGE = text(
    """
    WITH snap AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
    elsewhere AS MATERIALIZED (
        SELECT backend_xid FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL
          AND datid IS DISTINCT FROM (SELECT oid FROM pg_database
                                      WHERE datname = current_database())
    ),
    horizon AS MATERIALIZED (
        SELECT LEAST(
            pg_snapshot_xmax(s),
            (SELECT min(x) FROM pg_snapshot_xip(s) AS x
             WHERE xid(x) NOT IN (SELECT backend_xid FROM elsewhere))
        ) AS h
        FROM snap
    )
    SELECT xid::text AS xid_text, seq, release
    FROM ocds_release
    WHERE xid < (SELECT h FROM horizon)
      AND (xid, seq) > (CAST(:xid AS xid8), :seq)
    ORDER BY ocds_release.xid, ocds_release.seq
    LIMIT :limit
    """
)
"""The page. `horizon`: the lowest transaction id that may still add rows to this table,
as of the statement's snapshot: the first id not yet given out (xmax), or an older one the
snapshot saw in progress, unless it is running right now in another database (which
cannot write here). A transaction seen in progress that has ended since, or whose
database we cannot read, counts: it holds the page back rather than risk a skip. The
order is the column's (xid8), never its text ("10" sorts before "9")."""


@dataclass(frozen=True, order=True)
class Cursor:
    """Where a reader of the feed is: after the release (xid, seq); `<xid>.<seq>` as text."""

    xid: int
    seq: int

    def __str__(self) -> str:
        return f"{self.xid}.{self.seq}"

    @classmethod
    def parse(cls, value: str) -> Cursor | None:
        """The cursor a `links.next` named, or None if `value` is not one."""
        match = _CURSOR.fullmatch(value)
        return None if match is None else cls(int(match[1]), int(match[2]))


START = Cursor(0, 0)


async def page(
    session: AsyncSession, *, after: Cursor, limit: int
) -> tuple[list[dict[str, Any]], Cursor]:
    """Up to `limit` releases of ended transactions after `after`, and the cursor after
    them (`after` itself when there is nothing new yet)."""
    rows = (
        await session.execute(_PAGE, {"xid": str(after.xid), "seq": after.seq, "limit": limit})
    ).all()
    last = Cursor(int(rows[-1].xid_text), rows[-1].seq) if rows else after
    return [row.release for row in rows], last


async def releases_of(session: AsyncSession, *, ocid: str) -> Sequence[dict[str, Any]]:
    """Every release of one contracting process, in the order written."""
    found = await session.scalars(
        select(OcdsRelease.release).where(OcdsRelease.ocid == ocid).order_by(OcdsRelease.seq)
    )
    return found.all()
