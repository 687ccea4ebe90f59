"""The bid document: the exact bytes a supplier's fingerprint (a passkey assertion) confirms.

A bid carries a WebAuthn assertion whose challenge is `bid_challenge(document)`, the
SHA-256 of the document's canonical JSON. The supplier's side (`nara.wallet`) and the
server (`nara.services.passkeys`) both build the document here and nowhere else, so an
assertion made for one bid can never pass for another: change the notice, the business,
the price, a reserve pick, the guarantee certificate or the client key, and the hash the
server expects is different.

Canonical JSON (the rules of RFC 8785 for the values used here: strings, integers,
lists): keys sorted, no whitespace, UTF-8, no escaping beyond what JSON requires.
`reserve_picks` is sorted, since the two picks are a set ([11, 3] is the bid [3, 11]), and
`business_no` is written 123-45-67890 however it was sent.
`kind` and `version` make the bytes of a bid mean a bid and nothing else, and let a later
version (a sealed payload in place of the price) coexist with this one.

    {"bid_guarantee_cert":null,"business_no":"220-81-62517","client_key":"bid-20261201-a",
     "kind":"nara-bid","notice_no":"20261234567-00","price":98760000,
     "reserve_picks":[3,11],"version":1}

Pure: no I/O, no framework.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from nara.domain.errors import RuleViolation
from nara.domain.identifiers import validate_business_no

KIND = "nara-bid"
VERSION = 1


@dataclass(frozen=True)
class BidDocument:
    """What a bid says: the fields its passkey assertion confirms (version 1)."""

    notice_no: str
    business_no: str
    price: int
    reserve_picks: tuple[int, ...]
    client_key: str
    bid_guarantee_cert: str | None = None

    @classmethod
    def of(
        cls,
        *,
        notice_no: str,
        business_no: str,
        price: int,
        reserve_picks: Sequence[int],
        client_key: str,
        bid_guarantee_cert: str | None = None,
    ) -> BidDocument:
        """The document of a bid as the supplier sends it: picks in any order, the business
        number with or without its hyphens (the document holds it as 123-45-67890)."""
        # Not a business number: the bid is refused for that, not for its hash.
        with contextlib.suppress(RuleViolation):
            business_no = validate_business_no(business_no)
        return cls(
            notice_no=notice_no,
            business_no=business_no,
            price=price,
            reserve_picks=tuple(sorted(reserve_picks)),
            client_key=client_key,
            bid_guarantee_cert=bid_guarantee_cert,
        )

    def as_dict(self) -> dict[str, object]:
        """The document as plain JSON values, `kind` and `version` included."""
        return {
            "kind": KIND,
            "version": VERSION,
            "notice_no": self.notice_no,
            "business_no": self.business_no,
            "price": self.price,
            "reserve_picks": sorted(self.reserve_picks),
            "client_key": self.client_key,
            "bid_guarantee_cert": self.bid_guarantee_cert,
        }


def canonical_bytes(document: BidDocument) -> bytes:
    """The one serialisation of a bid document that is hashed (see the module text)."""
    return json.dumps(
        document.as_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def bid_challenge(document: BidDocument) -> bytes:
    """The WebAuthn challenge of a bid: SHA-256 of its canonical bytes (32 bytes)."""
    return hashlib.sha256(canonical_bytes(document)).digest()


def b64url(data: bytes) -> str:
    """Base64url without padding: how WebAuthn writes bytes in JSON (a challenge, an id)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
