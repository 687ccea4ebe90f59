"""The one translation of errors into problem JSON, without servers: field paths, what a
field accepts, and Temporal Update failures becoming project errors."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from nara.api.problems import _unavailable, accepted_values, field_path, http_status
from nara.api.schemas.bids import BidCreate
from nara.api.schemas.decisions import PaymentClaimRequest
from nara.domain.errors import (
    Forbidden,
    GuaranteeRejected,
    InvalidClaim,
    ProcessFailed,
    RuleViolation,
    StaleCandidate,
    WrongPhase,
)
from nara.services.processes import _from_update_failure
from tests.support import sealed_bid_body


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("body", "sealed", "price"), "sealed.price"),
        (("body", "technical_scores", 1), "technical_scores[1]"),
        (("body",), "body"),
        (("query", "start"), "query.start"),
        (("header", "Idempotency-Key"), "header.Idempotency-Key"),
    ],
)
def test_field_paths_read_like_the_request(loc: tuple, expected: str) -> None:
    assert field_path(loc) == expected


def _errors(schema: type[BaseModel] = BidCreate, good: dict | None = None, **fields: object):
    with pytest.raises(ValidationError) as caught:
        schema.model_validate({**(good or sealed_bid_body(1)), **fields})
    return caught.value.errors()


def _claim_errors(**fields: object) -> list[dict]:
    good = {"business_no": "220-81-62517", "kind": "advance", "amount": 10}
    return _errors(PaymentClaimRequest, good, **fields)


def test_what_a_field_accepts_is_said_in_words() -> None:
    money = "a whole number of KRW from 1 to 1,000,000,000,000,000"
    assert accepted_values(_claim_errors(amount=0)[0]) == money
    assert accepted_values(_claim_errors(amount=10**15 + 1)[0]) == money
    assert accepted_values(_claim_errors(amount=2**63)[0]) == money
    assert accepted_values(_claim_errors(amount=1.5)[0]) == "a whole number"
    sealed = sealed_bid_body(1)["sealed"]
    (short,) = _errors(sealed={**sealed, "enc": sealed["enc"][:-1]})
    assert short["loc"] == ("sealed", "enc")
    assert accepted_values(short) == (
        "32 bytes in base64url without padding (43 characters), as the bidder client "
        "(nara bidder) seals them"
    )
    (missing,) = _errors(sealed={k: v for k, v in sealed.items() if k != "check"})
    assert missing["loc"] == ("sealed", "check")
    assert accepted_values(_errors(tender_key_id="ABCDEF0123456789")[0]) == (
        "16 lower-case hex digits"
    )
    (error,) = _errors(business_no="220-81-62510")
    assert "last digit 7" in accepted_values(error)
    assert accepted_values(_errors(surprise=1)[0]).startswith("nothing")
    # The price and picks are sealed: sent in clear, they are refused, never read.
    assert accepted_values(_errors(price=1)[0]).startswith("nothing")
    assert accepted_values(_errors(reserve_picks=[1, 2])[0]).startswith("nothing")


def test_a_valid_business_number_is_normalised() -> None:
    bid = BidCreate.model_validate({**sealed_bid_body(1), "business_no": "2208162517"})
    assert bid.business_no == "220-81-62517"


@pytest.mark.parametrize(
    ("kind", "error", "status"),
    [
        ("WrongPhase", WrongPhase, 409),
        ("StaleCandidate", StaleCandidate, 409),
        ("Forbidden", Forbidden, 403),
        ("InvalidClaim", InvalidClaim, 422),
        ("GuaranteeRejected", GuaranteeRejected, 422),
        ("RuleViolation", RuleViolation, 422),
    ],
)
def test_update_refusals_keep_their_type_and_message(kind: str, error: type, status: int) -> None:
    refusal = ApplicationError("tender 20260000001-00 is bidding", type=kind)
    translated = _from_update_failure(WorkflowUpdateFailedError(refusal))
    assert type(translated) is error and http_status(type(translated)) == status
    assert translated.detail == "tender 20260000001-00 is bidding" and translated.fix


def test_an_unknown_failure_is_a_process_failure() -> None:
    translated = _from_update_failure(WorkflowUpdateFailedError(RuntimeError("boom")))
    assert isinstance(translated, ProcessFailed) and http_status(type(translated)) == 500


@pytest.mark.parametrize(
    ("sqlstate", "unavailable"),
    [
        (None, True),  # the connection broke before the server said why
        ("08006", True),  # connection failure
        ("53300", True),  # too many connections
        ("57P01", True),  # the server is shutting down
        ("54001", False),  # statement too complex: a bug in the query, not an outage
        ("42P01", False),
    ],
)
def test_only_an_outage_of_the_database_is_called_unavailable(
    sqlstate: str | None, unavailable: bool
) -> None:
    assert _unavailable(sqlstate) is unavailable
