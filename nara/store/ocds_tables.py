"""The open-data feed's table: every OCDS release, with the transaction that wrote it.

Apart from `tables.py` (it shares its `Base` and metadata) so that module stays small.
Why a release row carries its writing transaction's id (`xid`, `xid8`) and how the feed
reads it without ever skipping one: docs/open-data.md and `nara.store.ocds.page`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

from nara.store.tables import Base, _now


class Xid8(UserDefinedType[str]):
    """PostgreSQL's 64-bit transaction id (never wraps); read as text."""

    cache_ok = True

    def get_col_spec(self, **_: Any) -> str:
        return "XID8"


class OcdsRelease(Base):
    """One OCDS release, written in the transaction of the stage change it describes."""

    __tablename__ = "ocds_release"
    __table_args__ = (UniqueConstraint("ocid", "release_id", name="uq_ocds_release"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    xid: Mapped[str] = mapped_column(Xid8(), server_default=text("pg_current_xact_id()"))
    """The writing transaction (top level): the feed serves it only once it has ended."""
    ocid: Mapped[str] = mapped_column(String(80), index=True)
    release_id: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = _now()
    release: Mapped[dict[str, Any]] = mapped_column(JSONB)


# The feed reads in (transaction, sequence) order.
Index("ix_ocds_release_xid_seq", OcdsRelease.xid, OcdsRelease.seq)
