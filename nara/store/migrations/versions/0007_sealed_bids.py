"""sealed bids: tender keys, sealed and signed bids, the revealed reserve secret

A bid's price and picks are known only after the opening (NULL until then). Bids from
before sealing keep their price and picks and open as they were.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 22:00:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BID_COLUMNS: list[tuple[str, Any]] = [
    ("tender_key_id", sa.String(length=16)),
    ("sealed_enc", sa.LargeBinary()),
    ("sealed_price", sa.LargeBinary()),
    ("sealed_picks", sa.LargeBinary()),
    ("sealed_check", sa.LargeBinary()),
    ("document_sha256", sa.String(length=64)),
    ("signature", sa.Text()),
    ("signing_certificate", sa.Text()),
    ("invalid_reason", sa.Text()),
]


def upgrade() -> None:
    op.create_table(
        "tender_key",
        sa.Column("notice_no", sa.String(length=14), primary_key=True),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_reserve_secret", sa.LargeBinary(), nullable=False),
        sa.Column("reserve_commitment", sa.String(length=64), nullable=False),
        sa.Column("wrapping_key_id", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.alter_column("bid", "price", nullable=True)
    op.alter_column("bid", "reserve_picks", nullable=True)
    for name, kind in BID_COLUMNS:
        op.add_column("bid", sa.Column(name, kind, nullable=True))
    op.add_column("opening_result", sa.Column("reserve_secret", sa.LargeBinary(), nullable=True))
    op.add_column(
        "opening_result", sa.Column("reserve_commitment", sa.String(length=64), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("opening_result", "reserve_commitment")
    op.drop_column("opening_result", "reserve_secret")
    for name, _ in reversed(BID_COLUMNS):
        op.drop_column("bid", name)
    op.execute("DELETE FROM bid WHERE price IS NULL OR reserve_picks IS NULL")
    op.alter_column("bid", "reserve_picks", nullable=False)
    op.alter_column("bid", "price", nullable=False)
    op.drop_table("tender_key")
