"""Alerts: a business's licences, its subscriptions, its notification feed and its
recommended tenders."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from nara.api.schemas.base import MAX_KRW, ApiModel, Checked, MoneyOrZero, ReadModel, Text, refuse
from nara.domain import alerts as rules
from nara.domain.enums import Category


def _known_licence(name: str) -> str:
    if name not in rules.LICENCES:
        accepted = "one of " + ", ".join(rules.LICENCES)
        raise refuse("licence_unknown", f"{name!r} is not a licence the registry knows", accepted)
    return name


LicenceName = Annotated[
    str, Checked(after=_known_licence, keywords=(("enum", list(rules.LICENCES)),))
]


def _has_words(keyword: str) -> str:
    if not rules.normalise(keyword):
        raise refuse(
            "blank_keyword",
            "a keyword of spaces only would find everything",
            "a word",
            rule="alert-keyword",
        )
    return keyword


Keyword = Annotated[str, Text(40), Checked(after=_has_words)]
Region = Annotated[str, Text(40)]
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"0[0-9]{1,2}-?[0-9]{3,4}-?[0-9]{4}")


class LicencesUpdate(ApiModel):
    licences: list[LicenceName] = Field(
        max_length=len(rules.LICENCES),
        description="the business's licences, all of them (an empty list removes them)",
    )


class LicenceRead(ReadModel):
    licence: str
    category: Category
    registered_at: datetime


class SubscriptionCreate(ApiModel):
    """What to be told of; every criterion left empty means any. The business's
    licences count as categories."""

    keywords: list[Keyword] = Field(
        [],
        max_length=rules.MAX_KEYWORDS,
        description="any of them in the title; spaces and case are ignored "
        "(도로 포장 finds 도로포장공사); each needs a character besides spaces "
        "(rule alert-keyword)",
    )
    categories: list[Category] = Field([], max_length=len(Category))
    regions: list[Region] = Field([], max_length=rules.MAX_REGIONS)
    min_amount: MoneyOrZero | None = Field(None, description="estimated price at least, KRW")
    max_amount: MoneyOrZero | None = Field(
        None,
        description=f"estimated price at most, KRW (up to {MAX_KRW:,}); not below "
        "min_amount (rule amount-range)",
    )
    channel: Literal["feed", "email", "sms"] = Field(
        "feed", description="feed: only GET /businesses/{business_no}/notifications"
    )
    address: Annotated[str, Text(200)] | None = Field(
        None,
        validate_default=True,
        description="the e-mail address (email) or mobile number such as 010-1234-5678 "
        "(sms); none for feed (rule alert-address)",
    )

    @field_validator("max_amount")
    @classmethod
    def _range(cls, max_amount: int | None, info: ValidationInfo) -> int | None:
        low = info.data.get("min_amount")
        if max_amount is not None and low is not None and max_amount < low:
            raise refuse(
                "amount_range",
                "max_amount is below min_amount",
                f"at least {low:,} KRW",
                rule="amount-range",
            )
        return max_amount

    @field_validator("address")
    @classmethod
    def _address_fits_channel(cls, address: str | None, info: ValidationInfo) -> str | None:
        channel = info.data.get("channel")
        if channel == "feed" and address is not None:
            raise refuse("feed_address", "the feed needs no address", "null", rule="alert-address")
        if channel == "email" and (address is None or not _EMAIL.fullmatch(address)):
            raise refuse(
                "email_address",
                f"{address!r} is not an e-mail address",
                "name@host.tld",
                rule="alert-address",
            )
        if channel == "sms" and (address is None or not _PHONE.fullmatch(address)):
            raise refuse(
                "sms_address",
                f"{address!r} is not a mobile number",
                "010-1234-5678",
                rule="alert-address",
            )
        return address


class SubscriptionRead(ReadModel):
    id: int
    business_no: str
    keywords: list[str] = Field(description="as compared: lower case, spaces removed")
    categories: list[Category]
    regions: list[str]
    min_amount: int | None
    max_amount: int | None
    channel: str
    address: str | None
    created_by: str
    created_at: datetime


class SubscriptionList(ApiModel):
    items: list[SubscriptionRead]


class NotificationRead(ReadModel):
    id: int
    notice_no: str
    title: str
    agency_code: str
    deadline: datetime
    estimated_price: int
    reason: str = Field(description="which criteria matched")
    status: str = Field(description="pending, delivered or failed (email, sms); feed")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(ApiModel):
    items: list[NotificationRead]
    next_cursor: int | None = Field(
        None, description="pass as `cursor` for the next (older) page; null on the last page"
    )


class MarkRead(ApiModel):
    ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(min_length=1, max_length=200)


class MarkedRead(ApiModel):
    marked: int = Field(description="how many of them were unread")


class RecommendationRead(ReadModel):
    notice_no: str
    title: str
    agency_code: str
    agency_name: str
    category: Category
    region: str | None
    estimated_price: int
    deadline: datetime
    score: int
    reasons: list[str]


class RecommendationList(ApiModel):
    items: list[RecommendationRead]
