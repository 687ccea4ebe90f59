"""The admin token: what a simulator asks of a request to its admin routes.

Admin routes change or reveal a simulator's state in ways no real partner offers: arming
and clearing faults (`/_faults`), reading the whole ledger (`/_ledger`), opening bank
accounts (bank `POST /accounts`). They answer only to `Authorization: Bearer <token>`,
the token the simulator was created with (SIMULATOR_ADMIN_TOKEN), compared in constant
time; anything else is a 401 problem with `WWW-Authenticate: Bearer`, and nothing is done.

A simulator never runs with open admin routes: `create_app` without a usable token raises
(`check_admin_token`), so the process refuses to start. The business routes (guarantees,
transfers, account look-ups) and `/health` stay open, as a partner's would be to its
clients.
"""

from __future__ import annotations

import hmac
import re
from typing import Annotated

from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from nara.simulators.problems import Problem

MIN_LENGTH = 16
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 b64token: fits a header unquoted
_FIX = (
    "send `Authorization: Bearer <token>` with the simulator's admin token "
    "(SIMULATOR_ADMIN_TOKEN, or the one `nara dev` and `nara simulators` keep in "
    "NARA_VAR_DIR/simulators/admin-token)"
)
_NEW_TOKEN = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="SimulatorAdminToken",
    description="The simulator's admin token (SIMULATOR_ADMIN_TOKEN).",
)


def check_admin_token(token: str | None) -> str:
    """`token`, if a simulator may be created with it; ValueError (without the value) if not."""
    if not token:
        raise ValueError(
            "a simulator needs an admin token for its admin routes (/_faults, /_ledger, "
            "bank POST /accounts): set SIMULATOR_ADMIN_TOKEN or pass --admin-token, e.g. "
            f"the output of {_NEW_TOKEN}"
        )
    if len(token) < MIN_LENGTH or not _TOKEN.fullmatch(token):
        raise ValueError(
            f"the simulators' admin token must be at least {MIN_LENGTH} characters of "
            f"A-Z a-z 0-9 - . _ ~ + / (then = padding only), e.g. the output of {_NEW_TOKEN}"
        )
    return token


def _require_admin(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Let the request through only with the simulator's admin token."""
    route = f"{request.method} {request.url.path}"
    if credentials is None:
        raise Problem(
            401,
            "admin-token-required",
            f"{route} is an admin route of this simulator and needs an Authorization "
            "header with its admin token as a Bearer token",
            field="Authorization",
            fix=_FIX,
            headers={"WWW-Authenticate": "Bearer"},
        )
    expected: bytes = request.app.state.admin_token
    if not hmac.compare_digest(credentials.credentials.encode(), expected):
        raise Problem(
            401,
            "admin-token-invalid",
            f"the Bearer token in Authorization is not this simulator's admin token, so "
            f"{route} was refused",
            field="Authorization",
            fix=_FIX,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )


ADMIN_ONLY: list[DependsParam] = [Depends(_require_admin)]
"""`dependencies=ADMIN_ONLY` on a route or router makes it an admin route; the app must
come from `base.new_simulator_app`, which keeps the token in `app.state`."""
