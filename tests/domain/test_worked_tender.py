"""One goods tender from reserve prices to the winner, worked out by hand.

Goods, national agency, estimated price 150,000,000 KRW (base amount 165,000,000 with
VAT), announced 2026-03-02, seed 20260302.
"""

import hashlib
from datetime import date
from decimal import Decimal

from nara.domain.enums import AgencyKind, Category
from nara.domain.evaluation import review_candidates
from nara.domain.ranking import BidPrice, bid_rate, lower_limit_rate, rank_bids
from nara.domain.reserve_prices import draw_reserve_prices, predetermined_price

ON = date(2026, 3, 2)
SEED = 20260302

# Each bidder's two secret picks (band numbers).
PICKS = {
    "B01": (3, 8),
    "B02": (3, 9),
    "B03": (8, 12),
    "B04": (3, 12),
    "B05": (5, 8),
    "B06": (5, 9),
    "B07": (12, 14),
    "B08": (1, 5),
    "B09": (9, 14),
    "B10": (2, 6),
    "B11": (7, 10),
    "B12": (11, 15),
}
BIDS = {
    "B01": 138_438_834,
    "B02": 138_438_835,
    "B03": 140_000_000,
    "B04": 140_000_000,
    "B05": 145_500_000,
    "B06": 150_000_000,
    "B07": 135_000_000,
    "B08": 160_000_000,
    "B09": 141_200_000,
    "B10": 139_990_000,
    "B11": 142_000_000,
    "B12": 155_000_000,
}


def test_the_whole_tender() -> None:
    # 1. Reserve prices: +-2% of 165,000,000 is 161,700,000 .. 168,300,000, 15 bands of
    #    440,000. The seed draws (band: price):
    #     1 161,893,471   2 162,507,397   3 163,012,467   4 163,075,813   5 163,896,783
    #     6 164,256,976   7 164,611,633   8 164,808,865   9 165,597,258  10 165,900,476
    #    11 166,369,187  12 166,925,072  13 167,311,418  14 167,509,112  15 167,998,224
    draw = draw_reserve_prices(
        base_amount=165_000_000,
        category=Category.GOODS,
        agency_kind=AgencyKind.NATIONAL,
        seed=SEED,
        on=ON,
    )
    assert draw.prices[2] == 163_012_467 and draw.prices[11] == 166_925_072

    # 2. Picks per band: 1:1 (B08)  2:1 (B10)  3:3 (B01 B02 B04)  5:3 (B05 B06 B08)
    #    6:1  7:1  8:3 (B01 B03 B05)  9:3 (B02 B06 B09)  10:1  11:1  12:3 (B03 B04 B07)
    #    14:2 (B07 B09)  15:1; 24 picks in all. Five bands tie at 3 picks for four places:
    #    the lower band numbers 3, 5, 8, 9 are taken, band 12 is left out.
    result = predetermined_price(draw=draw, picks=list(PICKS.values()))
    assert result.pick_counts == (1, 1, 3, 0, 3, 1, 1, 3, 3, 1, 1, 3, 0, 2, 1)
    assert result.most_picked == (3, 5, 8, 9)

    # 3. Predetermined price: (163,012,467 + 163,896,783 + 164,808,865 + 165,597,258) / 4
    #    = 657,315,373 / 4 = 164,328,843.25 -> rounded up to 164,328,844.
    assert result.price == 164_328_844

    # 4. Lower limit for goods of 100 M to under 230 M: 84.245%.
    #    164,328,844 x 84.245% = 138,438,834.6278, so 138,438,835 is the lowest bid that
    #    qualifies.
    limit = lower_limit_rate(
        category=Category.GOODS, agency_kind=AgencyKind.NATIONAL, estimated_price=150_000_000, on=ON
    )
    assert limit == Decimal("84.245")

    # 5. Bid rates = bid / 164,328,844 x 100, cut to 3 decimals:
    #    B07 135,000,000 -> 82.152 (below)      B01 138,438,834 -> 84.244 (below, by 0.63 won)
    #    B02 138,438,835 -> 84.245              B10 139,990,000 -> 85.188
    #    B03 140,000,000 -> 85.195              B04 140,000,000 -> 85.195
    #    B09 141,200,000 -> 85.925              B11 142,000,000 -> 86.412
    #    B05 145,500,000 -> 88.541              B06 150,000,000 -> 91.280
    #    B12 155,000,000 -> 94.323              B08 160,000,000 -> 97.365
    rates = {b: bid_rate(price=p, predetermined_price=result.price) for b, p in BIDS.items()}
    assert rates["B01"] == Decimal("84.244") and rates["B02"] == Decimal("84.245")
    assert rates["B10"] == Decimal("85.188") and rates["B08"] == Decimal("97.365")

    ranking = rank_bids(
        bids=[BidPrice(b, p) for b, p in BIDS.items()],
        predetermined_price=result.price,
        lower_limit_rate=limit,
        seed=SEED,
    )
    assert [b.bidder for b in ranking.below_limit] == ["B07", "B01"]

    # 6. B03 and B04 tie at 140,000,000: the lottery orders them by
    #    SHA-256("nara-tie-140000000-{bidder}:20260302"), smallest first.
    def ticket(bidder: str) -> str:
        return hashlib.sha256(f"nara-tie-140000000-{bidder}:{SEED}".encode()).hexdigest()

    tied = sorted(["B03", "B04"], key=ticket)
    assert [b.bidder for b in ranking.candidates] == [
        "B02",
        "B10",
        *tied,
        "B09",
        "B11",
        "B05",
        "B06",
        "B12",
        "B08",
    ]
    assert [b.lottery for b in ranking.candidates[2:4]] == [1, 2]
    assert [b.rank for b in ranking.candidates] == list(range(1, 11))

    # 7. Qualification review (goods: 30 price points, pass mark 85, no A value), lowest
    #    first; the price score reads bid / predetermined rounded half up to 4 decimals:
    #    B02: 0.842450002 -> 84.25%; 30 - 2 x |88 - 84.25| = 30 - 7.50 = 22.50;
    #         capability 62 -> 84.50 < 85: fails.
    #    B10: 0.851889398 -> 85.19%; 30 - 2 x |88 - 85.19| = 30 - 5.62 = 24.38;
    #         capability 61 -> 85.38 >= 85: passes and wins.
    outcome = review_candidates(
        ranking=ranking,
        capability_scores={"B02": 62, "B10": 61},
        category=Category.GOODS,
        estimated_price=150_000_000,
        predetermined_price=result.price,
        on=ON,
    )
    assert [r.result.total for r in outcome.reviews] == [Decimal("84.50"), Decimal("85.38")]
    assert outcome.winner is not None and outcome.winner.bidder == "B10"
