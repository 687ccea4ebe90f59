"""Recompute the whole audit log and check it, as an outside monitor would.

Every sequenced entry's leaf hash is recomputed from its content; the indexes must run
0, 1, 2, ... without a gap; the tree is rebuilt from the recomputed leaves and every
stored node compared; every signed tree head must carry a valid signature and the root
the recomputed tree has at its size; no entry may sit beyond the newest head. A tree head
kept from earlier must match the recomputed tree at its size, and a consistency proof
from the stored nodes must lead from it to the newest head.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain import merkle, tree_heads
from nara.domain.tree_heads import SignedTreeHead
from nara.store import audit, audit_log
from nara.store.audit_log import NodeKey
from nara.store.tables import AuditTreeHead

MAX_PROBLEMS = 20


@dataclass
class LogCheck:
    entries: int = 0
    """Sequenced entries checked."""
    tree_heads: int = 0
    pending: int = 0
    """Entries not yet sequenced."""
    oldest_pending_at: datetime | None = None
    latest: SignedTreeHead | None = None
    kept_consistent: bool | None = None
    """With a kept tree head: whether the log is an extension of it."""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, problem: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


async def verify(
    session: AsyncSession,
    *,
    public_keys: dict[str, Ed25519PublicKey],
    kept: SignedTreeHead | None = None,
    batch: int = 5000,
) -> LogCheck:
    """Check everything above; the problems found (none: the log proves itself)."""
    check = LogCheck()
    heads = list(await audit_log.heads(session))
    check.tree_heads = len(heads)
    check.latest = audit_log.signed(heads[-1]) if heads else None
    roots: dict[int, bytes] = {}
    wanted = {row.size for row in heads} | ({kept.head.size} if kept else set())
    if 0 in wanted:
        roots[0] = merkle.EMPTY_ROOT
    nodes: dict[NodeKey, bytes] = {}
    size = 0
    while True:
        rows = await audit_log.entries_in_order(session, after_seq=size - 1, limit=batch)
        if not rows:
            break
        leaves: list[bytes] = []
        for row in rows:
            if row.seq != size + len(leaves):
                check.fail(
                    f"entry #{size + len(leaves)} is missing (deleted, or its index changed)"
                )
                return _finish(check, heads, roots, kept, public_keys, session_size=size)
            recomputed = audit.leaf_of(row)
            if recomputed != row.leaf_hash:
                check.fail(f"entry #{row.seq} (id {row.id}) does not match its leaf hash: edited")
            leaves.append(recomputed)
        made = _grow_checking(size, leaves, nodes, wanted, roots)
        stored = await audit_log.read_nodes(session, made)
        for key, hash_ in made.items():
            if stored.get(key) != hash_:
                check.fail(f"stored node {key} differs from the tree the entries make")
                break
        size += len(leaves)
        _keep_frontier(nodes, size)
    check.entries = size
    check.pending, check.oldest_pending_at = await audit_log.backlog(session)
    result = _finish(check, heads, roots, kept, public_keys, session_size=size)
    latest = check.latest
    if kept is not None and latest is not None and kept.head.size <= latest.head.size:
        first, second = kept.head.size, latest.head.size
        proof = await audit_log.with_nodes(
            session, lambda tree: merkle.consistency_proof(tree, first, second)
        )
        consistent = merkle.verify_consistency(
            first, second, proof, kept.head.root_hash, latest.head.root_hash
        )
        check.kept_consistent = bool(check.kept_consistent) and consistent
        if not consistent:
            check.fail(
                f"no consistency proof leads from the kept tree head (size {kept.head.size}) "
                f"to the newest (size {second}): the history was rewritten"
            )
    return result


def _grow_checking(
    size: int,
    leaves: list[bytes],
    nodes: dict[NodeKey, bytes],
    wanted: set[int],
    roots: dict[int, bytes],
) -> dict[NodeKey, bytes]:
    """Grow the recomputed tree leaf by leaf, noting its root at every size wanted."""
    made: dict[NodeKey, bytes] = {}
    for offset, leaf in enumerate(leaves):
        made |= audit_log.grow(size + offset, [leaf], nodes)
        if size + offset + 1 in wanted:
            roots[size + offset + 1] = merkle.root(audit_log.subtree_of(nodes), size + offset + 1)
    return made


def _keep_frontier(nodes: dict[NodeKey, bytes], size: int) -> None:
    """Forget the nodes no later leaf needs (memory stays O(log n))."""
    keep = set(audit_log.frontier(size))
    for key in [k for k in nodes if k not in keep]:
        del nodes[key]


def _finish(
    check: LogCheck,
    heads: list[AuditTreeHead],
    roots: dict[int, bytes],
    kept: SignedTreeHead | None,
    public_keys: dict[str, Ed25519PublicKey],
    *,
    session_size: int,
) -> LogCheck:
    for row in heads:
        head = audit_log.signed(row)
        if not tree_heads.verify(head, public_keys):
            check.fail(f"the tree head of size {head.head.size} is not signed by the log's key")
        if head.head.size > session_size:
            check.fail(
                f"the tree head of size {head.head.size} covers entries that are not in the "
                f"log ({session_size} are)"
            )
        elif roots.get(head.head.size) != head.head.root_hash:
            check.fail(
                f"the entries do not make the root of the tree head of size {head.head.size}"
            )
    if heads:
        newest = audit_log.signed(heads[-1])
        if session_size > newest.head.size:
            check.fail(
                f"entries #{newest.head.size}-#{session_size - 1} are in no signed tree head"
            )
    elif session_size:
        check.fail(f"{session_size} entries are sequenced but no tree head was signed")
    if kept is not None:
        if not tree_heads.verify(kept, public_keys):
            check.fail("the kept tree head is not signed by the log's key")
            check.kept_consistent = False
        elif kept.head.size > session_size:
            check.fail(f"the kept tree head (size {kept.head.size}) is larger than the log")
            check.kept_consistent = False
        else:
            same = roots.get(kept.head.size) == kept.head.root_hash
            check.kept_consistent = same
            if not same:
                check.fail(
                    f"the log's first {kept.head.size} entries no longer make the kept tree "
                    "head's root: the history was rewritten"
                )
    return check
