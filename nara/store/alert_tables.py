"""Tables of personalised alerts: businesses' licences, subscriptions, and the
notification outbox (one row per tender and business, delivered by the worker)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from nara.store.tables import Base


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class BusinessLicence(Base):
    """A licence (업종) a business holds, and the category of tenders it qualifies for."""

    __tablename__ = "business_licence"

    business_no: Mapped[str] = mapped_column(ForeignKey("business.business_no"), primary_key=True)
    licence: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(16))
    registered_at: Mapped[datetime] = _now()


class AlertSubscription(Base):
    """What a business wants to hear about; an empty list means "any"."""

    __tablename__ = "alert_subscription"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    business_no: Mapped[str] = mapped_column(ForeignKey("business.business_no"), index=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("person.id"))
    keywords: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default=text("'{}'"))
    """Normalised (`nara.domain.alerts.normalise`); one of them in the title."""
    categories: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default=text("'{}'"))
    regions: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default=text("'{}'"))
    min_amount: Mapped[int | None] = mapped_column(BigInteger)
    max_amount: Mapped[int | None] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(8))  # feed | email | sms
    address: Mapped[str | None] = mapped_column(String(200))
    """The e-mail address or phone number of `channel` (None for the feed only)."""
    created_at: Mapped[datetime] = _now()


class AlertNotification(Base):
    """The outbox: one notification per (tender, business), whichever subscriptions
    matched; `status` pending until the worker delivers it (feed-only rows are born
    delivered)."""

    __tablename__ = "alert_notification"
    __table_args__ = (
        UniqueConstraint("tender_id", "business_no", name="uq_alert_notification_tender"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(UUID, ForeignKey("tender.id"))
    business_no: Mapped[str] = mapped_column(ForeignKey("business.business_no"))
    subscription_id: Mapped[int | None] = mapped_column(BigInteger)
    """The subscription that matched (no foreign key: deleting a subscription must not
    scan the outbox, and the notification keeps its channel and address)."""
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))  # pending | delivered | failed | feed
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = _now()
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# Matching finds keyword subscriptions by overlap with the title's substrings, and those
# without keywords by their own index (nara.store.alerts).
# fastupdate off: subscriptions change rarely, every announcement reads the index, and
# GIN's pending list (fastupdate) is scanned linearly until it is merged.
Index(
    "ix_alert_subscription_keywords",
    AlertSubscription.keywords,
    postgresql_using="gin",
    postgresql_with={"fastupdate": "off"},
)
Index(
    "ix_alert_subscription_any_keyword",
    AlertSubscription.id,
    postgresql_where=func.cardinality(AlertSubscription.keywords) == 0,
)
# The feed reads a business's notifications newest first, by id (keyset).
Index("ix_alert_notification_feed", AlertNotification.business_no, AlertNotification.id.desc())
# The worker takes the due pending rows, oldest due first.
Index(
    "ix_alert_notification_due",
    AlertNotification.next_attempt_at,
    postgresql_where=AlertNotification.status == "pending",
)
