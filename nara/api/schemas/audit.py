"""The audit log: entries for auditors; tree heads and proofs for anyone (hashes only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from nara.api.schemas.base import ReadModel


class AuditEventRead(ReadModel):
    id: int
    seq: int | None = Field(
        description="the entry's index in the log's tree (null until sequenced)"
    )
    at: datetime
    actor: str
    entity: str
    action: str
    payload: dict[str, Any]
    leaf_hash: str = Field(description="SHA-256(0x00 || the entry's canonical bytes), hex")


class AuditEventPage(ReadModel):
    items: list[AuditEventRead]
    next_after_id: int | None


class TreeHeadRead(ReadModel):
    """A signed tree head (RFC 9162): keep one to check later that the log only grew."""

    size: int
    root_hash: str = Field(description="hex")
    at: datetime
    key_id: str = Field(description="the log key (GET /.well-known/nara-keys, use audit-log)")
    signature: str = Field(description="Ed25519 over the head's canonical JSON, base64url")


class InclusionRead(ReadModel):
    seq: int
    leaf_hash: str
    tree_size: int
    proof: list[str] = Field(description="RFC 9162 inclusion path, hex, bottom up")
    tree_head: TreeHeadRead


class ConsistencyRead(ReadModel):
    first: int
    second: int
    proof: list[str] = Field(description="RFC 9162 consistency proof, hex")
    tree_head: TreeHeadRead


class LogCheckRead(ReadModel):
    ok: bool
    entries: int = Field(description="sequenced entries recomputed")
    tree_heads: int
    pending: int = Field(description="entries waiting for the sequencer")
    oldest_pending_at: datetime | None
    latest: TreeHeadRead | None
    kept_consistent: bool | None = None
    problems: list[str] = Field(description="what does not match, first ones")
