"""ops: an index for the stuck list's overdue payments

`nara ops stuck` asks PostgreSQL for payments past their due date or their inspection's;
only open payments (claimed or accepted) can be late, so a partial index on them keeps the
query independent of the number of payments ever made.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 00:40:00
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_payment_open_due ON payment (due_at, inspection_due) "
        "WHERE status IN ('claimed', 'accepted')"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_payment_open_due")
