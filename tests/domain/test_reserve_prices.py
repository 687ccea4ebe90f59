"""복수예비가격: the draw, the picks and the predetermined price."""

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nara.domain.enums import AgencyKind, Category
from nara.domain.errors import RuleViolation
from nara.domain.reserve_prices import (
    ReserveDraw,
    band_edges,
    draw_reserve_prices,
    fallback_bands,
    predetermined_price,
)

ON = date(2026, 3, 2)


def test_goods_national_draw_worked_example() -> None:
    # Base 165,000,000 KRW, national: +-2% -> 161,700,000 .. 168,300,000 (6,600,000 wide);
    # 15 bands of 6,600,000 / 15 = 440,000: band i = 161,700,000 + 440,000 x (i-1) .. + 440,000 x i.
    draw = draw_reserve_prices(
        base_amount=165_000_000,
        category=Category.GOODS,
        agency_kind=AgencyKind.NATIONAL,
        seed=20260302,
        on=ON,
    )
    assert draw.range_bp == 200
    assert draw.rounding_unit == 1
    assert draw.bands[0] == (161_700_000, 162_140_000)
    assert draw.bands[14] == (167_860_000, 168_300_000)
    # Pinned for audit: the prices this seed gives, one per band, ascending.
    assert draw.prices == (
        161_893_471,
        162_507_397,
        163_012_467,
        163_075_813,
        163_896_783,
        164_256_976,
        164_611_633,
        164_808_865,
        165_597_258,
        165_900_476,
        166_369_187,
        166_925_072,
        167_311_418,
        167_509_112,
        167_998_224,
    )


def test_construction_local_draw_rounds_to_100_won() -> None:
    # Base 1,234,567,000 KRW, local: +-3% -> 1,197,529,990 .. 1,271,604,010;
    # bands 74,074,020 / 15 = 4,938,268 wide. Band 1 starts at 1,197,529,990, whose next
    # multiple of 100 is 1,197,530,000; band 1 ends at 1,202,468,258 -> last grid price
    # 1,202,468,200.
    draw = draw_reserve_prices(
        base_amount=1_234_567_000,
        category=Category.CONSTRUCTION,
        agency_kind=AgencyKind.LOCAL,
        seed=7,
        on=ON,
    )
    assert draw.range_bp == 300
    assert draw.rounding_unit == 100
    assert draw.bands[0] == (1_197_530_000, 1_202_468_200)
    assert all(price % 100 == 0 for price in draw.prices)


def test_the_draw_is_kept_whole_for_audit() -> None:
    draw = draw_reserve_prices(
        base_amount=165_000_000,
        category=Category.GOODS,
        agency_kind=AgencyKind.NATIONAL,
        seed=1,
        on=ON,
    )
    assert (draw.seed, draw.category, draw.agency_kind, draw.on) == (
        1,
        Category.GOODS,
        AgencyKind.NATIONAL,
        ON,
    )
    assert (draw.lowest, draw.highest) == (161_700_000, 168_300_000)


def test_predetermined_price_tie_for_fourth_goes_to_the_lower_band() -> None:
    draw = ReserveDraw(
        base_amount=1_000_000,
        range_bp=200,
        seed=0,
        prices=tuple(980_000 + 2_666 * i for i in range(15)),
    )
    # Picks: band 2 x3, band 7 x2, bands 4, 9, 11 x2 each... counts below.
    picks = [(2, 7), (2, 4), (2, 9), (7, 11), (4, 9), (11, 1)]
    # counts: 1:1, 2:3, 4:2, 7:2, 9:2, 11:2 -> band 2 first, then 4, 7, 9, 11 tied at 2:
    # the lower band numbers 4, 7, 9 take places 2-4, band 11 loses the tie.
    result = predetermined_price(draw=draw, picks=picks)
    assert result.most_picked == (2, 4, 7, 9)
    assert result.pick_counts == (1, 3, 0, 2, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0)
    # prices: band b = 980,000 + 2,666 x (b - 1): band 2 982,666, band 4 987,998,
    # band 7 995,996, band 9 1,001,328; sum 3,967,988; / 4 = 991,997 exactly.
    assert result.price == 991_997
    assert not result.fallback


def test_the_mean_is_rounded_up_to_the_won() -> None:
    draw = ReserveDraw(base_amount=100, range_bp=200, seed=0, prices=tuple(range(90, 105)))
    # bands 1, 2, 3, 4 picked: 90 + 91 + 92 + 93 = 366; / 4 = 91.5 -> 92.
    result = predetermined_price(draw=draw, picks=[(1, 2), (3, 4)])
    assert result.most_picked == (1, 2, 3, 4)
    assert result.price == 92


