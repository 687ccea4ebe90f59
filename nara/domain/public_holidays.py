"""Korean public holidays: the `holidays` package (Korea) plus the days it lacks.

Business days skip what government offices observe under the Public Holidays Act
(공휴일에 관한 법률) and the Regulation on Holidays of Government Offices (관공서의
공휴일에 관한 규정): fixed-date and lunar holidays, substitute holidays (대체공휴일),
election days of public elections and temporary holidays (임시공휴일) designated by
the Cabinet. The `holidays` package computes the rules, the election days the Public
Official Election Act (art. 34) fixes at the end of each term, and lists the one-off
days it knows of, each with its legal reference.

`ADDED` is for what the installed `holidays` lacks: an early election or a temporary
holiday announced after its release. Each row names its source; a test fails when
`holidays` starts listing a day of the table, so the row can go.

The calendar is built once, at import, for `FIRST_YEAR`-`LAST_YEAR`: workflows call
it on replay, so a lookup never imports or computes anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

import holidays

# The rule tables start on 2025-01-01; the lunar tables the calendar was first built
# on ended in 2050, and the calendar keeps judging exactly those years.
FIRST_YEAR = 2025
LAST_YEAR = 2050
YEARS = range(FIRST_YEAR, LAST_YEAR + 1)

# Checked against holidays 0.109 on 2026-11-29: it lists every election day and temporary
# holiday announced for 2025-2030 (the 2025-01-27 temporary holiday, the 2025-06-03
# presidential election, the 2026-06-03 local elections, the 2028-04-12 National Assembly
# election, the 2030-03-27 presidential and 2030-06-12 local elections) and the statutory
# election days after 2030, so nothing needs adding today. Add a row when a day is
# announced that the installed version does not list, e.g.
#     date(2031, 1, 2): "temporary holiday (Cabinet decision of <date>, <source>)",
ADDED: Mapping[date, str] = MappingProxyType({})


def _build() -> Mapping[date, str]:
    korea = holidays.country_holidays("KR", years=YEARS, language="en_US", expand=False)
    days = {day: str(name) for day, name in korea.items()}
    for day, name in ADDED.items():
        days[day] = f"{days[day]}; {name}" if day in days else name
    return MappingProxyType(dict(sorted(days.items())))


PUBLIC_HOLIDAYS: Mapping[date, str] = _build()
