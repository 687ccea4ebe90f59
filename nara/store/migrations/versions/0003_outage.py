"""outage: declared outages and the tenders whose deadline or opening they moved

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 07:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outage",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recovered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_by", sa.String(length=40), nullable=False),
        sa.Column(
            "declared_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("affected", sa.Integer(), nullable=False),
        sa.Column("tenders", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(["declared_by"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        # A window is declared once: declaring it again answers the first declaration.
        sa.UniqueConstraint("started_at", "recovered_at", name="uq_outage_window"),
    )


def downgrade() -> None:
    op.drop_table("outage")
