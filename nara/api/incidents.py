"""Unexpected failures: one 500 problem with an incident id, logged once, connection kept.

Expected errors never get here (they are problem JSON from `nara.api.problems`). An
unexpected one is caught by `IncidentMiddleware` *inside* Starlette's outermost error
middleware, so it is answered like any other response: the server does not see an
exception, does not log it a second time and does not reset the client's keep-alive
connection. The log record carries the incident id, the path and the traceback without
local variables (`nara.logs` renders tracebacks that way in every format).
"""

from __future__ import annotations

import uuid

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nara.logs import get_logger
from nara.problem_json import problem_body, problem_json_response

log = get_logger("nara.api")


def new_incident() -> str:
    """A short id that joins a client's report to the one log record of the failure."""
    return uuid.uuid4().hex[:12]


def incident_response(path: str, error: BaseException) -> JSONResponse:
    """Log an unexpected error once and build the 500 problem that names its incident."""
    incident = new_incident()
    log.error(
        "unexpected error",
        incident=incident,
        path=path,
        error_type=type(error).__name__,
        exc_info=error,
    )
    return problem_json_response(
        problem_body(
            type="urn:nara:problem:internal",
            title="Internal error",
            status=500,
            detail=f"the server failed unexpectedly (incident {incident}); nothing was changed",
            instance=path,
            code="internal",
            fix=f"retry; if it keeps failing, give the operators incident {incident}",
            incident=incident,
        )
    )


class IncidentMiddleware:
    """Answer an exception no handler took with a 500 problem instead of re-raising it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:
            if started:
                # Part of the answer is already out: all that can be done is to log it.
                log.error(
                    "unexpected error after the response started",
                    incident=new_incident(),
                    path=scope.get("path"),
                    error_type=type(error).__name__,
                    exc_info=error,
                )
                return
            response = incident_response(str(scope.get("path", "")), error)
            await response(scope, receive, send)
