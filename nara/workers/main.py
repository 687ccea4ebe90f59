"""The worker process: tender and payment workflows plus their activities on one task queue."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from nara.activities.payment_steps import PaymentSteps
from nara.activities.tender_steps import TenderSteps
from nara.logs import configure_logging, get_logger
from nara.partners.bank import BankClient
from nara.partners.guarantee import GuaranteeAgencyClient
from nara.settings import Settings, get_settings
from nara.store.db import create_engine, session_factory
from nara.temporal import connect, missing_search_attributes
from nara.workflows.payment import PaymentWorkflow
from nara.workflows.tender import TenderWorkflow

WORKFLOWS: Sequence[type] = (TenderWorkflow, PaymentWorkflow)

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


def partners_from(settings: Settings) -> Partners:
    return Partners(
        guarantee_agency=GuaranteeAgencyClient(
            settings.guarantee_agency_url, timeout_s=settings.partner_timeout_s
        ),
        bank=BankClient(settings.bank_url, timeout_s=settings.partner_timeout_s),
    )


def build_worker(
    client: Client,
    *,
    task_queue: str,
    engine: AsyncEngine,
    partners: Partners,
    max_concurrent_activities: int = 50,
) -> Worker:
    """A worker with every workflow and activity of the project."""
    sessions = session_factory(engine)
    tender = TenderSteps(sessions, partners.guarantee_agency)
    payment = PaymentSteps(sessions, partners.bank)
    activities = [
        tender.announce_tender,
        tender.record_phase,
        tender.record_schedule,
        tender.close_bidding,
        tender.open_bids,
        tender.rank_negotiated,
        tender.get_candidate,
        tender.record_review,
        tender.record_award,
        tender.confirm_guarantee,
        tender.forfeit_award,
        tender.create_contract,
        tender.record_signature,
        payment.record_claim,
        payment.record_inspection,
        payment.transfer_payment,
        payment.record_paid,
    ]
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=activities,
        workflow_runner=sandbox_runner(),
        max_concurrent_activities=max_concurrent_activities,
    )


async def run_worker(settings: Settings | None = None) -> None:
    """Run until cancelled. Refuses to start when the search attributes are missing."""
    settings = settings or get_settings()
    configure_logging()
    log = get_logger("nara.worker")
    client = await connect(settings)
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
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    worker = build_worker(
        client,
        task_queue=settings.temporal_task_queue,
        engine=engine,
        partners=partners_from(settings),
    )
    log.info("worker started", task_queue=settings.temporal_task_queue)
    try:
        await worker.run()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(run_worker())
