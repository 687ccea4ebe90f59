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
from nara.testing.stack import replicas as more_replicas
from tests.integration.support import ApiStack, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module", params=[1, 2], ids=["one-worker-one-api", "two-workers-two-apis"])
async def stack(
    request: pytest.FixtureRequest, dev_env: WorkflowEnvironment, _postgres_server_url: str
) -> AsyncIterator[tuple[ApiStack, list[str]]]:
    """A stack on a database of its own, and the URLs of its API processes: the week
    declares an outage at its start, and a declared outage refuses any later window that
    overlaps it, so it would refuse the windows other modules (and the other replica
    count) declare around the same minutes on one database. With 2, a second worker
    (`nara worker`) and a second API (`nara api`) join it, as stateless replicas do."""
    count: int = request.param
    with servers.fresh_database(_postgres_server_url, f"nara_week_{uuid.uuid4().hex[:8]}") as url:
        engine = create_engine(url, pool_size=5, application_name="nara-tests-week")
        # Workflow ids are notice numbers, and the Temporal server is the session's: start
        # this database's notices far from the session database's.
        async with engine.begin() as connection:
            start = 5_000_000 + 100_000 * count
            await connection.execute(text(f"ALTER SEQUENCE notice_seq RESTART WITH {start}"))
        try:
            async with running_stack(dev_env, engine, url, name="week") as stack:
                with more_replicas(stack, count) as urls:
                    yield stack, urls
        finally:
            await engine.dispose()


async def test_launch_week_at_tiny_scale_loses_nothing(
    stack: tuple[ApiStack, list[str]],
) -> None:
    week, urls = stack
    console = Console(record=True, width=160, force_terminal=False)
    report = await run_replay(
        api_url=urls,
        database_url=week.database_url,
        scale=0.001,
        seed=11,
        guarantee_url=week.guarantee_url,
        bank_url=week.bank_url,
        simulator_admin_token=week.simulator_admin_token,
        ca_url=week.ca_url,
        operator=week.operator,
        passkey_origin=week.settings.webauthn_origin,
        console=console,
    )
    assert report.ok, console.export_text()
    assert report.planned == 8 and len(report.planted) == 1
    # Each tender completed, or (a re-announced round that closed before its bidders came,
    # on a busy machine) ended by the rules with a private contract allowed.
    assert report.completed + len(report.ended_private) == report.planned - 1
    assert report.re_announced >= 1 and report.bids > 0
    assert "searches (" in report.search and "x 200" in report.search, report.search
    names = {c.name: c for c in report.checks}
    assert len(names) == 6 and all(c.looked_at > 0 for c in report.checks), names
    output = console.export_text()
    for words in ("real week x 0.001", "Nothing lost", "7,885", "audit log verifies"):
        assert words in output, words
    # Every API replica served its share: each round robin (the stories' and the phase
    # watch's) sends its request n to replica n % k, so two replicas differ by at most 2.
    assert sorted(report.api_requests) == sorted(urls), report.api_requests
    counts = list(report.api_requests.values())
    assert max(counts) - min(counts) <= 2, counts
