"""tender award terms: the announcement's A-value items and the SME-competitive flag

The A value (statutory costs of works) enters qualification review and the lower limit of
construction tenders; SME-competitive goods have their own lower limit. Existing tenders
keep no items (an A value of 0) and are not SME-competitive, which is how they were judged.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "tender",
        sa.Column("a_value_items", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    op.add_column(
        "tender",
        sa.Column("sme_competitive", sa.Boolean(), nullable=False, server_default="false"),
    )


def downgrade() -> None:
    op.drop_column("tender", "sme_competitive")
    op.drop_column("tender", "a_value_items")
