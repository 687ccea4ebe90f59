"""What the tender services take and answer: drafts, views and pages."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, computed_field

from nara.contracts.tender import TenderStatus
from nara.domain.enums import CONTRACT_LAWS, AgencyKind, Category, Method, Phase, Role
from nara.services.base import ServiceModel


class TenderDraft(ServiceModel):
    """An announcement. The agency and its kind come from the officer's person record.

    The fields and their order are part of the idempotency hash of an announcement:
    append new fields at the end, with a default.
    """

    title: str
    description: str = ""
    category: Category
    method: Method = Method.GENERAL
    estimated_price: int
    base_amount: int | None = None  # defaults to the estimated price
    deadline: datetime
    opening_at: datetime
    urgent: bool = False
    region: str | None = None
    agency_code: str | None = None  # when sent it must be the officer's own agency
    a_value_items: dict[str, int] = Field(default_factory=dict)  # construction: A value (KRW)
    sme_competitive: bool = False  # goods bought in competition among SMEs only


class TenderView(ServiceModel):
    """A tender as PostgreSQL records it."""

    notice_no: str
    base_no: str
    round: int
    workflow_id: str
    agency_code: str
    agency_kind: AgencyKind
    officer_id: str
    title: str
    description: str
    category: Category
    method: Method
    region: str | None
    urgent: bool
    estimated_price: int
    base_amount: int
    announced_at: datetime
    deadline: datetime
    opening_at: datetime
    bidding_open: bool
    phase: Phase
    awaiting_role: Role | None
    outcome_note: str | None
    created_at: datetime
    updated_at: datetime
    a_value_items: dict[str, int] = Field(default_factory=dict)
    sme_competitive: bool = False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def contract_law(self) -> str:
        """The law the tender runs under, from the kind of its contracting authority."""
        return CONTRACT_LAWS[self.agency_kind]


class TenderDetail(TenderView):
    """The record plus the live state of the tender's workflow."""

    live: TenderStatus | None  # None when Temporal did not answer
    live_note: str | None  # why `live` is None
    next_round: str | None  # notice no of the re-announcement, if any


class TenderPage(ServiceModel):
    items: list[TenderView]
    next_cursor: str | None  # pass as `cursor` for the next page; None on the last page
    limit: int


class ScheduleChange(ServiceModel):
    notice_no: str
    deadline: datetime
    opening_at: datetime
    note: str


class CancelAccepted(ServiceModel):
    notice_no: str
    note: str
