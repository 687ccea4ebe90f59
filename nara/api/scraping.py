"""Metrics for the API: request counting, and who may scrape `/metrics`.

`MetricsMiddleware` is the outermost layer of the application: it counts every answer
(route template, status, time; problem answers by their `code`) in `nara.metrics`, and
keeps the connection's own peer in the scope before any proxy header can replace it.
`require_scraper` is the gate's check of `Scope.SCRAPE` (see `nara.api.access`).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import time

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nara import metrics
from nara.api.access import Rule
from nara.domain.errors import Forbidden, Unauthenticated
from nara.settings import Settings, reveal

PEER = "nara.peer"
"""Scope key: (host, port) of the connection itself, kept before ProxyHeadersMiddleware."""

_PROBLEM_JSON = b"application/problem+json"
_MAX_PROBLEM_BYTES = 64 * 1024


class MetricsMiddleware:
    """Count each HTTP answer by method, route template and status, and its latency."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[PEER] = scope.get("client")
        started = time.perf_counter()
        status = 500
        problem: bytearray | None = None

        async def watch(message: Message) -> None:
            nonlocal status, problem
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = dict(message.get("headers") or [])
                if headers.get(b"content-type", b"").startswith(_PROBLEM_JSON):
                    problem = bytearray()
            elif (
                message["type"] == "http.response.body"
                and problem is not None
                and len(problem) < _MAX_PROBLEM_BYTES
            ):
                problem += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            method = scope.get("method", "GET")
            metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
            metrics.HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)
            if problem is not None:
                metrics.HTTP_PROBLEMS.labels(_problem_code(bytes(problem)), str(status)).inc()


def _problem_code(body: bytes) -> str:
    try:
        code = json.loads(body).get("code")
    except (ValueError, AttributeError):
        return "unreadable"
    return code if isinstance(code, str) and len(code) <= 64 else "unreadable"


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_scraper(request: Request, settings: Settings, rule: Rule) -> None:
    """Let a scraper through: the METRICS_TOKEN bearer, or (development, no proxies) a
    loopback peer. Raises Unauthenticated (401) or Forbidden (403) otherwise."""
    token = reveal(settings.metrics_token) or None  # never an empty token
    header = request.headers.get("Authorization")
    if token is not None and header is not None:
        scheme, _, sent = header.strip().partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(sent.strip(), token):
            return
        raise Forbidden(
            "the Authorization header does not carry METRICS_TOKEN",
            field="Authorization",
            fix="send Authorization: Bearer <METRICS_TOKEN> (the scraper's token, not a session)",
            missing="scrape-token",
            allowed=rule.words(),
        )
    peer = request.scope.get(PEER) or request.scope.get("client")
    loopback_counts = settings.env == "development" and not settings.trusted_proxies
    if loopback_counts and _loopback(peer[0] if peer else None):
        return
    raise Unauthenticated(
        "metrics are for a scraper: "
        + ("send METRICS_TOKEN" if token is not None else "METRICS_TOKEN is not set")
        + (", or scrape from loopback" if loopback_counts else ""),
        field="Authorization",
        fix="set METRICS_TOKEN on the API and send Authorization: Bearer <METRICS_TOKEN>",
        missing="scrape-token",
        allowed=rule.words(),
    )
