"""Talking to running tender and payment workflows: Updates, signals and queries.

Every call names its Update, signal or query by the workflow method
(`TenderWorkflow.approve_award`), so the argument and result types are checked. This is
where Temporal's failures become project errors: a refusal crosses the boundary as the
catalogue error it was (`nara.contracts.errors`); a closed or unknown workflow, a
timeout and an unreachable server get their own. `nara.api.problems` then turns those
into HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import (
    Client,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from nara.contracts.errors import from_application_error
from nara.domain.errors import NaraError, ProcessFailed, TemporalUnavailable

W = TypeVar("W")
A = TypeVar("A")
R = TypeVar("R")

UPDATE_TIMEOUT = timedelta(seconds=60)
"""How long an API call waits for an Update; guarantee checks call a partner, with retries."""
QUERY_TIMEOUT = timedelta(seconds=3)
SIGNAL_TIMEOUT = timedelta(seconds=10)

# What to do about a refusal that does not say it itself.
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


async def _release(session: AsyncSession | None) -> None:
    """End the request's read transaction before waiting on a workflow, so its pooled
    connection goes back to the pool instead of being held while the worker answers
    (seconds when it is busy). The request has read, not written, here; commit keeps
    the rows it loaded readable (`expire_on_commit=False`), a rollback would expire them.

    Under the launch-week replay at scale 0.1, reviews, awards, signatures and claims
    holding their connections through the Update emptied the API's pool of 20: 184
    requests were answered 503 `database-busy` (docs/replay.md, bottleneck 13)."""
    if session is not None:
        await session.commit()


def _unavailable(error: BaseException) -> TemporalUnavailable:
    return TemporalUnavailable(
        f"Temporal did not answer: {error}", fix="retry in a moment; nothing was changed"
    )


def _from_update_failure(error: WorkflowUpdateFailedError) -> NaraError:
    refusal = from_application_error(error.cause)
    if refusal is not None:
        refusal.fix = refusal.fix or _FIXES.get(type(refusal).__name__)
        refusal.extra.setdefault("reason", type(refusal).__name__)
        return refusal
    message = getattr(error.cause, "message", None) or str(error.cause)
    return ProcessFailed(
        f"the workflow could not do this: {message}",
        fix="retry; if it keeps failing, an operator can look at the workflow in the Web UI",
    )


async def update(
    client: Client,
    workflow_id: str,
    update: UpdateMethodMultiParam[[Any, A], R],
    arg: A,
    *,
    closed: ClosedError,
    release: AsyncSession | None,
    request_key: str | None = None,
    timeout: timedelta = UPDATE_TIMEOUT,
) -> R:
    """Run an Update (a workflow method) on a workflow and wait for its result.

    With a `request_key` (`Actor.request_key`) the Update's id is made of it: Temporal runs
    an Update id once per workflow run and answers a repeat with the first outcome, so a
    client retrying after a timeout or a 503 does not award, sign or claim twice.

    `release`: the request's session, read and not written: its transaction ends before
    the Update is sent (`_release`); `closed` may read again on a new one."""
    await _release(release)
    handle = client.get_workflow_handle(workflow_id)
    name = getattr(update, "__name__", "update")
    try:
        # `rpc_timeout` bounds each call, not the wait: the SDK calls again whenever the
        # server answers that the Update is not yet accepted or complete, so a busy worker
        # held requests past the replay's 120 s client timeout. The whole wait is bounded.
        async with asyncio.timeout(timeout.total_seconds()):
            result: R = await handle.execute_update(
                update,
                arg,
                id=f"{name}:{request_key}" if request_key else None,
                rpc_timeout=UPDATE_TIMEOUT,
            )
        return result
    except WorkflowUpdateFailedError as error:
        raise _from_update_failure(error) from None
    except (WorkflowUpdateRPCTimeoutOrCancelledError, TimeoutError):
        raise TemporalUnavailable(
            f"{workflow_id} did not finish {name} within {timeout.seconds} s; it may "
            "still complete",
            fix="retry with the same Idempotency-Key to get its outcome once it completes, "
            "or read the current state with GET before retrying without one",
        ) from None
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise (await closed()) from None
        raise _unavailable(error) from None


async def signal(
    client: Client,
    workflow_id: str,
    signal: Callable[..., Any],
    arg: Any = None,
    *,
    closed: ClosedError,
) -> None:
    """Send a signal (a workflow method); the workflow handles it on its next task."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        if arg is None:
            await handle.signal(signal, rpc_timeout=SIGNAL_TIMEOUT)
        else:
            await handle.signal(signal, arg, rpc_timeout=SIGNAL_TIMEOUT)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise (await closed()) from None
        raise _unavailable(error) from None


async def query(
    client: Client | None,
    workflow_id: str,
    query: Callable[[W], R],
    *,
    release: AsyncSession | None,
) -> tuple[R | None, str | None]:
    """Ask a workflow a query (a workflow method); (answer, None), or (None, why not).
    `release`: the request's session, whose read transaction ends first (`_release`)."""
    await _release(release)
    if client is None:
        return None, "Temporal is not reachable from the API right now"
    handle = client.get_workflow_handle(workflow_id)
    try:
        answer: R = await handle.query(query, rpc_timeout=QUERY_TIMEOUT)
        return answer, None
    except (WorkflowQueryFailedError, WorkflowQueryRejectedError) as error:
        return None, f"the workflow could not answer: {error}"
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None, f"no workflow {workflow_id} in Temporal"
        return None, f"Temporal did not answer in time: {error.message}"
