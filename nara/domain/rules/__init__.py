"""The dated rule tables: every number the procurement rules use, with its source.

A tender is judged by the rules in force on its announcement date (KST). Each
row carries the date it takes effect; a change of law is a new row with a later
``effective_from``, never an edit of an old one. For a given key (category,
method, agency kind, amount band, ...) the row with the latest
``effective_from`` on or before the day wins; two rows tied on the same key and
date are a table error, caught by the domain tests.

``confirmed=False`` marks a number that could not be confirmed against the text
of the law or regulation; ``docs/rules.md`` lists those rows. Rows of notice periods,
lower limits, qualification review, negotiated weights, comprehensive evaluation and
reserve prices are keyed by the contracting authority's law (``AgencyKind``: national
agencies and PPS under the State Contracts Act, local governments and their bodies
under the Local Contracts Act).

One module per subject, each holding its row types and its tables:

- `base`: amounts (``M``, ``BN``), bands, the row base class and the dated lookup
- `notice`: notice periods and deadline hours
- `pricing`: reserve prices and the predetermined price
- `lower_limits`: the lower-limit award rate
- `scoring`: qualification review and negotiated contracts
- `comprehensive`: comprehensive evaluation of works of 30 bn or more
- `guarantees`: bid, performance and defect guarantees
- `payments`: advance payments and payment terms
- `outages`: deadline extension after an outage
- `private_contracts`: when a contract may be made without competition
- `book`: `rules_on(day)`, the rule book that looks every table up on one day
- `doc`: renders the tables for docs/rules.md
"""

from __future__ import annotations

from nara.domain.rules.base import (
    ALL_CATEGORIES,
    ANY_AMOUNT,
    BASELINE,
    BN,
    CONSTRUCTION,
    GOODS_SERVICES,
    INTERNATIONAL_CONSTRUCTION_2025,
    INTERNATIONAL_GOODS_SERVICES_2025,
    NEGOTIATED,
    OPEN_METHODS,
    PRIVATE,
    Band,
    M,
    RuleRow,
    RuleTableError,
    format_amount,
    in_force,
)
from nara.domain.rules.book import TABLES, RuleBook, latest_rules, rules_on
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

__all__ = [
    "ADVANCE_PAYMENTS",
    "ALL_CATEGORIES",
    "ANY_AMOUNT",
    "BASELINE",
    "BID_GUARANTEES",
    "BN",
    "COMPREHENSIVE",
    "CONSTRUCTION",
    "DEADLINES",
    "DEFECT_GUARANTEES",
    "GOODS_SERVICES",
    "INTERNATIONAL_CONSTRUCTION_2025",
    "INTERNATIONAL_GOODS_SERVICES_2025",
    "LOWER_LIMITS",
    "NEGOTIATED",
    "NEGOTIATED_WEIGHTS",
    "NOTICE_PERIODS",
    "OPEN_METHODS",
    "OUTAGES",
    "PAYMENT_TERMS",
    "PERFORMANCE_GUARANTEES",
    "PREDETERMINED_PRICES",
    "PRIVATE",
    "PRIVATE_CONTRACTS",
    "QUALIFICATION",
    "RESERVE_PRICES",
    "RESERVE_ROUNDING",
    "TABLES",
    "AdvancePaymentRow",
    "Band",
    "BidGuaranteeRow",
    "ComprehensiveRow",
    "DeadlineRow",
    "DefectGuaranteeRow",
    "LowerLimitRow",
    "M",
    "NegotiatedRow",
    "NoticePeriodRow",
    "OutageRow",
    "PaymentTermsRow",
    "PerformanceGuaranteeRow",
    "PredeterminedPriceRow",
    "PrivateContractRow",
    "QualificationRow",
    "ReservePriceRow",
    "ReserveRoundingRow",
    "RuleBook",
    "RuleRow",
    "RuleTableError",
    "format_amount",
    "in_force",
    "latest_rules",
    "rules_on",
]
