"""The admin routes answer only to the admin token; refused requests change nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from nara.simulators import bank, guarantee_agency
from nara.simulators.runner import ServerHandle
from nara.testing.servers import SIMULATOR_ADMIN_TOKEN, admin_headers
from tests.simulators.conftest import loopback_client

FAULT = {"mode": "error_5xx", "path_prefix": "/transfers", "count": 1}
ACCOUNT = {"account_no": "110-9", "holder": "Park", "balance": 5_000}
WRONG_TOKEN = "wrong-admin-token-0123456789"
REFUSALS = {
    "no header": ({}, "admin-token-required"),
    "another scheme": ({"Authorization": f"Basic {SIMULATOR_ADMIN_TOKEN}"}, "admin-token-required"),
    "bearer without a token": ({"Authorization": "Bearer"}, "admin-token-required"),
    "wrong token": ({"Authorization": f"Bearer {WRONG_TOKEN}"}, "admin-token-invalid"),
    "the token with more": (
        {"Authorization": f"Bearer {SIMULATOR_ADMIN_TOKEN}x"},
        "admin-token-invalid",
    ),
    "non-ASCII token": ({"Authorization": "Bearer jeton-d’administration"}, "admin-token-invalid"),
}


@pytest.fixture(params=["bank", "guarantee"])
def sim(request: pytest.FixtureRequest) -> ServerHandle:
    handle: ServerHandle = request.getfixturevalue(f"{request.param}_sim")
    return handle


@pytest.fixture
def anonymous(sim: ServerHandle) -> Iterator[httpx.Client]:
    with loopback_client(sim.url) as http:
        yield http


@pytest.fixture
def admin(sim: ServerHandle) -> Iterator[httpx.Client]:
    with loopback_client(sim.url, admin_headers()) as http:
        yield http


def assert_refused(response: httpx.Response, code: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    problem = response.json()
    assert problem["status"] == 401 and problem["code"] == code
    assert problem["type"] == f"urn:nara:partner-problem:{code}"
    assert problem["field"] == "Authorization"
    assert "Authorization: Bearer" in problem["fix"] and "SIMULATOR_ADMIN_TOKEN" in problem["fix"]
    assert SIMULATOR_ADMIN_TOKEN not in response.text and WRONG_TOKEN not in response.text


def refusals() -> Any:
    return pytest.mark.parametrize(("headers", "code"), list(REFUSALS.values()), ids=list(REFUSALS))


def request(http: httpx.Client, method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
    # a header value httpx would not encode (non-ASCII) goes as the raw bytes a client may send
    raw = {k: v.encode("utf-8") for k, v in headers.items()}
    return http.request(method, path, headers=raw, **kw)


# --------------------------------------------------------------------------- /_faults


@refusals()
def test_a_refused_fault_is_not_armed(
    anonymous: httpx.Client, admin: httpx.Client, headers: dict[str, str], code: str
) -> None:
    assert_refused(request(anonymous, "POST", "/_faults", headers, json=FAULT), code)
    assert admin.get("/_faults").json() == []


@refusals()
def test_armed_faults_are_not_listed_without_the_token(
    anonymous: httpx.Client, admin: httpx.Client, headers: dict[str, str], code: str
) -> None:
    assert admin.post("/_faults", json=FAULT).status_code == 201
    assert_refused(request(anonymous, "GET", "/_faults", headers), code)


@refusals()
def test_a_refused_clear_leaves_the_faults_armed(
    anonymous: httpx.Client, admin: httpx.Client, headers: dict[str, str], code: str
) -> None:
    armed = admin.post("/_faults", json=FAULT).json()
    assert_refused(request(anonymous, "DELETE", "/_faults", headers), code)
    assert [fault["id"] for fault in admin.get("/_faults").json()] == [armed["id"]]


def test_the_token_arms_lists_and_clears_faults(admin: httpx.Client) -> None:
    armed = admin.post("/_faults", json=FAULT)
    assert armed.status_code == 201
    assert [fault["id"] for fault in admin.get("/_faults").json()] == [armed.json()["id"]]
    assert admin.delete("/_faults").status_code == 204
    assert admin.get("/_faults").json() == []


def test_the_token_is_checked_before_the_fault(anonymous: httpx.Client) -> None:
    refused = anonymous.post("/_faults", json={"mode": "no such mode"})
    assert_refused(refused, "admin-token-required")


# --------------------------------------------------------------------------- /_ledger


@refusals()
def test_the_ledger_is_not_shown_without_the_token(
    anonymous: httpx.Client, admin: httpx.Client, headers: dict[str, str], code: str
) -> None:
    refused = request(anonymous, "GET", "/_ledger", headers)
    assert_refused(refused, code)
    tables = set(admin.get("/_ledger").json())
    assert tables and not tables & set(refused.json())


# --------------------------------------------------------------------------- bank POST /accounts


@pytest.fixture
def bank_anonymous(bank_sim: ServerHandle) -> Iterator[httpx.Client]:
    with loopback_client(bank_sim.url) as http:
        yield http


@refusals()
def test_a_refused_account_is_not_opened(
    bank_anonymous: httpx.Client, bank_http: httpx.Client, headers: dict[str, str], code: str
) -> None:
    assert_refused(request(bank_anonymous, "POST", "/accounts", headers, json=ACCOUNT), code)
    assert bank_anonymous.get(f"/accounts/{ACCOUNT['account_no']}").status_code == 404
    assert bank_http.get("/_ledger").json()["accounts"] == []


def test_the_token_opens_an_account(bank_anonymous: httpx.Client, bank_http: httpx.Client) -> None:
    assert bank_http.post("/accounts", json=ACCOUNT).status_code == 201
    assert bank_anonymous.get(f"/accounts/{ACCOUNT['account_no']}").json()["balance"] == 5_000


def test_the_token_is_checked_before_the_account(bank_anonymous: httpx.Client) -> None:
    assert_refused(bank_anonymous.post("/accounts", json={}), "admin-token-required")


# --------------------------------------------------------------------------- the rest stays open


def test_business_routes_and_health_need_no_token(
    bank_anonymous: httpx.Client, bank_http: httpx.Client, guarantee_sim: ServerHandle
) -> None:
    for account_no, balance in (("agency", 1_000), ("supplier", 0)):
        body = {"account_no": account_no, "holder": account_no, "balance": balance}
        bank_http.post("/accounts", json=body)
    transfer = {"from_account": "agency", "to_account": "supplier", "amount": 300, "reference": "P"}

    paid = bank_anonymous.post("/transfers", json=transfer, headers={"Idempotency-Key": "k"})
    assert paid.status_code == 201, paid.text
    assert bank_anonymous.get("/accounts/supplier").json()["balance"] == 300
    assert bank_anonymous.get("/transfers", params={"reference": "P"}).status_code == 200
    assert bank_anonymous.get("/health").status_code == 200
    with loopback_client(guarantee_sim.url) as agency:
        issued = agency.post(
            "/guarantees",
            headers={"Idempotency-Key": "g"},
            json={
                "kind": "bid",
                "reference": "R-1",
                "business_no": "123-45-67890",
                "amount": 1_000,
                "beneficiary": "1230000",
            },
        )
        assert issued.status_code == 201, issued.text
        assert agency.get("/health").status_code == 200


def test_the_openapi_docs_mark_the_admin_routes(bank_anonymous: httpx.Client) -> None:
    paths = bank_anonymous.get("/openapi.json").json()["paths"]
    guarded = {
        (path, method)
        for path, item in paths.items()
        for method, operation in item.items()
        if operation.get("security")
    }
    assert guarded == {
        ("/_faults", "post"),
        ("/_faults", "get"),
        ("/_faults", "delete"),
        ("/_ledger", "get"),
        ("/accounts", "post"),
    }


# --------------------------------------------------------------------------- never open


@pytest.mark.parametrize("create_app", [bank.create_app, guarantee_agency.create_app])
@pytest.mark.parametrize("token", [None, "", "short-token", "has spaces in the admin token"])
def test_a_simulator_is_never_created_without_a_usable_token(
    create_app: Callable[..., Any], token: str | None
) -> None:
    with pytest.raises(ValueError, match="admin token") as refused:
        create_app(admin_token=token)
    if token:
        assert token not in str(refused.value)
