"""Tender search on a seeded catalogue in a database of its own: Hangul served by the
trigram index, Korean as typed, misspellings, keyset pages, cursors, kept on write."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from nara.domain.errors import InvalidSearch
from nara.services import search
from nara.stack.seed import seed
from nara.store.db import create_engine, session_factory
from nara.store.search import Filters
from nara.testing import servers

ROWS = 4000


@pytest.fixture(scope="module")
def catalogue_url(_postgres_server_url: str) -> Iterator[str]:
    name = f"nara_test_search_{uuid.uuid4().hex[:8]}"
    with servers.fresh_database(_postgres_server_url, name) as url:
        seed(url, ROWS)
        yield url


@pytest.fixture(scope="module")
async def engine(catalogue_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(catalogue_url, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with session_factory(engine)() as session:
        yield session


async def _find(session: AsyncSession, words: str, **kwargs: object) -> search.SearchPage:
    return await search.search(
        session=session,
        words=words,
        filters=Filters(),
        sort=kwargs.pop("sort", "deadline"),  # type: ignore[arg-type]
        cursor=kwargs.pop("cursor", None),  # type: ignore[arg-type]
        limit=kwargs.pop("limit", 20),  # type: ignore[arg-type]
    )


def _squeezed(title: str) -> str:
    return "".join(title.split())


async def test_the_trigram_index_serves_hangul_under_this_locale(session: AsyncSession) -> None:
    ctype = await session.scalar(
        text("SELECT datctype FROM pg_database WHERE datname = current_database()")
    )
    trigrams = await session.scalar(text("SELECT show_trgm(nara_search_jamo('도로'))"))
    assert trigrams, f"no trigrams for Hangul under LC_CTYPE {ctype}"
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = await session.scalar(
        text(
            "EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM tender "
            "WHERE search_jamo LIKE '%' || nara_search_jamo('하수관로') || '%'"
        )
    )
    document = plan if isinstance(plan, list) else json.loads(plan)
    nodes, found = [document[0]["Plan"]], []
    while nodes:
        node = nodes.pop()
        nodes += node.get("Plans", [])
        if node.get("Index Name") == "ix_tender_search_jamo":
            found.append(node)
    assert found, f"the trigram index was not used: {document}"
    # The index itself narrowed the rows (with no trigrams it would answer every row).
    assert 0 < found[0]["Actual Rows"] < ROWS // 5, found[0]


async def test_korean_as_people_type_it(session: AsyncSession) -> None:
    for words in ("도로포장", "도로 포장", "포장공사", "도로포장 공사"):
        page = await _find(session, words)
        assert page.matched == "exact" and page.items, words
        assert all(
            _squeezed(words) in _squeezed(f"{hit.title} {hit.description}") for hit in page.items
        ), words
    typo = await _find(session, "도로포정공사", sort="relevance")
    assert typo.matched == "similar" and typo.items
    assert "도로포장" in _squeezed(typo.items[0].title)
    assert typo.items[0].rank is not None and typo.items[0].rank >= 0.45


async def test_the_key_is_kept_on_write(engine: AsyncEngine, catalogue_url: str) -> None:
    with psycopg.connect(catalogue_url) as conn:
        notice, agency = conn.execute(
            "SELECT notice_no, agency_code FROM tender ORDER BY notice_no LIMIT 1"
        ).fetchone() or ("", "")
        conn.execute(
            "UPDATE tender SET title = '청사 옥상 도로 포장 공사 샘플' WHERE notice_no = %s",
            (notice,),
        )
        conn.execute("UPDATE agency SET name = '가상시 미래구청' WHERE code = %s", (agency,))
    async with session_factory(engine)() as session:
        by_title = await _find(session, "도로포장공사샘플")
        by_agency = await _find(session, "미래구청", limit=200)
    assert [hit.notice_no for hit in by_title.items] == [notice]
    assert notice in {hit.notice_no for hit in by_agency.items}


async def test_pages_stay_stable_while_tenders_are_added(
    engine: AsyncEngine, catalogue_url: str
) -> None:
    async with session_factory(engine)() as session:
        first = await _find(session, "구매", limit=30)
        before = await _find(session, "구매", limit=30, cursor=first.next_cursor)
    assert first.next_cursor and before.items
    seed(catalogue_url, 300, seed_value=7, analyze=False)  # new tenders, deadlines all over
    async with session_factory(engine)() as session:
        after = await _find(session, "구매", limit=30, cursor=first.next_cursor)
    seen = {hit.notice_no for hit in first.items}
    old = {hit.notice_no for hit in before.items}
    assert not seen & {hit.notice_no for hit in after.items}
    still_there = [hit.notice_no for hit in after.items if hit.notice_no in old]
    assert still_there == [hit.notice_no for hit in before.items][: len(still_there)]
    assert after.items[0].deadline >= first.items[-1].deadline


async def test_a_cursor_continues_only_its_own_search(session: AsyncSession) -> None:
    page = await _find(session, "복합기", limit=2)
    assert page.next_cursor
    with pytest.raises(InvalidSearch) as other:
        await _find(session, "노트북", limit=2, cursor=page.next_cursor)
    assert other.value.field == "query.cursor"
    for forged in ("not-a-cursor", page.next_cursor[:-4], "eyJ2IjoyfQ"):
        with pytest.raises(InvalidSearch) as bad:
            await _find(session, "복합기", limit=2, cursor=forged)
        assert bad.value.field == "query.cursor"
    with pytest.raises(InvalidSearch) as blank:
        await _find(session, "!!! ...")
    assert blank.value.field == "query.q"


@pytest.fixture(scope="module")
def c_locale_url(_postgres_server_url: str) -> Iterator[str]:
    """A database whose LC_CTYPE is C: Hangul is not alphanumeric there."""
    from nara.embedded import database_url_for, drop_database
    from nara.store.migrate import upgrade

    name = f"nara_test_search_c_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_postgres_server_url, autocommit=True) as conn:
        conn.execute(
            f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
        )
    url = database_url_for(_postgres_server_url, name)
    try:
        upgrade(url)
        seed(url, 600)
        yield url
    finally:
        drop_database(_postgres_server_url, name)


async def test_under_a_c_ctype_the_letters_are_spelt_so_the_index_still_serves(
    c_locale_url: str,
) -> None:
    engine = create_engine(c_locale_url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            assert await session.scalar(text("SELECT show_trgm('도로')")) == []
            assert await session.scalar(text("SELECT show_trgm(nara_search_jamo('도로'))"))
            page = await _find(session, "하수관로 정비", limit=5)
            typo = await _find(session, "하수관료정비", sort="relevance", limit=5)
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = await session.scalar(
                text(
                    "EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM tender "
                    "WHERE search_jamo LIKE '%' || nara_search_jamo('하수관로') || '%'"
                )
            )
    finally:
        await engine.dispose()
    assert page.matched == "exact" and page.items
    assert all("하수관로정비" in _squeezed(hit.title) for hit in page.items)
    assert typo.matched == "similar" and "하수관로" in _squeezed(typo.items[0].title)
    document = plan if isinstance(plan, list) else json.loads(plan)
    index_scan = document[0]["Plan"]["Plans"][0]
    assert index_scan["Index Name"] == "ix_tender_search_jamo"
    assert 0 < index_scan["Actual Rows"] < 600 // 5
