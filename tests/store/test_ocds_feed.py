"""The open-data feed never skips a release: two writers on two real connections, the slow
one first to begin and last to commit, and a reader following the feed in between."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from nara.store import ocds, ocds_feed
from nara.store.ocds_feed import Cursor
from tests.support import eventually, sessions


def _release(ocid: str, name: str) -> dict[str, Any]:
    return {
        "ocid": ocid,
        "id": f"{ocid}-{name}",
        "date": datetime.now(UTC).isoformat(),
        "tag": ["tender"],
        "initiationType": "tender",
    }


async def _follow(engine: AsyncEngine, cursor: Cursor) -> tuple[list[str], Cursor]:
    """Follow the feed from `cursor` to its end, two releases a page: their ids, the end."""
    seen: list[str] = []
    while True:
        async with sessions(engine)() as session:
            releases, cursor = await ocds_feed.page(session, after=cursor, limit=2)
        if not releases:
            return seen, cursor
        seen += [r["id"] for r in releases]


async def _naive_follow(engine: AsyncEngine, after_seq: int) -> tuple[list[str], int]:
    """What a feed stamped when the write began does: committed rows by sequence."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT seq, release_id FROM ocds_release WHERE seq > :s ORDER BY seq"),
                {"s": after_seq},
            )
        ).all()
    return [r.release_id for r in rows], max([after_seq, *(r.seq for r in rows)])


async def test_a_slow_writer_holds_the_feed_back_instead_of_being_skipped(
    db_engine: AsyncEngine,
) -> None:
    ocid = f"ocds-xxxxxx-test-{uuid.uuid4().hex[:8]}"
    _, cursor = await _follow(db_engine, ocds_feed.START)  # a cursor taken now
    _, naive_cursor = await _naive_follow(db_engine, 0)

    async with sessions(db_engine)() as slow, sessions(db_engine)() as fast:
        assert await ocds.insert(slow, release=_release(ocid, "slow"))  # begins first
        assert await ocds.insert(fast, release=_release(ocid, "fast"))
        await fast.commit()  # the later, faster writer commits first

        between, held_at = await _follow(db_engine, cursor)
        naive_between, naive_cursor = await _naive_follow(db_engine, naive_cursor)
        await slow.commit()

    # While the slow writer was open the feed served neither (the fast one sorts after it).
    assert not {f"{ocid}-slow", f"{ocid}-fast"} & set(between)
    # The naive feed served the fast one and moved its cursor past the slow one's place...
    assert f"{ocid}-fast" in naive_between
    naive_after, _ = await _naive_follow(db_engine, naive_cursor)
    assert f"{ocid}-slow" not in naive_after  # ...so it never sees it: the skip this prevents

    async def both() -> list[str] | None:
        seen, _ = await _follow(db_engine, held_at)
        mine = [s for s in seen if s.startswith(ocid)]
        return mine if len(mine) == 2 else None

    # Other transactions on the server may hold the feed back a moment longer.
    assert await eventually(both, timeout_s=20) == [f"{ocid}-slow", f"{ocid}-fast"]


async def test_a_transaction_in_another_database_holds_nothing_back(
    db_engine: AsyncEngine, _postgres_server_url: str
) -> None:
    """Only this database's writers can add releases: a long transaction elsewhere on the
    server (a migration, an import) must not stall the feed."""
    ocid = f"ocds-xxxxxx-test-{uuid.uuid4().hex[:8]}"
    _, cursor = await _follow(db_engine, ocds_feed.START)
    async with await psycopg.AsyncConnection.connect(_postgres_server_url) as elsewhere:
        assert elsewhere.info.dbname != (await _dbname(db_engine))
        await elsewhere.execute("SELECT pg_current_xact_id()")  # holds an id, stays open
        async with sessions(db_engine)() as session:
            assert await ocds.insert(session, release=_release(ocid, "now"))
            await session.commit()

        async def served() -> bool:
            seen, _ = await _follow(db_engine, cursor)
            return f"{ocid}-now" in seen

        assert await eventually(served, timeout_s=20)
        await elsewhere.rollback()


async def _dbname(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        return str(await conn.scalar(text("SELECT current_database()")))


async def test_a_retried_step_stores_its_release_once(db_engine: AsyncEngine) -> None:
    ocid = f"ocds-xxxxxx-test-{uuid.uuid4().hex[:8]}"
    release = _release(ocid, "tender")
    async with sessions(db_engine)() as session:
        assert await ocds.insert(session, release=release)
        await session.commit()
    async with sessions(db_engine)() as session:
        assert not await ocds.insert(session, release=release | {"date": "later"})
        await session.commit()
        assert [r["date"] for r in await ocds_feed.releases_of(session, ocid=ocid)] == [
            release["date"]
        ]


def test_a_cursor_reads_back_as_written() -> None:
    cursor = Cursor(7412, 93)
    assert Cursor.parse(str(cursor)) == cursor
    assert Cursor.parse("7412") is None and Cursor.parse("-1.2") is None
    assert Cursor.parse("1" * 20 + ".1") is None  # longer than an xid8 can be


async def test_the_feed_orders_by_transaction_id_as_a_number(db_session: AsyncSession) -> None:
    """Transaction 9 before transaction 10 (as text, "10" sorts first), whatever their
    sequence numbers; rolled back with the test."""
    ocid = f"ocds-xxxxxx-test-{uuid.uuid4().hex[:8]}"
    for xid, name in (("10", "ten"), ("9", "nine")):  # the later transaction numbered first
        await db_session.execute(
            text(
                "INSERT INTO ocds_release (xid, ocid, release_id, release) "
                "VALUES (CAST(:xid AS xid8), :ocid, :id, CAST(:release AS jsonb))"
            ),
            {"xid": xid, "ocid": ocid, "id": name, "release": f'{{"id": "{name}"}}'},
        )
    first, cursor = await ocds_feed.page(db_session, after=ocds_feed.START, limit=1)
    second, _ = await ocds_feed.page(db_session, after=cursor, limit=1)
    assert [r["id"] for r in first + second] == ["nine", "ten"]
    assert cursor.xid == 9
