"""ocds releases: the open-data feed, one OCDS 1.1 release per stage change of a tender

Each row keeps the id of the transaction that wrote it (`xid8`, from
`pg_current_xact_id()`), so the feed can hold back rows of transactions still running
instead of skipping them (docs/open-data.md). One release per (ocid, release id): a
retried step writes none.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 01:00:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE ocds_release (
            seq BIGSERIAL PRIMARY KEY,
            xid XID8 NOT NULL DEFAULT pg_current_xact_id(),
            ocid VARCHAR(80) NOT NULL,
            release_id VARCHAR(200) NOT NULL,
            published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            release JSONB NOT NULL,
            CONSTRAINT uq_ocds_release UNIQUE (ocid, release_id)
        )
        """
    )
    op.create_index("ix_ocds_release_ocid", "ocds_release", ["ocid"])
    op.create_index("ix_ocds_release_xid_seq", "ocds_release", ["xid", "seq"])


def downgrade() -> None:
    op.drop_table("ocds_release")
