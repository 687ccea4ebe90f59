"""Korean public holidays computed from the law, for years the calendar has no data for.

The calendar's own list (`calendar.HOLIDAYS`) is authoritative for the years it covers:
it includes election days and one-off temporary holidays, which no rule predicts. For
later years this module applies the Public Holidays Act as amended (substitute holidays
for every national holiday except New Year's Day and Memorial Day; Labour Day and
Constitution Day from 2026) with lunar dates from the KARI lunar calendar, so a payment
due in 2028 is still judged, by the rules rather than refused. A test checks that these
rules reproduce the listed years exactly, election days aside.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from functools import lru_cache

from korean_lunar_calendar import KoreanLunarCalendar

# Fixed solar holidays: (month, day, name, takes a substitute when on a weekend/overlap)
_SOLAR = (
    (1, 1, "New Year's Day", False),
    (3, 1, "Independence Movement Day", True),
    (5, 1, "Labour Day", True),
    (5, 5, "Children's Day", True),
    (6, 6, "Memorial Day", False),
    (7, 17, "Constitution Day", True),
    (8, 15, "Liberation Day", True),
    (10, 3, "National Foundation Day", True),
    (10, 9, "Hangul Day", True),
    (12, 25, "Christmas", True),
)
_FROM_2026 = {"Labour Day", "Constitution Day"}


def _solar_of_lunar(year: int, month: int, day: int) -> date:
    calendar = KoreanLunarCalendar()
    if not calendar.setLunarDate(year, month, day, False):
        raise ValueError(f"no lunar date {year}-{month}-{day}")
    return date.fromisoformat(calendar.SolarIsoFormat())


@lru_cache(maxsize=128)
def computed_holidays(year: int) -> dict[date, str]:
    """The public holidays of `year` by the rules (no election or temporary holidays)."""
    singles: list[tuple[date, str, bool]] = [
        (date(year, m, d), name, sub)
        for m, d, name, sub in _SOLAR
        if name not in _FROM_2026 or year >= 2026
    ]
    singles.append((_solar_of_lunar(year, 4, 8), "Buddha's Birthday", True))
    seollal = _solar_of_lunar(year, 1, 1)
    chuseok = _solar_of_lunar(year, 8, 15)
    groups = {
        "Seollal": [seollal - timedelta(days=1), seollal, seollal + timedelta(days=1)],
        "Chuseok": [chuseok - timedelta(days=1), chuseok, chuseok + timedelta(days=1)],
    }
    holidays: dict[date, str] = {day: name for day, name, _ in singles}
    for name, days in groups.items():
        holidays.update({day: name for day in days})
    overlaps = Counter([d for d, _, _ in singles] + [d for days in groups.values() for d in days])

    def substitute(after: date) -> date:
        day = after + timedelta(days=1)
        while day.weekday() >= 5 or day in holidays:
            day += timedelta(days=1)
        return day

    # Two holidays on one day give one substitute, so a day counts once.
    compensated: set[date] = set()
    # Seollal and Chuseok: a Sunday or another holiday inside the three days adds one day.
    for name, days in groups.items():
        if any(d.weekday() == 6 or overlaps[d] > 1 for d in days):
            holidays[substitute(days[-1])] = f"substitute for {name}"
            compensated.update(d for d in days if overlaps[d] > 1)
    # Other holidays: a Saturday, Sunday or overlap adds the next free weekday.
    for day, name, takes_substitute in sorted(singles):
        if day in compensated:
            continue
        if takes_substitute and (day.weekday() >= 5 or overlaps[day] > 1):
            holidays[substitute(day)] = f"substitute for {name}"
            compensated.add(day)
    return dict(sorted(holidays.items()))
