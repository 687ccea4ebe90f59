"""The audit log's tree: sequencing entries into it, its nodes, tree heads and proofs.

Entries (`audit_event`) are written without a lock (`nara.store.audit`). The sequencer,
one at a time (it locks `audit_log_state`), takes the entries not yet in the tree in the
order they were written, gives them the next indexes (`seq`), stores the new perfect
subtrees (`audit_node`) and the signed tree head of the new size, all in one transaction:
a sequencer killed mid-batch leaves nothing half-done, and nothing is sequenced twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Integer, func, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain import merkle
from nara.domain.tree_heads import SignedTreeHead, TreeHead
from nara.store.tables import AuditEvent, AuditLogState, AuditNode, AuditTreeHead

NodeKey = tuple[int, int]
"""(level, index): the perfect subtree of leaves [index x 2^level, (index + 1) x 2^level)."""


def key_of(start: int, end: int) -> NodeKey:
    level = merkle.level_of(end - start)
    return level, start >> level


def frontier(size: int) -> list[NodeKey]:
    """The perfect subtrees a tree of `size` leaves is made of, left to right."""
    keys, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            keys.append((level, start >> level))
            start += 1 << level
    return keys


def grow(size: int, leaves: Sequence[bytes], nodes: dict[NodeKey, bytes]) -> dict[NodeKey, bytes]:
    """The nodes that appending `leaves` to a tree of `size` creates. `nodes` must hold the
    old tree's frontier (it gains the new nodes too)."""
    made: dict[NodeKey, bytes] = {}
    for offset, leaf in enumerate(leaves):
        level, index, hash_ = 0, size + offset, leaf
        made[(0, index)] = nodes[(0, index)] = hash_
        while index & 1:
            hash_ = merkle.node_hash(nodes[(level, index - 1)], hash_)
            level, index = level + 1, index >> 1
            made[(level, index)] = nodes[(level, index)] = hash_
    return made


def subtree_of(nodes: dict[NodeKey, bytes]) -> merkle.Subtree:
    return lambda start, end: nodes[key_of(start, end)]


@dataclass(frozen=True)
class Batch:
    sequenced: int
    size: int
    head: SignedTreeHead | None


async def sequence(
    session: AsyncSession,
    *,
    max_batch: int,
    sign: Callable[[int, bytes, datetime], SignedTreeHead],
    now: datetime,
) -> Batch:
    """Take up to `max_batch` entries into the tree and sign its new head with
    `sign(size, root hash, time)` (caller's transaction; the caller commits). Nothing new:
    nothing written."""
    state = (
        await session.execute(select(AuditLogState).where(AuditLogState.id == 1).with_for_update())
    ).scalar_one()
    size = state.size
    pending = (
        await session.execute(
            select(AuditEvent.id, AuditEvent.leaf_hash)
            .where(AuditEvent.seq.is_(None))
            .order_by(AuditEvent.id)
            .limit(max_batch)
        )
    ).all()
    if not pending:
        return Batch(0, size, None)
    nodes = await read_nodes(session, frontier(size))
    made = grow(size, [leaf for _, leaf in pending], nodes)
    await session.execute(
        update(AuditEvent),
        [{"id": row_id, "seq": size + i} for i, (row_id, _) in enumerate(pending)],
    )
    await session.execute(
        pg_insert(AuditNode),
        [{"level": lv, "index": ix, "hash": h} for (lv, ix), h in made.items()],
    )
    new_size = size + len(pending)
    head = sign(new_size, merkle.root(subtree_of(nodes), new_size), now)
    session.add(
        AuditTreeHead(
            size=new_size,
            root_hash=head.head.root_hash,
            at=head.head.at,
            key_id=head.head.key_id,
            signature=head.signature,
        )
    )
    state.size = new_size
    await session.flush()
    return Batch(len(pending), new_size, head)


