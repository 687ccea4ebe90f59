"""The tables of passkeys: enrolled credentials and their single-use challenges.

Apart from `tables.py` (they share its `Base` and metadata) so that module stays small.
A removed passkey keeps its row (`removed_at`): its credential id stays bound to its
person, so a removed passkey can never be enrolled again, by them or anybody else.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from nara.store import identity_tables  # noqa: F401  (person_certificate, a foreign key)
from nara.store.tables import Base, _now


class Passkey(Base):
    """A WebAuthn credential enrolled for one person (and nobody else, ever)."""

    __tablename__ = "passkey"
    __table_args__ = (UniqueConstraint("credential_id", name="uq_passkey_credential_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    credential_id: Mapped[str] = mapped_column(Text)
    """The authenticator's credential id, base64url (what bids record and signals compare)."""
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    """The credential's public key as COSE (what `webauthn` verifies assertions with)."""
    sign_count: Mapped[int] = mapped_column(BigInteger)
    user_handle: Mapped[bytes] = mapped_column(LargeBinary)
    aaguid: Mapped[str] = mapped_column(String(36))
    certificate_fingerprint: Mapped[str | None] = mapped_column(
        ForeignKey("person_certificate.fingerprint")
    )
    """The certificate of the login that enrolled it: a passkey login opens its session
    on this certificate, so revoking the certificate also ends passkey sessions."""
    created_at: Mapped[datetime] = _now()
    last_used_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]


class PasskeyChallenge(Base):
    """A single-use challenge of a registration (for a person) or of a passkey login."""

    __tablename__ = "passkey_challenge"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    purpose: Mapped[str] = mapped_column(String(16))  # registration | login
    person_id: Mapped[str | None] = mapped_column(String(40))
    challenge: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
