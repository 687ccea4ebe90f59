"""Every error the API answers, as RFC 9457 problem JSON: this is the one place that translates.

A problem has `type`, `title`, `status`, `detail`, `instance`, plus `field` (what was
wrong) and `fix` (what to do), and any extras the error carries. Sources:

- the error catalogue (`NaraError` subclasses in `nara.domain.errors`): the status of
  `HTTP_STATUS` below, the error's code, title, field, fix and extras (a `RuleViolation`
  names the rule, the value and what is accepted);
- request validation (pydantic): 422 naming each field path and what it accepts;
- Temporal unreachable, PostgreSQL unreachable or a transient conflict (deadlock,
  serialization failure, statement timeout): 503, retry; anything else: 500 without
  internals.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError

from nara.api.incidents import IncidentMiddleware, incident_response
from nara.domain import errors
from nara.domain.errors import Forbidden, NaraError, SessionEnded, Unauthenticated
from nara.problem_json import problem_body, problem_json_response

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("nara.api")


def problem_type(code: str) -> str:
    """The problem `type` URI of a code, e.g. `urn:nara:problem:wrong-phase`."""
    return f"urn:nara:problem:{code}"


def problem_response(
    request: Request,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    field: str | None = None,
    fix: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """The problem JSON answer to `request` (built by the project's one builder)."""
    reserved = {"type", "title", "status", "detail", "instance", "code", "field", "fix"}
    body = problem_body(
        type=problem_type(code),
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        code=code,
        field=field,
        fix=fix,
        **{key: value for key, value in extra.items() if key not in reserved},
    )
    return problem_json_response(body, headers=headers)


def _jsonable(value: Any) -> Any:
    if isinstance(value, str):
        # A refused value is echoed back; a lone surrogate (JSON "\ud800") cannot be encoded
        # in UTF-8, so it is shown escaped instead of failing the answer.
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if value is None or isinstance(value, int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


# The HTTP status of each kind of error in the catalogue; a subclass takes its nearest
# listed ancestor's. tests/api/test_problems.py checks every class resolves on purpose.
HTTP_STATUS: dict[type[NaraError], int] = {
    errors.NaraError: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.RuleViolation: 422,
    errors.SealRefused: 422,
    errors.InvalidClaim: 422,
    errors.PartnerRejected: 422,
    errors.ProcessFailed: 500,
    errors.PartnerUnavailable: 503,
    errors.TemporalUnavailable: 503,
    errors.TrustUnavailable: 503,
    errors.InvalidSearch: 422,
    errors.SearchUnavailable: 503,
}


def http_status(error: type[NaraError]) -> int:
    """The HTTP status of an error class: its own entry, or its nearest ancestor's."""
    return next(HTTP_STATUS[cls] for cls in error.__mro__ if cls in HTTP_STATUS)


def _challenge(exc: Unauthenticated) -> str:
    """The `WWW-Authenticate` of a 401 (RFC 6750): a bearer session; an ended or unknown
    one is an `invalid_token`."""
    if isinstance(exc, SessionEnded):
        return 'Bearer realm="nara", error="invalid_token"'
    return 'Bearer realm="nara"'


def _log_denial(request: Request, exc: NaraError) -> None:
    """One line per refused request (401, 403): the route, who asked as which role, and
    why; never a token or a body. `route` and `who` are set by the access gate."""
    state = request.state
    structlog.get_logger("nara.access").info(
        "request denied",
        route=getattr(state, "route", f"{request.method} {request.url.path}"),
        path=request.url.path,
        role=getattr(state, "who", "anonymous"),
        person=getattr(state, "person", None),
        status=http_status(type(exc)),
        code=exc.code,
        reason=exc.extra.get("missing") or exc.extra.get("reason") or exc.code,
        client=request.client.host if request.client else None,
    )


async def _nara_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NaraError)
    headers = {"WWW-Authenticate": _challenge(exc)} if isinstance(exc, Unauthenticated) else None
    if "retry_after_s" in exc.extra:  # e.g. SearchUnavailable: when to come back
        headers = {"Retry-After": str(exc.extra["retry_after_s"])}
    if isinstance(exc, Unauthenticated | Forbidden):
        _log_denial(request, exc)
    return problem_response(
        request,
        status=http_status(type(exc)),
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        field=exc.field,
        fix=exc.fix,
        headers=headers,
        **{k: _jsonable(v) for k, v in exc.extra.items()},
    )


def field_path(loc: tuple[int | str, ...]) -> str:
    """`('body', 'reserve_picks', 1)` -> `reserve_picks[1]`; headers and query keep their place."""
    where, *parts = loc if loc else ("body",)
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    if where == "body":
        return path or "body"
    return f"{where}.{path}" if path else str(where)


_AWARE = "a date-time with a time zone, e.g. 2026-12-28T10:00:00+09:00"


def accepted_values(error: dict[str, Any]) -> str:
    """What the field would accept, in words, from a pydantic error."""
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if "accepted" in ctx:
        return str(ctx["accepted"])
    words = {
        "missing": "a value: this field is required",
        "extra_forbidden": "nothing: this field is not part of the request",
        "int_type": "a whole number",
        "int_parsing": "a whole number",
        "int_from_float": "a whole number",
        "bool_type": "true or false",
        "bool_parsing": "true or false",
        "string_type": "text",
        "string_unicode": "valid Unicode text (no lone surrogate such as \\ud800)",
        "decimal_parsing": "a number",
        "decimal_type": "a number",
        "list_type": "a list",
        "json_invalid": "a valid JSON document",
        "model_attributes_type": "a JSON object",
        "dict_type": "a JSON object",
        "datetime_type": _AWARE,
        "datetime_parsing": _AWARE,
        "datetime_from_date_parsing": _AWARE,
        "timezone_aware": _AWARE,
        "date_parsing": "a date as YYYY-MM-DD",
        "date_from_datetime_parsing": "a date as YYYY-MM-DD",
        "date_type": "a date as YYYY-MM-DD",
    }
    if kind in words:
        return words[kind]
    bounds = {
        "greater_than": "a number greater than {gt}",
        "greater_than_equal": "a number of at least {ge}",
        "less_than": "a number less than {lt}",
        "less_than_equal": "a number of at most {le}",
        "string_too_short": "at least {min_length} characters",
        "string_too_long": "at most {max_length} characters",
        "too_short": "at least {min_length} items",
        "too_long": "at most {max_length} items",
        "string_pattern_mismatch": "text matching {pattern}",
        "enum": "one of {expected}",
        "literal_error": "one of {expected}",
    }
    if kind in bounds:
        try:
            return bounds[kind].format(**ctx)
        except KeyError:
            pass
    return str(error.get("msg", "a valid value"))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        # Field names and messages can hold what the client sent (an unknown key): escaped.
        path = _jsonable(field_path(tuple(error.get("loc", ()))))
        message = _jsonable(str(error.get("msg", "invalid")))
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        entry: dict[str, Any] = {
            "field": path,
            "message": message,
            "accepted": _jsonable(accepted_values(error)),
        }
        if "input" in error and error["type"] != "missing":
            entry["value"] = _jsonable(error["input"])
        rule = (error.get("ctx") or {}).get("rule")
        if rule is not None:  # a documented rule the JSON Schema states only in words
            entry["rule"] = str(rule)
        errors.append(entry)
    first = errors[0] if errors else {"field": "body", "message": "invalid", "accepted": "?"}
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return problem_response(
        request,
        status=422,
        code="invalid-request",
        title="The request is not valid",
        detail=detail,
        field=first["field"],
        fix=f"send {first['field']} as {first['accepted']}",
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed"}
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"there is no {request.url.path} here; see /docs for the API"
    return problem_response(
        request,
        status=exc.status_code,
        code=f"http-{exc.status_code}",
        title=titles.get(exc.status_code, "HTTP error"),
        detail=detail,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _temporal_unreachable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("temporal call failed", error=str(exc), path=request.url.path)
    return problem_response(
        request,
        status=503,
        code="temporal-unavailable",
        title="The workflow service is unavailable",
        detail=f"Temporal did not answer: {exc}",
        fix="retry in a moment; nothing was changed",
    )


_TRANSIENT_SQLSTATES = {
    "40001": "a concurrent change conflicted (serialization failure)",
    "40P01": "a concurrent change conflicted (deadlock)",
    "55P03": "a row was locked",
    "57014": "the statement took too long",
}


_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57P", "58")
"""Connection lost, out of resources, shutting down, system error: the database's state,
not the request's. psycopg also raises OperationalError for a statement that exceeds a
program limit (54xxx, "statement too complex"): that is a bug, answered as an incident."""


def _unavailable(sqlstate: str | None) -> bool:
    return sqlstate is None or sqlstate.startswith(_UNAVAILABLE_SQLSTATE_CLASSES)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _TRANSIENT_SQLSTATES or (
        isinstance(exc, OperationalError) and _unavailable(sqlstate)
    ):
        why = _TRANSIENT_SQLSTATES.get(sqlstate or "", "PostgreSQL is unavailable")
        log.warning("database busy or unavailable", sqlstate=sqlstate, path=request.url.path)
        return problem_response(
            request,
            status=503,
            code="database-busy" if sqlstate in _TRANSIENT_SQLSTATES else "database-unavailable",
            title="The database could not do this now",
            detail=f"{why}; nothing was changed",
            fix="retry the same request (with the same client_key or Idempotency-Key)",
            headers={"Retry-After": "1"},
        )
    return await _unexpected(request, exc)


async def _pool_exhausted(request: Request, exc: Exception) -> JSONResponse:
    """No pooled connection came free within the pool timeout: the API is saturated, not
    broken. 503 with Retry-After, as for a busy database, never a 500."""
    log.warning("database pool exhausted", path=request.url.path)
    return problem_response(
        request,
        status=503,
        code="database-busy",
        title="The database could not do this now",
        detail="every database connection of this API process is in use; nothing was changed",
        fix="retry the same request (with the same client_key or Idempotency-Key)",
        headers={"Retry-After": "1"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    return incident_response(request.url.path, exc)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of `app` with problem JSON."""
    app.add_exception_handler(NaraError, _nara_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RPCError, _temporal_unreachable)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _pool_exhausted)
    # Anything else is answered by IncidentMiddleware (see nara.api.incidents): a handler
    # for Exception would run in Starlette's outermost middleware, which re-raises.
    app.add_middleware(IncidentMiddleware)


_PROBLEM_DESCRIPTIONS = {
    400: "The body is not JSON this API can read (not UTF-8, nested too deeply)",
    401: "No session: the Authorization header is missing, malformed or its session ended; "
    "or a login refused (`reason` names the check)",
    403: "The person may not do this",
    404: "Unknown resource",
    409: "Conflicts with the current state (wrong phase, deadline passed, ...)",
    422: "Invalid request (`errors` names each field and what it accepts) or a broken "
    "procurement rule (`rule`, `value`, `accepted`, `suggestion`)",
    500: "Unexpected failure: nothing was changed; `incident` names it for the operators",
    503: "A dependency (database, Temporal) is unavailable; retry",
}
_PROBLEM_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "Bearer: send the session token of POST /auth/login",
            "schema": {"type": "string"},
            "required": True,
        }
    },
    503: {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}},
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for problem answers with these statuses."""
    return {
        status: {
            "description": _PROBLEM_DESCRIPTIONS[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            **({"headers": _PROBLEM_HEADERS[status]} if status in _PROBLEM_HEADERS else {}),
        }
        for status in statuses
    }


PROBLEM_RESPONSES = problem_responses(401, 403, 404, 409, 422, 500, 503)
"""Every problem status but 400 (for callers that do not list their own)."""
