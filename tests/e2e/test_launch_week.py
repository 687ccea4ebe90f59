"""The launch week replayed at a tiny scale end to end: every check holds."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from rich.console import Console
from sqlalchemy import text
from temporalio.testing import WorkflowEnvironment

from nara.replay import run_replay
from nara.store.db import create_engine
from nara.testing import servers
from tests.integration.support import ApiStack, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
async def stack(dev_env: WorkflowEnvironment, _postgres_server_url: str) -> AsyncIterator[ApiStack]:
    """A stack on a database of its own: the week declares an outage at its start, and a
    declared outage refuses any later window that overlaps it, so it would refuse the
    windows other modules declare around the same minutes on the session's database."""
    with servers.fresh_database(_postgres_server_url, f"nara_week_{uuid.uuid4().hex[:8]}") as url:
        engine = create_engine(url, pool_size=5, application_name="nara-tests-week")
        # Workflow ids are notice numbers, and the Temporal server is the session's: start
        # this database's notices far from the session database's.
        async with engine.begin() as connection:
            await connection.execute(text("ALTER SEQUENCE notice_seq RESTART WITH 5000000"))
        try:
            async with running_stack(dev_env, engine, url, name="week") as stack:
                yield stack
        finally:
            await engine.dispose()


async def test_launch_week_at_tiny_scale_loses_nothing(stack: ApiStack) -> None:
    console = Console(record=True, width=160, force_terminal=False)
    report = await run_replay(
        api_url=stack.api_url,
        database_url=stack.database_url,
        scale=0.001,
        seed=11,
        guarantee_url=stack.guarantee_url,
        bank_url=stack.bank_url,
        simulator_admin_token=stack.simulator_admin_token,
        ca_url=stack.ca_url,
        operator=stack.operator,
        passkey_origin=stack.settings.webauthn_origin,
        console=console,
    )
    assert report.ok, console.export_text()
    assert report.planned == 8 and len(report.planted) == 1
    assert report.completed == report.planned - 1
    assert report.re_announced >= 1 and report.bids > 0
    assert "searches (" in report.search and "x 200" in report.search, report.search
    names = {c.name: c for c in report.checks}
    assert len(names) == 6 and all(c.looked_at > 0 for c in report.checks), names
    output = console.export_text()
    for words in ("real week x 0.001", "Nothing lost", "7,885", "audit log verifies"):
        assert words in output, words
