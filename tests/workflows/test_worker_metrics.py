"""The worker's metrics: the Temporal runtime of `WORKER_METRICS_ADDRESS` serves the SDK's
own metrics and the partner calls counted by `PartnerMetrics`, on one Prometheus port."""

from __future__ import annotations

import socket

import httpx
import pytest
from temporalio import activity
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara.settings import Settings
from nara.workers.telemetry import PartnerMetrics, runtime_for
from tests.support import eventually


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@activity.defn(name="noop")
async def noop() -> None:
    pass


async def test_the_worker_serves_sdk_and_partner_metrics(
    temporal_env: WorkflowEnvironment, task_queue: str
) -> None:
    address = f"127.0.0.1:{_free_port()}"
    assert runtime_for(Settings()) is None  # unset: the worker serves no metrics
    runtime = runtime_for(Settings(WORKER_METRICS_ADDRESS=address))
    assert runtime is not None
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host,
        runtime=runtime,
        data_converter=pydantic_data_converter,
    )
    observe = PartnerMetrics(runtime.metric_meter)
    observe("bank", "timeout", 2.5)
    observe("bank", "ok", 0.01)

    async with (
        Worker(client, task_queue=task_queue, activities=[noop]),
        httpx.AsyncClient() as http,
    ):

        async def scraped() -> str | None:
            text = (await http.get(f"http://{address}/metrics")).text
            return text if "temporal_" in text else None

        text = await eventually(scraped)

    assert 'nara_partner_calls_total{outcome="timeout",partner="bank"' in text
    with pytest.raises(SystemExit, match="WORKER_METRICS_ADDRESS"):
        runtime_for(Settings(WORKER_METRICS_ADDRESS=address))  # taken: said plainly
    assert "nara_partner_call_duration_seconds_bucket" in text
    assert "# TYPE nara_partner_calls_total counter" in text
