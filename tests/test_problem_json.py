"""The one problem-JSON builder (RFC 9457) behind the API's and the simulators' errors."""

from __future__ import annotations

import json

from nara.problem_json import MEDIA_TYPE, problem_body, problem_json_response


def test_the_standard_members_come_first_and_unset_optional_ones_are_left_out() -> None:
    body = problem_body(
        type="urn:nara:problem:wrong-phase",
        title="Wrong phase",
        status=409,
        detail="the tender is closed",
        instance="/tenders/1/bids",
        code="wrong-phase",
        fix=None,
    )

    assert list(body) == ["type", "title", "status", "detail", "instance", "code"]
    assert body["instance"] == "/tenders/1/bids"


def test_extra_members_follow_as_given() -> None:
    body = problem_body(
        type="urn:nara:problem:rule-violation",
        title="A procurement rule was broken",
        status=422,
        detail="price: too low",
        field="price",
        fix="send at least 1",
        rule="minimum",
        suggestion=None,
    )

    assert list(body) == ["type", "title", "status", "detail", "field", "fix", "rule", "suggestion"]
    assert body["suggestion"] is None


def test_the_response_carries_the_status_the_media_type_and_the_headers() -> None:
    body = problem_body(type="urn:x", title="Busy", status=503, detail="try again")

    response = problem_json_response(body, headers={"Retry-After": "1"})

    assert response.status_code == 503
    assert response.media_type == MEDIA_TYPE
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.headers["retry-after"] == "1"
    assert json.loads(bytes(response.body)) == body
