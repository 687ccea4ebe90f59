"""The launch week, scaled: the real figures, the cast, and every tender's plan.

The real system's first week (DESIGN.md): 7,885 announcements, 1,347 openings, 1,464
awards, KRW 1.3 tn of contracts and KRW 2.18 tn of payments. `--scale F` plays F of the
announcements; what follows (openings, awards, contracts, payments) is what the week's
tenders make of them, reported beside the real figures.

Time: the API compresses the law's periods by its NARA_TIME_SCALE (`nara.domain.time_scale`):
a simulated moment `s` falls at `compress(t0, s, scale)` in real time. The agencies
announce over the announcing period (`minutes`, default one compressed week), each tender
with the notice period of the law plus a margin, its deadline on the next 10:00 or 11:00
KST of the simulated clock (the hours the real deadlines piled up at), never more than
the 1,500-per-hour cap on one hour: a full hour sends the tender to the next one.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nara.demo.cast import AGENCIES, BUSINESSES, Agency, Business, Cast, business_no
from nara.demo.plan import BID_SHARES, PRICES, WHAT, Payment, Plan
from nara.domain.calendar import SEOUL
from nara.domain.rules import rules_on
from nara.domain.time_scale import compress

REAL_WEEK = {  # the real system's first week (DESIGN.md)
    "announcements": 7_885,
    "openings": 1_347,
    "awards": 1_464,
    "contract_value": 1_300_000_000_000,
    "payments": 2_180_000_000_000,
}
# Shares of the announcements by category (counts), and the mean bidders per tender of
# each: tens for goods and services, hundreds for construction. Documented in
# docs/replay.md as the replay's assumptions, not published figures.
MIX = {"goods": 0.42, "services": 0.31, "construction": 0.27}
BIDDERS = {"goods": 14, "services": 18, "construction": 250}
DEADLINE_HOURS = (10, 11)  # KST: where the real week's deadlines piled up
NOTICE = timedelta(days=7)
URGENT_NOTICE = timedelta(days=5)
MARGIN = timedelta(hours=3)  # simulated: the announce call's own time, at any scale
REAL_MARGIN = timedelta(seconds=3)  # real: a story starting late under load still fits
BIDS_PER_S = 15.0
"""Default bid rate the week plans for: one API process took 17-18 a second here at scale
0.1, the whole stack and the replay on 2 cores (docs/replay.md)."""
LONELY_EVERY = 12  # one tender in twelve draws a single bid, fails and is re-announced
URGENT_EVERY = 8
BUSINESS_NAMES = ("Hanbit", "Saebyeok", "Daon", "Nuri", "Mirae", "Haneul", "Gaon", "Baram")
TRADES = ("Construction", "Engineering", "Supply", "Systems", "Facilities", "Electric")


@dataclass
class Replayed(Plan):
    """One tender of the week: the demo's plan, plus when its agency announces it and
    the simulated deadline it aims at."""

    announce_at: datetime = field(default_factory=lambda: datetime.now(SEOUL))
    deadline_at: datetime = field(default_factory=lambda: datetime.now(SEOUL))
    planted: bool = False  # open when the outage starts: the outage rule moves it


@dataclass(frozen=True)
class WeekPlan:
    """Every tender of the replay, the cast it needs, and the simulated hours' loads."""

    cast: Cast
    tenders: list[Replayed]
    deadline_loads: Counter[datetime]
    bid_window: timedelta

    @property
    def planted(self) -> list[Replayed]:
        return [t for t in self.tenders if t.planted]


def announcements(scale: float) -> int:
    """How many tenders the agencies announce at `scale` (at least 3: one per category)."""
    return max(3, round(REAL_WEEK["announcements"] * scale))


def bidders_per_tender(category: str, scale: float) -> int:
    """Bidders on one tender: the category's mean times `scale` (the whole mean at 1),
    never fewer than the demo's price ladder for the category (5 or 11)."""
    return max(len(BID_SHARES[category]), round(BIDDERS[category] * min(1.0, scale)))


def make_cast(scale: float) -> Cast:
    """The demo's agencies (both laws) and as many businesses as the largest tender at
    `scale` draws bidders, with valid registration numbers."""
    businesses = max(bidders_per_tender(c, scale) for c in MIX)
    # The demo's businesses first, under the demo's names (same numbers: a stack that
    # played the demo already knows them), then more.
    names = [
        BUSINESSES[i]
        if i < len(BUSINESSES)
        else f"{BUSINESS_NAMES[i % len(BUSINESS_NAMES)]} {TRADES[i // len(BUSINESS_NAMES) % 6]} {i}"
        for i in range(businesses)
    ]
    return Cast(
        agencies=[Agency(*row) for row in AGENCIES],
        businesses=[Business(business_no(i), name) for i, name in enumerate(names)],
    )


