"""How workflows call activities: by their declarations, one timeout and retry policy per kind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from nara.contracts.errors import from_application_error, refusal
    from nara.domain.errors import PartnerRejected, RuleViolation

A = TypeVar("A", bound=BaseModel)
R = TypeVar("R")

# Database steps: short, idempotent, retried until the database is back.
DB_TIMEOUT = timedelta(seconds=30)
DB_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)

# Partner calls (guarantee agencies, banks): time out, then retry with capped backoff.
# Business refusals are non-retryable and reach the workflow as typed errors.
PARTNER_TIMEOUT = timedelta(seconds=20)
PARTNER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["PartnerRejected"],
)
PARTNER_SLOW = timedelta(seconds=30)
"""A partner call still failing after this long is shown as `StuckReason=partner-retrying`."""

LOCAL_DB_STEPS = "local-db-steps"
"""workflow.patched id: database steps run as local activities (in the worker that runs the
workflow task, recorded as one marker) instead of activity tasks dispatched by the server.
Checked once at the start of each workflow's run (`decide_local_db_steps`); a run started
before the patch keeps its activity tasks to the end."""


def decide_local_db_steps() -> None:
    """At the start of a run: whether this run's database steps are local activities."""
    workflow.instance().local_db_steps = workflow.patched(LOCAL_DB_STEPS)


def _local_db_steps() -> bool:
    return bool(getattr(workflow.instance(), "local_db_steps", False))


async def db_step(activity: Callable[[A], Awaitable[R]], arg: A) -> R:
    """Run a database activity (a declaration of `nara.contracts.activities`); its result.

    A local activity where the run decided so (`LOCAL_DB_STEPS`): the same function, timeout
    and retries, without the server's activity task (three events and a workflow task each).
    """
    if _local_db_steps():
        return await workflow.execute_local_activity(
            activity,
            arg,
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=DB_RETRY,
        )
    return await workflow.execute_activity(
        activity,
        arg,
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=DB_RETRY,
    )


def start_partner_step(activity: Callable[[A], Awaitable[R]], arg: A) -> workflow.ActivityHandle[R]:
    """`partner_step` as a handle: the workflow may cancel a call waiting out its backoff."""
    return workflow.start_activity(
        activity,
        arg,
        start_to_close_timeout=PARTNER_TIMEOUT,
        heartbeat_timeout=timedelta(seconds=10),
        retry_policy=PARTNER_RETRY,
    )


async def checked_step(activity: Callable[[A], Awaitable[R]], arg: A) -> R:
    """`db_step` for an action checked by an activity: a project error it raises (a token
    refused, a cause not fixed) becomes the Update's typed refusal."""
    try:
        return await db_step(activity, arg)
    except ActivityError as error:
        refused = from_application_error(error)
        if refused is not None:
            raise refusal(refused) from None
        raise


async def partner_step(activity: Callable[[A], Awaitable[R]], arg: A) -> R:
    """Run an activity that calls a guarantee agency or bank; its result."""
    return await workflow.execute_activity(
        activity,
        arg,
        start_to_close_timeout=PARTNER_TIMEOUT,
        heartbeat_timeout=timedelta(seconds=10),
        retry_policy=PARTNER_RETRY,
    )


def rejection_of(error: BaseException) -> str | None:
    """The partner's business refusal message inside an activity error, if that is what it is."""
    refusal = from_application_error(error)
    return refusal.detail if isinstance(refusal, PartnerRejected) else None


async def scoring_step(activity: Callable[[A], Awaitable[R]], arg: A) -> R:
    """`db_step` for an officer's scores: a broken rule becomes the Update's typed refusal."""
    try:
        return await db_step(activity, arg)
    except ActivityError as error:
        violation = from_application_error(error)
        if isinstance(violation, RuleViolation):
            raise refusal(violation) from None
        raise
