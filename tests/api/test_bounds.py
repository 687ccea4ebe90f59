"""The bounds of every input, without servers: the field types of nara/api/schemas/base.py,
the request schemas built from them, and the OpenAPI document that states them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from nara.api.app import create_app
from nara.api.schemas.base import (
    MAX_KRW,
    BusinessNo,
    Day,
    Deadline,
    Id,
    Moment,
    Money,
    NoticeNumber,
    PaymentId,
    Score,
)
from nara.api.schemas.bids import BidCreate
from nara.api.schemas.decisions import PaymentClaimRequest
from nara.api.schemas.registry import PersonCreate
from nara.api.schemas.tenders import CancelRequest, ExtendDeadlineRequest, TenderCreate
from nara.domain.time_scale import STRETCHED
from nara.domain.time_scale import stretch as _stretch
from nara.settings import Settings
from tests.support import sealed_bid_body


class _Fields(BaseModel):
    money: Money | None = None
    score: Score | None = None
    moment: Moment | None = None
    deadline: Deadline | None = None
    day: Day | None = None
    notice_no: NoticeNumber | None = None
    payment_id: PaymentId | None = None
    business_no: BusinessNo | None = None
    id: Id | None = None


def _refused(**fields: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as caught:
        _Fields.model_validate(fields)
    (error,) = caught.value.errors()
    return dict(error)


def _accepted(**fields: Any) -> _Fields:
    return _Fields.model_validate(fields)


@pytest.mark.parametrize("amount", [0, -1, MAX_KRW + 1, 2**63, 2**64, "5", True, 1.5])
def test_money_is_a_whole_number_of_krw_up_to_the_ceiling(amount: object) -> None:
    error = _refused(money=amount)
    if isinstance(amount, int) and not isinstance(amount, bool):
        assert error["ctx"]["accepted"] == "a whole number of KRW from 1 to 1,000,000,000,000,000"


def test_money_accepts_its_range_and_json_integers_written_as_floats() -> None:
    assert _accepted(money=1).money == 1
    assert _accepted(money=MAX_KRW).money == MAX_KRW
    assert _accepted(money=5.0).money == 5  # JSON Schema counts 5.0 as an integer


@pytest.mark.parametrize(
    "text", ["abc\x00def", "tab\tin a line", "a\x7f", "c1 \x85", "lone \ud800", "x" * 301, ""]
)
def test_a_line_of_text_has_a_length_and_no_control_character(text: str) -> None:
    body = {
        "title": text,
        "category": "goods",
        "estimated_price": 1,
        "deadline": "2026-12-28T10:00:00+09:00",
        "opening_at": "2026-12-28T11:00:00+09:00",
    }
    with pytest.raises(ValidationError) as caught:
        TenderCreate.model_validate(body)
    errors = [e for e in caught.value.errors() if e["loc"] == ("title",)]
    assert errors, caught.value.errors()
    assert errors[0]["ctx"]["accepted"] == (
        "text of 1 to 300 characters, without control characters (printable characters only)"
    )


def test_several_lines_keep_tabs_and_newlines_but_not_nul() -> None:
    assert CancelRequest.model_validate({"reason": "line one\n\tline two\r\n"}).reason
    with pytest.raises(ValidationError):
        CancelRequest.model_validate({"reason": "line one\x00"})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("notice_no", "abc\x00def"),
        ("notice_no", "20260012345-00\n"),
        ("notice_no", "2026001234500"),
        ("payment_id", "payment-C20260012345-00-99999999999999999999"),
        ("payment_id", "payment-C20260012345-00-²"),
        ("business_no", "220-81-6251\x00"),
        ("business_no", "220-8162517"),
        ("id", 2**63),
        ("id", 0),
    ],
)
def test_identifiers_match_their_shape(field: str, value: object) -> None:
    error = _refused(**{field: value})
    assert error["ctx"]["accepted"], error


def test_identifiers_in_their_shape_are_taken() -> None:
    taken = _accepted(
        notice_no="20260012345-00",
        payment_id="payment-C20260012345-00-1",
        business_no=" 2208162517 ",
        id=2**63 - 1,
    )
    assert taken.business_no == "220-81-62517"


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "1999-12-31T23:59:59Z",
        "2100-01-01T00:00:00Z",
        0,
        "1700000000",
        "2026-12-28 10:00:00+09:00",
    ],
)
def test_times_lie_in_this_century_with_a_time_zone(moment: object) -> None:
    error = _refused(moment=moment)
    assert "date-time" in error["ctx"]["accepted"]


def test_a_deadline_is_at_most_two_years_ahead() -> None:
    near = datetime.now(UTC) + timedelta(days=729)
    assert _accepted(deadline=near.isoformat()).deadline == near
    error = _refused(deadline=(datetime.now(UTC) + timedelta(days=9 * 365)).isoformat())
    assert error["ctx"]["rule"] == "deadline-horizon" and "730 days" in error["ctx"]["accepted"]


@pytest.mark.parametrize("day", ["0.0", "9999-12-31", "0001-01-01", "2026-02-30", 20260105])
def test_a_report_day_is_a_calendar_date_in_this_century(day: object) -> None:
    assert "YYYY-MM-DD" in _refused(day=day)["ctx"]["accepted"]


@pytest.mark.parametrize("points", ["NaN", "Infinity", "-0.0001", "100.0001", 1e400, True, "1e2"])
def test_scores_are_points_from_0_to_100(points: object) -> None:
    assert "0 to 100" in _refused(score=points)["ctx"]["accepted"]


def test_scores_keep_the_four_decimals_the_database_keeps() -> None:
    assert str(_accepted(score=70.123456).score) == "70.1235"
    assert str(_accepted(score="100").score) == "100.0000"


def test_cross_field_rules_name_the_field_and_the_rule() -> None:
    good = {"business_no": "220-81-62517", "kind": "advance", "amount": 10}
    with pytest.raises(ValidationError) as caught:
        PaymentClaimRequest.model_validate({**good, "subcontract_amount": 11})
    (error,) = caught.value.errors()
    assert error["loc"] == ("subcontract_amount",) and error["ctx"]["rule"] == "subcontract-share"
    with pytest.raises(ValidationError) as caught:
        PaymentClaimRequest.model_validate({**good, "subcontract_amount": 5})
    assert caught.value.errors()[0]["loc"] == ("subcontractor_no",)

    later = datetime.now(UTC) + timedelta(days=30)
    with pytest.raises(ValidationError) as caught:
        ExtendDeadlineRequest.model_validate(
            {"deadline": later.isoformat(), "opening_at": later.isoformat(), "reason": "r"}
        )
    (error,) = caught.value.errors()
    assert error["loc"] == ("opening_at",) and error["ctx"]["rule"] == "opening-after-deadline"


@pytest.mark.parametrize(
    ("person", "field"),
    [
        ({"role": "officer"}, "agency_code"),
        ({"role": "inspector", "agency_code": None}, "agency_code"),
        ({"role": "supplier", "agency_code": "A1"}, "agency_code"),
    ],
)
def test_a_persons_agency_follows_the_role(person: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PersonCreate.model_validate({"id": "p-1", "name": "P", **person})
    assert caught.value.errors()[0]["loc"] == (field,)


def test_a_bid_at_the_ceiling_is_taken_and_looks_like_any_other() -> None:
    """The price is sealed (checked against the ceiling only at the opening): a bid at
    MAX_KRW is a valid body, and its sealed parts are the size of a 1-won bid's."""
    ceiling = sealed_bid_body(MAX_KRW, client_key="k" * 80)
    smallest = sealed_bid_body(1, client_key="k" * 80)
    bid = BidCreate.model_validate(ceiling)
    assert bid.sealed.to_domain().as_json() == ceiling["sealed"]
    assert BidCreate.model_validate(smallest).client_key == "k" * 80
    assert {k: len(v) for k, v in ceiling["sealed"].items()} == {
        k: len(v) for k, v in smallest["sealed"].items()
    }


