"""Signed tree heads of the audit log: size, root hash and time, signed by the log's key.

The canonical JSON of a tree head is signed with Ed25519 by the server's log key
(published at `GET /.well-known/nara-keys`, use `audit-log`). An auditor keeps a tree
head; later, a consistency proof from its size to a newer head shows the log only grew
(nothing before it was edited, removed or reordered).

Pure: no I/O.
"""

from __future__ import annotations

import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from nara.domain.sealing import b64url, from_b64url

KIND = "nara-tree-head"
VERSION = 1


@dataclass(frozen=True)
class TreeHead:
    size: int
    root_hash: bytes
    at: datetime
    key_id: str

    def canonical_bytes(self) -> bytes:
        return json.dumps(
            {
                "kind": KIND,
                "version": VERSION,
                "size": self.size,
                "root_hash": self.root_hash.hex(),
                "at": self.at.astimezone(UTC).isoformat(),
                "key_id": self.key_id,
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()


@dataclass(frozen=True)
class SignedTreeHead:
    head: TreeHead
    signature: str
    """Ed25519 over the head's canonical bytes, base64url."""

    def as_json(self) -> dict[str, object]:
        return {
            "size": self.head.size,
            "root_hash": self.head.root_hash.hex(),
            "at": self.head.at.isoformat(),
            "key_id": self.head.key_id,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> SignedTreeHead:
        """Read a kept tree head; ValueError naming what is wrong."""
        try:
            return cls(
                TreeHead(
                    size=int(str(data["size"])),
                    root_hash=bytes.fromhex(str(data["root_hash"])),
                    at=datetime.fromisoformat(str(data["at"])),
                    key_id=str(data["key_id"]),
                ),
                str(data["signature"]),
            )
        except KeyError as missing:
            raise ValueError(f"the tree head has no {missing.args[0]!r}") from None


def sign(head: TreeHead, key: Ed25519PrivateKey) -> SignedTreeHead:
    return SignedTreeHead(head, b64url(key.sign(head.canonical_bytes())))


def verify(signed: SignedTreeHead, public_keys: dict[str, Ed25519PublicKey]) -> bool:
    key = public_keys.get(signed.head.key_id)
    if key is None:
        return False
    try:
        key.verify(from_b64url(signed.signature), signed.head.canonical_bytes())
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
