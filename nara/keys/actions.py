"""The action key: signs the person tokens of operators' actions (HMAC-SHA256).

One 32-byte secret in NARA_KEY_DIR/operator-actions.key (0600, made on first use),
shared by the API (which signs a token for the authenticated operator) and the worker
(whose `apply_operator_action` activity checks it). HMAC rather than Ed25519: both sides
are our own processes holding the key directory already, and nobody else needs to verify.
"""

from __future__ import annotations

import hmac
import secrets
from hashlib import sha256
from pathlib import Path

from nara.keys.files import load_or_create


class ActionKey:
    """Signs and checks `PersonToken`s (anything with `signed_bytes()` and `mac`)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._secret: bytes | None = None

    def _key(self) -> bytes:
        if self._secret is None:
            self._secret = load_or_create(self._path, lambda: secrets.token_bytes(32))
        return self._secret

    def mac(self, signed_bytes: bytes) -> str:
        """The MAC of a token's signed bytes, hex."""
        return hmac.new(self._key(), signed_bytes, sha256).hexdigest()

    def verify(self, signed_bytes: bytes, mac: str) -> bool:
        """True when `mac` is this key's MAC of the bytes (constant time)."""
        return hmac.compare_digest(self.mac(signed_bytes), mac)
