"""The worker process: tender, payment and audit-sequencer workflows and their activities on
one task queue, and the delivery of alerts (`nara.activities.alerts`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from nara.activities.alerts import AlertDelivery
from nara.activities.announce import AnnounceSteps
from nara.activities.audit_log import AuditLogSteps
from nara.activities.award import AwardSteps
from nara.activities.comprehensive import ComprehensiveSteps
from nara.activities.opening import OpeningSteps
from nara.activities.operator import OperatorSteps
from nara.activities.payment import PaymentSteps
from nara.contracts.steps import SequencerInput
from nara.keys import KeyService
from nara.logs import configure_logging, get_logger
from nara.partners.bank import BankClient
from nara.partners.base import CallObserver
from nara.partners.guarantee import GuaranteeAgencyClient
from nara.partners.messaging import LoggingSender
from nara.settings import Settings, get_settings, reveal
from nara.store.db import create_engine, session_factory
from nara.temporal import connect, missing_search_attributes
from nara.workers import bytecode
from nara.workers.telemetry import LogContext, PartnerMetrics, runtime_for
from nara.workflows.audit_sequencer import AUDIT_SEQUENCER_ID, AuditSequencerWorkflow
from nara.workflows.payment import PaymentWorkflow
from nara.workflows.tender import TenderWorkflow

WORKFLOWS: Sequence[type] = (TenderWorkflow, PaymentWorkflow, AuditSequencerWorkflow)

# Pure modules the sandbox may share with the worker instead of re-importing them.
PASSTHROUGH = (
    "nara.domain",
    "nara.contracts",
    "pydantic",
    "pydantic_core",
    "annotated_types",
)


def sandbox_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    )


@dataclass
class Partners:
    guarantee_agency: GuaranteeAgencyClient
    bank: BankClient


def partners_from(settings: Settings, observe: CallObserver | None = None) -> Partners:
    """The partner clients of the settings, each call told to `observe` (the metrics)."""
    timeout_s = settings.partner_timeout_s
    return Partners(
        guarantee_agency=GuaranteeAgencyClient(
            settings.guarantee_agency_url, timeout_s=timeout_s, observe=observe
        ),
        bank=BankClient(settings.bank_url, timeout_s=timeout_s, observe=observe),
    )


def build_activities(
    sessions: async_sessionmaker[AsyncSession], partners: Partners, keys: KeyService
) -> list[Callable[..., Any]]:
    """Every activity the workflows call, one per declaration in `nara.contracts.activities`."""
    announce = AnnounceSteps(sessions, keys)
    opening = OpeningSteps(sessions, keys)
    comprehensive = ComprehensiveSteps(sessions)
    award = AwardSteps(sessions, partners.guarantee_agency)
    payment = PaymentSteps(sessions, partners.bank)
    log = AuditLogSteps(sessions, keys.log)
    operator = OperatorSteps(sessions, partners.bank, keys.actions)
    return [
        log.sequence_audit_log,
        announce.make_tender_key,
        announce.announce_tender,
        announce.record_phase,
        announce.record_schedule,
        announce.close_bidding,
        opening.open_bids,
        opening.rank_negotiated,
        comprehensive.rank_comprehensive,
        opening.get_candidate,
        award.record_review,
        award.record_award,
        award.confirm_guarantee,
        award.forfeit_award,
        award.create_contract,
        award.record_signature,
        payment.record_claim,
        payment.record_inspection,
        payment.transfer_payment,
        payment.record_paid,
        operator.apply_operator_action,
    ]


def build_worker(
    client: Client,
    *,
    task_queue: str,
    engine: AsyncEngine,
    partners: Partners,
    keys: KeyService,
    max_concurrent_activities: int = 50,
    max_cached_workflows: int = 2000,
) -> Worker:
    """A worker with every workflow and activity of the project; `max_cached_workflows`
    is its sticky cache (WORKER_MAX_CACHED_WORKFLOWS)."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=build_activities(session_factory(engine), partners, keys),
        workflow_runner=sandbox_runner(),
        max_concurrent_activities=max_concurrent_activities,
        max_cached_workflows=max_cached_workflows,
        interceptors=[LogContext()],
    )


async def ensure_sequencer(client: Client, *, task_queue: str) -> WorkflowHandle[Any, None]:
    """Start the audit log's sequencer for this task queue unless it runs already (one
    workflow id per queue: Temporal never runs two; the log's state row makes even two
    queues on one database take turns)."""
    return await client.start_workflow(
        AuditSequencerWorkflow.run,
        SequencerInput(),
        id=f"{AUDIT_SEQUENCER_ID}:{task_queue}",
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


async def run_worker(settings: Settings | None = None) -> None:
    """Run until cancelled. Refuses to start when the search attributes are missing."""
    settings = settings or get_settings()
    configure_logging()
    log = get_logger("nara.worker")
    runtime = runtime_for(settings)
    client = await connect(settings, runtime=runtime)
    missing = await missing_search_attributes(client)
    if missing:
        raise SystemExit(
            f"Temporal namespace {settings.temporal_namespace!r} lacks the search attributes "
            f"{', '.join(missing)}; start the dev server with `nara dev` or register them with "
            "`temporal operator search-attribute create`"
        )
    if not settings.database_url:
        raise SystemExit(
            "DATABASE_URL is not set; run the whole stack with `nara dev`, "
            "or point DATABASE_URL at PostgreSQL"
        )
    engine = create_engine(reveal(settings.database_url) or "", pool_size=settings.db_pool_size)
    worker = build_worker(
        client,
        task_queue=settings.temporal_task_queue,
        engine=engine,
        partners=partners_from(
            settings, PartnerMetrics(runtime.metric_meter) if runtime is not None else None
        ),
        keys=KeyService.local(session_factory(engine), settings.key_dir),
        max_cached_workflows=settings.worker_max_cached_workflows,
    )
    stale = bytecode.stale_modules()
    if stale:
        log.warning(
            "workflow modules without compiled bytecode: each workflow run compiles them",
            modules=", ".join(stale),
            fix="python -m compileall nara (make does it before it runs anything)",
        )
    log.info(
        "worker started",
        task_queue=settings.temporal_task_queue,
        metrics=f"http://{settings.worker_metrics_address}/metrics" if runtime else None,
    )
    await ensure_sequencer(client, task_queue=settings.temporal_task_queue)
    sender = LoggingSender()
    delivery = AlertDelivery(
        session_factory(engine),
        email=sender,
        sms=sender,
        batch_size=settings.alerts_batch_size,
        max_attempts=settings.alerts_max_attempts,
        idle_s=settings.alerts_idle_s,
    )
    delivering = asyncio.create_task(delivery.run(reveal(settings.database_url) or ""))
    try:
        await worker.run()
    finally:
        delivering.cancel()
        await asyncio.gather(delivering, return_exceptions=True)
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(run_worker())
