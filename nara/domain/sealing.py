"""Sealed bids: HPKE (RFC 9180) to the tender's key, and the check that a bid will open.

A supplier's client seals two messages in one HPKE context to the tender's public key:
the price and the two reserve-price picks. Both plaintexts are padded to a fixed length,
so a ciphertext's size says nothing about the price. The notice number and the business
are bound twice: in HPKE's `info` (the key schedule, hence the keys and the check value,
differ for another tender or business) and in each message's associated data.

The **check value** lets the server refuse, at submission, a bid that would not open,
without learning the price: the client exports 32 bytes from the context with the hashes
of both ciphertexts as exporter context. Only the holder of the tender's private key can
recompute it from `enc`; the key service does so and compares, without touching the
ciphertexts. What this proves and does not prove: docs/sealed-bids.md.

    sealed = seal_bid(public_key, notice_no=..., business_no=..., price=98_760_000,
                      picks=(3, 11))                      # the client
    check_value(private_key, sealed, notice_no=..., business_no=...)  # the key service
    open_bid(private_key, sealed, notice_no=..., business_no=...)     # at the opening

Pure: no I/O; `pyhpke` over `cryptography` does the cryptography.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pyhpke import AEADId, CipherSuite, KDFId, KEMId

SUITE = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.AES128_GCM)
SUITE_NAME = "DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM"
"""The HPKE cipher suite of every sealed bid (RFC 9180 ids 0x0020, 0x0001, 0x0001)."""
FORMAT = "nara-sealed-bid/1"

PRICE_PLAINTEXT = 64
"""Bytes of the padded price plaintext: `{"price":N}` and spaces."""
PICKS_PLAINTEXT = 32
"""Bytes of the padded picks plaintext: `{"picks":[a,b]}` and spaces."""
TAG = 16
ENC_BYTES = 32
KEY_BYTES = 32
CHECK_BYTES = 32
PRICE_SEALED = PRICE_PLAINTEXT + TAG
PICKS_SEALED = PICKS_PLAINTEXT + TAG
SIZES = {"enc": ENC_BYTES, "price": PRICE_SEALED, "picks": PICKS_SEALED, "check": CHECK_BYTES}
"""The exact decoded length of each part of a sealed bid."""


def b64url(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    """The bytes of base64url text (padding optional); ValueError if it is not base64url."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as bad:
        raise ValueError(f"not base64url: {bad}") from None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class KeyPair:
    """A tender's X25519 key pair, raw 32-byte keys."""

    private_key: bytes
    public_key: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        key = X25519PrivateKey.generate()
        private = key.private_bytes_raw()
        return cls(private_key=private, public_key=key.public_key().public_bytes_raw())


def key_id(public_key: bytes) -> str:
    """A short name of a tender's public key: the first 16 hex digits of its SHA-256."""
    return sha256_hex(public_key)[:16]


@dataclass(frozen=True)
class SealedBid:
    """The sealed parts of a bid, as bytes: what the client sends and the database keeps."""

    enc: bytes
    """HPKE's encapsulated key (32 bytes)."""
    price: bytes
    """The price's ciphertext (80 bytes)."""
    picks: bytes
    """The picks' ciphertext (48 bytes)."""
    check: bytes
    """The check value exported from the context (32 bytes)."""

    def as_json(self) -> dict[str, str]:
        """The parts as base64url text (the API's `sealed` object)."""
        return {name: b64url(getattr(self, name)) for name in SIZES}

    @classmethod
    def from_json(cls, parts: dict[str, str]) -> SealedBid:
        """Read the API's `sealed` object; ValueError naming the part that is wrong."""
        decoded: dict[str, bytes] = {}
        for name, size in SIZES.items():
            try:
                value = from_b64url(parts[name])
            except KeyError:
                raise ValueError(f"sealed.{name} is missing") from None
            except ValueError:
                raise ValueError(f"sealed.{name} is not base64url") from None
            if len(value) != size:
                raise ValueError(
                    f"sealed.{name} has {len(value)} bytes; a sealed bid's {name} has {size}"
                )
            decoded[name] = value
        return cls(**decoded)

    @property
    def price_sha256(self) -> str:
        return sha256_hex(self.price)

    @property
    def picks_sha256(self) -> str:
        return sha256_hex(self.picks)


def info(*, notice_no: str, business_no: str) -> bytes:
    """HPKE `info`: binds the key schedule to the tender and the business."""
    return f"{FORMAT}|{notice_no}|{business_no}".encode()


def aad(*, notice_no: str, business_no: str, part: str) -> bytes:
    """Associated data of one message (`price` or `picks`)."""
    return f"{FORMAT}|{notice_no}|{business_no}|{part}".encode()


def _exporter_context(price: bytes, picks: bytes) -> bytes:
    return (
        f"{FORMAT}|check|".encode()
        + hashlib.sha256(price).digest()
        + hashlib.sha256(picks).digest()
    )


def _pad(data: dict[str, Any], size: int) -> bytes:
    raw = json.dumps(data, separators=(",", ":")).encode()
    if len(raw) > size:
        raise ValueError(f"{raw[:20]!r}... does not fit the {size}-byte sealed message")
    return raw + b" " * (size - len(raw))


