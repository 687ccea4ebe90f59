"""The audit log's sequencer step: new entries into the Merkle tree, a new signed head."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nara.contracts import activities as declared
from nara.contracts.activities import implements
from nara.contracts.steps import SequenceResult, SequenceStep
from nara.keys import LogSigner
from nara.store import audit_log


async def sequence_once(
    sessions: async_sessionmaker[AsyncSession], signer: LogSigner, *, max_batch: int
) -> audit_log.Batch:
    """One batch, in one transaction: interrupted anywhere, it leaves nothing behind and
    the next batch takes the same entries."""
    async with sessions.begin() as session:
        return await audit_log.sequence(
            session, max_batch=max_batch, sign=signer.sign, now=datetime.now(UTC)
        )


class AuditLogSteps:
    """The sequencer's activity (run by `AuditSequencerWorkflow`, one at a time)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], signer: LogSigner) -> None:
        self.sessions = sessions
        self.signer = signer

    @implements(declared.sequence_audit_log)
    async def sequence_audit_log(self, step: SequenceStep) -> SequenceResult:
        """Sequence up to `max_batch` entries; how many, and the log's size after."""
        batch = await sequence_once(self.sessions, self.signer, max_batch=step.max_batch)
        return SequenceResult(sequenced=batch.sequenced, size=batch.size)
