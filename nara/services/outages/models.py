"""What the outage services answer: the outage, and the tenders it moved."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from nara.domain.enums import Phase
from nara.services.base import ServiceModel

SignalState = Literal["pending", "sent", "failed", "superseded"]


class TenderMove(ServiceModel):
    """One tender the outage caught: its schedule before and after, and its workflow's news."""

    notice_no: str
    title: str
    workflow_id: str
    phase: Phase  # when the outage was declared
    deadline_before: datetime
    deadline_after: datetime
    opening_before: datetime
    opening_after: datetime
    rule: str  # which outage rule moved it, in words
    note: str | None  # why less moved than the rule says, if so
    signal: SignalState  # of the ExtendDeadline signal to the tender's workflow
    signal_error: str | None


class OutageSummary(ServiceModel):
    id: int
    started_at: datetime
    recovered_at: datetime
    reason: str
    declared_by: str
    declared_at: datetime
    affected: int  # tenders whose deadline or opening moved


class OutageView(OutageSummary):
    """An outage with the tenders it moved."""

    tenders: list[TenderMove]


class OutagePage(ServiceModel):
    items: list[OutageSummary]
    next_cursor: int | None
    limit: int
