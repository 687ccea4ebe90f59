"""Prometheus metrics of the API process, and the partner-call outcomes every process counts.

The API serves these at `/metrics` (who may read them: `nara.api.access`, scope `scrape`).
The worker serves its own on `WORKER_METRICS_ADDRESS` through the Temporal runtime, with
the same partner metric names (`nara.workers.telemetry`).

One process per replica is the production shape. `nara api --workers N` (N > 1) sets
`PROMETHEUS_MULTIPROC_DIR` before uvicorn forks, so every worker process writes its
values there and `/metrics` sums them (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

OUTCOMES = ("ok", "refused", "timeout", "error")
"""A partner call's outcome: answered, refused for a business reason (4xx), timed out,
or failed otherwise (unreachable, 5xx, 429)."""

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "nara_http_requests",
    "HTTP requests answered by the API, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "nara_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=_SECONDS,
)
HTTP_PROBLEMS = Counter(
    "nara_http_problems",
    "Problem answers (application/problem+json), by problem code and status",
    ["code", "status"],
)
PARTNER_CALLS = Counter(
    "nara_partner_calls",
    "Calls to a partner (guarantee agency, bank, certificate authority) by outcome",
    ["partner", "outcome"],
)
PARTNER_LATENCY = Histogram(
    "nara_partner_call_duration_seconds",
    "Time of one partner call, by partner and outcome",
    ["partner", "outcome"],
    buckets=_SECONDS,
)


def record_partner_call(partner: str, outcome: str, seconds: float) -> None:
    """Count one partner call (the clients' default observer in the API process)."""
    PARTNER_CALLS.labels(partner, outcome).inc()
    PARTNER_LATENCY.labels(partner, outcome).observe(seconds)


def exposition() -> bytes:
    """The text exposition of this process's metrics (all processes' in multiprocess mode)."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def prepare_multiprocess(workers: int) -> Path | None:
    """Before forking `workers` API processes: a fresh directory for their metrics.

    Keeps a `PROMETHEUS_MULTIPROC_DIR` given by the environment (emptied: values of an
    earlier run would be summed in); makes a temporary one otherwise. None for one process.
    """
    if workers <= 1 and not os.environ.get(MULTIPROC_ENV):
        return None
    given = os.environ.get(MULTIPROC_ENV)
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="nara-metrics-"))
    if given:
        shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)
    return path
