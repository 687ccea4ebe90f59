"""The server's signing keys (Ed25519), published at /.well-known/nara-keys: the receipt key
signs bid receipts, the log key signs the audit log's tree heads."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from nara.domain import receipts, tree_heads
from nara.keys.files import load_or_create


def _new_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class _Signer:
    """An Ed25519 key in a PEM file under `var/keys/` (made on first use, mode 0600)."""

    def __init__(self, path: Path) -> None:
        key = serialization.load_pem_private_key(load_or_create(path, _new_key_pem), None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        self._key = key
        self.public_key: Ed25519PublicKey = key.public_key()
        self.key_id = receipts.receipt_key_id(self.public_key)

    def published(self) -> dict[str, Ed25519PublicKey]:
        """The public keys its signatures may name (one today; more while a key is rolled)."""
        return {self.key_id: self.public_key}


class ReceiptSigner(_Signer):
    """The receipt key: signs bid receipts."""

    use = "bid-receipts"

    def sign(self, receipt: receipts.Receipt) -> str:
        return receipts.sign(receipt, self._key)


class LogSigner(_Signer):
    """The audit log's key: signs tree heads."""

    use = "audit-log"

    def sign(self, size: int, root_hash: bytes, at: datetime) -> tree_heads.SignedTreeHead:
        head = tree_heads.TreeHead(size=size, root_hash=root_hash, at=at, key_id=self.key_id)
        return tree_heads.sign(head, self._key)
