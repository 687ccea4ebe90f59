"""Guarantee amounts and the advance-payment cap, in whole KRW.

Guarantees are minimums ("at least x%"), so fractions of a won are rounded up;
the advance-payment cap is a maximum, so it is rounded down.
"""

from __future__ import annotations

from datetime import date

from nara.domain.enums import Category, WorkType
from nara.domain.errors import RuleViolation
from nara.domain.rules import RuleBook, latest_rules, rules_on


def _amount(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RuleViolation(
            rule="amount",
            field=field,
            value=value,
            accepted="a whole number of KRW, 0 or more",
            message=f"{field} {value!r} must be a whole number of KRW, 0 or more",
        )
    return value


def _book(on: date | None) -> RuleBook:
    return rules_on(on) if on is not None else latest_rules()


def share_up(amount: int, bp: int) -> int:
    """amount x bp / 10,000, rounded up to the won."""
    return -(-amount * bp // 10_000)


def share_down(amount: int, bp: int) -> int:
    """amount x bp / 10,000, rounded down to the won."""
    return amount * bp // 10_000


def bid_guarantee_amount(bid_price: int, *, on: date | None = None) -> int:
    """입찰보증금: 5% of the bid price (without `on`, the newest rule)."""
    return share_up(_amount(bid_price, "bid_price"), _book(on).bid_guarantee().rate_bp)


def performance_guarantee_amount(*, category: Category, contract_amount: int, on: date) -> int:
    """계약보증금: 10% (goods, services) or 15% (construction) of the contract amount."""
    row = rules_on(on).performance_guarantee(category=category)
    return share_up(_amount(contract_amount, "contract_amount"), row.rate_bp)


def performance_guarantee_days(*, on: date, category: Category = Category.GOODS) -> int:
    """Days after award within which the performance guarantee must be posted (10)."""
    return rules_on(on).performance_guarantee(category=category).post_within_days


def defect_guarantee_amount(*, work_type: WorkType, contract_amount: int, on: date) -> int:
    """하자보수보증금: 5% bridges and tunnels, 3% roads and buildings, 2% other works."""
    row = rules_on(on).defect_guarantee(work_type=work_type)
    return share_up(_amount(contract_amount, "contract_amount"), row.rate_bp)


def advance_payment_cap(*, contract_amount: int, on: date) -> int:
    """선금 ceiling: 70% of the contract amount, rounded down."""
    cap_bp = rules_on(on).advance_payment().cap_bp
    return share_down(_amount(contract_amount, "contract_amount"), cap_bp)


def advance_payment_guarantee_amount(advance: int, *, on: date | None = None) -> int:
    """The advance-payment guarantee covers the whole advance paid."""
    return share_up(_amount(advance, "advance"), _book(on).advance_payment().guarantee_bp)


def check_advance_payment(*, advance: int, contract_amount: int, on: date) -> None:
    """Refuse an advance above the cap in force."""
    cap = advance_payment_cap(contract_amount=contract_amount, on=on)
    if _amount(advance, "advance") > cap:
        raise RuleViolation(
            rule="advance-payment-cap",
            field="advance",
            value=advance,
            accepted=f"at most {cap:,} KRW",
            suggestion=cap,
            message=(
                f"advance payment {advance:,} KRW exceeds the cap of"
                f" {rules_on(on).advance_payment().cap_bp // 100}% of the contract"
                f" ({cap:,} KRW)"
            ),
        )
