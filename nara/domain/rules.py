"""The dated rule tables: every number the procurement rules use, with its source.

A tender is judged by the rules in force on its announcement date (KST). Each
row carries the date it takes effect; a change of law is a new row with a later
``effective_from``, never an edit of an old one. For a given key (category,
method, agency kind, amount band, ...) the row with the latest
``effective_from`` on or before the day wins; two rows tied on the same key and
date are a table error, caught by the domain tests.

``confirmed=False`` marks a number that could not be confirmed against the text
of the law or regulation; ``docs/rules.md`` lists those rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from nara.domain.clock import require_aware
from nara.domain.enums import AgencyKind, Category, Method, WorkType
from nara.domain.rule_rows import (
    ANY_AMOUNT,
    BN,
    AdvancePaymentRow,
    Band,
    BidGuaranteeRow,
    DeadlineRow,
    DefectGuaranteeRow,
    LowerLimitRow,
    M,
    NegotiatedRow,
    NoticePeriodRow,
    OutageRow,
    PaymentTermsRow,
    PerformanceGuaranteeRow,
    PredeterminedPriceRow,
    PrivateContractRow,
    QualificationRow,
    ReservePriceRow,
    ReserveRoundingRow,
    RuleRow,
    RuleTableError,
    format_amount,
    in_force,
)

__all__ = [
    "ANY_AMOUNT",
    "BASELINE",
    "BN",
    "LOWER_LIMITS",
    "NOTICE_PERIODS",
    "TABLES",
    "Band",
    "M",
    "NoticePeriodRow",
    "RuleBook",
    "RuleRow",
    "RuleTableError",
    "format_amount",
    "in_force",
    "latest_rules",
    "rules_on",
]

# The earliest announcement date the tables speak for. Rows dated BASELINE were in
# force on that date; some are older, which the tables do not try to record.
BASELINE = date(2025, 1, 1)

ALL_CATEGORIES = frozenset(Category)
GOODS_SERVICES = frozenset({Category.GOODS, Category.SERVICES})
CONSTRUCTION = frozenset({Category.CONSTRUCTION})
OPEN_METHODS = frozenset({Method.GENERAL, Method.LIMITED, Method.DESIGNATED})
NEGOTIATED = frozenset({Method.NEGOTIATED})
PRIVATE = frozenset({Method.PRIVATE})


def _rates(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


_CONSTRUCTION_BANDS = (
    Band(0, 300 * M),
    Band(300 * M, 1 * BN),
    Band(1 * BN, 5 * BN),
    Band(5 * BN, 10 * BN),
    Band(10 * BN, 30 * BN),
)
_BEYOND_QUALIFICATION = Band(30 * BN)


def _construction_lower_limits(
    *,
    agency_kind: AgencyKind,
    effective_from: date,
    rates: tuple[Decimal, ...],
    source: str,
    confirmed: bool,
) -> tuple[LowerLimitRow, ...]:
    rows = tuple(
        LowerLimitRow(
            effective_from=effective_from,
            category=Category.CONSTRUCTION,
            agency_kind=agency_kind,
            band=band,
            rate=rate,
            source=source,
            confirmed=confirmed,
        )
        for band, rate in zip(_CONSTRUCTION_BANDS, rates, strict=True)
    )
    return (
        *rows,
        LowerLimitRow(
            effective_from=effective_from,
            category=Category.CONSTRUCTION,
            agency_kind=agency_kind,
            band=_BEYOND_QUALIFICATION,
            rate=None,
            confirmed=True,
            source="construction of 30 bn or more is awarded by comprehensive evaluation "
            "(종합심사낙찰제), not by qualification review",
        ),
    )


# International-tender threshold for construction by central agencies (WTO GPA, in KRW,
# re-notified every two years): 8.8 bn for 2025-01-01..2026-12-31 (MOEF notice of
# 2024-12-24, previously 8.3 bn). The 2027-2028 amount was not known when this was written.
INTERNATIONAL_CONSTRUCTION_2025 = 8_800 * M
# The same notice for goods and services: 230 M (previously 220 M).
INTERNATIONAL_GOODS_SERVICES_2025 = 230 * M

_DECREE_35 = "Enforcement Decree of the State Contracts Act art. 35; RULES.md 'Announcement'"

NOTICE_PERIODS: tuple[NoticePeriodRow, ...] = (
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=GOODS_SERVICES,
        methods=OPEN_METHODS,
        days=7,
        source=f"{_DECREE_35}: 7 days in general",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        methods=OPEN_METHODS,
        band=Band(0, 1 * BN),
        days=7,
        source=f"{_DECREE_35}: construction without site briefing, under 1 bn",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        methods=OPEN_METHODS,
        band=Band(1 * BN, 5 * BN),
        days=15,
        source=f"{_DECREE_35}: construction without site briefing, 1-5 bn",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        methods=OPEN_METHODS,
        band=Band(5 * BN, INTERNATIONAL_CONSTRUCTION_2025),
        days=30,
        source=f"{_DECREE_35}: construction 5 bn up to the international threshold"
        " (8.8 bn, MOEF notice 2024-12-24, valid to 2026-12-31; the 2027"
        " threshold is not known and this row carries 8.8 bn on)",
        confirmed=False,
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        methods=OPEN_METHODS,
        band=Band(INTERNATIONAL_CONSTRUCTION_2025),
        days=40,
        source="international tenders (WTO GPA special-procurement decree):"
        " construction from the 8.8 bn threshold; RULES.md",
        confirmed=False,
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=NEGOTIATED,
        band=Band(0, 100 * M),
        days=10,
        confirmed=False,
        source="negotiated contracts under 100 M; RULES.md marks it 'varies'",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=NEGOTIATED,
        band=Band(100 * M, 1 * BN),
        days=20,
        confirmed=False,
        source="negotiated contracts 100 M-1 bn; RULES.md marks it 'varies'",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=NEGOTIATED,
        band=Band(1 * BN),
        days=40,
        confirmed=False,
        source="Enforcement Decree art. 43: proposals 40 days; RULES.md 'varies'",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=OPEN_METHODS,
        urgent=True,
        days=5,
        source=f"{_DECREE_35}: urgent tenders 5 days",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=NEGOTIATED,
        urgent=True,
        days=5,
        confirmed=False,
        source="RULES.md: urgent tenders 5 days; some sources give 10 days for"
        " urgent negotiated contracts",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=PRIVATE,
        days=0,
        confirmed=False,
        source="private contracts are not announced for competition; the"
        " e-quotation period of small-value private contracts is not modelled",
    ),
    NoticePeriodRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        methods=PRIVATE,
        urgent=True,
        days=0,
        confirmed=False,
        source="as the non-urgent private contract row",
    ),
)

DEADLINES: tuple[DeadlineRow, ...] = (
    DeadlineRow(
        effective_from=BASELINE,
        tenders_per_hour=1500,
        source="KONEPS capacity rule: deadlines on the hour, at most 1,500 per"
        " deadline hour; RULES.md 'Announcement'",
    ),
)

RESERVE_PRICES: tuple[ReservePriceRow, ...] = (
    ReservePriceRow(
        effective_from=BASELINE,
        agency_kind=AgencyKind.NATIONAL,
        range_bp=200,
        source="MOEF contract rules on predetermined prices: base amount +-2%,"
        " 15 reserve prices, 2 picks, 4 averaged; RULES.md",
    ),
    ReservePriceRow(
        effective_from=BASELINE,
        agency_kind=AgencyKind.LOCAL,
        range_bp=300,
        source="MOIS rules for local governments and education offices: base amount +-3%; RULES.md",
    ),
)

RESERVE_ROUNDING: tuple[ReserveRoundingRow, ...] = (
    ReserveRoundingRow(
        effective_from=BASELINE,
        categories=GOODS_SERVICES,
        unit=1,
        source="RULES.md: goods and services round any fraction of 1 won up",
    ),
    ReserveRoundingRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        unit=100,
        confirmed=False,
        source="RULES.md: construction lump-sum 'rounds up below 100 won', read"
        " as: reserve prices rounded up to a multiple of 100 KRW",
    ),
)

PREDETERMINED_PRICES: tuple[PredeterminedPriceRow, ...] = (
    PredeterminedPriceRow(
        effective_from=BASELINE,
        rounding_unit=1,
        tie_break="lower band number",
        confirmed=False,
        source="mean of the 4 most-picked reserve prices (RULES.md); the"
        " tie rule for 4th place is not published: ours is the lower"
        " band number; the mean is rounded up to the won",
    ),
)

_MOEF_QUALIFICATION = "MOEF contract rules, qualification review standard (적격심사기준)"

LOWER_LIMITS: tuple[LowerLimitRow, ...] = (
    *_construction_lower_limits(
        agency_kind=AgencyKind.NATIONAL,
        effective_from=BASELINE,
        rates=_rates("87.745", "87.745", "86.745", "85.495", "79.995"),
        confirmed=True,
        source=f"{_MOEF_QUALIFICATION}, construction, national; RULES.md",
    ),
    *_construction_lower_limits(
        agency_kind=AgencyKind.NATIONAL,
        effective_from=date(2026, 1, 30),
        rates=_rates("89.745", "89.745", "88.745", "87.495", "81.995"),
        confirmed=False,
        source=f"{_MOEF_QUALIFICATION} and PPS detailed standard as amended for 2026-01-30:"
        " every band +2 percentage points (contractor associations' notices of"
        " 2025-12); 89.745% for small works confirmed, the other bands derived",
    ),
    *_construction_lower_limits(
        agency_kind=AgencyKind.LOCAL,
        effective_from=BASELINE,
        rates=_rates("87.745", "87.745", "86.745", "85.495", "79.995"),
        confirmed=False,
        source="MOIS award standard for local governments before 2025-07-01: taken as equal"
        " to the national table",
    ),
    *_construction_lower_limits(
        agency_kind=AgencyKind.LOCAL,
        effective_from=date(2025, 7, 1),
        rates=_rates("89.745", "89.745", "88.745", "87.495", "81.995"),
        confirmed=False,
        source="MOIS local contract rules in force 2025-07-01: lower limits of works under"
        " 30 bn +2 percentage points (first rise in 20 years, press 2025-07-01);"
        " band values derived",
    ),
    *(
        LowerLimitRow(
            effective_from=BASELINE,
            category=Category.GOODS,
            agency_kind=kind,
            band=band,
            rate=Decimal(rate),
            confirmed=False,
            source=f"{_MOEF_QUALIFICATION}, goods; RULES.md gives 80.495% and 88%"
            " as examples; bands at 100 M and the 230 M international"
            " threshold are ours",
        )
        for kind in AgencyKind
        for band, rate in (
            (Band(0, 100 * M), "88.000"),
            (Band(100 * M, INTERNATIONAL_GOODS_SERVICES_2025), "84.245"),
            (Band(INTERNATIONAL_GOODS_SERVICES_2025), "80.495"),
        )
    ),
    *(
        LowerLimitRow(
            effective_from=BASELINE,
            category=Category.SERVICES,
            agency_kind=kind,
            band=band,
            rate=Decimal(rate),
            confirmed=False,
            source=f"{_MOEF_QUALIFICATION}, general services; not confirmed",
        )
        for kind in AgencyKind
        for band, rate in (
            (Band(0, INTERNATIONAL_GOODS_SERVICES_2025), "87.745"),
            (Band(INTERNATIONAL_GOODS_SERVICES_2025), "80.495"),
        )
    ),
)

_QUALIFICATION_SOURCE = (
    "PPS qualification review detailed standard, simplified: price score ="
    " points - 2 x |88 - bid rate %|, A-value correction not modelled; weights not confirmed"
)

QUALIFICATION: tuple[QualificationRow, ...] = (
    QualificationRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        band=Band(0, 1 * BN),
        price_points=Decimal(30),
        reference_rate=Decimal(88),
        deduction_per_point=Decimal(2),
        min_price_points=Decimal(2),
        pass_mark=Decimal(95),
        confirmed=False,
        source=_QUALIFICATION_SOURCE,
    ),
    QualificationRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        band=Band(1 * BN, 10 * BN),
        price_points=Decimal(50),
        reference_rate=Decimal(88),
        deduction_per_point=Decimal(2),
        min_price_points=Decimal(2),
        pass_mark=Decimal(95),
        confirmed=False,
        source=_QUALIFICATION_SOURCE,
    ),
    QualificationRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        band=Band(10 * BN),
        price_points=Decimal(70),
        reference_rate=Decimal(88),
        deduction_per_point=Decimal(2),
        min_price_points=Decimal(2),
        pass_mark=Decimal(92),
        confirmed=False,
        source=_QUALIFICATION_SOURCE,
    ),
    QualificationRow(
        effective_from=BASELINE,
        categories=GOODS_SERVICES,
        band=ANY_AMOUNT,
        price_points=Decimal(30),
        reference_rate=Decimal(88),
        deduction_per_point=Decimal(2),
        min_price_points=Decimal(2),
        pass_mark=Decimal(85),
        confirmed=False,
        source=_QUALIFICATION_SOURCE,
    ),
)

NEGOTIATED_WEIGHTS: tuple[NegotiatedRow, ...] = (
    NegotiatedRow(
        effective_from=BASELINE,
        categories=ALL_CATEGORIES,
        technical_weight=80,
        price_weight=20,
        min_technical_weight=60,
        max_technical_weight=90,
        eligibility_bp=8500,
        confirmed=False,
        source="MOEF standard for negotiated contracts: technical:price 80:20 by"
        " default, 90:10 to 60:40 allowed (RULES.md 'varies'); negotiation"
        " only with technical scores of at least 85% of the technical weight",
    ),
)

BID_GUARANTEES: tuple[BidGuaranteeRow, ...] = (
    BidGuaranteeRow(
        effective_from=BASELINE,
        rate_bp=500,
        source="Enforcement Decree of the State Contracts Act art. 37: at least 5%"
        " of the bid price",
    ),
)

PERFORMANCE_GUARANTEES: tuple[PerformanceGuaranteeRow, ...] = (
    PerformanceGuaranteeRow(
        effective_from=BASELINE,
        categories=GOODS_SERVICES,
        rate_bp=1000,
        post_within_days=10,
        source="Enforcement Decree art. 50: at least 10%, within 10 days",
    ),
    PerformanceGuaranteeRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        rate_bp=1500,
        post_within_days=10,
        source="RULES.md: construction 15%, within 10 days of award",
    ),
)

DEFECT_GUARANTEES: tuple[DefectGuaranteeRow, ...] = (
    DefectGuaranteeRow(
        effective_from=BASELINE,
        work_type=WorkType.BRIDGE_TUNNEL,
        rate_bp=500,
        source="Enforcement Rule art. 72 (2-5% by work type): bridges, tunnels",
    ),
    DefectGuaranteeRow(
        effective_from=BASELINE,
        work_type=WorkType.ROAD_BUILDING,
        rate_bp=300,
        source="Enforcement Rule art. 72: roads and general buildings",
    ),
    DefectGuaranteeRow(
        effective_from=BASELINE,
        work_type=WorkType.OTHER,
        rate_bp=200,
        source="Enforcement Rule art. 72: other works",
    ),
)

ADVANCE_PAYMENTS: tuple[AdvancePaymentRow, ...] = (
    AdvancePaymentRow(
        effective_from=BASELINE,
        cap_bp=7000,
        guarantee_bp=10000,
        source="MOEF contract execution standard: advance up to 70% (temporarily"
        " higher caps have applied); guarantee covers the advance",
    ),
)

PAYMENT_TERMS: tuple[PaymentTermsRow, ...] = (
    PaymentTermsRow(
        effective_from=BASELINE,
        payment_business_days=5,
        inspection_days=14,
        progress_payment_interval_days=30,
        source="Enforcement Decree art. 55 (inspection 14 days) and art. 58"
        " (payment 5 days excluding holidays; progress payments every 30"
        " days at most)",
    ),
)

OUTAGES: tuple[OutageRow, ...] = (
    OutageRow(
        effective_from=BASELINE,
        near_window_hours=2,
        deadline_after_recovery_hours=2,
        opening_after_recovery_hours=3,
        near_shift_hours=2,
        long_outage_hours=2,
        long_deadline_after_recovery_hours=24,
        long_opening_after_recovery_hours=25,
        source="KONEPS terms of use, annex 3 (automatic postponement), as applied in PPS"
        " outage notices: past working hours the next working day at the"
        " original times",
    ),
)

PRIVATE_CONTRACTS: tuple[PrivateContractRow, ...] = (
    PrivateContractRow(
        effective_from=BASELINE,
        categories=GOODS_SERVICES,
        failed_rounds=2,
        small_value_max=20 * M,
        confirmed=False,
        source="Enforcement Decree art. 26 and 27: after a re-announced tender"
        " fails; goods and services up to 20 M",
    ),
    PrivateContractRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        failed_rounds=2,
        small_value_max=160 * M,
        confirmed=False,
        source="Enforcement Decree art. 26: the law allows 400 M (general), 200 M"
        " (specialty), 160 M (other works); we do not know the licence"
        " type, so the lowest applies",
    ),
)

TABLES: dict[str, tuple[RuleRow, ...]] = {
    "notice_periods": NOTICE_PERIODS,
    "deadlines": DEADLINES,
    "reserve_prices": RESERVE_PRICES,
    "reserve_rounding": RESERVE_ROUNDING,
    "predetermined_prices": PREDETERMINED_PRICES,
    "lower_limits": LOWER_LIMITS,
    "qualification": QUALIFICATION,
    "negotiated_weights": NEGOTIATED_WEIGHTS,
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
        self, *, category: Category, method: Method, estimated_price: int, urgent: bool
    ) -> NoticePeriodRow:
        return in_force(
            NOTICE_PERIODS,
            self.day,
            lambda r: (
                category in r.categories
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
        self, *, category: Category, agency_kind: AgencyKind, estimated_price: int
    ) -> LowerLimitRow:
        return in_force(
            LOWER_LIMITS,
            self.day,
            lambda r: (
                r.category == category
                and r.agency_kind == agency_kind
                and estimated_price in r.band
            ),
            what="lower-limit",
        )

    def qualification(self, *, category: Category, estimated_price: int) -> QualificationRow:
        return in_force(
            QUALIFICATION,
            self.day,
            lambda r: category in r.categories and estimated_price in r.band,
            what="qualification",
        )

    def negotiated(self, *, category: Category) -> NegotiatedRow:
        return in_force(
            NEGOTIATED_WEIGHTS,
            self.day,
            lambda r: category in r.categories,
            what="negotiated-weights",
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
