"""Fault injection over real sockets: what each mode does to the request, and to the ledger."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

TRANSFER = {
    "from_account": "agency",
    "to_account": "supplier",
    "amount": 300,
    "reference": "PAY-1",
    "memo": "",
}


@pytest.fixture
def http(bank_http: httpx.Client) -> httpx.Client:
    for account_no, balance in (("agency", 1_000), ("supplier", 0)):
        bank_http.post(
            "/accounts", json={"account_no": account_no, "holder": account_no, "balance": balance}
        )
    return bank_http


def arm(http: httpx.Client, **fault: Any) -> dict[str, Any]:
    response = http.post("/_faults", json=fault)
    assert response.status_code == 201, response.text
    return response.json()


def pay(http: httpx.Client, key: str = "k1", timeout: float = 5.0) -> httpx.Response:
    return http.post("/transfers", json=TRANSFER, headers={"Idempotency-Key": key}, timeout=timeout)


def transfers(http: httpx.Client) -> list[dict[str, Any]]:
    return http.get("/_ledger").json()["transfers"]


def balance(http: httpx.Client, account_no: str) -> int:
    return http.get(f"/accounts/{account_no}").json()["balance"]


def test_timeout_hangs_then_answers_504_without_doing_the_work(http: httpx.Client) -> None:
    arm(http, mode="timeout", path_prefix="/transfers", count=1, hang_ms=300)

    started = time.monotonic()
    response = pay(http)
    waited = time.monotonic() - started

    assert response.status_code == 504
    assert response.json()["code"] == "simulated-timeout"
    assert waited >= 0.3
    assert transfers(http) == []
    assert pay(http).status_code == 201  # count=1: the next request goes through
    assert balance(http, "supplier") == 300


def test_a_client_that_gives_up_first_sees_a_read_timeout(http: httpx.Client) -> None:
    arm(http, mode="timeout", path_prefix="/transfers", hang_ms=10_000)

    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        pay(http, timeout=0.2)

    assert time.monotonic() - started < 1
    assert transfers(http) == []


def test_commit_then_timeout_moves_the_money_and_a_retry_with_the_key_does_not_again(
    http: httpx.Client,
) -> None:
    arm(http, mode="commit_then_timeout", path_prefix="/transfers", count=1, hang_ms=100)

    lost = pay(http, "PAY-1:prime")
    retry = pay(http, "PAY-1:prime")

    assert lost.status_code == 504  # the client believes it failed...
    assert [t["idempotency_key"] for t in transfers(http)] == ["PAY-1:prime"]  # ...it did not
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replay"] == "true"
    assert retry.json()["transfer_id"] == transfers(http)[0]["transfer_id"]
    assert (balance(http, "agency"), balance(http, "supplier")) == (700, 300)


def test_error_5xx_answers_the_chosen_status_for_count_requests(http: httpx.Client) -> None:
    arm(http, mode="error_5xx", status_code=503, path_prefix="/transfers", count=2)

    statuses = [pay(http).status_code for _ in range(3)]

    assert statuses == [503, 503, 201]
    assert len(transfers(http)) == 1
    assert http.get("/_faults").json() == []  # used up


def test_an_outage_window_ends_on_its_own(http: httpx.Client) -> None:
    until = datetime.now(UTC) + timedelta(milliseconds=600)
    arm(http, mode="outage", until=until.isoformat())

    during = pay(http)
    accounts_during = http.get("/accounts/agency")
    time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 0.05)
    after = pay(http)

    assert during.status_code == 503
    assert during.json()["code"] == "simulated-outage"
    assert int(during.headers["Retry-After"]) >= 1
    assert accounts_during.status_code == 503  # no path_prefix: the whole partner is down
    assert after.status_code == 201
    assert http.get("/_faults").json() == []


def test_an_open_ended_outage_lasts_until_cleared(http: httpx.Client) -> None:
    arm(http, mode="outage", path_prefix="/transfers")

    assert [pay(http).status_code for _ in range(3)] == [503, 503, 503]
    assert http.get("/health").status_code == 200  # control paths never fail
    assert http.get("/_ledger").status_code == 200
    assert http.delete("/_faults").status_code == 204
    assert pay(http).status_code == 201


def test_an_outage_window_in_the_future_has_not_started(http: httpx.Client) -> None:
    starts = datetime.now(UTC) + timedelta(hours=1)
    arm(
        http,
        mode="outage",
        starts_at=starts.isoformat(),
        until=(starts + timedelta(hours=2)).isoformat(),
    )

    assert pay(http).status_code == 201
    assert len(http.get("/_faults").json()) == 1


def test_latency_delays_and_then_does_the_work(http: httpx.Client) -> None:
    arm(http, mode="latency", latency_ms=250, path_prefix="/transfers", count=1)

    started = time.monotonic()
    response = pay(http)

    assert time.monotonic() - started >= 0.25
    assert response.status_code == 201


def test_faults_match_by_path_prefix_and_method(http: httpx.Client) -> None:
    arm(http, mode="error_5xx", path_prefix="/transfers", method="post")

    assert http.get("/transfers", params={"reference": "PAY-1"}).status_code == 200
    assert http.get("/accounts/agency").status_code == 200
    assert pay(http).status_code == 500


@pytest.mark.parametrize(
    "fault",
    [
        {"mode": "latency"},
        {"mode": "meltdown"},
        {"mode": "error_5xx", "count": 0},
        {"mode": "outage", "starts_at": "2030-01-02T00:00:00Z", "until": "2030-01-01T00:00:00Z"},
    ],
)
def test_a_meaningless_fault_is_refused(http: httpx.Client, fault: dict[str, Any]) -> None:
    response = http.post("/_faults", json=fault)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid-request"
    assert http.get("/_faults").json() == []
