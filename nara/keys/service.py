"""The key service (see the package's text): tender keys made, checked, used after the close."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nara.domain import sealing
from nara.domain.clock import SEOUL
from nara.domain.errors import NotFound, SealedUntilClose
from nara.keys.actions import ActionKey
from nara.keys.signing import LogSigner, ReceiptSigner
from nara.keys.wrapping import FileWrapper, Wrapper
from nara.store import audit, clock, tender_keys, tenders
from nara.store.tables import TenderKey

log = structlog.get_logger("nara.keys")

CACHE_SIZE = 4096
"""Tender keys kept in memory (public and wrapped parts only: they never change)."""


@dataclass(frozen=True)
class TenderKeyInfo:
    """The public side of a tender's sealing key."""

    notice_no: str
    key_id: str
    public_key: bytes
    reserve_commitment: str
    created_at: datetime


@dataclass(frozen=True)
class OpenedTender:
    """Every bid of a tender decrypted (in the order given) and its reserve secret."""

    bids: list[sealing.OpenedBid]
    reserve_secret: bytes
    reserve_commitment: str


def _context(notice_no: str, what: str) -> bytes:
    return f"nara-tender-key/1|{notice_no}|{what}".encode()


class KeyService:
    """Makes, keeps and uses tender keys; signs receipts.

    Args:
        sessions: its own transactions (key rows, the close check, audit events).
        wrapper: keeps secrets at rest (a KMS or HSM in production).
        receipts: the server's receipt key.
        log: the audit log's key (signs tree heads).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        wrapper: Wrapper,
        receipts: ReceiptSigner,
        log: LogSigner,
        actions: ActionKey | None = None,
    ) -> None:
        self.sessions = sessions
        self.wrapper = wrapper
        self.receipts = receipts
        self.log = log
        self.actions = actions
        """The action key (person tokens of operators' actions); None: actions refused."""
        self._keys: OrderedDict[str, TenderKey] = OrderedDict()

    @classmethod
    def local(cls, sessions: async_sessionmaker[AsyncSession], key_dir: Path) -> KeyService:
        """The local key service: wrapping, receipt and log keys in files under `key_dir`."""
        return cls(
            sessions,
            FileWrapper(key_dir / "master.key"),
            ReceiptSigner(key_dir / "receipt-ed25519.pem"),
            LogSigner(key_dir / "log-ed25519.pem"),
            ActionKey(key_dir / "operator-actions.key"),
        )

    # --- at announcement -------------------------------------------------------------

    async def make_tender_key(self, *, notice_no: str, actor: str) -> TenderKeyInfo:
        """The tender's key pair and reserve secret, made once (a retry gets the same)."""
        pair = sealing.KeyPair.generate()
        secret = secrets.token_bytes(sealing.RESERVE_SECRET_BYTES)
        made = TenderKey(
            notice_no=notice_no,
            key_id=sealing.key_id(pair.public_key),
            public_key=pair.public_key,
            wrapped_private_key=self.wrapper.wrap(
                pair.private_key, context=_context(notice_no, "private-key")
            ),
            wrapped_reserve_secret=self.wrapper.wrap(
                secret, context=_context(notice_no, "reserve-secret")
            ),
            reserve_commitment=sealing.reserve_commitment(notice_no=notice_no, secret=secret),
            wrapping_key_id=self.wrapper.key_id,
        )
        async with self.sessions.begin() as session:
            key = await tender_keys.insert_once(session, key=made)
            await audit.record(
                session,
                actor=actor,
                entity=audit.tender_entity(notice_no),
                action="sealing-key-made",
                key=f"{notice_no}:sealing-key-made",
                payload={
                    "key_id": key.key_id,
                    "public_key": sealing.b64url(key.public_key),
                    "suite": sealing.SUITE_NAME,
                    "reserve_commitment": key.reserve_commitment,
                    "wrapping_key_id": key.wrapping_key_id,
                },
            )
            return _info(key)

    # --- while bidding ---------------------------------------------------------------

    async def tender_key(self, *, notice_no: str) -> TenderKeyInfo:
        """The tender's public key; NotFound if it has none (not announced yet)."""
        return _info(await self._key(notice_no))

    async def check_bid(
        self, *, notice_no: str, business_no: str, sealed: sealing.SealedBid
    ) -> bool:
        """True when the tender key derives the bid's check value from its `enc`.

        The one use of the private key before the close: it derives the exporter secret
        from `enc` and compares a 32-byte value; it never touches a ciphertext, so it
        answers nothing about the price (docs/sealed-bids.md). Not an audit event of its
        own: the bid's `bid-submitted` event records the check.
        """
        key = await self._key(notice_no)
        private = self.wrapper.unwrap(
            key.wrapped_private_key, context=_context(notice_no, "private-key")
        )
        return sealing.check_value(private, sealed, notice_no=notice_no, business_no=business_no)

    # --- after the close -------------------------------------------------------------

    async def open_tender(
        self, *, notice_no: str, bids: Sequence[tuple[str, sealing.SealedBid]], actor: str
    ) -> OpenedTender:
        """Decrypt every sealed bid of the tender and reveal its reserve secret.

        SealedUntilClose, audited, unless the database records that bidding closed and its
        deadline has passed by the database clock. The use is an audit event.
        """
        key = await self._key(notice_no)
        await self._require_closed(notice_no, purpose="open-bids", actor=actor)
        private = self.wrapper.unwrap(
            key.wrapped_private_key, context=_context(notice_no, "private-key")
        )
        secret = self.wrapper.unwrap(
            key.wrapped_reserve_secret, context=_context(notice_no, "reserve-secret")
        )
        opened = await asyncio.to_thread(
            sealing.open_bids, private, list(bids), notice_no=notice_no
        )
        async with self.sessions.begin() as session:
            await tender_keys.mark_released(session, notice_no=notice_no)
            await audit.record(
                session,
                actor=actor,
                entity=audit.tender_entity(notice_no),
                action="sealing-key-used",
                key=f"{notice_no}:sealing-key-used:{uuid.uuid4()}",
                payload={
                    "purpose": "open-bids",
                    "key_id": key.key_id,
                    "bids": len(opened),
                    "unreadable": sum(1 for b in opened if b.unreadable),
                },
            )
        return OpenedTender(
            bids=opened, reserve_secret=secret, reserve_commitment=key.reserve_commitment
        )

    async def _require_closed(self, notice_no: str, *, purpose: str, actor: str) -> None:
        async with self.sessions() as session:
            tender = await tenders.find(session, notice_no=notice_no)
            now = await clock.now(session)
        closed = (
            tender is not None
            and not tender.bidding_open
            and tender.bidding_closed_at is not None
            and now >= tender.deadline
        )
        if closed:
            return
        deadline = (
            f"{tender.deadline.astimezone(SEOUL):%Y-%m-%d %H:%M:%S} KST" if tender else "unknown"
        )
        async with self.sessions.begin() as session:
            await audit.record(
                session,
                actor=actor,
                entity=audit.tender_entity(notice_no),
                action="sealing-key-refused",
                key=f"{notice_no}:sealing-key-refused:{uuid.uuid4()}",
                payload={"purpose": purpose, "database_time": now.isoformat()},
            )
        log.warning("sealing key refused before the close", notice_no=notice_no, purpose=purpose)
        raise SealedUntilClose(
            f"the bids of {notice_no} stay sealed until bidding closes (deadline {deadline}); "
            "the key service refused and the refusal is in the audit log",
            field="notice_no",
            fix="open the bids after the deadline, once the tender is closed",
        )

    async def _key(self, notice_no: str) -> TenderKey:
        key = self._keys.get(notice_no)
        if key is not None:
            self._keys.move_to_end(notice_no)
            return key
        async with self.sessions() as session:
            key = await tender_keys.find(session, notice_no=notice_no)
            if key is not None:
                session.expunge(key)
        if key is None:
            raise NotFound(
                f"tender {notice_no} has no sealing key",
                field="notice_no",
                fix="bid on an announced tender; its key is made at announcement",
            )
        self._keys[notice_no] = key
        if len(self._keys) > CACHE_SIZE:
            self._keys.popitem(last=False)
        return key


def _info(key: TenderKey) -> TenderKeyInfo:
    return TenderKeyInfo(
        notice_no=key.notice_no,
        key_id=key.key_id,
        public_key=key.public_key,
        reserve_commitment=key.reserve_commitment,
        created_at=key.created_at,
    )
