"""The shapes of the rule tables: amount bands, the row types and the dated lookup.

The tables themselves, with their numbers and sources, are in `nara.domain.rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from nara.domain.enums import AgencyKind, Category, Method, WorkType
from nara.domain.errors import RuleViolation

M = 1_000_000
BN = 1_000_000_000


def format_amount(amount: int) -> str:
    """KRW in the words officers use: ``5 bn``, ``300 M``, ``8.8 bn``, else ``12,345 KRW``."""
    if amount >= BN and amount % (BN // 10) == 0:
        text = f"{Decimal(amount) / BN:f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return f"{text} bn"
    if amount and amount % M == 0:
        return f"{amount // M:,} M"
    return f"{amount:,} KRW"


@dataclass(frozen=True)
class Band:
    """An amount band in KRW: ``lower`` inclusive, ``upper`` exclusive (None: no upper bound)."""

    lower: int = 0
    upper: int | None = None

    def __contains__(self, amount: object) -> bool:
        if not isinstance(amount, int):
            return False
        return self.lower <= amount and (self.upper is None or amount < self.upper)

    def __str__(self) -> str:
        if self.lower == 0 and self.upper is None:
            return "any amount"
        if self.lower == 0:
            return f"under {format_amount(self.upper or 0)}"
        if self.upper is None:
            return f"{format_amount(self.lower)} or more"
        return f"{format_amount(self.lower)} to under {format_amount(self.upper)}"


ANY_AMOUNT = Band()


@dataclass(frozen=True, kw_only=True)
class RuleRow:
    """What every row carries: when it takes effect, where it comes from, whether confirmed."""

    effective_from: date
    source: str
    confirmed: bool = True


@dataclass(frozen=True, kw_only=True)
class NoticePeriodRow(RuleRow):
    """Minimum days between announcement and bid deadline."""

    categories: frozenset[Category]
    methods: frozenset[Method]
    band: Band = ANY_AMOUNT
    urgent: bool = False
    days: int


@dataclass(frozen=True, kw_only=True)
class DeadlineRow(RuleRow):
    """Deadlines fall on the hour; at most ``tenders_per_hour`` share one deadline hour."""

    tenders_per_hour: int


@dataclass(frozen=True, kw_only=True)
class ReservePriceRow(RuleRow):
    """복수예비가격: the range around the base amount and how it is split and picked."""

    agency_kind: AgencyKind
    range_bp: int
    band_count: int = 15
    picks_per_bidder: int = 2
    averaged: int = 4


@dataclass(frozen=True, kw_only=True)
class ReserveRoundingRow(RuleRow):
    """Reserve prices are rounded up to a multiple of ``unit`` KRW."""

    categories: frozenset[Category]
    unit: int


@dataclass(frozen=True, kw_only=True)
class PredeterminedPriceRow(RuleRow):
    """How the most-picked reserve prices become the predetermined price."""

    rounding_unit: int = 1  # mean rounded up to this many KRW
    tie_break: str = "lower band number"


@dataclass(frozen=True, kw_only=True)
class LowerLimitRow(RuleRow):
    """낙찰하한율 in percent; ``rate=None``: the band is not awarded by qualification review."""

    category: Category
    agency_kind: AgencyKind
    band: Band
    rate: Decimal | None


@dataclass(frozen=True, kw_only=True)
class QualificationRow(RuleRow):
    """적격심사 scoring: price score = price_points - deduction x |reference_rate - bid rate|."""

    categories: frozenset[Category]
    band: Band
    price_points: Decimal
    reference_rate: Decimal
    deduction_per_point: Decimal
    min_price_points: Decimal
    pass_mark: Decimal

    @property
    def capability_points(self) -> Decimal:
        """The points left for capability (experience, finances, ...) out of 100."""
        return Decimal(100) - self.price_points


@dataclass(frozen=True, kw_only=True)
class NegotiatedRow(RuleRow):
    """협상에 의한 계약: technical:price weights and who may be negotiated with."""

    categories: frozenset[Category]
    technical_weight: int
    price_weight: int
    min_technical_weight: int
    max_technical_weight: int
    eligibility_bp: int  # technical score needed, in bp of the technical weight


@dataclass(frozen=True, kw_only=True)
class BidGuaranteeRow(RuleRow):
    rate_bp: int


@dataclass(frozen=True, kw_only=True)
class PerformanceGuaranteeRow(RuleRow):
    categories: frozenset[Category]
    rate_bp: int
    post_within_days: int


@dataclass(frozen=True, kw_only=True)
class DefectGuaranteeRow(RuleRow):
    work_type: WorkType
    rate_bp: int


@dataclass(frozen=True, kw_only=True)
class AdvancePaymentRow(RuleRow):
    cap_bp: int
    guarantee_bp: int  # of the advance


@dataclass(frozen=True, kw_only=True)
class PaymentTermsRow(RuleRow):
    payment_business_days: int
    inspection_days: int
    progress_payment_interval_days: int


@dataclass(frozen=True, kw_only=True)
class OutageRow(RuleRow):
    """Deadline extension after a system outage (terms of use, annex 3)."""

    near_window_hours: int  # deadlines this close after recovery are moved too
    deadline_after_recovery_hours: int
    opening_after_recovery_hours: int
    near_shift_hours: int
    long_outage_hours: int  # an outage longer than this is a long outage
    long_deadline_after_recovery_hours: int
    long_opening_after_recovery_hours: int


@dataclass(frozen=True, kw_only=True)
class PrivateContractRow(RuleRow):
    """수의계약: after failed rounds, or at or below a small-value threshold."""

    categories: frozenset[Category]
    failed_rounds: int
    small_value_max: int  # inclusive


R = TypeVar("R", bound=RuleRow)


class RuleTableError(LookupError):
    """Two rows claim the same key on the same date: a bug in the tables, not in the input."""


def in_force(rows: Sequence[R], day: date, match: Callable[[R], bool], *, what: str) -> R:
    """The row of `rows` matching `match` with the latest effective_from on or before `day`."""
    candidates = [row for row in rows if row.effective_from <= day and match(row)]
    if not candidates:
        earliest = min((row.effective_from for row in rows), default=date.min)
        raise RuleViolation(
            rule="rules-in-force",
            field="announced_at",
            value=day.isoformat(),
            accepted=f"a date on or after {earliest.isoformat()} covered by the {what} table",
            message=(
                f"no {what} rule is in force on {day.isoformat()} for these terms;"
                f" the tables start on {earliest.isoformat()}"
            ),
        )
    latest = max(row.effective_from for row in candidates)
    current = [row for row in candidates if row.effective_from == latest]
    if len(current) > 1:
        raise RuleTableError(f"{len(current)} {what} rows in force on {day.isoformat()}")
    return current[0]
