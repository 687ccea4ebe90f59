"""The base of every API schema, and the one family of field types every input is made of.

Every value a client sends (body, path, query or header) has the bounds its meaning
allows, checked by pydantic before any work and declared in the OpenAPI document, so a
request the document allows is never refused for a reason it hides. A refused value is
answered 422 naming the field and, in `accepted`, the whole accepted range. The bounds
and their reasons are listed in docs/architecture.md, "Bounds".

- `Text(max)`: a line of text (`Text(max, lines=True)`: several lines), 1 (or
  `min_length`) to `max` characters, no control character (NUL, ...) and no lone
  surrogate, which PostgreSQL could not store;
- `Code(pattern)`: an identifier whose whole value matches a pattern (`AgencyCode`,
  `PersonId`, `NoticeNumber`, `PaymentId`);
- `Whole(lo, hi)`: a whole number in a range (`Money`: 1 KRW to `MAX_KRW`);
- `Score`: points from 0 to 100, kept to 4 decimals as stored;
- `Moment`: a date-time with a time zone within `EARLIEST`..`LATEST`; `Deadline` also at
  most `HORIZON` ahead; `Day`: a date in the same window;
- `BusinessNo`: a business registration number with a valid check digit.

Refusals that the document states in words rather than in JSON Schema (a check digit, a
time window, one field compared with another) carry a `rule` in their 422 entry.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

from nara.domain.errors import RuleViolation
from nara.domain.identifiers import validate_business_no


class ApiModel(BaseModel):
    """Every request and response body: unknown request fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", from_attributes=True, populate_by_name=True)


class ReadModel(ApiModel):
    """Response bodies: built from table rows."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)


MAX_KRW = 10**15
"""The largest amount of money accepted: 1,000 trillion KRW (see docs/architecture.md)."""
BIGINT_MAX = 2**63 - 1
"""The largest id PostgreSQL's `bigint` holds."""
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""Every time and date sent lies in [EARLIEST, LATEST): far from datetime's limits."""
HORIZON = timedelta(days=730)
"""A deadline or an opening is at most two years ahead."""


@dataclass(frozen=True, eq=False)  # hashed by identity: keywords hold lists
class Checked:
    """Pydantic metadata: checks around a type's own validation, and JSON Schema keywords.

    `before` sees the raw value (and may refuse it), `after` the validated one; `keywords`
    are added to the type's schema in the OpenAPI document, so it states the bound.
    """

    before: Callable[[Any], Any] | None = None
    after: Callable[[Any], Any] | None = None
    keywords: tuple[tuple[str, Any], ...] = ()

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        schema = handler(source)
        if self.after is not None:
            schema = core_schema.no_info_after_validator_function(self.after, schema)
        if self.before is not None:
            schema = core_schema.no_info_before_validator_function(self.before, schema)
        return schema

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> Any:
        json_schema = dict(handler(schema))
        json_schema.update(dict(self.keywords))
        return json_schema


def rule_error(violation: RuleViolation) -> PydanticCustomError:
    """A domain rule violation as a pydantic error, so the 422 names the field and the fix."""
    return PydanticCustomError(
        violation.rule.replace("-", "_"),
        "{message}",
        {"message": violation.message, "accepted": violation.accepted, "rule": violation.rule},
    )


def refuse(kind: str, message: str, accepted: str, rule: str | None = None) -> PydanticCustomError:
    """A pydantic error whose 422 entry says `accepted` (and the `rule`, when named)."""
    context: dict[str, Any] = {"message": message, "accepted": accepted}
    if rule is not None:
        context["rule"] = rule
    return PydanticCustomError(kind, "{message}", context)


# --------------------------------------------------------------------------- text

# Control characters (C0, DEL, C1); several lines keep tab, LF and CR. Lone surrogates
# (`"\\ud800"`) are refused too, though the pattern cannot say so: they are not Unicode
# characters (RFC 8259 section 8.2) and UTF-8, hence PostgreSQL, cannot hold them.
_REFUSED_IN_LINE = "\\u0000-\\u001f\\u007f-\\u009f"
_REFUSED_IN_LINES = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f"


def _refused(value: str, lines: bool) -> tuple[int, str] | None:
    allowed = "\t\n\r" if lines else ""
    for index, char in enumerate(value):
        kind = unicodedata.category(char)
        if kind in ("Cc", "Cs") and char not in allowed:
            return index, char
    return None


