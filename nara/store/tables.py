"""SQLAlchemy 2 typed tables: the system of record for business data.

Money columns are BIGINT KRW; timestamps are `timestamptz` (UTC in storage).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nara.domain.enums import AgencyKind, Category, Method, PaymentKind, PaymentState, Phase, Role


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSONB,
        Decimal: Numeric(12, 4),
    }


def _values(kind: type[enum.Enum]) -> list[str]:
    return [str(member.value) for member in kind]


def _enum(kind: type[enum.Enum], length: int) -> Enum:
    """A domain enum stored as its value in a VARCHAR(length): no database enum, no CHECK.

    The rows keep the strings they always held (`"bidding"`, not `"BIDDING"`); the ORM
    reads them back as members, so code compares `tender.phase is Phase.BIDDING`.
    """
    return Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=_values,
    )


def _now() -> Any:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class Agency(Base):
    __tablename__ = "agency"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AgencyKind] = mapped_column(_enum(AgencyKind, 16))
    account_no: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = _now()


class Business(Base):
    __tablename__ = "business"

    business_no: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    account_no: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = _now()


class Person(Base):
    __tablename__ = "person"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(_enum(Role, 24))
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("agency.code"))
    created_at: Mapped[datetime] = _now()


class BusinessAgent(Base):
    """A person a business registered as its agent: they may bid and sign for it."""

    __tablename__ = "business_agent"

    business_no: Mapped[str] = mapped_column(ForeignKey("business.business_no"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), primary_key=True)
    created_at: Mapped[datetime] = _now()


class Tender(Base):
    __tablename__ = "tender"
    __table_args__ = (UniqueConstraint("officer_id", "client_key", name="uq_tender_client_key"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    notice_no: Mapped[str] = mapped_column(String(20), unique=True)
    base_no: Mapped[str] = mapped_column(String(16), index=True)
    round: Mapped[int] = mapped_column(Integer, default=0)
    workflow_id: Mapped[str] = mapped_column(String(40), unique=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"), index=True)
    officer_id: Mapped[str] = mapped_column(ForeignKey("person.id"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[Category] = mapped_column(_enum(Category, 16))
    method: Mapped[Method] = mapped_column(_enum(Method, 16))
    agency_kind: Mapped[AgencyKind] = mapped_column(_enum(AgencyKind, 16))
    region: Mapped[str | None] = mapped_column(String(40))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # The announcement's A-value items (KRW by item, nara.domain.a_value); {} is an A value of 0.
    a_value_items: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    # 중소기업자간 경쟁제품: goods bought in competition among SMEs (their own lower limit).
    sme_competitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    estimated_price: Mapped[int] = mapped_column(BigInteger)
    base_amount: Mapped[int] = mapped_column(BigInteger)
    announced_at: Mapped[datetime]
    deadline: Mapped[datetime] = mapped_column(index=True)
    opening_at: Mapped[datetime]
    bidding_open: Mapped[bool] = mapped_column(Boolean, default=False)
    bidding_closed_at: Mapped[datetime | None]
    phase: Mapped[Phase] = mapped_column(_enum(Phase, 16), index=True)
    awaiting_role: Mapped[Role | None] = mapped_column(_enum(Role, 16))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    # Idempotency-Key of the officer's create request: a retried create answers this tender.
    client_key: Mapped[str | None] = mapped_column(String(80))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    # Search (migration 0010): nara_search_key(title, agency name, description) and its
    # letters (jamo), kept by a trigger; `catalogue` marks rows of `nara seed` (no workflow).
    search_key: Mapped[str] = mapped_column(Text, server_default="", default=None)
    search_jamo: Mapped[str] = mapped_column(Text, server_default="", default=None)
    catalogue: Mapped[bool] = mapped_column(Boolean, server_default="false", default=False)


class Bid(Base):
    __tablename__ = "bid"
    __table_args__ = (
        UniqueConstraint("tender_id", "business_no", name="uq_bid_one_per_business"),
        UniqueConstraint("tender_id", "client_key", name="uq_bid_client_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    tender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tender.id"), index=True)
    business_no: Mapped[str] = mapped_column(ForeignKey("business.business_no"))
    agent_id: Mapped[str] = mapped_column(ForeignKey("person.id"))
    client_key: Mapped[str] = mapped_column(String(80))
    price: Mapped[int | None] = mapped_column(BigInteger)
    """The price, known only once the opening decrypted it (None before, and for a bid
    that did not open)."""
    reserve_picks: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    bid_guarantee_cert: Mapped[str | None] = mapped_column(String(40))
    passkey_credential_id: Mapped[str | None] = mapped_column(Text)
    """The passkey (credential id, base64url) whose assertion confirmed this bid."""
    submitted_at: Mapped[datetime] = _now()
    rank: Mapped[int | None] = mapped_column(Integer)
    bid_rate: Mapped[Decimal | None]
    status: Mapped[str] = mapped_column(
        String(16), default="sealed"
    )  # sealed | candidate | below_limit | not_eligible | invalid (did not open)
    # What the bid was sent with (None for bids from before these records, and for
    # in-process callers without a session): the traces of `nara.domain.signals`.
    certificate_fingerprint: Mapped[str | None] = mapped_column(String(64))
    certificate_serial: Mapped[str | None] = mapped_column(String(64))
    client_address: Mapped[str | None] = mapped_column(String(64))
    # The sealed bid (nara.domain.sealing) and its e-signature (nara.domain.bid_document);
    # None only for bids from before sealing.
    tender_key_id: Mapped[str | None] = mapped_column(String(16))
    sealed_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_price: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_picks: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_check: Mapped[bytes | None] = mapped_column(LargeBinary)
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(Text)
    """ECDSA-SHA256 over the document's canonical bytes, base64 DER."""
    signing_certificate: Mapped[str | None] = mapped_column(Text)
    """The PEM of the certificate whose key signed the document."""
    invalid_reason: Mapped[str | None] = mapped_column(Text)
    """Why the opening excluded this bid (status `invalid`)."""


