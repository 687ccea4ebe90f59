"""The console's session cookie, CSRF tokens, security headers and page rendering.

The console uses the API's sessions: the cookie `nara_session` holds the very token
`POST /auth/login` or `POST /auth/passkey` answers (HttpOnly, SameSite=Strict, Path
/console, Secure when WEBAUTHN_ORIGIN is https). `ConsoleCookies`, an ASGI middleware,
turns it into `Authorization: Bearer <token>` for requests under /console only, so the
access gate (`nara.api.gate`) and the routes' rules judge a console request exactly as
they judge an API request. A request that sent its own Authorization header is left
alone. A browser's page request (Accept: text/html) without a live session is
redirected to the login page, and any other refusal (403, 404, ...) is shown as a page
with the problem's detail and fix; other clients get the API's problem JSON as it is.

Every unsafe request (POST) the cookie authenticates must carry a CSRF token, as the form
field `csrf` or the header `X-CSRF-Token`: HMAC-SHA256 of the session token (a
synchronizer token tied to the session, never stored). Before a session exists (the login
and enrolment pages) it is a double-submit token: a random `nara_csrf` cookie the page
repeats.

Every form that decides something also carries `request_key`, new with each rendering of
the page: a form sent twice (a double click, a browser's resend) is one request, bound
like the API's Idempotency-Key (`nara.api.gate.bind_request_key`), and its second sending
gets the first one's outcome.

Every console answer carries a Content-Security-Policy that allows scripts, styles and
forms of this origin only, and no framing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nara.api.console import i18n
from nara.domain.calendar import SEOUL
from nara.domain.errors import CsrfRefused
from nara.settings import Settings

PREFIX = "/console"
SESSION_COOKIE = "nara_session"
CSRF_COOKIE = "nara_csrf"
LANG_COOKIE = "nara_lang"
CSRF_FIELD = "csrf"
REQUEST_KEY_FIELD = "request_key"
CSRF_HEADER = "x-csrf-token"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_PUBLIC_PAGES = {f"{PREFIX}/login", f"{PREFIX}/enrol"}
HERE = Path(__file__).parent
templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["kst"] = lambda at: at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M") if at else ""
templates.filters["krw"] = lambda amount: "" if amount is None else f"{amount:,}"


def _detail(value: object) -> str:
    """A timeline detail: a time as KST, an amount with separators, else as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and "T" in value:
        try:
            return datetime.fromisoformat(value).astimezone(SEOUL).strftime("%Y-%m-%d %H:%M KST")
        except ValueError:
            return value
    return str(value)


templates.filters["detail"] = _detail


def csrf_for(session_token: str) -> str:
    """The CSRF token of a session: HMAC of its token (not the hash the database keeps)."""
    return hmac.new(b"nara-console-csrf", session_token.encode(), hashlib.sha256).hexdigest()


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is as good as none
                continue
    return {key: morsel.value for key, morsel in jar.items()}


_SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class ConsoleCookies:
    """Cookie -> Authorization for /console; security headers on every answer; for a
    browser's page request, 401 -> the login page and any other problem -> an HTML page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        headers = list(scope.get("headers", []))
        cookies = _cookies(scope)
        token = cookies.get(SESSION_COOKIE)
        by_cookie = False
        if token and not any(name == b"authorization" for name, _ in headers):
            headers.append((b"authorization", f"Bearer {token}".encode("latin-1")))
            by_cookie = True
        scope = {**scope, "headers": headers}
        scope.setdefault("state", {})["console_cookie"] = by_cookie
        # A browser asking for a page (Accept: text/html) without a live session goes to
        # the login page, and sees any other refusal as a page; other clients get the
        # API's problem JSON as it is.
        accept = dict(headers).get(b"accept", b"")
        page = scope["method"] == "GET" and b"text/html" in accept
        page = page and not path.startswith(f"{PREFIX}/static")
        lang = cookies.get(LANG_COOKIE, i18n.DEFAULT)
        held: dict[str, Any] = {}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                kind = dict(message.get("headers", [])).get(b"content-type", b"")
                if page and status == 401 and path not in _PUBLIC_PAGES:
                    held["mode"] = "redirect"
                    message = {
                        "type": "http.response.start",
                        "status": 303,
                        "headers": [(b"location", f"{PREFIX}/login".encode())],
                    }
                elif page and kind.startswith(b"application/problem+json"):
                    held.update(mode="page", start=message, body=b"")
                    return
                headers = [*message.get("headers", []), *_SECURITY_HEADERS]
                await send({**message, "headers": headers})
                return
            mode = held.get("mode")
            if mode is None:
                await send(message)
                return
            if mode == "page":
                held["body"] += message.get("body", b"")
            if message.get("more_body"):
                return
            body = _problem_page(held["body"], lang) if mode == "page" else b""
            if mode == "page":
                start = held["start"]
                await send(
                    {
                        "type": "http.response.start",
                        "status": start["status"],
                        "headers": [
                            (b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            *_SECURITY_HEADERS,
                        ],
                    }
                )
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_with_headers)


def _problem_page(raw: bytes, lang: str) -> bytes:
    """The API's problem JSON as a page of the console (a browser's page request)."""
    try:
        problem = json.loads(raw)
    except ValueError:
        problem = {"detail": raw.decode(errors="replace")[:500]}
    page = templates.get_template("problem.html").render(
        t=i18n.translator(lang if lang in i18n.LANGUAGES else i18n.DEFAULT),
        lang=lang,
        csrf="",
        path="",
        person=None,
        problem=problem,
    )
    return page.encode()


def session_token(request: Request) -> str | None:
    """The console session token the cookie carried (None without one)."""
    return request.cookies.get(SESSION_COOKIE)


def csrf_token(request: Request) -> str:
    """The token the page's forms must repeat: tied to the session, or double-submit."""
    token = session_token(request)
    if token:
        return csrf_for(token)
    kept = request.cookies.get(CSRF_COOKIE)
    if kept:
        return kept
    if getattr(request.state, "new_csrf", None) is None:
        request.state.new_csrf = secrets.token_urlsafe(24)
    new: str = request.state.new_csrf
    return new


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe console request whose CSRF token is missing or wrong (403)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.scope.get("state", {}).get("console_cookie"):
        expected = csrf_for(session_token(request) or "")
    elif request.headers.get("authorization"):
        return  # a bearer client (the CLI): no ambient credential, nothing to forge
    else:
        expected = request.cookies.get(CSRF_COOKIE) or ""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRefused(
            "the form's CSRF token is missing or does not match this session",
            field=CSRF_FIELD,
            fix="reload the page and send the form again",
            missing="csrf",
        )


def language(request: Request) -> str:
    """`?lang=en|ko`, else the cookie, else Korean."""
    asked = request.query_params.get("lang")
    if asked in i18n.LANGUAGES:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in i18n.LANGUAGES else i18n.DEFAULT


def _secure(settings: Settings) -> bool:
    """Cookies are Secure when the console is served on https (its passkeys' origin)."""
    return settings.webauthn_origin.startswith("https://")


def set_session_cookie(response: Response, settings: Settings, token: str, max_age: int) -> None:
    """The session token in the console's cookie: HttpOnly, SameSite=Strict, /console."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=_secure(settings),
    )


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the person's language, with its CSRF token (and cookie, if new)."""
    lang = language(request)
    csrf = csrf_token(request)
    body = templates.get_template(template).render(
        t=i18n.translator(lang),
        lang=lang,
        csrf=csrf,
        request_key=secrets.token_urlsafe(18),
        path=request.url.path,
        query=request.url.query,
        **context,
    )
    response = HTMLResponse(body, status_code=status)
    secure = _secure(request.app.state.settings)
    if "lang" in request.query_params and lang == request.query_params["lang"]:
        response.set_cookie(LANG_COOKIE, lang, path=PREFIX, samesite="strict", secure=secure)
    if session_token(request) is None and CSRF_COOKIE not in request.cookies:
        response.set_cookie(
            CSRF_COOKIE, csrf, path=PREFIX, httponly=True, samesite="strict", secure=secure
        )
    return response
