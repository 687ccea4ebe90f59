"""The launch week replayed at a tiny scale end to end: every check holds."""

from __future__ import annotations

import pytest
from rich.console import Console

from nara.replay import run_replay
from tests.integration.support import ApiStack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


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
