"""`nara api --workers N`: uvicorn spawns N processes; `prepare_multiprocess` gives them one
metrics directory before it does, so one scrape counts them all. Played here with the same
mechanism (multiprocessing's spawn, which uvicorn uses), without the servers."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from nara import metrics


def _serve_requests(count: int) -> None:
    """One API process's share: `count` answers to GET /health."""
    from nara import metrics as in_child

    for _ in range(count):
        in_child.HTTP_REQUESTS.labels("GET", "/health", "200").inc()


@pytest.fixture
def multiproc_env() -> Iterator[None]:
    saved = os.environ.get(metrics.MULTIPROC_ENV)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(metrics.MULTIPROC_ENV, None)
        else:
            os.environ[metrics.MULTIPROC_ENV] = saved


def test_one_scrape_counts_every_process(tmp_path: Path, multiproc_env: None) -> None:
    os.environ.pop(metrics.MULTIPROC_ENV, None)
    assert metrics.prepare_multiprocess(1) is None  # one process: its own registry

    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_1.db").write_bytes(b"left by an earlier run")
    os.environ[metrics.MULTIPROC_ENV] = str(given)
    assert metrics.prepare_multiprocess(2) == given
    assert list(given.iterdir()) == []  # emptied: an earlier run's values are not summed

    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_serve_requests, args=(n,)) for n in (3, 4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0

    answered = sum(
        sample.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for sample in family.samples
        if sample.name == "nara_http_requests_total" and sample.labels.get("route") == "/health"
    )
    assert answered == 7
    assert len(list(given.glob("counter_*.db"))) == 2
