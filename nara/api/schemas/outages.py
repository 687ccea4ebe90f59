"""Outages: what an operator declares, and the tenders the declaration moved.

Times are answered on the Seoul clock (`+09:00`), as the notices about an outage are read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from nara.api.schemas.base import ApiModel, Moment, ReadModel, Text, refuse
from nara.domain.clock import SEOUL
from nara.domain.enums import Phase


def _kst(value: datetime) -> datetime:
    return value.astimezone(SEOUL)


Kst = Annotated[datetime, AfterValidator(_kst)]
"""A time answered on the Seoul clock."""

SignalState = Literal["pending", "sent", "failed", "superseded"]


class OutageCreate(ApiModel):
    """An outage that has ended: when the site went down, when it came back, and why."""

    started_at: Moment = Field(
        description="when the site went down, with a time zone (from 2000 up to 2100); at "
        "most 7 days before recovered_at (rule outage-length)"
    )
    recovered_at: Moment = Field(
        description="when it was back: after started_at (rule outage-window) and not in the "
        "future, a clock skew of 2 minutes allowed (rule outage-declared-after-recovery)"
    )
    reason: Annotated[str, Text(500, lines=True)] = Field(description="what failed, for the notice")

    @field_validator("recovered_at")
    @classmethod
    def _after_start(cls, value: datetime, info: ValidationInfo) -> datetime:
        started = info.data.get("started_at")
        if started is not None and value <= started:
            raise refuse(
                "outage_window",
                f"recovered_at {value.isoformat()} must come after started_at "
                f"{started.isoformat()}",
                f"a time after started_at {started.isoformat()}",
                "outage-window",
            )
        return value


class TenderMove(ReadModel):
    """One tender the outage caught: its schedule before and after, and its workflow's news."""

    notice_no: str
    title: str
    phase: Phase = Field(description="the tender's phase when the outage was declared")
    deadline_before: Kst
    deadline_after: Kst
    opening_before: Kst
    opening_after: Kst
    rule: str = Field(description="which outage rule moved it, in words")
    note: str | None = Field(None, description="why less moved than the rule says, if so")
    signal: SignalState = Field(
        description="the ExtendDeadline signal to the tender's workflow: `pending` (not sent "
        "yet), `sent`, `failed` (declare the same window again to retry) or `superseded` "
        "(the schedule changed since, so nothing was sent)"
    )
    signal_error: str | None = None


class OutageRead(ReadModel):
    id: int
    started_at: Kst
    recovered_at: Kst
    reason: str
    declared_by: str = Field(description="the operator who declared it")
    declared_at: Kst
    affected: int = Field(description="tenders whose deadline or opening moved")


class OutageDetail(OutageRead):
    tenders: list[TenderMove]


class OutagePage(ApiModel):
    items: list[OutageRead]
    next_cursor: int | None = Field(
        None, description="pass as `cursor` for the next page; null on the last page"
    )
    limit: int
