"""The A value (A값): statutory costs every bidder of a construction tender must bear.

The announcement states them; qualification review takes their sum out of both the bid
and the predetermined price, and the lower limit becomes A + (predetermined - A) x rate.
An announcement without them has an A value of 0 (the plain formulas).
"""

from __future__ import annotations

from collections.abc import Mapping

from nara.domain.enums import Category
from nara.domain.errors import RuleViolation

# The items, in the order the PPS standard lists them.
A_VALUE_ITEMS: tuple[str, ...] = (
    "national_pension",  # 국민연금보험료
    "health_insurance",  # 건강보험료
    "retirement_mutual_aid",  # 퇴직공제부금비
    "long_term_care",  # 노인장기요양보험료
    "occupational_safety",  # 산업안전보건관리비
    "safety_management",  # 안전관리비
    "quality_management",  # 품질관리비
)


def a_value(items: Mapping[str, int], *, category: Category | None = None) -> int:
    """The sum of the A-value items; refuses unknown items, negative or non-integer amounts.

    With `category`, refuses items on anything but construction (the A value is a cost
    of works).
    """
    unknown = sorted(set(items) - set(A_VALUE_ITEMS))
    if unknown:
        raise RuleViolation(
            rule="a-value-items",
            field="a_value_items",
            value=unknown,
            accepted=", ".join(A_VALUE_ITEMS),
            message=f"unknown A-value items {', '.join(unknown)}; the items are"
            f" {', '.join(A_VALUE_ITEMS)}",
        )
    for name, amount in items.items():
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise RuleViolation(
                rule="a-value-items",
                field=f"a_value_items.{name}",
                value=amount,
                accepted="a whole number of KRW, 0 or more",
                message=f"A-value item {name} {amount!r} must be a whole number of KRW, 0 or more",
            )
    if items and category is not None and category is not Category.CONSTRUCTION:
        raise RuleViolation(
            rule="a-value-items",
            field="a_value_items",
            value=sorted(items),
            accepted="no A-value items for goods and services",
            message=f"A-value items are costs of construction works; a {category.value}"
            " tender has none",
        )
    return sum(items.values())


def check_a_value(*, a_value: int, predetermined_price: int) -> None:
    """Refuse an A value that leaves nothing to compare (not below the predetermined price)."""
    if a_value < 0 or a_value >= predetermined_price:
        raise RuleViolation(
            rule="a-value",
            field="a_value_items",
            value=a_value,
            accepted=f"0 to under the predetermined price {predetermined_price:,} KRW",
            message=f"A value {a_value:,} KRW must be below the predetermined price"
            f" {predetermined_price:,} KRW",
        )
