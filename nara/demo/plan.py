"""The week's tenders as their officers mean to announce them: what, how much, who bids."""

from __future__ import annotations

import random
from dataclasses import dataclass

from nara.demo.cast import Agency, Business, Cast

WHAT = {
    "goods": ("Office furniture", "Laptops for schools", "Fire-fighting gear", "LED streetlights"),
    "services": ("Building cleaning", "Cloud hosting", "Facility security", "Translation"),
    "construction": (
        "Community centre repair",
        "Road resurfacing",
        "School roof works",
        "Riverside footpath",
    ),
}
CATEGORIES = ("goods", "services", "construction")
# Bid prices in thousandths of a percent of the base amount (integers: no float touches
# money). Construction under 1 bn has a lower limit of 89.745% and passes review only up to
# about 90.5% of the predetermined price, so its bidders spread finely across the whole
# reserve range; goods and services pass review widely.
BID_SHARES = {
    "construction": tuple(86_800 + 620 * i for i in range(11)),
    "goods": (87_900, 88_600, 89_700, 90_600, 91_800),
    "services": (88_100, 88_900, 89_900, 90_900, 92_100),
}
PRICES = {"goods": (60, 190), "services": (80, 220), "construction": (300, 900)}  # M KRW
SEVEN_DAYS_S = 7 * 86_400

Payment = tuple[str, int, bool]  # kind, share of the contract in bp, subcontracted


@dataclass
class Plan:
    """One tender of the week, as its officer means to announce it."""

    index: int
    agency: Agency
    category: str
    estimated_price: int
    notice_s: float
    urgent: bool
    lonely: bool  # draws a single bid, fails, and is re-announced
    title: str
    bidders: list[Business]
    payments: list[Payment]


def plan_week(*, tenders: int, time_scale: int, cast: Cast, rng: random.Random) -> list[Plan]:
    """`tenders` plans; one in eight is lonely (a single bid), one in eight urgent."""
    seven_days = SEVEN_DAYS_S / time_scale
    return [_plan(i, seven_days=seven_days, cast=cast, rng=rng) for i in range(tenders)]


def _plan(i: int, *, seven_days: float, cast: Cast, rng: random.Random) -> Plan:
    category = CATEGORIES[i % 3]
    agency = cast.agencies[i % len(cast.agencies)]
    lo, hi = PRICES[category]
    price = rng.randrange(lo, hi) * 1_000_000
    lonely = i % 8 == 0
    urgent = i % 8 == 4
    notice = (seven_days * 5 / 7 if urgent else seven_days) + 3.0 + 1.5 * (i % 12)
    bidders = rng.sample(cast.businesses, 1 if lonely else len(BID_SHARES[category]))
    return Plan(
        index=i,
        agency=agency,
        category=category,
        estimated_price=price,
        notice_s=notice,
        urgent=urgent,
        lonely=lonely,
        title=f"{rng.choice(WHAT[category])} ({agency.name})",
        bidders=bidders,
        payments=_payments(i),
    )


def _payments(i: int) -> list[Payment]:
    """The claims the winner will make, in order; the final one takes the rest."""
    if i % 4 == 1:
        return [("advance", 2000, False), ("progress", 3000, True), ("final", 0, False)]
    if i % 4 == 2:
        return [("progress", 5000, True), ("final", 0, False)]
    return [("advance", 3000, False), ("final", 0, False)]
