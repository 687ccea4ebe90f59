"""복수예비가격: 15 reserve prices around the base amount; the 4 most picked set the price.

The range (+-2% national, +-3% local) is split into 15 equal bands; band 1 is the
lowest. In each band one price is drawn on the rounding grid of the category
(1 KRW for goods and services, 100 KRW for construction): a multiple of the unit
chosen uniformly among those inside the band. That is the same as drawing a real
number in the band and rounding it up, restricted to results that stay in the
band, so every price lies in its band and in the range.

The draw for band i is ``low_i + unit * (SHA-256("nara-reserve-band-{i}:{seed}") mod n_i)``
where ``low_i`` is the lowest grid price in band i and ``n_i`` the number of grid
prices in it: an auditor can recompute it from the recorded seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from nara.domain.enums import AgencyKind, Category
from nara.domain.errors import RuleViolation
from nara.domain.lottery import draw_below, draw_number
from nara.domain.rules import format_amount, latest_rules, rules_on


@dataclass(frozen=True)
class ReserveDraw:
    """One draw of reserve prices, kept whole for audit.

    Attributes:
        base_amount: 기초금액, KRW.
        range_bp: Half-width of the range in basis points of the base amount (200 = +-2%).
        prices: One price per band, band 1 first (ascending).
        seed: The seed the draw was made from.
        bands: The lowest and highest grid price each band allowed, band 1 first.
        rounding_unit: Prices are multiples of this many KRW.
        category, agency_kind, on: The terms the draw was made under (None if unknown).
    """

    base_amount: int
    range_bp: int
    prices: tuple[int, ...]
    seed: int
    bands: tuple[tuple[int, int], ...] = ()
    rounding_unit: int = 1
    category: Category | None = None
    agency_kind: AgencyKind | None = None
    on: date | None = None

    @property
    def lowest(self) -> int:
        """Lower end of the range: base x (1 - range), rounded down to the won."""
        return int(self.base_amount * (10_000 - self.range_bp) // 10_000)

    @property
    def highest(self) -> int:
        """Upper end of the range: base x (1 + range), rounded up to the won."""
        return -(-self.base_amount * (10_000 + self.range_bp) // 10_000)


@dataclass(frozen=True)
class PredeterminedPrice:
    """예정가격: the mean of the most-picked reserve prices.

    Attributes:
        price: The predetermined price in KRW, the mean rounded up to the won.
        most_picked: Band numbers (1-15) of the averaged prices, in selection order:
            most picks first, ties to the lower band number.
        pick_counts: Picks per band, band 1 first.
        fallback: True when nobody picked and the bands were drawn from the seed.
    """

    price: int
    most_picked: tuple[int, ...]
    pick_counts: tuple[int, ...]
    fallback: bool = False


def _ceil_to(value: Fraction, unit: int) -> int:
    return -((-value) // unit) * unit


def _floor_to(value: Fraction, unit: int) -> int:
    return (value // unit) * unit


def band_edges(base_amount: int, range_bp: int, band_count: int) -> tuple[Fraction, ...]:
    """The exact edges of the equal bands, lowest first (band_count + 1 values)."""
    low = Fraction(base_amount * (10_000 - range_bp), 10_000)
    width = Fraction(base_amount * 2 * range_bp, 10_000 * band_count)
    return tuple(low + width * i for i in range(band_count + 1))


def minimum_base_amount(*, category: Category, agency_kind: AgencyKind, on: date) -> int:
    """The smallest base amount whose 15 bands are each at least one rounding unit wide."""
    book = rules_on(on)
    spec = book.reserve_prices(agency_kind=agency_kind)
    unit = book.reserve_rounding(category=category).unit
    return -(-unit * spec.band_count * 10_000 // (2 * spec.range_bp))


def lowest_reserve_price(*, base_amount: int, agency_kind: AgencyKind, on: date) -> int:
    """The lowest predetermined price the draw can give: base x (1 - range), rounded down."""
    spec = rules_on(on).reserve_prices(agency_kind=agency_kind)
    return base_amount * (10_000 - spec.range_bp) // 10_000


def check_base_amount(
    *, base_amount: int, category: Category, agency_kind: AgencyKind, on: date
) -> None:
    """Refuse a base amount the reserve prices cannot be drawn from (rule reserve-base-amount).

    The announcement checks it, so that a tender never reaches its opening unable to open.
    """
    if isinstance(base_amount, bool) or not isinstance(base_amount, int) or base_amount <= 0:
        raise RuleViolation(
            rule="reserve-base-amount",
            field="base_amount",
            value=base_amount,
            accepted="a positive whole number of KRW",
            message=f"base amount {base_amount!r} must be a positive whole number of KRW",
        )
    # Every band must be at least one rounding unit wide, so that it holds a grid price.
    smallest = minimum_base_amount(category=category, agency_kind=agency_kind, on=on)
    if base_amount < smallest:
        book = rules_on(on)
        spec = book.reserve_prices(agency_kind=agency_kind)
        unit = book.reserve_rounding(category=category).unit
        raise RuleViolation(
            rule="reserve-base-amount",
            field="base_amount",
            value=base_amount,
            accepted=f"at least {smallest:,} KRW",
            message=(
                f"base amount {format_amount(base_amount)} is too small to split into"
                f" {spec.band_count} bands at least {unit} KRW wide; it needs at least"
                f" {smallest:,} KRW"
            ),
        )


def draw_reserve_prices(
    *, base_amount: int, category: Category, agency_kind: AgencyKind, seed: int, on: date
) -> ReserveDraw:
    """Draw the 15 reserve prices for a tender announced on `on`."""
    check_base_amount(base_amount=base_amount, category=category, agency_kind=agency_kind, on=on)
    book = rules_on(on)
    spec = book.reserve_prices(agency_kind=agency_kind)
    unit = book.reserve_rounding(category=category).unit
    edges = band_edges(base_amount, spec.range_bp, spec.band_count)
    bands: list[tuple[int, int]] = []
    prices: list[int] = []
    for number in range(1, spec.band_count + 1):
        low = _ceil_to(edges[number - 1], unit)
        high = _floor_to(edges[number], unit)
        count = (high - low) // unit + 1
        bands.append((low, high))
        prices.append(low + unit * draw_below(seed, f"nara-reserve-band-{number}", count))
    return ReserveDraw(
        base_amount=base_amount,
        range_bp=spec.range_bp,
        prices=tuple(prices),
        seed=seed,
        bands=tuple(bands),
        rounding_unit=unit,
        category=category,
        agency_kind=agency_kind,
        on=on,
    )


def fallback_bands(seed: int, *, band_count: int = 15, averaged: int = 4) -> tuple[int, ...]:
    """Bands used when no bidder picked: the `averaged` bands with the smallest
    SHA-256("nara-fallback-band-{band}:{seed}"), in that order."""
    ranked = sorted(
        range(1, band_count + 1), key=lambda band: draw_number(seed, f"nara-fallback-band-{band}")
    )
    return tuple(ranked[:averaged])


def _check_pick(pick: object, band_count: int, per_bidder: int, index: int) -> tuple[int, ...]:
    bands = tuple(pick) if isinstance(pick, tuple | list) else ()
    valid = (
        len(bands) == per_bidder
        and all(
            isinstance(b, int) and not isinstance(b, bool) and 1 <= b <= band_count for b in bands
        )
        and len(set(bands)) == per_bidder
    )
    if not valid:
        raise RuleViolation(
            rule="reserve-picks",
            field=f"picks[{index}]",
            value=pick,
            accepted=f"{per_bidder} different band numbers from 1 to {band_count}",
            message=(
                f"pick {pick!r} of bidder #{index + 1} must be {per_bidder} different band"
                f" numbers from 1 to {band_count}"
            ),
        )
    return bands


def predetermined_price(
    *, draw: ReserveDraw, picks: Sequence[tuple[int, int]]
) -> PredeterminedPrice:
    """The predetermined price from the bidders' picks (band numbers 1-15, two each).

    The 4 most-picked bands are averaged; a tie for a place goes to the lower band
    number. With no picks at all, the 4 bands come from `fallback_bands(draw.seed)`.
    """
    book = rules_on(draw.on) if draw.on is not None else latest_rules()
    # Picks per bidder and prices averaged are the same for both agency kinds.
    spec = book.reserve_prices(agency_kind=draw.agency_kind or AgencyKind.NATIONAL)
    band_count = len(draw.prices)
    counts = [0] * band_count
    for index, pick in enumerate(picks):
        for band in _check_pick(pick, band_count, spec.picks_per_bidder, index):
            counts[band - 1] += 1
    if picks:
        order = sorted(range(1, band_count + 1), key=lambda band: (-counts[band - 1], band))
        chosen = tuple(order[: spec.averaged])
    else:
        chosen = fallback_bands(draw.seed, band_count=band_count, averaged=spec.averaged)
    unit = book.predetermined_price().rounding_unit
    mean = Fraction(sum(draw.prices[band - 1] for band in chosen), len(chosen))
    return PredeterminedPrice(
        price=_ceil_to(mean, unit),
        most_picked=chosen,
        pick_counts=tuple(counts),
        fallback=not picks,
    )