class TenderKey(Base):
    """A tender's sealing key: public key in clear, private key and reserve secret only as
    the key service wrapped them (nara.keys)."""

    __tablename__ = "tender_key"

    notice_no: Mapped[str] = mapped_column(String(14), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_reserve_secret: Mapped[bytes] = mapped_column(LargeBinary)
    reserve_commitment: Mapped[str] = mapped_column(String(64))
    wrapping_key_id: Mapped[str] = mapped_column(String(64))
    """Which key of the key service wrapped them (a KMS key's name, or the local file's)."""
    created_at: Mapped[datetime] = _now()
    released_at: Mapped[datetime | None]
    """When the key service first used the private key after the close."""


class OpeningResult(Base):
    __tablename__ = "opening_result"

    tender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tender.id"), primary_key=True)
    opened_at: Mapped[datetime] = _now()
    bid_count: Mapped[int] = mapped_column(Integer)
    reserve_seed: Mapped[int] = mapped_column(BigInteger)
    reserve_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The revealed secret the seed derives from (None for tenders from before sealing)."""
    reserve_commitment: Mapped[str | None] = mapped_column(String(64))
    reserve_prices: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    pick_counts: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    most_picked: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    predetermined_price: Mapped[int | None] = mapped_column(BigInteger)
    lower_limit_rate: Mapped[Decimal | None]
    lottery_seed: Mapped[int] = mapped_column(BigInteger)
    candidate_count: Mapped[int] = mapped_column(Integer)
    flags: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class Review(Base):
    """Qualification review of one candidate (적격심사)."""

    __tablename__ = "review"
    __table_args__ = (UniqueConstraint("tender_id", "business_no", name="uq_review_candidate"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tender.id"), index=True)
    business_no: Mapped[str] = mapped_column(ForeignKey("business.business_no"))
    rank: Mapped[int] = mapped_column(Integer)
    price_score: Mapped[Decimal]
    capability_score: Mapped[Decimal]
    total: Mapped[Decimal]
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(ForeignKey("person.id"))
    reviewed_at: Mapped[datetime] = _now()


class Award(Base):
    __tablename__ = "award"
    __table_args__ = (UniqueConstraint("tender_id", "business_no", name="uq_award_candidate"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tender.id"), index=True)
    business_no: Mapped[str] = mapped_column(ForeignKey("business.business_no"))
    price: Mapped[int] = mapped_column(BigInteger)
    approved_by: Mapped[str] = mapped_column(ForeignKey("person.id"))
    awarded_at: Mapped[datetime] = _now()
    guarantee_due: Mapped[datetime]
    status: Mapped[str] = mapped_column(
        String(16), default="awarded"
    )  # awarded | forfeited | contracted
    forfeit_reason: Mapped[str | None] = mapped_column(Text)


class Guarantee(Base):
    __tablename__ = "guarantee"

    certificate_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    reference: Mapped[str] = mapped_column(String(40), index=True)
    business_no: Mapped[str] = mapped_column(ForeignKey("business.business_no"))
    amount: Mapped[int] = mapped_column(BigInteger)
    confirmed_at: Mapped[datetime | None]
    claimed_amount: Mapped[int | None] = mapped_column(BigInteger)
    claimed_at: Mapped[datetime | None]


class Contract(Base):
    __tablename__ = "contract"

    contract_no: Mapped[str] = mapped_column(String(24), primary_key=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tender.id"), unique=True)
    business_no: Mapped[str] = mapped_column(ForeignKey("business.business_no"))
    amount: Mapped[int] = mapped_column(BigInteger)
    performance_guarantee_cert: Mapped[str] = mapped_column(String(40))
    agency_signed_by: Mapped[str | None] = mapped_column(ForeignKey("person.id"))
    agency_signed_at: Mapped[datetime | None]
    supplier_signed_by: Mapped[str | None] = mapped_column(ForeignKey("person.id"))
    supplier_signed_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="signing")  # signing|active|completed
    created_at: Mapped[datetime] = _now()


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("contract_no", "seq", name="uq_payment_seq"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    contract_no: Mapped[str] = mapped_column(ForeignKey("contract.contract_no"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[PaymentKind] = mapped_column(_enum(PaymentKind, 16))
    amount: Mapped[int] = mapped_column(BigInteger)
    subcontract_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    subcontractor_no: Mapped[str | None] = mapped_column(ForeignKey("business.business_no"))
    claimed_by: Mapped[str] = mapped_column(ForeignKey("person.id"))
    claimed_at: Mapped[datetime] = _now()
    inspection_due: Mapped[datetime]
    inspected_by: Mapped[str | None] = mapped_column(ForeignKey("person.id"))
    inspected_at: Mapped[datetime | None]
    inspection_note: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    transfer_ids: Mapped[list[str]] = mapped_column(ARRAY(String), default=list)
    late_interest: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[PaymentState] = mapped_column(
        _enum(PaymentState, 16), default=PaymentState.CLAIMED
    )


class Outage(Base):
    """An outage an operator declared, and the tenders whose deadline or opening it moved."""

    __tablename__ = "outage"
    __table_args__ = (UniqueConstraint("started_at", "recovered_at", name="uq_outage_window"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime]
    recovered_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    declared_by: Mapped[str] = mapped_column(ForeignKey("person.id"))
    declared_at: Mapped[datetime] = _now()
    affected: Mapped[int] = mapped_column(Integer, default=0)
    # One entry per moved tender: times before and after, the rule applied, and whether its
    # workflow has been sent the ExtendDeadline signal (pending | sent | failed | superseded).
    tenders: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)


class AuditEvent(Base):
    """One entry of the verifiable audit log (a leaf of its Merkle tree, RFC 9162).

    A writer inserts the entry with its leaf hash and no lock; the sequencer gives it its
    place (`seq`) in the tree later (nara.activities.audit_log).
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = _now()
    actor: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60), index=True)  # e.g. tender:2026...-00
    action: Mapped[str] = mapped_column(String(60))
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary)
    """SHA-256(0x00 || the entry's canonical bytes): `nara.store.audit.entry_bytes`."""
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    """The entry's index in the log's tree; None until the sequencer takes it."""
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    """The hash chain of the entries written before the log (kept as they were)."""
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class AuditNode(Base):
    """A perfect subtree of the log's tree: 2^level leaves from index x 2^level."""

    __tablename__ = "audit_node"

    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class AuditTreeHead(Base):
    """A signed tree head: the log's size and root hash at a time, signed by its key."""

    __tablename__ = "audit_tree_head"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)
    at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(100))


class AuditLogState(Base):
    """The sequencer's one row: the log's size (locked while a batch is sequenced)."""

    __tablename__ = "audit_log_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)


Index("ix_tender_phase_deadline", Tender.phase, Tender.deadline)
# The sequencer reads the entries not yet in the tree, oldest first.
Index(
    "ix_audit_event_unsequenced",
    AuditEvent.id,
    postgresql_where=AuditEvent.seq.is_(None),
)
# The weekly report reads these by time.
Index("ix_tender_announced_at", Tender.announced_at)
Index("ix_opening_result_opened_at", OpeningResult.opened_at)
Index("ix_award_awarded_at", Award.awarded_at)
Index("ix_payment_paid_at", Payment.paid_at)
