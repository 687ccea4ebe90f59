"""The one translation of errors into problem JSON, without servers: field paths, what a
field accepts, and Temporal Update failures becoming project errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from nara.api.problems import accepted_values, field_path, http_status
from nara.api.schemas.bids import BidCreate
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


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("body", "price"), "price"),
        (("body", "reserve_picks", 1), "reserve_picks[1]"),
        (("body",), "body"),
        (("query", "start"), "query.start"),
        (("header", "Idempotency-Key"), "header.Idempotency-Key"),
    ],
)
def test_field_paths_read_like_the_request(loc: tuple, expected: str) -> None:
    assert field_path(loc) == expected


def _errors(**fields: object) -> list[dict]:
    good = {
        "business_no": "220-81-62517",
        "price": 1,
        "reserve_picks": [1, 2],
        "client_key": "k" * 8,
    }
    with pytest.raises(ValidationError) as caught:
        BidCreate.model_validate({**good, **fields})
    return caught.value.errors()


def test_what_a_field_accepts_is_said_in_words() -> None:
    money = "a whole number of KRW from 1 to 1,000,000,000,000,000"
    assert accepted_values(_errors(price=0)[0]) == money
    assert accepted_values(_errors(price=10**15 + 1)[0]) == money
    assert accepted_values(_errors(price=2**63)[0]) == money
    assert accepted_values(_errors(price=1.5)[0]) == "a whole number"
    assert accepted_values(_errors(reserve_picks=[0, 3])[0]) == "a whole number from 1 to 15"
    assert accepted_values(_errors(reserve_picks=[1])[0]) == "at least 2 items"
    assert accepted_values(_errors(reserve_picks=[4, 4])[0]) == (
        "two different numbers from 1 to 15, e.g. [3, 11]"
    )
    (error,) = _errors(business_no="220-81-62510")
    assert "last digit 7" in accepted_values(error)
    assert accepted_values(_errors(surprise=1)[0]).startswith("nothing")


def test_a_valid_business_number_is_normalised() -> None:
    bid = BidCreate.model_validate(
        {"business_no": "2208162517", "price": 1, "reserve_picks": [1, 2], "client_key": "k" * 8}
    )
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
