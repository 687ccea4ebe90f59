"""The guarantee-agency simulator over real HTTP: issue, confirm, claim."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

NOTICE = "20260012345-00"
BUSINESS = "123-45-67890"


def issue(
    http: httpx.Client, key: str = "bid:20260012345-00:123-45-67890", **overrides: Any
) -> httpx.Response:
    body = {
        "kind": "bid",
        "reference": NOTICE,
        "business_no": BUSINESS,
        "amount": 5_000_000,
        "beneficiary": "1230000",
        **overrides,
    }
    return http.post("/guarantees", json=body, headers={"Idempotency-Key": key})


def confirm(http: httpx.Client, certificate_no: str, **overrides: Any) -> httpx.Response:
    body = {
        "reference": NOTICE,
        "business_no": BUSINESS,
        "kind": "bid",
        "min_amount": 5_000_000,
        **overrides,
    }
    return http.post(f"/guarantees/{certificate_no}/confirm", json=body)


def claim(
    http: httpx.Client, certificate_no: str, amount: int, key: str = "claim-1"
) -> httpx.Response:
    return http.post(
        f"/guarantees/{certificate_no}/claims",
        json={"reason": "the winner did not sign", "amount": amount},
        headers={"Idempotency-Key": key},
    )


@pytest.fixture
def certificate_no(guarantee_http: httpx.Client) -> str:
    return str(issue(guarantee_http).json()["certificate_no"])


def test_issue_once_per_idempotency_key(guarantee_http: httpx.Client) -> None:
    first = issue(guarantee_http)
    again = issue(guarantee_http)
    changed = issue(guarantee_http, amount=6_000_000)

    assert first.status_code == 201
    assert first.json()["status"] == "issued"
    assert first.json()["certificate_no"].startswith("BG-")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replay"] == "true"
    assert again.json() == first.json()
    assert changed.status_code == 409
    assert changed.json()["code"] == "idempotency-key-reused"
    assert len(guarantee_http.get("/_ledger").json()["guarantees"]) == 1


def test_issue_needs_a_key_a_positive_amount_and_a_future_validity(
    guarantee_http: httpx.Client,
) -> None:
    no_key = guarantee_http.post(
        "/guarantees",
        json={
            "kind": "bid",
            "reference": NOTICE,
            "business_no": BUSINESS,
            "amount": 1,
            "beneficiary": "1230000",
        },
    )
    zero = issue(guarantee_http, key="k2", amount=0)
    past = issue(guarantee_http, key="k3", valid_until=str(date.today() - timedelta(days=2)))
    unknown_kind = issue(guarantee_http, key="k4", kind="fidelity")

    assert (no_key.status_code, no_key.json()["code"]) == (400, "idempotency-key-required")
    assert (zero.status_code, zero.json()["code"]) == (422, "invalid-amount")
    assert (past.status_code, past.json()["code"]) == (422, "invalid-validity")
    assert (unknown_kind.status_code, unknown_kind.json()["field"]) == (422, "kind")
    assert guarantee_http.get("/_ledger").json()["guarantees"] == []


def test_get_a_certificate(guarantee_http: httpx.Client, certificate_no: str) -> None:
    found = guarantee_http.get(f"/guarantees/{certificate_no}")
    missing = guarantee_http.get("/guarantees/BG-2026-999999")

    assert found.json()["amount"] == 5_000_000
    assert missing.status_code == 404
    assert missing.json()["code"] == "guarantee-not-found"


def test_confirm_a_certificate_that_secures_what_is_asked(
    guarantee_http: httpx.Client,
    certificate_no: str,
) -> None:
    exact = confirm(guarantee_http, certificate_no)
    undashed = confirm(
        guarantee_http, certificate_no, business_no="1234567890", min_amount=4_000_000
    )

    assert exact.status_code == 200
    assert exact.json()["confirmed"] is True
    assert exact.json()["certificate_no"] == certificate_no
    assert undashed.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"reference": "20260099999-00"}, "reference-mismatch", "reference"),
        ({"business_no": "222-33-44444"}, "reference-mismatch", "business_no"),
        ({"min_amount": 5_000_001}, "amount-too-low", "amount"),
        ({"kind": "performance"}, "wrong-kind", "kind"),
    ],
)
def test_confirm_refuses_a_certificate_that_does_not_fit(
    guarantee_http: httpx.Client,
    certificate_no: str,
    overrides: dict[str, Any],
    code: str,
    field: str,
) -> None:
    response = confirm(guarantee_http, certificate_no, **overrides)

    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == (code, field)


def test_confirm_an_unknown_certificate(guarantee_http: httpx.Client) -> None:
    response = confirm(guarantee_http, "BG-2026-999999")

    assert response.status_code == 422
    assert response.json()["code"] == "guarantee-not-found"


def test_a_claim_is_paid_once_and_the_certificate_is_spent(
    guarantee_http: httpx.Client,
    certificate_no: str,
) -> None:
    paid = claim(guarantee_http, certificate_no, 5_000_000)
    replay = claim(guarantee_http, certificate_no, 5_000_000)
    after = confirm(guarantee_http, certificate_no)

    assert paid.status_code == 201
    assert paid.json()["status"] == "paid"
    assert replay.headers["Idempotent-Replay"] == "true"
    assert replay.json()["claim_id"] == paid.json()["claim_id"]
    assert len(guarantee_http.get("/_ledger").json()["claims"]) == 1
    assert guarantee_http.get(f"/guarantees/{certificate_no}").json()["status"] == "claimed"
    assert (after.status_code, after.json()["code"]) == (422, "guarantee-claimed")


def test_claims_cannot_exceed_the_guaranteed_amount(
    guarantee_http: httpx.Client,
    certificate_no: str,
) -> None:
    too_much = claim(guarantee_http, certificate_no, 5_000_001, key="c1")
    part = claim(guarantee_http, certificate_no, 3_000_000, key="c2")
    rest_plus_one = claim(guarantee_http, certificate_no, 2_000_001, key="c3")
    rest = claim(guarantee_http, certificate_no, 2_000_000, key="c4")

    assert (too_much.status_code, too_much.json()["code"]) == (422, "claim-exceeds-guarantee")
    assert part.status_code == 201
    assert rest_plus_one.json()["code"] == "claim-exceeds-guarantee"
    assert rest.status_code == 201
    assert guarantee_http.get(f"/guarantees/{certificate_no}").json()["claimed_amount"] == (
        5_000_000
    )


def test_a_claim_on_an_unknown_certificate(guarantee_http: httpx.Client) -> None:
    response = claim(guarantee_http, "BG-2026-999999", 1)

    assert (response.status_code, response.json()["code"]) == (404, "guarantee-not-found")
