"""AuditSequencerWorkflow: the audit log's one sequencer, for as long as the system runs.

Its workflow id is fixed (`AUDIT_SEQUENCER_ID`), so Temporal runs exactly one at a time,
and it survives restarts of workers and of the server. Each batch is one activity (one
transaction): a batch killed halfway is retried whole and sequences nothing twice. When a
batch took everything waiting, it pauses `interval_s`; otherwise it goes straight on.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from nara.contracts import activities
    from nara.contracts.steps import SequencerInput, SequenceStep
    from nara.workflows.calls import db_step, decide_local_db_steps

AUDIT_SEQUENCER_ID = "nara-audit-sequencer"


@workflow.defn
class AuditSequencerWorkflow:
    @workflow.run
    async def run(self, input: SequencerInput) -> None:
        decide_local_db_steps()
        step = SequenceStep()
        for _ in range(input.batches_per_run):
            batch = await db_step(activities.sequence_audit_log, step)
            if batch.sequenced < step.max_batch:
                await workflow.sleep(timedelta(seconds=input.interval_s))
        workflow.continue_as_new(input)
