"""The replay's checks on real PostgreSQL: a check that cannot run is a failed check that
says why, the next check still runs on the same connection, and no check can write."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from nara.replay.checks import Check, _rows, check_named, reader


@check_named("reads a table that is not there")
async def _broken(check: Check, db: AsyncConnection[Any]) -> None:
    await _rows(db, "SELECT count(*) FROM no_such_table")


@check_named("tries to write")
async def _writes(check: Check, db: AsyncConnection[Any]) -> None:
    await _rows(db, "UPDATE tender SET phase = phase WHERE false RETURNING id")


@check_named("counts the tenders")
async def _counts(check: Check, db: AsyncConnection[Any]) -> None:
    (count,) = (await _rows(db, "SELECT count(*) FROM tender"))[0]
    check.looked_at = int(count) + 1


async def test_a_check_that_cannot_run_fails_and_the_next_still_runs(database_url: str) -> None:
    async with await reader(database_url) as db:
        broken, writes, counts = await _broken(db), await _writes(db), await _counts(db)
    assert broken.name == "reads a table that is not there" and not broken.ok
    assert broken.problems == [
        'the check could not run: UndefinedTable: relation "no_such_table" does not exist'
    ]
    assert not writes.ok and "read-only transaction" in writes.problems[0]
    assert counts.ok and counts.looked_at >= 1