def plan_launch_week(
    *,
    scale: float,
    time_scale: int,
    start: datetime,
    announcing: timedelta,
    cast: Cast,
    rng: random.Random,
    planted: int = 1,
    bids_per_s: float = BIDS_PER_S,
) -> WeekPlan:
    """The week's tenders; the first `planted` are announced before the outage starts.

    Args:
        scale: the share of the real week's announcements.
        time_scale: the API's NARA_TIME_SCALE.
        start: the real moment the replay starts (t0 of the compressed clock).
        announcing: how long, in real time, the agencies announce.
        cast: who announces and bids (`make_cast(scale)`, registered before `start`).
        bids_per_s: the bid rate the stack is expected to take (sets the bid window).
    """
    count = announcements(scale)
    categories = _categories(count, rng)
    loads: Counter[datetime] = Counter()
    cap = rules_on(start.astimezone(SEOUL).date()).deadlines().tenders_per_hour
    tenders = [
        _tender(
            i,
            category,
            start if i < planted else start + announcing * (i / count),
            cast=cast,
            scale=scale,
            time_scale=time_scale,
            rng=rng,
        )
        for i, category in enumerate(categories)
    ]
    window = bid_window(sum(len(t.bidders) for t in tenders), announcing, bids_per_s)
    for tender in tenders:
        tender.planted = tender.index < planted
        simulated = _slot(
            tender, start=start, time_scale=time_scale, loads=loads, cap=cap, window=window
        )
        tender.deadline_at = compress(start, simulated, time_scale)
    return WeekPlan(cast=cast, tenders=tenders, deadline_loads=loads, bid_window=window)


def bid_window(bids: int, announcing: timedelta, bids_per_s: float = BIDS_PER_S) -> timedelta:
    """Real time a tender stays open beyond its notice period: long enough for the
    week's bids to go in at `bids_per_s` (less what the announcing period spreads), at
    least REAL_MARGIN. At high NARA_TIME_SCALE the law's 7 days are seconds; the bids of
    hundreds of tenders are not, so deadlines fall that much later (still on 10:00 or
    11:00 of the simulated clock)."""
    return max(REAL_MARGIN, timedelta(seconds=bids / bids_per_s) - announcing)


def _categories(count: int, rng: random.Random) -> list[str]:
    """`count` categories in the week's proportions (each at least once), shuffled."""
    shares = {c: max(1, round(count * share)) for c, share in MIX.items()}
    shares["goods"] += count - sum(shares.values())
    drawn = [c for c, n in shares.items() for _ in range(n)]
    rng.shuffle(drawn)
    return drawn


def _tender(
    i: int,
    category: str,
    announce_at: datetime,
    *,
    cast: Cast,
    scale: float,
    time_scale: int,
    rng: random.Random,
) -> Replayed:
    agency = cast.agencies[i % len(cast.agencies)]
    lo, hi = PRICES[category]
    lonely = i % LONELY_EVERY == 2
    urgent = i % URGENT_EVERY == URGENT_EVERY // 2
    bidders = rng.sample(cast.businesses, 1 if lonely else bidders_per_tender(category, scale))
    return Replayed(
        index=i,
        agency=agency,
        category=category,
        estimated_price=rng.randrange(lo, hi) * 1_000_000,
        notice_s=(URGENT_NOTICE if urgent else NOTICE).total_seconds() / time_scale,
        urgent=urgent,
        lonely=lonely,
        title=f"{rng.choice(WHAT[category])} ({agency.name}) #{i + 1}",
        bidders=bidders,
        payments=payments_for(category, i),
        announce_at=announce_at,
    )


def _slot(
    tender: Replayed,
    *,
    start: datetime,
    time_scale: int,
    loads: Counter[datetime],
    cap: int,
    window: timedelta,
) -> datetime:
    """The simulated deadline: the first 10:00 or 11:00 KST after the notice period with
    room under the hourly cap; counted in `loads`."""
    announced = start + (tender.announce_at - start) * time_scale
    margin = max(MARGIN, window * time_scale)
    earliest = (announced + notice_period(tender) + margin).astimezone(SEOUL)
    day = earliest.replace(hour=0, minute=0, second=0, microsecond=0)
    while True:
        for hour in DEADLINE_HOURS:
            slot = day.replace(hour=hour)
            if slot >= earliest and loads[slot] < cap:
                loads[slot] += 1
                return slot
        day += timedelta(days=1)


def notice_period(tender: Plan) -> timedelta:
    """The notice the replay gives: 7 days, 5 when urgent (the law's minimum for the
    sizes it plans)."""
    return URGENT_NOTICE if tender.urgent else NOTICE


def earliest_deadline(tender: Plan, *, now: datetime, time_scale: int) -> datetime:
    """The earliest real deadline the API will take for `tender` from `now`: the notice
    period compressed, plus a margin for the call itself (3 simulated hours, at least
    REAL_MARGIN of real time: an announcement on a busy machine takes seconds)."""
    return now + notice_period(tender) / time_scale + max(MARGIN / time_scale, REAL_MARGIN)


def late_deadline(tender: Replayed, *, now: datetime, time_scale: int) -> datetime:
    """The tender's real deadline, moved on by whole simulated days while it is too close
    for the notice period (a story that started late, on a busy machine)."""
    deadline = tender.deadline_at
    earliest = earliest_deadline(tender, now=now, time_scale=time_scale)
    while deadline < earliest:
        deadline += timedelta(days=1) / time_scale
    return deadline


def payments_for(category: str, i: int) -> list[Payment]:
    """The winner's claims: construction pays progress with a subcontractor's direct
    share; goods and services an advance, sometimes a subcontracted progress payment."""
    if category == "construction":
        return [("advance", 1000, False), ("progress", 4000, True), ("final", 0, False)]
    if i % 3 == 0:
        return [("advance", 2000, False), ("progress", 3000, True), ("final", 0, False)]
    return [("advance", 3000, False), ("final", 0, False)]