def seal_bid(
    public_key: bytes, *, notice_no: str, business_no: str, price: int, picks: Sequence[int]
) -> SealedBid:
    """Seal a price and two picks to a tender's public key (the supplier's client)."""
    recipient = SUITE.kem.deserialize_public_key(public_key)
    enc, context = SUITE.create_sender_context(
        recipient, info=info(notice_no=notice_no, business_no=business_no)
    )
    price_sealed = context.seal(
        _pad({"price": price}, PRICE_PLAINTEXT),
        aad=aad(notice_no=notice_no, business_no=business_no, part="price"),
    )
    picks_sealed = context.seal(
        _pad({"picks": list(picks)}, PICKS_PLAINTEXT),
        aad=aad(notice_no=notice_no, business_no=business_no, part="picks"),
    )
    check = context.export(_exporter_context(price_sealed, picks_sealed), CHECK_BYTES)
    return SealedBid(enc=enc, price=price_sealed, picks=picks_sealed, check=check)


def _recipient(private_key: bytes, sealed: SealedBid, notice_no: str, business_no: str) -> Any:
    return SUITE.create_recipient_context(
        sealed.enc,
        SUITE.kem.deserialize_private_key(private_key),
        info=info(notice_no=notice_no, business_no=business_no),
    )


def check_value(private_key: bytes, sealed: SealedBid, *, notice_no: str, business_no: str) -> bool:
    """True when the bid's check value is the one the tender key derives from its `enc`
    for this tender and business over these ciphertexts. Never decrypts a message."""
    try:
        context = _recipient(private_key, sealed, notice_no, business_no)
        expected = context.export(_exporter_context(sealed.price, sealed.picks), CHECK_BYTES)
    except Exception:  # an invalid enc (a low-order point) fails the check
        return False
    return hmac.compare_digest(expected, sealed.check)


@dataclass(frozen=True)
class OpenedBid:
    """What a sealed bid said, or why it could not be read."""

    price: int | None
    picks: tuple[int, ...] | None
    unreadable: str | None = None
    """Why the bid did not decrypt or parse (None when it did)."""


def _parse(plaintext: bytes, key: str) -> Any:
    data = json.loads(plaintext.rstrip(b" ").decode("utf-8"))
    if not isinstance(data, dict) or set(data) != {key}:
        raise ValueError(f"the {key} message is not a JSON object with only {key!r}")
    return data[key]


def open_bid(
    private_key: bytes, sealed: SealedBid, *, notice_no: str, business_no: str
) -> OpenedBid:
    """Decrypt a sealed bid. Never raises: a bid that fails says why in `unreadable`.

    Whether the price and picks are acceptable for the tender is the opening's question
    (rules), not this one's: here a price is any integer and picks any list of integers.
    """
    try:
        context = _recipient(private_key, sealed, notice_no, business_no)
    except Exception as failed:  # a bid's content never stops an opening
        return OpenedBid(
            None, None, f"the key could not be derived from enc: {type(failed).__name__}"
        )
    try:
        price_text = context.open(
            sealed.price, aad=aad(notice_no=notice_no, business_no=business_no, part="price")
        )
        picks_text = context.open(
            sealed.picks, aad=aad(notice_no=notice_no, business_no=business_no, part="picks")
        )
    except Exception:
        return OpenedBid(None, None, "a ciphertext did not decrypt (authentication failed)")
    try:
        price = _parse(price_text, "price")
        picks = _parse(picks_text, "picks")
    except (ValueError, UnicodeDecodeError) as bad:
        return OpenedBid(None, None, f"the decrypted bid is not readable: {bad}")
    if type(price) is not int:
        return OpenedBid(None, None, "the decrypted price is not a whole number")
    if not isinstance(picks, list) or not all(type(p) is int for p in picks):
        return OpenedBid(price, None, "the decrypted picks are not a list of whole numbers")
    return OpenedBid(price, tuple(picks))


def open_bids(
    private_key: bytes, sealed: list[tuple[str, SealedBid]], *, notice_no: str
) -> list[OpenedBid]:
    """Decrypt every sealed bid of a tender, given as (business number, sealed bid)."""
    return [
        open_bid(private_key, bid, notice_no=notice_no, business_no=business)
        for business, bid in sealed
    ]


# --- the reserve prices' seed: committed at announcement, revealed at opening ---------

RESERVE_SECRET_BYTES = 32


def reserve_commitment(*, notice_no: str, secret: bytes) -> str:
    """The public commitment to a tender's reserve secret: SHA-256, lower-case hex."""
    return sha256_hex(f"nara-reserve-commitment/1|{notice_no}|".encode() + secret)


def reserve_seed(secret: bytes) -> int:
    """The draw's seed (62 bits, as the domain's draw takes it) derived from the secret."""
    digest = hashlib.sha256(b"nara-reserve-seed/1|" + secret).digest()
    return int.from_bytes(digest[:8], "big") >> 2


def verify_reserve_secret(*, notice_no: str, secret: bytes, commitment: str) -> bool:
    """True when the revealed secret is the one committed to at announcement."""
    return hmac.compare_digest(reserve_commitment(notice_no=notice_no, secret=secret), commitment)
