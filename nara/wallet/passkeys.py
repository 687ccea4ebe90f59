"""A software passkey authenticator, for the CLI, the demo, benchmarks and tests.

It plays the browser and the authenticator of WebAuthn for a person who has no browser:
`create` answers `navigator.credentials.create()` options (attestation "none"; an ES256
key; authenticator data with the user present, user verified and attested-credential
flags; the credential's COSE key) and `get` answers `navigator.credentials.get()` options
(authenticator data, client data, an ECDSA signature; the signature counter goes up by
one on every use). `confirm_bid` is `get` over the SHA-256 of a bid document.

"User verified" is claimed, not measured: there is no sensor. That is why this module
lives on the person's side and no server room may import it (tests/test_layers.py).

Credentials live in memory, or in a JSON file of the person's (mode 0600: it holds
private keys) that is rewritten after every change, so the counter survives between
commands. The origin given to `create` and `get` is written into the client data as a
browser would; the server refuses any origin but its own.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from nara.domain.bid_document import BidDocument, b64url, bid_challenge

ES256 = -7
AAGUID = bytes(16)
"""The authenticator model: all zeros, as for an authenticator that does not say."""
UP, UV, AT = 0x01, 0x04, 0x40


class AuthenticatorError(RuntimeError):
    """The authenticator cannot answer these options (no credential, no common algorithm,
    a credential it holds is excluded)."""


@dataclass
class StoredCredential:
    """One passkey the authenticator holds."""

    credential_id: str
    rp_id: str
    user_handle: str
    user_name: str
    private_key_pem: str
    sign_count: int = 0

    def key(self) -> ec.EllipticCurvePrivateKey:
        key = serialization.load_pem_private_key(self.private_key_pem.encode(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key


def _cose_key(key: ec.EllipticCurvePublicKey) -> bytes:
    numbers = key.public_numbers()
    return cbor2.dumps(
        {
            1: 2,  # kty: EC2
            3: ES256,  # alg
            -1: 1,  # crv: P-256
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        }
    )


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps(
        {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False},
        separators=(",", ":"),
    ).encode()


def _new_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _rp_hash(rp_id: str) -> bytes:
    return hashlib.sha256(rp_id.encode()).digest()


class SoftwareAuthenticator:
    """A platform authenticator in software; `path` keeps its credentials (0600)."""

    def __init__(self, path: Path | None = None, *, keeps_counter: bool = True) -> None:
        self.path = path
        self.keeps_counter = keeps_counter
        """False: every assertion says 0, as platform passkeys without a counter do."""
        self._credentials: list[StoredCredential] = []
        if path is not None and path.exists():
            stored = json.loads(path.read_text(encoding="utf-8"))
            self._credentials = [StoredCredential(**item) for item in stored["credentials"]]

    @property
    def credentials(self) -> list[StoredCredential]:
        return list(self._credentials)

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"credentials": [asdict(c) for c in self._credentials]}, out, indent=1)
        os.replace(temp, self.path)

    def create(
        self, options: Mapping[str, Any], *, origin: str, reuse: str | None = None
    ) -> dict[str, Any]:
        """Make a passkey for `navigator.credentials.create()` options (WebAuthn JSON);
        the `PublicKeyCredential` JSON to send to the server.

        `reuse` answers with a passkey this authenticator already holds (its credential
        id and key) instead of a new one, as a copied or lent authenticator would: the
        server must refuse it.
        """
        rp_id = str(options["rp"]["id"])
        algorithms = {param["alg"] for param in options.get("pubKeyCredParams", [])}
        if ES256 not in algorithms:
            raise AuthenticatorError(f"only ES256 ({ES256}) is offered by this authenticator")
        if reuse is None:
            excluded = {item["id"] for item in options.get("excludeCredentials", [])}
            if any(c.credential_id in excluded and c.rp_id == rp_id for c in self._credentials):
                raise AuthenticatorError("this authenticator already holds a passkey of this user")
            credential = StoredCredential(
                credential_id=b64url(secrets.token_bytes(32)),
                rp_id=rp_id,
                user_handle=str(options["user"]["id"]),
                user_name=str(options["user"]["name"]),
                private_key_pem=_new_key_pem(),
            )
            self._credentials.append(credential)
            self._save()
        else:
            credential = self._pick(rp_id, {reuse}, None)
        raw_id = _unb64url(credential.credential_id)
        attested = (
            AAGUID
            + len(raw_id).to_bytes(2, "big")
            + raw_id
            + _cose_key(credential.key().public_key())
        )
        auth_data = _rp_hash(rp_id) + bytes([UP | UV | AT]) + (0).to_bytes(4, "big") + attested
        client_data = _client_data("webauthn.create", str(options["challenge"]), origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": credential.credential_id,
            "rawId": credential.credential_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def adopt(self, credential: StoredCredential) -> None:
        """Hold a copy of another authenticator's passkey (a lent or cloned one)."""
        self._credentials.append(StoredCredential(**asdict(credential)))
        self._save()

    def _pick(self, rp_id: str, allowed: set[str], user_name: str | None) -> StoredCredential:
        for credential in reversed(self._credentials):  # the newest passkey first
            if credential.rp_id != rp_id:
                continue
            if allowed and credential.credential_id not in allowed:
                continue
            if user_name is not None and credential.user_name != user_name:
                continue
            return credential
        whose = f" of {user_name}" if user_name else ""
        raise AuthenticatorError(f"this authenticator holds no passkey{whose} for {rp_id!r}")

    def rp_id_of(self, user_name: str | None = None) -> str:
        """The relying party of the newest passkey held (of `user_name` when given)."""
        for credential in reversed(self._credentials):
            if user_name is None or credential.user_name == user_name:
                return credential.rp_id
        whose = f" of {user_name}" if user_name else ""
        raise AuthenticatorError(f"this authenticator holds no passkey{whose}")

    def get(
        self,
        options: Mapping[str, Any],
        *,
        origin: str,
        user_name: str | None = None,
        user_verified: bool = True,
    ) -> dict[str, Any]:
        """Answer `navigator.credentials.get()` options with the newest matching passkey
        (of `user_name` when given); the `PublicKeyCredential` JSON to send."""
        rp_id = str(options.get("rpId") or "localhost")
        allowed = {item["id"] for item in options.get("allowCredentials", [])}
        credential = self._pick(rp_id, allowed, user_name)
        if self.keeps_counter:
            credential.sign_count += 1
        self._save()
        flags = UP | (UV if user_verified else 0)
        auth_data = _rp_hash(rp_id) + bytes([flags]) + credential.sign_count.to_bytes(4, "big")
        client_data = _client_data("webauthn.get", str(options["challenge"]), origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = credential.key().sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": credential.credential_id,
            "rawId": credential.credential_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": credential.user_handle,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def confirm_bid(
        self,
        document: BidDocument,
        *,
        rp_id: str,
        origin: str,
        user_name: str | None = None,
        credential_id: str | None = None,
    ) -> dict[str, Any]:
        """The fingerprint over one bid: an assertion whose challenge is the SHA-256 of the
        bid document (what a bid sends as `passkey_assertion`)."""
        options: dict[str, Any] = {"rpId": rp_id, "challenge": b64url(bid_challenge(document))}
        if credential_id is not None:
            options["allowCredentials"] = [{"type": "public-key", "id": credential_id}]
        return self.get(options, origin=origin, user_name=user_name)
