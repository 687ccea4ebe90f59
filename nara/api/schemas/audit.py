"""Audit log: events and the chain check an auditor reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nara.api.schemas.base import ReadModel


class AuditEventRead(ReadModel):
    id: int
    at: datetime
    actor: str
    entity: str
    action: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class AuditEventPage(ReadModel):
    items: list[AuditEventRead]
    next_after_id: int | None


class ChainCheckRead(ReadModel):
    events: int
    ok: bool
    first_bad_id: int | None
    head_hash: str
