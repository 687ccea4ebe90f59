"""The Seoul wall clock that every rule is evaluated on."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from nara.domain.errors import RuleViolation

# Korea Standard Time, UTC+9; no daylight saving since 1988.
SEOUL = ZoneInfo("Asia/Seoul")


def require_aware(value: datetime, field: str) -> datetime:
    """Return `value` on the Seoul clock; refuse a naive datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise RuleViolation(
            rule="aware-datetime",
            field=field,
            value=value.isoformat(),
            accepted="a datetime with a time zone, e.g. 2026-12-28T10:00:00+09:00",
            message=(
                f"{field} {value.isoformat()} has no time zone; send it with one,"
                " e.g. 2026-12-28T10:00:00+09:00"
            ),
        )
    return value.astimezone(SEOUL)


def format_kst(value: datetime) -> str:
    """``2026-12-28 10:00 KST``: how times appear in messages."""
    return f"{value.astimezone(SEOUL):%Y-%m-%d %H:%M} KST"