def _text_check(min_length: int, max_length: int, lines: bool) -> Callable[[str], str]:
    what = "lines of text" if lines else "text"
    without = "tab, newline and " if lines else ""
    accepted = (
        f"{what} of {min_length} to {max_length:,} characters, without control characters "
        f"({without}printable characters only)"
    )

    def check(value: str) -> str:
        if not min_length <= len(value) <= max_length:
            kind = "string_too_short" if len(value) < min_length else "string_too_long"
            message = f"{len(value):,} characters is outside {min_length} to {max_length:,}"
            raise refuse(kind, message, accepted)
        found = _refused(value, lines)
        if found is not None:
            index, char = found
            message = f"character U+{ord(char):04X} at position {index} is not allowed"
            raise refuse("control_character", message, accepted)
        return value

    return check


def Text(max_length: int, *, min_length: int = 1, lines: bool = False) -> Checked:
    """Text of `min_length` to `max_length` characters without control characters:
    `Annotated[str, Text(300)]`."""
    refused = _REFUSED_IN_LINES if lines else _REFUSED_IN_LINE
    return Checked(
        after=_text_check(min_length, max_length, lines),
        keywords=(
            ("minLength", min_length),
            ("maxLength", max_length),
            ("pattern", f"^[^{refused}]*$"),
        ),
    )


def Code(pattern: str, *, what: str, accepted: str) -> Checked:
    """An identifier whose whole value matches `pattern` (ASCII): `Annotated[str, Code(...)]`.

    `what` names it in the refusal ("a notice number"), `accepted` says its shape in words.
    """
    compiled = re.compile(pattern, re.ASCII)

    def check(value: str) -> str:
        if compiled.fullmatch(value) is None:
            raise refuse("string_pattern_mismatch", f"{value!r} is not {what}", accepted)
        return value

    return Checked(after=check, keywords=(("pattern", f"^{pattern}$"),))


AgencyCode = Annotated[
    str,
    Code(
        r"[A-Za-z0-9_-]{1,16}",
        what="an agency code",
        accepted="1 to 16 letters, digits, _ or -, e.g. 1230000",
    ),
]
PersonId = Annotated[
    str,
    Code(
        r"[A-Za-z0-9_.@-]{1,40}",
        what="a person id",
        accepted="1 to 40 letters, digits, _, ., @ or -, e.g. officer-kim",
    ),
]
NoticeNumber = Annotated[
    str,
    Code(
        r"[0-9]{11}-[0-9]{2}",
        what="a notice number",
        accepted="a notice number YYYYSSSSSSS-RR, e.g. 20260012345-00",
    ),
]
PaymentId = Annotated[
    str,
    Code(
        r"payment-C[0-9]{11}-[0-9]{2}-[1-9][0-9]{0,5}",
        what="a payment id",
        accepted="payment-C<notice no>-<claim number>, e.g. payment-C20260012345-00-1",
    ),
]


# --------------------------------------------------------------------------- numbers


