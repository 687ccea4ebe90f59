"""The table of the officers' console: one-time enrolment links.

Apart from `tables.py` (they share its `Base` and metadata) so that module stays small.
A link is kept by the SHA-256 of its secret only; it opens one certificate session on
the console, once, before it expires.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from nara.store import identity_tables  # noqa: F401  (person_certificate, a foreign key)
from nara.store.tables import Base, _now


class ConsoleEnrolmentLink(Base):
    """A single-use link that opens the passkey registration page of the console."""

    __tablename__ = "console_enrolment_link"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    token_sha256: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    certificate_fingerprint: Mapped[str] = mapped_column(
        ForeignKey("person_certificate.fingerprint")
    )
    """The certificate of the login that asked for the link: the session it opens uses it."""
    created_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
