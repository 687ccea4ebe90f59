"""passkeys: enrolled WebAuthn credentials, their challenges, the passkey of each bid,
and how each session was opened (certificate or passkey)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 12:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "passkey",
        sa.Column("id", postgresql.UUID(), nullable=False),
        sa.Column("credential_id", sa.Text(), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("user_handle", sa.LargeBinary(), nullable=False),
        sa.Column("aaguid", sa.String(length=36), nullable=False),
        sa.Column("certificate_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("created_at", _tz(), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_at", _tz(), nullable=True),
        sa.Column("removed_at", _tz(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["certificate_fingerprint"], ["person_certificate.fingerprint"]),
        sa.PrimaryKeyConstraint("id"),
        # One credential, one person, forever (a removed passkey keeps its row).
        sa.UniqueConstraint("credential_id", name="uq_passkey_credential_id"),
    )
    op.create_index("ix_passkey_person_id", "passkey", ["person_id"])

    op.create_table(
        "passkey_challenge",
        sa.Column("id", postgresql.UUID(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=True),
        sa.Column("challenge", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _tz(), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", _tz(), nullable=False),
        sa.Column("used_at", _tz(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_passkey_challenge_expires_at", "passkey_challenge", ["expires_at"])

    op.add_column("bid", sa.Column("passkey_credential_id", sa.Text(), nullable=True))
    op.add_column(
        "auth_session",
        sa.Column("method", sa.String(length=16), server_default="certificate", nullable=False),
    )
    op.add_column("auth_session", sa.Column("passkey_id", postgresql.UUID(), nullable=True))


def downgrade() -> None:
    op.drop_column("auth_session", "passkey_id")
    op.drop_column("auth_session", "method")
    op.drop_column("bid", "passkey_credential_id")
    op.drop_table("passkey_challenge")
    op.drop_table("passkey")
