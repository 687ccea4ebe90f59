"""Talking to running tender and payment workflows: Updates, signals and queries.

This is where Temporal's failures become project errors: an Update validator's
`ApplicationError` type (WrongPhase, Forbidden, StaleCandidate, InvalidClaim,
GuaranteeRejected, RuleViolation) becomes the error of the same name; a closed or unknown workflow,
a timeout and an unreachable server get their own. `nara.api.problems` then turns
those into HTTP.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from nara.errors import (
    Forbidden,
    GuaranteeRejected,
    InvalidClaim,
    NaraError,
    ProcessFailed,
    RuleBroken,
    StaleCandidate,
    TemporalUnavailable,
    WrongPhase,
)

T = TypeVar("T")

UPDATE_TIMEOUT = timedelta(seconds=60)
"""How long an API call waits for an Update; guarantee checks call a partner, with retries."""
QUERY_TIMEOUT = timedelta(seconds=3)
SIGNAL_TIMEOUT = timedelta(seconds=10)

APPLICATION_ERRORS: dict[str, type[NaraError]] = {
    "WrongPhase": WrongPhase,
    "Forbidden": Forbidden,
    "StaleCandidate": StaleCandidate,
    "InvalidClaim": InvalidClaim,
    "GuaranteeRejected": GuaranteeRejected,
    "RuleViolation": RuleBroken,
}

_FIXES = {
    "WrongPhase": "check the tender's phase with GET /tenders/{notice_no}",
    "Forbidden": "ask the person named in the message",
    "StaleCandidate": "read the current candidate from GET /tenders/{notice_no} (live.candidate)",
    "InvalidClaim": "correct the claim as the message says",
    "GuaranteeRejected": "ask the guarantee agency for a certificate that matches, then post it",
    "RuleViolation": "correct the value as the message says",
}

ClosedError = Callable[[], Awaitable[NaraError]]
"""Builds the error to raise when the workflow is closed or unknown (needs the database)."""


def _unavailable(error: BaseException) -> TemporalUnavailable:
    return TemporalUnavailable(
        f"Temporal did not answer: {error}", fix="retry in a moment; nothing was changed"
    )


def _from_update_failure(error: WorkflowUpdateFailedError) -> NaraError:
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type in APPLICATION_ERRORS:
        fix = _FIXES.get(cause.type)
        return APPLICATION_ERRORS[cause.type](cause.message, fix=fix, reason=cause.type)
    message = getattr(cause, "message", None) or str(cause)
    return ProcessFailed(
        f"the workflow could not do this: {message}",
        fix="retry; if it keeps failing, an operator can look at the workflow in the Web UI",
    )


async def update(
    client: Client,
    workflow_id: str,
    name: str,
    arg: Any,
    *,
    result_type: type[T],
    closed: ClosedError,
) -> T:
    """Run an Update on a workflow and wait for its result."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        result: T = await handle.execute_update(
            name, arg, result_type=result_type, rpc_timeout=UPDATE_TIMEOUT
        )
        return result
    except WorkflowUpdateFailedError as error:
        raise _from_update_failure(error) from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise TemporalUnavailable(
            f"{workflow_id} did not finish {name} within {UPDATE_TIMEOUT.seconds} s; "
            "it may still complete",
            fix="read the current state with GET before retrying",
        ) from None
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise (await closed()) from None
        raise _unavailable(error) from None


async def signal(
    client: Client, workflow_id: str, name: str, arg: Any = None, *, closed: ClosedError
) -> None:
    """Send a signal; the workflow handles it on its next task."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        if arg is None:
            await handle.signal(name, rpc_timeout=SIGNAL_TIMEOUT)
        else:
            await handle.signal(name, arg, rpc_timeout=SIGNAL_TIMEOUT)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise (await closed()) from None
        raise _unavailable(error) from None


async def query(
    client: Client | None, workflow_id: str, name: str, *, result_type: type[T]
) -> tuple[T | None, str | None]:
    """Ask a workflow a query; (answer, None), or (None, why not) when it cannot answer."""
    if client is None:
        return None, "Temporal is not reachable from the API right now"
    handle = client.get_workflow_handle(workflow_id)
    try:
        answer: T = await handle.query(name, result_type=result_type, rpc_timeout=QUERY_TIMEOUT)
        return answer, None
    except (WorkflowQueryFailedError, WorkflowQueryRejectedError) as error:
        return None, f"the workflow could not answer: {error}"
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None, f"no workflow {workflow_id} in Temporal"
        return None, f"Temporal did not answer in time: {error.message}"
