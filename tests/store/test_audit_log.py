"""The verifiable audit log on real PostgreSQL, each test in a database of its own: writers
never wait for each other, the sequencer makes a tree whose proofs verify, and every kind
of tampering with the rows is caught: edit, delete, insert, reorder, and a rewritten
history behind a tree head an auditor kept. A sequencer stopped mid-batch loses nothing
and sequences nothing twice."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from nara.activities.audit_log import sequence_once
from nara.domain import merkle
from nara.domain.tree_heads import SignedTreeHead
from nara.keys import LogSigner
from nara.store import audit, audit_log, audit_verify
from nara.store.db import create_engine
from nara.store.tables import AuditEvent, AuditLogState, AuditNode
from nara.testing import servers

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def log_db(_postgres_server_url: str) -> AsyncIterator[Sessions]:
    """A fresh, migrated database: tampering here touches no other test."""
    name = f"nara_log_{uuid.uuid4().hex[:10]}"
    with servers.fresh_database(_postgres_server_url, name) as url:
        engine: AsyncEngine = create_engine(url, pool_size=12, application_name="log-tests")
        try:
            yield async_sessionmaker(engine, expire_on_commit=False)
        finally:
            await engine.dispose()


@pytest.fixture
def signer(tmp_path: Path) -> LogSigner:
    return LogSigner(tmp_path / "log-ed25519.pem")


async def _write(
    sessions: Sessions, key: str, payload: dict[str, Any] | None = None
) -> bytes | None:
    async with sessions.begin() as session:
        return await audit.append(
            session,
            actor="tester",
            entity="tender:20260000001-00",
            action="checked",
            idempotency_key=key,
            payload=payload or {"key": key},
        )


async def _filled(sessions: Sessions, signer: LogSigner, n: int, *, batch: int = 7) -> list[bytes]:
    leaves = [leaf for i in range(n) if (leaf := await _write(sessions, f"entry-{i}"))]
    while (await sequence_once(sessions, signer, max_batch=batch)).sequenced:
        pass
    return leaves


async def _verify(
    sessions: Sessions, signer: LogSigner, kept: SignedTreeHead | None = None
) -> audit_verify.LogCheck:
    async with sessions() as session:
        return await audit_verify.verify(session, public_keys=signer.published(), kept=kept)


async def _latest(sessions: Sessions) -> SignedTreeHead:
    async with sessions() as session:
        row = await audit_log.latest_head(session)
        assert row is not None
        return audit_log.signed(row)


async def test_writers_run_at_once_and_a_key_is_recorded_once(log_db: Sessions) -> None:
    leaves = await asyncio.gather(*(_write(log_db, f"k-{i % 25}") for i in range(50)))
    assert sum(1 for leaf in leaves if leaf is not None) == 25
    async with log_db() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEvent)) == 25


async def test_the_sequenced_log_verifies_and_its_proofs_check(
    log_db: Sessions, signer: LogSigner
) -> None:
    leaves = await _filled(log_db, signer, 23)
    check = await _verify(log_db, signer)
    assert check.ok, check.problems
    assert check.entries == 23 and check.pending == 0 and check.tree_heads == 4  # 7+7+7+2
    head = await _latest(log_db)
    assert head.head.root_hash == merkle.root_of(leaves)
    async with log_db() as session:
        for index in (0, 6, 22):
            proof = await audit_log.with_nodes(
                session, lambda tree, index=index: merkle.inclusion_proof(tree, index, 23)
            )
            assert merkle.verify_inclusion(leaves[index], index, 23, proof, head.head.root_hash)
        proof = await audit_log.with_nodes(
            session, lambda tree: merkle.consistency_proof(tree, 7, 23)
        )
    assert merkle.verify_consistency(7, 23, proof, merkle.root_of(leaves[:7]), head.head.root_hash)


async def test_nodes_are_read_by_the_tens_of_thousands_in_one_query(
    log_db: Sessions, signer: LogSigner
) -> None:
    """Verifying a large log asks for ~10,000 nodes a batch. Asked as one (level, index)
    pair per key, PostgreSQL refused the statement as too complex (stack depth, 54001),
    and GET /audit/verify answered 503 after a replay of 35,000 entries."""
    await _filled(log_db, signer, 64, batch=64)
    stored = [(level, index) for level in range(7) for index in range(64 >> level)]
    absent = [(0, 10_000 + i) for i in range(20_000)]
    async with log_db() as session:
        nodes = await audit_log.read_nodes(session, stored + absent)
    assert sorted(nodes) == sorted(stored)
    assert all(len(hash_) == 32 for hash_ in nodes.values())


async def test_an_edited_entry_is_caught(log_db: Sessions, signer: LogSigner) -> None:
    await _filled(log_db, signer, 10)
    async with log_db.begin() as session:
        await session.execute(
            update(AuditEvent).where(AuditEvent.seq == 4).values(payload={"key": "rewritten"})
        )
    check = await _verify(log_db, signer)
    assert any("entry #4" in p and "edited" in p for p in check.problems), check.problems


async def test_a_deleted_entry_is_caught(log_db: Sessions, signer: LogSigner) -> None:
    await _filled(log_db, signer, 10)
    async with log_db.begin() as session:
        await session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    check = await _verify(log_db, signer)
    assert any("entry #3 is missing" in p for p in check.problems), check.problems


async def test_an_inserted_entry_is_caught(log_db: Sessions, signer: LogSigner) -> None:
    await _filled(log_db, signer, 10)
    async with log_db.begin() as session:
        forged = AuditEvent(
            actor="intruder",
            entity="tender:20260000001-00",
            action="bid-submitted",
            idempotency_key="forged",
            payload={},
            leaf_hash=b"\0" * 32,
            seq=10,
        )
        session.add(forged)
    check = await _verify(log_db, signer)
    assert any("in no signed tree head" in p for p in check.problems), check.problems


async def test_reordered_entries_are_caught(log_db: Sessions, signer: LogSigner) -> None:
    await _filled(log_db, signer, 10)
    async with log_db.begin() as session:
        await session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(seq=-2))
        await session.execute(update(AuditEvent).where(AuditEvent.seq == 5).values(seq=2))
        await session.execute(update(AuditEvent).where(AuditEvent.seq == -2).values(seq=5))
    check = await _verify(log_db, signer)
    assert any("do not make the root" in p or "differs" in p for p in check.problems), (
        check.problems
    )


async def test_a_rewritten_history_fails_the_consistency_with_a_kept_tree_head(
    log_db: Sessions, signer: LogSigner, tmp_path: Path
) -> None:
    """Someone with the database and even the log's key edits an entry and rebuilds every
    leaf hash, node and tree head so that the log verifies on its own: the tree head an
    auditor kept before exposes it, and so does a bid receipt's leaf hash."""
    leaves = await _filled(log_db, signer, 12)
    kept = await _latest(log_db)
    assert (await _verify(log_db, signer, kept)).kept_consistent is True
    async with log_db.begin() as session:
        row = (await session.execute(select(AuditEvent).where(AuditEvent.seq == 1))).scalar_one()
        row.payload = {"key": "rewritten"}
        await session.flush()
        row.leaf_hash = audit.leaf_of(row)
        await session.execute(delete(AuditNode))
        await session.execute(text("DELETE FROM audit_tree_head"))
        await session.execute(update(AuditEvent).values(seq=None))
        await session.execute(update(AuditLogState).values(size=0))
    await _filled(log_db, signer, 0, batch=100)  # re-sequence everything, re-sign
    alone = await _verify(log_db, signer)
    assert alone.ok, alone.problems  # consistent with itself ...
    check = await _verify(log_db, signer, kept)
    assert check.kept_consistent is False
    assert any("rewritten" in p for p in check.problems), check.problems
    # ... and the receipt of entry 1 no longer finds its leaf in the log.
    async with log_db() as session:
        assert await audit_log.find_by_leaf(session, leaves[1]) is None


async def test_a_sequencer_stopped_mid_batch_loses_nothing_and_sequences_nothing_twice(
    log_db: Sessions, signer: LogSigner
) -> None:
    for i in range(30):
        await _write(log_db, f"entry-{i}")

    class Killed(Exception):
        pass

    def dies(size: int, root: bytes, at: Any) -> SignedTreeHead:
        raise Killed  # after the entries were numbered and the nodes written, before commit

    with pytest.raises(Killed):
        async with log_db.begin() as session:
            await audit_log.sequence(session, max_batch=10, sign=dies, now=None)  # type: ignore[arg-type]
    async with log_db() as session:
        assert await session.scalar(select(func.count()).where(AuditEvent.seq.is_not(None))) == 0
        assert await session.scalar(select(func.count()).select_from(AuditNode)) == 0
    # Two sequencers at once (a restart racing the old one) take turns on the state row.
    await asyncio.gather(*(sequence_once(log_db, signer, max_batch=4) for _ in range(12)))
    async with log_db() as session:
        seqs = sorted((await session.scalars(select(AuditEvent.seq))).all())
    assert seqs == list(range(30))
    assert (await _verify(log_db, signer)).ok
