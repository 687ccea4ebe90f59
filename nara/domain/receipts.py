"""Bid receipts: what the server signs when it accepts a bid, and how anyone checks one.

A receipt says that the bid with this document hash was accepted for this tender and
business at this database time. The server signs its canonical JSON (the rules of
`nara.domain.bid_document`) with its receipt key (Ed25519); the public keys are published
at `GET /.well-known/nara-keys`. The bidder's client checks the signature and that the
receipt names the bid it sent, and keeps it: later, `nara bidder receipt verify` checks it
again, and a receipt changed in any byte no longer verifies.

Pure: no I/O.
"""

from __future__ import annotations

import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from nara.domain.sealing import b64url, from_b64url, sha256_hex

KIND = "nara-bid-receipt"
VERSION = 1
ALGORITHM = "Ed25519"


@dataclass(frozen=True)
class Receipt:
    """The fields a receipt signs."""

    notice_no: str
    business_no: str
    bid_id: str
    bid_sha256: str
    """SHA-256 of the bid document's canonical bytes (hex)."""
    accepted_at: datetime
    """The database's time of acceptance (UTC)."""
    key_id: str
    """The receipt key that signs (see /.well-known/nara-keys)."""
    log_leaf_hash: str
    """The leaf hash (hex) of the bid's entry in the audit log: once the entry is
    sequenced, an inclusion proof shows it is in the log for good."""

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": KIND,
            "version": VERSION,
            "notice_no": self.notice_no,
            "business_no": self.business_no,
            "bid_id": self.bid_id,
            "bid_sha256": self.bid_sha256,
            "accepted_at": self.accepted_at.isoformat(),
            "key_id": self.key_id,
            "log_leaf_hash": self.log_leaf_hash,
        }

    def canonical_bytes(self) -> bytes:
        return json.dumps(
            self.as_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Receipt:
        """Read a receipt's fields; ValueError naming the first one that is wrong."""
        if data.get("kind") != KIND or data.get("version") != VERSION:
            raise ValueError(f"not a {KIND} version {VERSION}")
        try:
            return cls(
                notice_no=str(data["notice_no"]),
                business_no=str(data["business_no"]),
                bid_id=str(data["bid_id"]),
                bid_sha256=str(data["bid_sha256"]),
                accepted_at=datetime.fromisoformat(str(data["accepted_at"])),
                key_id=str(data["key_id"]),
                log_leaf_hash=str(data["log_leaf_hash"]),
            )
        except KeyError as missing:
            raise ValueError(f"the receipt has no {missing.args[0]!r}") from None


def receipt_key_id(public_key: Ed25519PublicKey) -> str:
    """A receipt key's name: the first 16 hex digits of the SHA-256 of its raw bytes."""
    return sha256_hex(public_key.public_bytes_raw())[:16]


def sign(receipt: Receipt, key: Ed25519PrivateKey) -> str:
    """The receipt's signature, base64url (Ed25519 is deterministic: the same receipt signed
    twice gives the same signature)."""
    return b64url(key.sign(receipt.canonical_bytes()))


def verify(receipt: Receipt, signature: str, public_keys: dict[str, Ed25519PublicKey]) -> bool:
    """True when one of the published keys, the one the receipt names, signed it."""
    key = public_keys.get(receipt.key_id)
    if key is None:
        return False
    try:
        key.verify(from_b64url(signature), receipt.canonical_bytes())
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def public_key_of(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from its raw bytes in base64url (as the keys route lists it)."""
    return Ed25519PublicKey.from_public_bytes(from_b64url(text))


def public_key_text(key: Ed25519PublicKey) -> str:
    return b64url(key.public_bytes_raw())


__all__ = [
    "ALGORITHM",
    "KIND",
    "Receipt",
    "public_key_of",
    "public_key_text",
    "receipt_key_id",
    "sign",
    "verify",
]
