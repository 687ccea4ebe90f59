"""The embedded stack's servers and the suite's own fixtures, on real servers."""

from __future__ import annotations

import os
import shutil
import signal
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import psutil
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from temporalio import workflow
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara import embedded

with workflow.unsafe.imports_passed_through():
    from nara.contracts.search import TENDER_PHASE
    from nara.temporal import missing_search_attributes


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- PostgreSQL


def test_embedded_postgres_starts_in_a_temp_dir_and_answers(tmp_path: Path) -> None:
    url, server = embedded.ensure_postgres(tmp_path / "var")
    try:
        assert not server.reused
        assert make_database_name(url) == "nara"
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        # A second look finds it running and leaves it to its owner.
        again_url, again = embedded.ensure_postgres(tmp_path / "var")
        assert again.reused and again_url == url
        again.stop()
        assert (server.pgdata / "postmaster.pid").exists()
    finally:
        server.stop()
    assert not (server.pgdata / "postmaster.pid").exists()
    shutil.rmtree(tmp_path / "var", ignore_errors=True)


def make_database_name(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    return make_url(url).database


async def test_database_url_is_a_fresh_test_database(
    database_url: str, db_engine: AsyncEngine
) -> None:
    assert str(make_database_name(database_url)).startswith("nara_test_")
    async with db_engine.connect() as conn:
        assert (await conn.execute(text("SELECT current_database()"))).scalar_one() == (
            make_database_name(database_url)
        )


async def test_db_session_work_is_rolled_back(
    db_session: AsyncSession, db_engine: AsyncEngine
) -> None:
    table = f"scratch_{uuid.uuid4().hex[:8]}"
    await db_session.execute(text(f"CREATE TABLE {table} (n int)"))
    await db_session.execute(text(f"INSERT INTO {table} VALUES (1)"))
    await db_session.commit()  # only a savepoint: the outer transaction is the fixture's
    assert (await db_session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one() == 1
    async with db_engine.connect() as other:
        seen = await other.execute(text("SELECT to_regclass(:t)"), {"t": table})
        assert seen.scalar_one() is None  # uncommitted: invisible to anyone else


# --------------------------------------------------------------------------- Temporal


@workflow.defn(sandboxed=False)
class _PhaseProbe:
    @workflow.run
    async def run(self, phase: str) -> str:
        workflow.upsert_search_attributes([TENDER_PHASE.value_set(phase)])
        await workflow.sleep(timedelta(days=30))  # skipped in no time on the test server
        return phase


async def test_time_skipping_env_accepts_project_search_attributes(
    temporal_env: WorkflowEnvironment, task_queue: str
) -> None:
    async with Worker(temporal_env.client, task_queue=task_queue, workflows=[_PhaseProbe]):
        result = await temporal_env.client.execute_workflow(
            _PhaseProbe.run, "bidding", id=f"probe-{task_queue}", task_queue=task_queue
        )
    assert result == "bidding"


async def test_dev_env_has_project_search_attributes(dev_env: WorkflowEnvironment) -> None:
    assert await missing_search_attributes(dev_env.client) == []


@pytest.mark.slow
async def test_dev_server_launcher_registers_attributes_and_stops_cleanly(tmp_path: Path) -> None:
    server = embedded.TemporalDevServer(
        db_file=tmp_path / "temporal.db",
        port=_free_port(),
        ui_port=None,
        log_file=tmp_path / "temporal.log",
        metrics_port=_free_port(),
    )
    server.start()
    try:
        assert server.process is not None
        pid = server.process.pid
        children = psutil.Process(pid).children(recursive=True)
        client = await Client.connect(server.address)
        assert await missing_search_attributes(client) == []
        # Its Prometheus metrics on the port it was given (TEMPORAL_METRICS_PORT in `nara dev`).
        async with httpx.AsyncClient() as http:
            scraped = await http.get(f"http://127.0.0.1:{server.metrics_port}/metrics")
        assert scraped.status_code == 200 and "# TYPE" in scraped.text
    finally:
        server.stop()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children)
    assert not embedded.port_open("127.0.0.1", server.port)
    assert (tmp_path / "temporal.db").exists()


@pytest.mark.slow
def test_dev_server_launcher_reuses_a_running_server(tmp_path: Path) -> None:
    port = _free_port()
    first = embedded.TemporalDevServer(db_file=tmp_path / "t.db", port=port, ui_port=None)
    with first:
        second = embedded.TemporalDevServer(db_file=tmp_path / "t.db", port=port, ui_port=None)
        second.start()
        assert second.reused and second.process is None
        second.stop()  # leaves the first one's server alone
        assert embedded.port_open("127.0.0.1", port)
    assert not embedded.port_open("127.0.0.1", port)


def test_stop_process_group_kills_a_child_that_ignores_sigterm() -> None:
    import subprocess
    import sys

    stubborn = subprocess.Popen(
        [sys.executable, "-c", "import signal, time; "
         "signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); "
         "time.sleep(60)"],
        start_new_session=True,
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
        code = embedded.stop_process_group(stubborn, grace=0.5)
    finally:
        if stubborn.poll() is None:
            os.killpg(stubborn.pid, signal.SIGKILL)
    assert code == -signal.SIGKILL
