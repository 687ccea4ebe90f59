"""Small helpers shared by test tiers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from nara.domain.sealing import KeyPair, key_id, seal_bid
from nara.testing.polling import eventually

__all__ = ["eventually", "sealed_bid_body", "sessions"]


def sessions(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def sealed_bid_body(
    price: int, *, business_no: str = "220-81-62517", client_key: str = "k" * 8
) -> dict[str, Any]:
    """A bid body in the shape the API takes, sealed to a fresh key (for schema tests: its
    signature and certificate are the right shape, not a real signature)."""
    public_key = KeyPair.generate().public_key
    sealed = seal_bid(
        public_key, notice_no="20261234567-00", business_no=business_no, price=price, picks=[1, 15]
    )
    return {
        "business_no": business_no,
        "client_key": client_key,
        "tender_key_id": key_id(public_key),
        "sealed": sealed.as_json(),
        "signature": "MEUCIQ" + "A" * 90,
        "signing_certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    }
