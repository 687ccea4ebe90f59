"""verifiable audit log: entries are leaves of an RFC 9162 Merkle tree, no head lock

Every existing entry keeps its row (and the hash chain it was written in: `prev_hash`,
`hash`) and gains its leaf hash, computed here from its content exactly as
`nara.store.audit.entry_bytes` version 1 does; the sequencer then takes them into the
tree in the order they were written (by id), before any newer entry. The single-row head
lock (`audit_head`) goes: writers no longer wait for each other.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 23:00:00
"""

import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _leaf_hash(at, actor, entity, action, key, payload) -> bytes:  # type: ignore[no-untyped-def]
    # Frozen copy of entry_bytes version 1 (nara.store.audit): a migration never changes.
    entry = json.dumps(
        {
            "v": 1,
            "at": at.astimezone(UTC).isoformat(),
            "actor": actor,
            "entity": entity,
            "action": action,
            "key": key,
            "payload": payload,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode()
    return hashlib.sha256(b"\x00" + entry).digest()


def upgrade() -> None:
    op.add_column("audit_event", sa.Column("leaf_hash", sa.LargeBinary(), nullable=True))
    op.add_column("audit_event", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.create_unique_constraint("uq_audit_event_seq", "audit_event", ["seq"])
    op.alter_column("audit_event", "prev_hash", nullable=True)
    op.alter_column("audit_event", "hash", nullable=True)
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "select id, at, actor, entity, action, idempotency_key, payload "
            "from audit_event order by id"
        )
    )
    updates = [
        {
            "id": r.id,
            "leaf": _leaf_hash(r.at, r.actor, r.entity, r.action, r.idempotency_key, r.payload),
        }
        for r in rows
    ]
    if updates:
        bind.execute(sa.text("update audit_event set leaf_hash = :leaf where id = :id"), updates)
    op.alter_column("audit_event", "leaf_hash", nullable=False)
    op.create_index(
        "ix_audit_event_unsequenced",
        "audit_event",
        ["id"],
        postgresql_where=sa.text("seq IS NULL"),
    )
    op.create_table(
        "audit_node",
        sa.Column("level", sa.Integer(), primary_key=True),
        sa.Column("index", sa.BigInteger(), primary_key=True),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "audit_tree_head",
        sa.Column("size", sa.BigInteger(), primary_key=True),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
    )
    op.create_table(
        "audit_log_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO audit_log_state (id, size) VALUES (1, 0)")
    op.drop_table("audit_head")


def downgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    # Entries written since the log have no chain hash: the chain restarts after them.
    op.execute(
        "INSERT INTO audit_head (id, last_hash, count) SELECT 1, coalesce("
        "(select hash from audit_event where hash is not null order by id desc limit 1), "
        "repeat('0', 64)), (select count(*) from audit_event)"
    )
    op.drop_table("audit_log_state")
    op.drop_table("audit_tree_head")
    op.drop_table("audit_node")
    op.drop_index("ix_audit_event_unsequenced", table_name="audit_event")
    op.execute("DELETE FROM audit_event WHERE hash IS NULL")
    op.alter_column("audit_event", "hash", nullable=False)
    op.alter_column("audit_event", "prev_hash", nullable=False)
    op.drop_constraint("uq_audit_event_seq", "audit_event", type_="unique")
    op.drop_column("audit_event", "seq")
    op.drop_column("audit_event", "leaf_hash")
