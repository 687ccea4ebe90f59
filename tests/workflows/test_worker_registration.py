"""The worker registers one implementation for every declared activity, and nothing else.

No server is needed: the session factory and the partner clients connect lazily; the
key service keeps its files in the test's directory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from temporalio import activity

from nara.contracts.activities import DECLARED
from nara.keys import KeyService
from nara.partners.bank import BankClient
from nara.partners.guarantee import GuaranteeAgencyClient
from nara.store.db import create_engine, session_factory
from nara.workers.main import Partners, build_activities

NOWHERE = "http://127.0.0.1:9"  # never called


def _name(implementation: Callable[..., Any]) -> str:
    """The activity name the worker registers this callable under."""
    name = activity._Definition.must_from_callable(implementation).name
    assert name is not None, f"{implementation} is registered as a dynamic activity"
    return name


@pytest.fixture
async def registered(tmp_path: Path) -> AsyncIterator[Counter[str]]:
    engine = create_engine("postgresql://nobody@127.0.0.1:9/nothing")
    partners = Partners(guarantee_agency=GuaranteeAgencyClient(NOWHERE), bank=BankClient(NOWHERE))
    keys = KeyService.local(session_factory(engine), tmp_path / "keys")
    try:
        implementations = build_activities(session_factory(engine), partners, keys)
        yield Counter(_name(fn) for fn in implementations)
    finally:
        await partners.guarantee_agency.aclose()
        await partners.bank.aclose()
        await engine.dispose()


async def test_every_declaration_has_exactly_one_implementation(
    registered: Counter[str],
) -> None:
    twice = sorted(name for name, times in registered.items() if times > 1)
    missing = sorted(set(DECLARED) - set(registered))
    assert not twice, f"registered more than once: {twice}"
    assert not missing, f"declared in nara.contracts.activities, not registered: {missing}"


async def test_every_implementation_is_declared(registered: Counter[str]) -> None:
    undeclared = sorted(set(registered) - set(DECLARED))
    assert not undeclared, f"registered without a declaration in nara.contracts: {undeclared}"
