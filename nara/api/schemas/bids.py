"""Sealed bids: stored as rows in PostgreSQL, never in workflow history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, field_validator

from nara.api.schemas.base import (
    MAX_KRW,
    ApiModel,
    BusinessNo,
    Money,
    ReadModel,
    Text,
    Whole,
    refuse,
)
from nara.api.schemas.passkeys import PasskeyAssertionBody

Pick = Annotated[int, Whole(1, 15)]
ClientKey = Annotated[str, Text(80, min_length=8)]
"""A key the client chooses so that a retried request answers the first one."""
CertificateNo = Annotated[str, Text(40)]


class BidCreate(ApiModel):
    business_no: BusinessNo = Field(description="the business the agent bids for")
    price: Money = Field(
        description=f"bid price, whole KRW from 1 to {MAX_KRW:,} and at most 100 times the "
        "tender's base amount (rule bid-price-ceiling)"
    )
    reserve_picks: list[Pick] = Field(
        min_length=2,
        max_length=2,
        description="two different reserve prices, numbered 1-15 (rule distinct-picks)",
    )
    bid_guarantee_cert: CertificateNo | None = Field(
        None, description="bid guarantee certificate from a guarantee agency"
    )
    client_key: ClientKey = Field(
        description="chosen by the client; sending the same key again answers the first bid",
    )
    passkey_assertion: PasskeyAssertionBody | None = Field(
        None,
        description="required: the bidder's passkey assertion (PublicKeyCredential.toJSON() of "
        "navigator.credentials.get()) whose challenge is the SHA-256 of this bid's document",
    )

    @field_validator("reserve_picks")
    @classmethod
    def _distinct(cls, picks: list[int]) -> list[int]:
        if len(set(picks)) != len(picks):
            raise refuse(
                "distinct_picks",
                f"reserve_picks must be two different numbers, got {picks}",
                "two different numbers from 1 to 15, e.g. [3, 11]",
                "distinct-picks",
            )
        return picks


class BidRead(ReadModel):
    """The caller's own bid; other bidders are never shown."""

    id: str
    notice_no: str
    business_no: str
    price: int
    reserve_picks: list[int]
    bid_guarantee_cert: str | None
    client_key: str
    passkey_credential_id: str | None = Field(
        description="the passkey whose assertion confirmed the bid"
    )
    submitted_at: datetime
    status: str
    replayed: bool = Field(False, description="true when this answers an earlier submission")