@given(
    ahead=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=365 * 75)),
    more=st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=365)),
    scale=st.integers(min_value=2, max_value=10**9),
)
def test_stretched_time_never_overflows_and_keeps_the_order(
    ahead: timedelta, more: timedelta, scale: int
) -> None:
    """NARA_TIME_SCALE > 1 stretches the time to a deadline: up to 2100, it stays a date."""
    now = datetime(2026, 5, 1, tzinfo=UTC)
    first, second = _stretch(now, now + ahead, scale), _stretch(now, now + ahead + more, scale)
    assert now <= first < second
    assert first - now <= max(ahead * 1, STRETCHED + ahead)


# --------------------------------------------------------------------------- the document


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    app = create_app(Settings(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none"))
    return app.openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_operation_lists_the_statuses_it_can_answer(document: dict[str, Any]) -> None:
    for label, operation in _operations(document):
        statuses = set(operation["responses"])
        if label == "GET /health":  # alive: answers whenever the process does
            assert statuses == {"200"}
            continue
        if label == "GET /.well-known/nara-keys":  # the receipt keys: no database, no Temporal
            assert statuses == {"200", "500"}
            continue
        assert {"500", "503"} <= statuses, label
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in statuses, f"{label}: an invalid parameter or body is answered 422"
        if "requestBody" in operation:
            assert "400" in statuses, f"{label}: unparseable JSON is answered 400"
        if operation.get("security"):  # a session: Authorization: Bearer <token>
            assert "401" in statuses, label
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
    replayed = {
        "POST /tenders",
        "POST /tenders/{notice_no}/bids",
        "POST /outages",
        "POST /agencies",
        "POST /businesses",
        "POST /people",
        "POST /businesses/{business_no}/agents",
    }
    for label, operation in _operations(document):
        if label in replayed:
            assert {"200", "201"} <= set(operation["responses"]), label


def test_the_problem_schema_declares_the_members_errors_carry(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert problem["additionalProperties"] is True
    members = {"errors", "rule", "value", "accepted", "suggestion", "field", "fix", "incident"}
    assert members <= set(problem["properties"])
    assert "FieldProblem" in document["components"]["schemas"]


def test_parameters_are_never_null_and_state_their_bounds(document: dict[str, Any]) -> None:
    for label, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            assert {"type": "null"} not in schema.get("anyOf", []), (label, parameter["name"])
            closed = "enum" in schema or parameter["name"] in ("phase", "category", "method")
            if schema.get("type") == "string" and not closed:
                assert "pattern" in schema or "format" in schema, (label, parameter["name"])
            if schema.get("type") == "integer":
                assert "minimum" in schema and "maximum" in schema, (label, parameter["name"])


def test_who_needs_an_agency_is_in_the_schema(document: dict[str, Any]) -> None:
    person = document["components"]["schemas"]["PersonCreate"]
    officers = next(b for b in person["oneOf"] if "officer" in str(b))
    assert "agency_code" in officers["required"]
