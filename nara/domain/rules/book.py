"""The rule book of one day: every table, looked up by its key on that day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from nara.domain.clock import require_aware
from nara.domain.enums import AgencyKind, Category, Method, WorkType
from nara.domain.rules.base import RuleRow, in_force
from nara.domain.rules.comprehensive import COMPREHENSIVE, ComprehensiveRow
from nara.domain.rules.guarantees import (
    BID_GUARANTEES,
    DEFECT_GUARANTEES,
    PERFORMANCE_GUARANTEES,
    BidGuaranteeRow,
    DefectGuaranteeRow,
    PerformanceGuaranteeRow,
)
from nara.domain.rules.lower_limits import LOWER_LIMITS, LowerLimitRow
from nara.domain.rules.notice import DEADLINES, NOTICE_PERIODS, DeadlineRow, NoticePeriodRow
from nara.domain.rules.outages import OUTAGES, OutageRow
from nara.domain.rules.payments import (
    ADVANCE_PAYMENTS,
    PAYMENT_TERMS,
    AdvancePaymentRow,
    PaymentTermsRow,
)
from nara.domain.rules.pricing import (
    PREDETERMINED_PRICES,
    RESERVE_PRICES,
    RESERVE_ROUNDING,
    PredeterminedPriceRow,
    ReservePriceRow,
    ReserveRoundingRow,
)
from nara.domain.rules.private_contracts import PRIVATE_CONTRACTS, PrivateContractRow
from nara.domain.rules.scoring import (
    NEGOTIATED_WEIGHTS,
    QUALIFICATION,
    NegotiatedRow,
    QualificationRow,
)

# Every table by the name docs/rules.md shows it under, in that order.
TABLES: dict[str, tuple[RuleRow, ...]] = {
    "notice_periods": NOTICE_PERIODS,
    "deadlines": DEADLINES,
    "reserve_prices": RESERVE_PRICES,
    "reserve_rounding": RESERVE_ROUNDING,
    "predetermined_prices": PREDETERMINED_PRICES,
    "lower_limits": LOWER_LIMITS,
    "qualification": QUALIFICATION,
    "negotiated_weights": NEGOTIATED_WEIGHTS,
    "comprehensive": COMPREHENSIVE,
    "bid_guarantees": BID_GUARANTEES,
    "performance_guarantees": PERFORMANCE_GUARANTEES,
    "defect_guarantees": DEFECT_GUARANTEES,
    "advance_payments": ADVANCE_PAYMENTS,
    "payment_terms": PAYMENT_TERMS,
    "outages": OUTAGES,
    "private_contracts": PRIVATE_CONTRACTS,
}


@dataclass(frozen=True)
class RuleBook:
    """The rules in force on one day. Get it from `rules_on`."""

    day: date

    def notice_period(
        self,
        *,
        category: Category,
        method: Method,
        estimated_price: int,
        urgent: bool,
        agency_kind: AgencyKind = AgencyKind.NATIONAL,
    ) -> NoticePeriodRow:
        return in_force(
            NOTICE_PERIODS,
            self.day,
            lambda r: (
                r.agency_kind == agency_kind
                and category in r.categories
                and method in r.methods
                and estimated_price in r.band
                and r.urgent == urgent
            ),
            what="notice-period",
        )

    def deadlines(self) -> DeadlineRow:
        return in_force(DEADLINES, self.day, lambda r: True, what="deadline")

    def reserve_prices(self, *, agency_kind: AgencyKind) -> ReservePriceRow:
        return in_force(
            RESERVE_PRICES, self.day, lambda r: r.agency_kind == agency_kind, what="reserve-price"
        )

    def reserve_rounding(self, *, category: Category) -> ReserveRoundingRow:
        return in_force(
            RESERVE_ROUNDING, self.day, lambda r: category in r.categories, what="reserve-rounding"
        )

    def predetermined_price(self) -> PredeterminedPriceRow:
        return in_force(PREDETERMINED_PRICES, self.day, lambda r: True, what="predetermined-price")

    def lower_limit(
        self,
        *,
        category: Category,
        agency_kind: AgencyKind,
        estimated_price: int,
        sme_competitive: bool = False,
    ) -> LowerLimitRow:
        """`sme_competitive` (중소기업자간 경쟁제품) keys goods only; other categories ignore it."""
        sme = sme_competitive and category is Category.GOODS
        return in_force(
            LOWER_LIMITS,
            self.day,
            lambda r: (
                r.category == category
                and r.agency_kind == agency_kind
                and r.sme_competitive == sme
                and estimated_price in r.band
            ),
            what="lower-limit",
        )

    def qualification(
        self,
        *,
        category: Category,
        estimated_price: int,
        agency_kind: AgencyKind = AgencyKind.NATIONAL,
    ) -> QualificationRow:
        return in_force(
            QUALIFICATION,
            self.day,
            lambda r: (
                r.agency_kind == agency_kind
                and category in r.categories
                and estimated_price in r.band
            ),
            what="qualification",
        )

    def negotiated(
        self, *, category: Category, agency_kind: AgencyKind = AgencyKind.NATIONAL
    ) -> NegotiatedRow:
        return in_force(
            NEGOTIATED_WEIGHTS,
            self.day,
            lambda r: r.agency_kind == agency_kind and category in r.categories,
            what="negotiated-weights",
        )

    def comprehensive(self, *, agency_kind: AgencyKind, estimated_price: int) -> ComprehensiveRow:
        return in_force(
            COMPREHENSIVE,
            self.day,
            lambda r: r.agency_kind == agency_kind and estimated_price in r.band,
            what="comprehensive-evaluation",
        )

    def bid_guarantee(self) -> BidGuaranteeRow:
        return in_force(BID_GUARANTEES, self.day, lambda r: True, what="bid-guarantee")

    def performance_guarantee(self, *, category: Category) -> PerformanceGuaranteeRow:
        return in_force(
            PERFORMANCE_GUARANTEES,
            self.day,
            lambda r: category in r.categories,
            what="performance-guarantee",
        )

    def defect_guarantee(self, *, work_type: WorkType) -> DefectGuaranteeRow:
        return in_force(
            DEFECT_GUARANTEES, self.day, lambda r: r.work_type == work_type, what="defect-guarantee"
        )

    def advance_payment(self) -> AdvancePaymentRow:
        return in_force(ADVANCE_PAYMENTS, self.day, lambda r: True, what="advance-payment")

    def payment_terms(self) -> PaymentTermsRow:
        return in_force(PAYMENT_TERMS, self.day, lambda r: True, what="payment-terms")

    def outage(self) -> OutageRow:
        return in_force(OUTAGES, self.day, lambda r: True, what="outage")

    def private_contract(self, *, category: Category) -> PrivateContractRow:
        return in_force(
            PRIVATE_CONTRACTS, self.day, lambda r: category in r.categories, what="private-contract"
        )


def rules_on(day: date) -> RuleBook:
    """The rule book in force on `day` (a KST date; aware datetimes are read in Seoul)."""
    if isinstance(day, datetime):
        day = require_aware(day, "on").date()
    return RuleBook(day)


def latest_rules() -> RuleBook:
    """The newest rule book the tables hold (for callers that have no date)."""
    return RuleBook(date.max)
