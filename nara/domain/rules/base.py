"""What every rule table shares: amounts, bands, the row base class and the dated lookup."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from nara.domain.enums import Category, Method
from nara.domain.errors import RuleViolation

M = 1_000_000
BN = 1_000_000_000

# The earliest announcement date the tables speak for. Rows dated BASELINE were in
# force on that date; some are older, which the tables do not try to record.
BASELINE = date(2025, 1, 1)

# International-tender threshold for construction by central agencies (WTO GPA, in KRW,
# re-notified every two years): 8.8 bn for 2025-01-01..2026-12-31 (MOEF notice of
# 2024-12-24, previously 8.3 bn). The 2027-2028 amount was not known when this was written.
INTERNATIONAL_CONSTRUCTION_2025 = 8_800 * M
# The same notice for goods and services: 230 M (previously 220 M).
INTERNATIONAL_GOODS_SERVICES_2025 = 230 * M

ALL_CATEGORIES = frozenset(Category)
GOODS_SERVICES = frozenset({Category.GOODS, Category.SERVICES})
CONSTRUCTION = frozenset({Category.CONSTRUCTION})
OPEN_METHODS = frozenset({Method.GENERAL, Method.LIMITED, Method.DESIGNATED})
NEGOTIATED = frozenset({Method.NEGOTIATED})
PRIVATE = frozenset({Method.PRIVATE})


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
