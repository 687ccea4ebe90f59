"""Alerts' pure rules: how keywords compare, the delivery backoff, and the words and
points of a recommendation."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from nara.domain.alerts import (
    BACKOFF_CAP,
    LICENCES,
    Evidence,
    backoff,
    normalise,
    reasons,
    score,
)
from nara.domain.enums import Category


def test_keywords_compare_without_spaces_or_case() -> None:
    assert normalise(" 도로 포장\t공사 ") == "도로포장공사"
    assert normalise("LED 가로등") == "led가로등"


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 5)] == [30, 60, 120, 240]
    assert backoff(30) == BACKOFF_CAP == timedelta(hours=1)


@given(st.integers(min_value=1, max_value=10_000))
def test_backoff_never_shrinks(attempts: int) -> None:
    assert backoff(attempts) <= backoff(attempts + 1) <= BACKOFF_CAP


def _evidence(**changes: object) -> Evidence:
    base: dict[str, object] = {
        "licence": None,
        "region": None,
        "agency_name": "조달청",
        "agency_bids": 0,
        "category": Category.CONSTRUCTION,
        "category_bids": 0,
    }
    return Evidence(**(base | changes))  # type: ignore[arg-type]


def test_a_licence_outweighs_a_few_bids_and_history_is_capped() -> None:
    assert score(_evidence(licence="토목공사업")) > score(_evidence(agency_bids=4))
    assert score(_evidence(agency_bids=5)) == score(_evidence(agency_bids=500))


def test_reasons_say_why_strongest_first() -> None:
    said = reasons(_evidence(licence="토목공사업", region="경기", agency_bids=1, category_bids=3))
    assert said == [
        "matches licence 토목공사업",
        "agency you bid with once (조달청)",
        "in your region 경기",
        "construction tenders you bid on 3 times",
    ]
    assert reasons(_evidence()) == [] and score(_evidence()) == 0


def test_every_licence_qualifies_for_a_category() -> None:
    assert set(LICENCES.values()) == set(Category)
    assert all(len(name) <= 40 for name in LICENCES)
