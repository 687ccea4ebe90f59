"""How workflows call activities: by name, with one timeout and retry policy per kind of step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

T = TypeVar("T", bound=BaseModel)

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


async def db_step(name: str, arg: BaseModel, result_type: type[T] | None = None) -> Any:
    """Run a database activity; returns its result model (or None)."""
    return await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=DB_RETRY,
    )


async def partner_step(name: str, arg: BaseModel, result_type: type[T] | None = None) -> Any:
    """Run an activity that calls a guarantee agency or bank."""
    return await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        start_to_close_timeout=PARTNER_TIMEOUT,
        heartbeat_timeout=timedelta(seconds=10),
        retry_policy=PARTNER_RETRY,
    )


def rejection_of(error: BaseException) -> str | None:
    """The partner's business refusal message inside an activity error, if that is what it is."""
    from temporalio.exceptions import ActivityError, ApplicationError

    cause = error.cause if isinstance(error, ActivityError) else error
    if isinstance(cause, ApplicationError) and cause.type == "PartnerRejected":
        return cause.message
    return None
