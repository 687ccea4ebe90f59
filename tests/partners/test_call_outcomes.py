"""Every partner call is counted by outcome (ok, refused, timeout, error) and timed: the
clients tell their observer, and `nara.metrics` counts what the API's clients see."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import REGISTRY

from nara import metrics
from nara.domain.errors import PartnerRejected, PartnerUnavailable
from nara.partners.bank import BankClient
from nara.simulators.runner import ServerHandle
from nara.testing.servers import SIMULATOR_ADMIN_TOKEN, admin_headers


def _count(outcome: str) -> float:
    labels = {"partner": "bank", "outcome": outcome}
    return REGISTRY.get_sample_value("nara_partner_calls_total", labels) or 0.0


def _timed(outcome: str) -> float:
    labels = {"partner": "bank", "outcome": outcome}
    return REGISTRY.get_sample_value("nara_partner_call_duration_seconds_count", labels) or 0.0


async def test_each_outcome_is_counted_and_timed(
    bank_sim: ServerHandle, http: httpx.AsyncClient
) -> None:
    seen: list[tuple[str, str, float]] = []

    def observe(partner: str, outcome: str, seconds: float) -> None:
        seen.append((partner, outcome, seconds))
        metrics.record_partner_call(partner, outcome, seconds)

    before = {o: (_count(o), _timed(o)) for o in metrics.OUTCOMES}
    bank = BankClient(
        bank_sim.url, timeout_s=0.3, http=http, admin_token=SIMULATOR_ADMIN_TOKEN, observe=observe
    )
    await bank.open_account(account_no="A-1", holder="Seoul City", balance=10)
    with pytest.raises(PartnerRejected):
        await bank.get_account("nobody")
    for fault in ({"mode": "timeout", "hang_ms": 1_000}, {"mode": "error_5xx"}):
        armed = await http.post(
            f"{bank_sim.url}/_faults",
            json={"path_prefix": "/accounts/A-1", "count": 1, **fault},
            headers=admin_headers(),
        )
        assert armed.status_code == 201, armed.text
        with pytest.raises(PartnerUnavailable):
            await bank.get_account("A-1")

    assert [(p, o) for p, o, _ in seen] == [
        ("bank", "ok"),
        ("bank", "refused"),
        ("bank", "timeout"),
        ("bank", "error"),
    ]
    assert seen[2][2] >= 0.3  # the timeout waited for the client's whole timeout
    for outcome in metrics.OUTCOMES:
        count, timed = before[outcome]
        assert (_count(outcome), _timed(outcome)) == (count + 1, timed + 1), outcome
