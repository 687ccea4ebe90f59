"""Business registration numbers and notice numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nara.domain.errors import RuleViolation

# 사업자등록번호 check digit: weights over the first nine digits, plus floor(d9 * 5 / 10).
_BUSINESS_NO_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_BUSINESS_NO = re.compile(r"^(\d{3})-?(\d{2})-?(\d{5})$")
_NOTICE_NO = re.compile(r"^(\d{4})(\d{7})-(\d{2})$")


def business_no_check_digit(first9: str) -> int:
    """The check digit of a business registration number from its first nine digits."""
    if len(first9) != 9 or not first9.isascii() or not first9.isdigit():
        raise RuleViolation(
            rule="business-no-format",
            field="business_no",
            value=first9,
            accepted="nine digits",
            message=f"a check digit is computed from nine digits, got {first9!r}",
        )
    digits = [int(c) for c in first9]
    total = sum(d * w for d, w in zip(digits, _BUSINESS_NO_WEIGHTS, strict=True))
    total += digits[8] * 5 // 10
    return (10 - total % 10) % 10


def validate_business_no(raw: str) -> str:
    """Check a business registration number and return it as ``XXX-XX-XXXXX``.

    Accepts ten digits with or without the two hyphens; surrounding spaces are ignored.
    """
    text = raw.strip()
    match = _BUSINESS_NO.match(text) if text.isascii() else None
    if match is None or text.count("-") not in (0, 2):
        raise RuleViolation(
            rule="business-no-format",
            field="business_no",
            value=raw,
            accepted="ten digits, as 1234567890 or 123-45-67890",
            message=(
                f"business registration number {raw!r} is not ten digits;"
                " write it as 123-45-67890 or 1234567890"
            ),
        )
    digits = "".join(match.groups())
    expected = business_no_check_digit(digits[:9])
    if int(digits[9]) != expected:
        raise RuleViolation(
            rule="business-no-check-digit",
            field="business_no",
            value=raw,
            accepted=f"last digit {expected} for {digits[:3]}-{digits[3:5]}-{digits[5:9]}…",
            message=(
                f"business registration number {raw!r} fails its check digit:"
                f" the last digit should be {expected}; check the number for a typo"
            ),
        )
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


@dataclass(frozen=True, order=True)
class NoticeNo:
    """A tender notice number: year, a 7-digit sequence and a 2-digit round.

    ``20260012345-00`` is year 2026, sequence 12345, round 0 (the first
    announcement). A re-announcement keeps year and sequence and takes the next round.
    """

    year: int
    sequence: int
    round: int = 0

    def __post_init__(self) -> None:
        if not (
            1000 <= self.year <= 9999 and 0 <= self.sequence <= 9_999_999 and 0 <= self.round <= 99
        ):
            raise RuleViolation(
                rule="notice-no-format",
                field="notice_no",
                value=(self.year, self.sequence, self.round),
                accepted="a 4-digit year, a sequence of at most 7 digits and a round 00-99",
                message=(
                    f"notice number parts year={self.year}, sequence={self.sequence},"
                    f" round={self.round} do not fit YYYYSSSSSSS-RR"
                ),
            )

    @classmethod
    def parse(cls, raw: str) -> NoticeNo:
        """Read ``YYYYSSSSSSS-RR``, e.g. ``20260012345-00``."""
        text = raw.strip()
        match = _NOTICE_NO.match(text) if text.isascii() else None
        if match is None:
            raise RuleViolation(
                rule="notice-no-format",
                field="notice_no",
                value=raw,
                accepted="YYYYSSSSSSS-RR, e.g. 20260012345-00",
                message=(
                    f"notice number {raw!r} is not a year, a 7-digit sequence and a"
                    " 2-digit round, e.g. 20260012345-00"
                ),
            )
        year, sequence, round_ = match.groups()
        return cls(int(year), int(sequence), int(round_))

    @property
    def base(self) -> str:
        """The number without its round, shared by every re-announcement."""
        return f"{self.year:04d}{self.sequence:07d}"

    def __str__(self) -> str:
        return f"{self.base}-{self.round:02d}"

    def next_round(self) -> NoticeNo:
        """The number of the re-announcement."""
        if self.round >= 99:
            raise RuleViolation(
                rule="notice-no-round",
                field="round",
                value=self.round,
                accepted="a round below 99",
                message=f"notice {self} has used all 99 re-announcement rounds; open a new notice",
            )
        return NoticeNo(self.year, self.sequence, self.round + 1)


def tender_workflow_id(notice_no: str) -> str:
    """The business key a tender's workflow runs under: `tender-<notice no>`."""
    return f"tender-{notice_no}"


def payment_workflow_id(contract_no: str, seq: int) -> str:
    """The business key of a payment claim's workflow: `payment-<contract no>-<n>`."""
    return f"payment-{contract_no}-{seq}"