def test_no_picks_falls_back_to_bands_drawn_from_the_seed() -> None:
    draw = draw_reserve_prices(
        base_amount=165_000_000,
        category=Category.GOODS,
        agency_kind=AgencyKind.NATIONAL,
        seed=20260302,
        on=ON,
    )
    result = predetermined_price(draw=draw, picks=[])
    assert result.fallback
    assert result.most_picked == fallback_bands(20260302)
    assert len(set(result.most_picked)) == 4
    assert result.pick_counts == (0,) * 15
    mean = Fraction(sum(draw.prices[b - 1] for b in result.most_picked), 4)
    assert result.price == -(-mean // 1)


@pytest.mark.parametrize("pick", [(1, 1), (0, 3), (3, 16), (1,), (1, 2, 3), (True, 2), ("1", 2)])
def test_bad_picks_are_refused(pick: tuple[object, ...]) -> None:
    draw = ReserveDraw(base_amount=100, range_bp=200, seed=0, prices=tuple(range(90, 105)))
    with pytest.raises(RuleViolation) as caught:
        predetermined_price(draw=draw, picks=[(1, 2), pick])  # type: ignore[list-item]
    assert caught.value.field == "picks[1]"
    assert "bidder #2" in str(caught.value)


def test_a_base_too_small_for_15_bands_is_refused() -> None:
    # Construction, national: 15 bands of 100 won need 2 x 2% x base / 15 >= 100, base >= 37,500.
    draw_reserve_prices(
        base_amount=37_500,
        category=Category.CONSTRUCTION,
        agency_kind=AgencyKind.NATIONAL,
        seed=1,
        on=ON,
    )
    with pytest.raises(RuleViolation) as caught:
        draw_reserve_prices(
            base_amount=37_499,
            category=Category.CONSTRUCTION,
            agency_kind=AgencyKind.NATIONAL,
            seed=1,
            on=ON,
        )
    assert caught.value.rule == "reserve-base-amount"


BASES = st.integers(min_value=40_000, max_value=10**13)
SEEDS = st.integers(min_value=-(2**63), max_value=2**64)
TERMS = st.tuples(st.sampled_from(list(Category)), st.sampled_from(list(AgencyKind)))


@settings(max_examples=80, deadline=None)
@given(BASES, SEEDS, TERMS)
def test_every_reserve_price_lies_in_its_band_and_the_range(
    base: int, seed: int, terms: tuple[Category, AgencyKind]
) -> None:
    category, kind = terms
    draw = draw_reserve_prices(
        base_amount=base, category=category, agency_kind=kind, seed=seed, on=ON
    )
    edges = band_edges(base, draw.range_bp, 15)
    assert len(draw.prices) == 15
    assert list(draw.prices) == sorted(draw.prices)
    for number, price in enumerate(draw.prices, start=1):
        assert edges[number - 1] <= price <= edges[number]
        assert draw.bands[number - 1][0] <= price <= draw.bands[number - 1][1]
        assert price % draw.rounding_unit == 0
    assert edges[0] == Fraction(base) * Fraction(10_000 - draw.range_bp, 10_000)
    assert edges[15] == Fraction(base) * Fraction(10_000 + draw.range_bp, 10_000)


@settings(max_examples=60, deadline=None)
@given(BASES, SEEDS, TERMS)
def test_the_same_seed_gives_the_same_draw(
    base: int, seed: int, terms: tuple[Category, AgencyKind]
) -> None:
    category, kind = terms
    first = draw_reserve_prices(
        base_amount=base, category=category, agency_kind=kind, seed=seed, on=ON
    )
    again = draw_reserve_prices(
        base_amount=base, category=category, agency_kind=kind, seed=seed, on=ON
    )
    assert first == again


PICK = st.lists(st.integers(1, 15), min_size=2, max_size=2, unique=True).map(tuple)


@settings(max_examples=80, deadline=None)
@given(BASES, SEEDS, TERMS, st.lists(PICK, max_size=40))
def test_the_predetermined_price_lies_in_the_range(
    base: int, seed: int, terms: tuple[Category, AgencyKind], picks: list[tuple[int, int]]
) -> None:
    category, kind = terms
    draw = draw_reserve_prices(
        base_amount=base, category=category, agency_kind=kind, seed=seed, on=ON
    )
    result = predetermined_price(draw=draw, picks=picks)
    edges = band_edges(base, draw.range_bp, 15)
    assert edges[0] <= result.price <= edges[15]
    assert min(draw.prices) <= result.price <= max(draw.prices)
    assert len(set(result.most_picked)) == 4
    assert sum(result.pick_counts) == 2 * len(picks)
    # No band left out has more picks than a band taken.
    taken = {result.pick_counts[b - 1] for b in result.most_picked}
    left = [result.pick_counts[b - 1] for b in range(1, 16) if b not in result.most_picked]
    assert all(count <= min(taken) for count in left)