def _json_whole(value: Any) -> int:
    """A JSON integer: an int, or a float without a fraction (JSON Schema counts 5.0 as an
    integer; below 2**53, beyond every bound here, the float is exact). Not text, not a bool."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    kind = "int_from_float" if isinstance(value, float) else "int_type"
    raise refuse(kind, f"{value!r} is not a whole number", "a whole number")


def Whole(lo: int, hi: int, *, unit: str = "", text: bool = False) -> Checked:
    """A whole number from `lo` to `hi`: `Annotated[int, Whole(1, 15)]`.

    In a body only a JSON number is taken (`5` or `5.0`, never `"5"`); in a path or a
    query (`text=True`) the text is read as a number.
    """
    accepted = f"a whole number{unit} from {lo:,} to {hi:,}"

    def check(value: int) -> int:
        if not lo <= value <= hi:
            kind = "less_than_equal" if value > hi else "greater_than_equal"
            raise refuse(kind, f"{value:,} is outside {lo:,} to {hi:,}", accepted)
        return value

    return Checked(
        before=None if text else _json_whole,
        after=check,
        keywords=(("minimum", lo), ("maximum", hi)),
    )


Money = Annotated[int, Whole(1, MAX_KRW, unit=" of KRW")]
"""An amount of money: 1 KRW to MAX_KRW."""
MoneyOrZero = Annotated[int, Whole(0, MAX_KRW, unit=" of KRW")]
Id = Annotated[int, Whole(1, BIGINT_MAX, text=True)]
"""A row id in a path or query (text)."""

_POINTS = re.compile(r"(100(\.0+)?|[0-9]{1,2}(\.[0-9]+)?)")
_SCORE_PLACES = Decimal("0.0001")


def _score(value: Any) -> Decimal:
    accepted = "points from 0 to 100 as a JSON number (or a decimal string), kept to 4 decimals"
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise refuse("decimal_type", f"{value!r} is not a number", accepted)
    if isinstance(value, str) and _POINTS.fullmatch(value) is None:
        raise refuse("decimal_parsing", f"{value!r} is not points from 0 to 100", accepted)
    points = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not points.is_finite() or not 0 <= points <= 100:
        raise refuse("less_than_equal", f"{value} is outside 0 to 100", accepted)
    return points.quantize(_SCORE_PLACES, rounding=ROUND_HALF_UP)


SCORE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 100},
        {"type": "string", "pattern": f"^{_POINTS.pattern}$"},
    ]
}
Score = Annotated[Decimal, Checked(before=_score, keywords=tuple(SCORE_SCHEMA.items()))]
"""Points from 0 to 100, rounded to the 4 decimals the database keeps."""


# --------------------------------------------------------------------------- time

_RFC3339 = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-5][0-9](\.[0-9]{1,6})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_LOCAL = re.compile(_RFC3339.removesuffix(r"([Zz]|[+-][0-9]{2}:[0-9]{2})"))
_AWARE = "a date-time with a time zone, e.g. 2026-12-28T10:00:00+09:00"
_WINDOW = f"from {EARLIEST:%Y-%m-%d} up to {LATEST:%Y-%m-%d} (exclusive)"


def _moment_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise refuse("datetime_type", f"{value!r} is not a date-time text", _AWARE)
    if re.fullmatch(_RFC3339, value) is None:
        kind = "timezone_aware" if _LOCAL.fullmatch(value) else "datetime_parsing"
        message = "the time zone is missing" if _LOCAL.fullmatch(value) else "not RFC 3339"
        raise refuse(kind, f"{value!r}: {message}", _AWARE)
    return value


def _in_window(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise refuse("timezone_aware", "the time zone is missing", _AWARE)
    if not EARLIEST <= value < LATEST:
        accepted = f"a date-time with a time zone {_WINDOW}"
        raise refuse(
            "time_window", f"{value.isoformat()} is not {_WINDOW}", accepted, "time-window"
        )
    return value


def _within_horizon(value: datetime) -> datetime:
    latest = datetime.now(UTC) + HORIZON
    if value > latest:
        raise refuse(
            "time_horizon",
            f"{value.isoformat()} is more than {HORIZON.days} days ahead",
            f"a date-time at most {HORIZON.days} days ahead (before {latest:%Y-%m-%d %H:%M} UTC)",
            "deadline-horizon",
        )
    return value


_TIME_DOC = f"{_WINDOW}, RFC 3339 with seconds and a time zone"
Moment = Annotated[
    datetime,
    Checked(
        before=_moment_text,
        after=_in_window,
        keywords=(("pattern", f"^{_RFC3339}$"), ("description", f"a date-time {_TIME_DOC}")),
    ),
]
"""An aware date-time within [EARLIEST, LATEST)."""
Deadline = Annotated[
    Moment,
    Checked(
        after=_within_horizon,
        keywords=(("description", f"a date-time {_TIME_DOC}, at most {HORIZON.days} days ahead"),),
    ),
]
"""A deadline or opening time: a Moment at most HORIZON ahead (the API host's clock)."""


def _day(value: Any) -> Any:
    accepted = f"a date as YYYY-MM-DD {_WINDOW}"
    if isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        text = value
    else:
        raise refuse("date_parsing", f"{value!r} is not YYYY-MM-DD", accepted)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise refuse("date_parsing", f"{value!r} is not a calendar date", accepted) from None
    if not EARLIEST.date() <= day < LATEST.date():
        raise refuse("time_window", f"{text} is not {_WINDOW}", accepted, "time-window")
    return day


Day = Annotated[date, Checked(before=_day, keywords=(("description", f"a date {_WINDOW}"),))]


# --------------------------------------------------------------------------- business numbers

_BUSINESS_NO_SHAPE = r" *([0-9]{3}-[0-9]{2}-[0-9]{5}|[0-9]{10}) *"


def _business_no(raw: Any) -> str:
    if not isinstance(raw, str) or re.fullmatch(_BUSINESS_NO_SHAPE, raw) is None:
        accepted = "ten digits, as 1234567890 or 123-45-67890"
        raise refuse("business_no_format", f"{raw!r} is not {accepted}", accepted)
    try:
        return validate_business_no(raw)
    except RuleViolation as violation:
        raise rule_error(violation) from None


BUSINESS_NO_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": f"^{_BUSINESS_NO_SHAPE}$",
    "description": "a business registration number, 123-45-67890 or 1234567890, whose last "
    "digit is its check digit (rule business-no-check-digit)",
}
BusinessNo = Annotated[
    str,
    Checked(
        before=_business_no,
        keywords=tuple((k, v) for k, v in BUSINESS_NO_SCHEMA.items() if k != "type"),
    ),
]
"""A business registration number with a valid check digit, normalised to 123-45-67890."""
