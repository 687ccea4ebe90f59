"""Business registration numbers and notice numbers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nara.domain.errors import RuleViolation
from nara.domain.identifiers import NoticeNo, business_no_check_digit, validate_business_no


def test_check_digit_worked_example() -> None:
    # 123-45-6789?: digits 1 2 3 4 5 6 7 8 9, weights 1 3 7 1 3 7 1 3 5
    # products 1 6 21 4 15 42 7 24 45, sum 165; plus floor(9 * 5 / 10) = 4 -> 169
    # check = (10 - 169 mod 10) mod 10 = (10 - 9) mod 10 = 1
    assert business_no_check_digit("123456789") == 1
    assert validate_business_no("1234567891") == "123-45-67891"
    assert validate_business_no("123-45-67891") == "123-45-67891"


@pytest.mark.parametrize(
    ("first9", "check"),
    [
        ("000000010", 7),  # d8=1 x 3 = 3; floor(0 x 5 / 10) = 0; (10 - 3) mod 10 = 7
        ("101010000", 9),  # 1x1 + 1x7 + 1x3 = 11; (10 - 1) mod 10 = 9
        ("000000002", 9),  # d9=2 x 5 = 10, plus floor(2 x 5 / 10) = 1 -> 11; 10 - 1 = 9
        ("000000004", 8),  # 4 x 5 = 20, plus floor(20 / 10) = 2 -> 22; 10 - 2 = 8
        ("000000000", 0),  # 0 -> (10 - 0) mod 10 = 0, not 10
    ],
)
def test_check_digit_by_hand(first9: str, check: int) -> None:
    assert business_no_check_digit(first9) == check


@pytest.mark.parametrize(
    "raw",
    [
        "1234567890",
        "123-45-67890",
        "12345678",
        "123456789012",
        "123-4567891",
        "12a4567891",
        "",
        "１２３４５６７８９１",
        "123--45-6789",
    ],
)
def test_bad_numbers_are_refused_with_the_fix(raw: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_business_no(raw)
    assert caught.value.field == "business_no"
    assert repr(raw) in str(caught.value)


def test_bad_check_digit_names_the_expected_digit() -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_business_no("123-45-67890")
    assert caught.value.rule == "business-no-check-digit"
    assert "should be 1" in caught.value.message


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_nine_digits_have_exactly_one_valid_check_digit(first9: str) -> None:
    valid = []
    for digit in "0123456789":
        try:
            validate_business_no(first9 + digit)
            valid.append(digit)
        except RuleViolation:
            pass
    assert valid == [str(business_no_check_digit(first9))]


def test_notice_number_round_trip_and_rounds() -> None:
    notice = NoticeNo.parse("20260012345-00")
    assert notice == NoticeNo(year=2026, sequence=12345, round=0)
    assert str(notice) == "20260012345-00"
    assert notice.base == "20260012345"
    again = notice.next_round()
    assert str(again) == "20260012345-01"
    assert again.base == notice.base
    assert str(again.next_round()) == "20260012345-02"


@pytest.mark.parametrize(
    "raw",
    [
        "2026001234-00",
        "20260012345-0",
        "20260012345",
        "2026-0012345-00",
        "20260012345-100",
        "abcd0012345-00",
    ],
)
def test_bad_notice_numbers_are_refused(raw: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        NoticeNo.parse(raw)
    assert caught.value.rule == "notice-no-format"


def test_round_99_is_the_last() -> None:
    with pytest.raises(RuleViolation):
        NoticeNo.parse("20260012345-99").next_round()


@settings(max_examples=60, deadline=None)
@given(st.integers(2000, 2999), st.integers(0, 9_999_999), st.integers(0, 99))
def test_notice_numbers_print_and_parse_back(year: int, sequence: int, round_: int) -> None:
    notice = NoticeNo(year, sequence, round_)
    assert NoticeNo.parse(str(notice)) == notice
    assert len(str(notice)) == 14