async def read_nodes(session: AsyncSession, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    """The stored nodes with these keys (KeyError later names one that is missing)."""
    wanted = list(set(keys))
    if not wanted:
        return {}
    # Two array parameters joined on unnest, not one (level, index) pair per key: a
    # verification of a large log asks for ~10,000 keys a batch, and an IN list that long
    # exceeds PostgreSQL's stack depth (SQLSTATE 54001, "statement too complex").
    asked = (
        func.unnest(
            literal([lv for lv, _ in wanted], ARRAY(Integer)),
            literal([ix for _, ix in wanted], ARRAY(BigInteger)),
        )
        .table_valued("level", "index")
        .render_derived(name="asked")
    )
    rows = await session.execute(
        select(AuditNode.level, AuditNode.index, AuditNode.hash).join(
            asked,
            (AuditNode.level == asked.c.level) & (AuditNode.index == asked.c.index),
        )
    )
    return {(lv, ix): h for lv, ix, h in rows.all()}


async def with_nodes(
    session: AsyncSession, compute: Callable[[merkle.Subtree], list[bytes]]
) -> list[bytes]:
    """Run a proof computation on stored nodes: once to learn which it needs, once on them
    read in one query (a proof's shape does not depend on the hashes)."""
    asked: set[NodeKey] = set()

    def record(start: int, end: int) -> bytes:
        asked.add(key_of(start, end))
        return b"\0" * 32

    compute(record)
    nodes = await read_nodes(session, asked)
    return compute(subtree_of(nodes))


async def latest_head(session: AsyncSession) -> AuditTreeHead | None:
    return (
        await session.execute(select(AuditTreeHead).order_by(AuditTreeHead.size.desc()).limit(1))
    ).scalar_one_or_none()


async def head_of_size(session: AsyncSession, size: int) -> AuditTreeHead | None:
    return await session.get(AuditTreeHead, size)


async def heads(session: AsyncSession) -> Sequence[AuditTreeHead]:
    return (
        (await session.execute(select(AuditTreeHead).order_by(AuditTreeHead.size))).scalars().all()
    )


async def find_by_leaf(session: AsyncSession, leaf_hash: bytes) -> AuditEvent | None:
    return (
        await session.execute(select(AuditEvent).where(AuditEvent.leaf_hash == leaf_hash).limit(1))
    ).scalar_one_or_none()


async def find_by_key(session: AsyncSession, key: str) -> AuditEvent | None:
    """The entry recorded under this idempotency key, if any."""
    found: AuditEvent | None = await session.scalar(
        select(AuditEvent).where(AuditEvent.idempotency_key == key)
    )
    return found


async def leaf_of_key(session: AsyncSession, key: str) -> bytes | None:
    """The leaf hash of the entry recorded under this idempotency key, if any."""
    found = await find_by_key(session, key)
    return found.leaf_hash if found is not None else None


async def find_by_seq(session: AsyncSession, seq: int) -> AuditEvent | None:
    return (
        await session.execute(select(AuditEvent).where(AuditEvent.seq == seq))
    ).scalar_one_or_none()


async def entries_in_order(
    session: AsyncSession, *, after_seq: int, limit: int
) -> Sequence[AuditEvent]:
    """Sequenced entries from `after_seq + 1` on, in tree order."""
    return (
        (
            await session.execute(
                select(AuditEvent)
                .where(AuditEvent.seq > after_seq)
                .order_by(AuditEvent.seq)
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )


async def backlog(session: AsyncSession) -> tuple[int, datetime | None]:
    """How many entries wait for the sequencer, and when the oldest was written."""
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(AuditEvent.at)).where(AuditEvent.seq.is_(None))
        )
    ).one()
    return int(count), oldest


def signed(row: AuditTreeHead) -> SignedTreeHead:
    return SignedTreeHead(
        TreeHead(size=row.size, root_hash=row.root_hash, at=row.at, key_id=row.key_id),
        row.signature,
    )
