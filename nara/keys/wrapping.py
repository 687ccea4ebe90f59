"""Wrapping keys: how the key service keeps a tender's secrets at rest.

The database holds a tender's private key and reserve secret only wrapped (AES-256-GCM,
the tender's notice number in the associated data, so a wrapped key cannot be moved to
another tender). `Wrapper` is the seam for a KMS (its Encrypt/Decrypt calls) or an HSM: the
key service calls nothing else. `FileWrapper` is the local one, with its master key in a
file under `var/keys/`, for development and tests.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from nara.keys.files import load_or_create

NONCE = 12


class Wrapper(Protocol):
    """Encrypts and decrypts small secrets under a key that never leaves it."""

    @property
    def key_id(self) -> str:
        """The wrapping key's name (kept beside each wrapped secret)."""
        ...

    def wrap(self, secret: bytes, *, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, *, context: bytes) -> bytes:
        """The secret; ValueError if `wrapped` was not made by this key for `context`."""
        ...


class FileWrapper:
    """AES-256-GCM under a master key kept in a file (made on first use, mode 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._aes = AESGCM(load_or_create(path, lambda: AESGCM.generate_key(256)))
        master = path.read_bytes()
        self._key_id = f"file:{hashlib.sha256(b'nara-wrapping-key|' + master).hexdigest()[:16]}"

    @property
    def key_id(self) -> str:
        return self._key_id

    def wrap(self, secret: bytes, *, context: bytes) -> bytes:
        nonce = os.urandom(NONCE)
        return nonce + self._aes.encrypt(nonce, secret, context)

    def unwrap(self, wrapped: bytes, *, context: bytes) -> bytes:
        try:
            return self._aes.decrypt(wrapped[:NONCE], wrapped[NONCE:], context)
        except InvalidTag:
            raise ValueError(
                "the wrapped secret is not this key's, or not for this tender"
            ) from None
