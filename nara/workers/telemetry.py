"""The worker's metrics and log context.

- `runtime_for(settings)`: a Temporal runtime whose Prometheus exporter serves the SDK's
  metrics (`temporal_*`) on `WORKER_METRICS_ADDRESS`; `PartnerMetrics` adds the partner
  calls to the same exporter under the API's names (`nara_partner_calls_total`,
  `nara_partner_call_duration_seconds`, labels `partner`, `outcome`).
- `LogContext`: an interceptor binding `workflow_id`, `run_id`, `activity`, `attempt` and,
  when known, `notice_no` to structlog's context for the time an activity runs, so every
  line it logs carries them; a retryable partner failure is logged here as one warning
  line (attempt, partner, error class, message), its traceback only at debug, and the
  SDK's own "Completing activity as failed" line for it is dropped (`nara.logs`).
"""

from __future__ import annotations

from typing import Any

import structlog
from temporalio import activity
from temporalio.common import MetricMeter
from temporalio.exceptions import ApplicationError
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from nara.logs import REPORTED, get_logger, notice_of
from nara.settings import Settings

log = get_logger("nara.worker")


def runtime_for(settings: Settings) -> Runtime | None:
    """A runtime exporting Prometheus metrics on WORKER_METRICS_ADDRESS (None: unset)."""
    address = settings.worker_metrics_address
    if not address:
        return None
    try:
        return Runtime(
            telemetry=TelemetryConfig(
                metrics=PrometheusConfig(
                    bind_address=address, counters_total_suffix=True, durations_as_seconds=True
                )
            )
        )
    except ValueError as error:  # the port is taken, or the address is not host:port
        raise SystemExit(
            f"WORKER_METRICS_ADDRESS={address}: {error}; free the port, choose another, or "
            "leave it unset to serve no metrics"
        ) from error


class PartnerMetrics:
    """A partner client's observer (`nara.partners.base.CallObserver`) on a Temporal meter."""

    def __init__(self, meter: MetricMeter) -> None:
        self._calls = meter.create_counter(
            "nara_partner_calls", "Calls to a partner by outcome (ok, refused, timeout, error)"
        )
        self._seconds = meter.create_histogram_float(
            "nara_partner_call_duration_seconds", "Time of one partner call"
        )

    def __call__(self, partner: str, outcome: str, seconds: float) -> None:
        labels = {"partner": partner, "outcome": outcome}
        self._calls.add(1, labels)
        self._seconds.record(seconds, labels)


class LogContext(Interceptor):
    """Binds each activity's ids to the log context; one warning per retried partner call."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityLogContext(next)


def _notice_of_args(args: Any) -> str | None:
    for arg in args:
        notice = getattr(arg, "notice_no", None)
        if isinstance(notice, str):
            return notice
        notice = getattr(getattr(arg, "terms", None), "notice_no", None)
        if isinstance(notice, str):
            return notice
    return None


class _ActivityLogContext(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        fields: dict[str, Any] = {
            "workflow_id": info.workflow_id,
            "run_id": info.workflow_run_id,
            "activity": info.activity_type,
            "attempt": info.attempt,
        }
        notice = _notice_of_args(input.args) or notice_of(info.workflow_id or "")
        if notice:
            fields["notice_no"] = notice
        with structlog.contextvars.bound_contextvars(**fields):
            try:
                return await super().execute_activity(input)
            except ApplicationError as error:
                if error.type == "PartnerUnavailable" and not error.non_retryable:
                    _report_retry(error, attempt=info.attempt)
                raise


def _report_retry(error: ApplicationError, *, attempt: int) -> None:
    details = error.details[0] if error.details and isinstance(error.details[0], dict) else {}
    cause = error.__cause__
    log.warning(
        "partner call failed; Temporal retries it",
        partner=details.get("partner"),
        error=type(cause).__name__ if cause is not None else error.type,
        code=details.get("code"),
        message=error.message,
        attempt=attempt,
    )
    log.debug("partner call failure traceback", exc_info=error)
    setattr(error, REPORTED, True)
