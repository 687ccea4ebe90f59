"""Problem details (RFC 9457): the one builder of the error bodies the API and simulators send.

A problem is a JSON object with `type` (a URI naming the kind of problem), `title` (the
same for every problem of that type), `status` (the HTTP status), `detail` (this
occurrence, in words) and `instance` (where it happened, e.g. the request path). The
project adds `code` (the machine-readable kind), `field` (what was wrong) and `fix` (what
to do), and a problem may carry more members of its own (`errors`, `rule`, ...).

Who says what is the caller's business: the API maps its errors (`nara.api.problems`),
the simulators theirs (`nara.simulators.problems`); both build the body here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse

MEDIA_TYPE = "application/problem+json"


def problem_body(
    *,
    type: str,
    title: str,
    status: int,
    detail: str,
    instance: str | None = None,
    code: str | None = None,
    field: str | None = None,
    fix: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The problem object, members in the order above.

    `instance`, `code`, `field` and `fix` are left out when None; `extra` members follow,
    as given (None included).
    """
    body: dict[str, Any] = {"type": type, "title": title, "status": status, "detail": detail}
    optional = {"instance": instance, "code": code, "field": field, "fix": fix}
    body.update({key: value for key, value in optional.items() if value is not None})
    body.update(extra)
    return body


def problem_json_response(
    body: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """`body` (from `problem_body`) as an `application/problem+json` response of its status."""
    return JSONResponse(
        dict(body), status_code=int(body["status"]), media_type=MEDIA_TYPE, headers=headers
    )
