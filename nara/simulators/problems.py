"""Problem JSON (RFC 9457) for the partner simulators.

Every error a simulator answers carries `type`, `title`, `status`, `detail` and a
machine-readable `code` (plus `field` and `fix` where they help), so the clients in
`nara.partners` can turn it into `PartnerRejected` or `PartnerUnavailable`. The body is
built by `nara.problem_json`, as the API's are.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from nara.problem_json import problem_body, problem_json_response

_TITLES = {
    400: "Bad request",
    401: "Admin token required",
    404: "Not found",
    409: "Conflict",
    422: "The partner refused the request",
    500: "Internal error",
    503: "Service unavailable",
    504: "Gateway timeout",
}


class Problem(Exception):
    """An error a simulator answers as problem JSON."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        field: str | None = None,
        fix: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.fix = fix
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return problem_body(
            type=f"urn:nara:partner-problem:{self.code}",
            title=_TITLES.get(self.status, "Error"),
            status=self.status,
            detail=self.detail,
            code=self.code,
            field=self.field or None,
            fix=self.fix or None,
        )

    def response(self) -> JSONResponse:
        return problem_json_response(self.body(), headers=self.headers)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer `Problem`, request-validation and routing errors as problem JSON."""

    async def on_problem(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return exc.response()

    async def on_invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = ".".join(str(part) for part in first["loc"] if part not in ("body", "query"))
        return Problem(
            422,
            "invalid-request",
            f"{field or 'request'}: {first['msg']}",
            field=field or None,
            fix="correct the field and send again",
        ).response()

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return Problem(exc.status_code, f"http-{exc.status_code}", str(exc.detail)).response()

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(StarletteHTTPException, on_http)
