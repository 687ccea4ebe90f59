"""The bank simulator over real HTTP: accounts, idempotent transfers, rejections, look-ups."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


def open_accounts(http: httpx.Client, **balances: int) -> None:
    for account_no, balance in balances.items():
        response = http.post(
            "/accounts", json={"account_no": account_no, "holder": account_no, "balance": balance}
        )
        assert response.status_code == 201, response.text


def transfer(http: httpx.Client, key: str | None, **overrides: Any) -> httpx.Response:
    body = {
        "from_account": "agency",
        "to_account": "supplier",
        "amount": 300,
        "reference": "PAY-1",
        "memo": "progress payment 1",
        **overrides,
    }
    headers = {"Idempotency-Key": key} if key else {}
    return http.post("/transfers", json=body, headers=headers)


def balances(http: httpx.Client, *account_nos: str) -> list[int]:
    return [http.get(f"/accounts/{no}").json()["balance"] for no in account_nos]


def test_the_same_idempotency_key_moves_money_once(bank_http: httpx.Client) -> None:
    open_accounts(bank_http, agency=1_000, supplier=0)

    first = transfer(bank_http, "PAY-1:progress:prime")
    second = transfer(bank_http, "PAY-1:progress:prime")

    assert first.status_code == 201
    assert "Idempotent-Replay" not in first.headers
    assert second.status_code == 201
    assert second.headers["Idempotent-Replay"] == "true"
    assert second.json() == first.json()
    assert first.json()["status"] == "completed"
    assert balances(bank_http, "agency", "supplier") == [700, 300]
    assert len(bank_http.get("/_ledger").json()["transfers"]) == 1


def test_a_new_key_is_a_new_transfer(bank_http: httpx.Client) -> None:
    open_accounts(bank_http, agency=1_000, supplier=0)

    ids = {transfer(bank_http, key).json()["transfer_id"] for key in ("k1", "k2")}

    assert len(ids) == 2
    assert balances(bank_http, "agency", "supplier") == [400, 600]


def test_reusing_a_key_for_another_transfer_is_a_conflict(bank_http: httpx.Client) -> None:
    open_accounts(bank_http, agency=1_000, supplier=0)
    transfer(bank_http, "k1")

    response = transfer(bank_http, "k1", amount=301)

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency-key-reused"
    assert balances(bank_http, "agency", "supplier") == [700, 300]


def test_a_transfer_needs_an_idempotency_key(bank_http: httpx.Client) -> None:
    open_accounts(bank_http, agency=1_000, supplier=0)

    response = transfer(bank_http, None)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "idempotency-key-required"
    assert balances(bank_http, "agency") == [1_000]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"amount": 0}, "invalid-amount", "amount"),
        ({"amount": -5}, "invalid-amount", "amount"),
        ({"to_account": "nobody"}, "invalid-account", "to_account"),
        ({"from_account": "nobody"}, "invalid-account", "from_account"),
        ({"to_account": "agency"}, "invalid-account", "to_account"),
        ({"amount": 1_001}, "insufficient-funds", "amount"),
    ],
)
def test_rejections_say_why_and_move_nothing(
    bank_http: httpx.Client, overrides: dict[str, Any], code: str, field: str
) -> None:
    open_accounts(bank_http, agency=1_000, supplier=0)

    response = transfer(bank_http, "k1", **overrides)

    assert response.status_code == 422
    problem = response.json()
    assert (problem["code"], problem["field"], problem["status"]) == (code, field, 422)
    assert problem["type"] and problem["title"] and problem["detail"]
    assert balances(bank_http, "agency", "supplier") == [1_000, 0]
    assert bank_http.get("/_ledger").json()["transfers"] == []


def test_a_rejected_key_can_be_retried_once_the_cause_is_fixed(bank_http: httpx.Client) -> None:
    open_accounts(bank_http, agency=100, supplier=0)
    assert transfer(bank_http, "k1").json()["code"] == "insufficient-funds"
    open_accounts(bank_http, reserve=1_000)
    transfer(bank_http, "top-up", from_account="reserve", to_account="agency", amount=500)

    response = transfer(bank_http, "k1")

    assert response.status_code == 201
    assert "Idempotent-Replay" not in response.headers
    assert balances(bank_http, "agency", "supplier") == [300, 300]


def test_opening_an_account_again_returns_it_unless_the_holder_differs(
    bank_http: httpx.Client,
) -> None:
    first = bank_http.post(
        "/accounts", json={"account_no": "110-1", "holder": "Kim", "balance": 50}
    )
    again = bank_http.post(
        "/accounts", json={"account_no": "110-1", "holder": "Kim", "balance": 999}
    )
    other = bank_http.post("/accounts", json={"account_no": "110-1", "holder": "Lee"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert again.json()["balance"] == 50
    assert other.status_code == 409
    assert other.json()["code"] == "account-exists"


def test_a_client_that_timed_out_can_look_its_transfer_up(bank_http: httpx.Client) -> None:
    open_accounts(bank_http, agency=1_000, supplier=0)
    made = transfer(bank_http, "PAY-7:prime", reference="PAY-7").json()
    transfer(bank_http, "PAY-7:sub", reference="PAY-7", amount=100)
    transfer(bank_http, "PAY-8:prime", reference="PAY-8", amount=1)

    by_key = bank_http.get("/transfers", params={"idempotency_key": "PAY-7:prime"}).json()
    by_reference = bank_http.get("/transfers", params={"reference": "PAY-7"}).json()
    unknown = bank_http.get("/transfers", params={"idempotency_key": "never-sent"}).json()
    by_id = bank_http.get(f"/transfers/{made['transfer_id']}")

    assert by_key["items"] == [made]
    assert [t["idempotency_key"] for t in by_reference["items"]] == ["PAY-7:prime", "PAY-7:sub"]
    assert unknown["items"] == []
    assert by_id.json() == made


@pytest.mark.parametrize("path", ["/transfers/TRF-99999999", "/accounts/nobody"])
def test_unknown_things_are_404_problems(bank_http: httpx.Client, path: str) -> None:
    response = bank_http.get(path)

    assert response.status_code == 404
    assert response.json()["code"] in {"transfer-not-found", "account-not-found"}


def test_a_malformed_request_is_a_problem_naming_the_field(bank_http: httpx.Client) -> None:
    response = transfer(bank_http, "k1", amount="a lot")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid-request"
    assert response.json()["field"] == "amount"
