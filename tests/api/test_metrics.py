"""`/metrics` without servers: what it counts (answers by route template and status, problem
answers by code) and who may scrape it (METRICS_TOKEN, or loopback in development only;
never a header)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from nara.api.app import create_app
from nara.settings import Settings
from nara.store.db import create_engine, session_factory

NOWHERE = "postgresql://nobody@127.0.0.1:1/none"
TOKEN = "scrape-" + "x" * 24


def _app(**env: Any) -> FastAPI:
    """The application without its lifespan: these routes read no database (the session a
    request gets is never used, so it never connects)."""
    settings = Settings(DATABASE_URL=NOWHERE, **env)
    app = create_app(settings)
    app.state.sessions = session_factory(create_engine(NOWHERE, pool_size=1))
    app.state.identity = None
    return app


async def _get(
    app: FastAPI, path: str, *, peer: str = "127.0.0.1", headers: dict[str, str] | None = None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(peer, 40_000))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        return await http.get(path, headers=headers)


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


async def test_requests_are_counted_by_route_template_and_problems_by_code() -> None:
    app = _app()
    before = _samples((await _get(app, "/metrics")).text)
    assert (await _get(app, "/health")).status_code == 200
    invalid = await _get(app, "/ready?partners=maybe")
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid-request"
    assert (await _get(app, "/no/such/page")).status_code == 404
    scraped = await _get(app, "/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    after = _samples(scraped.text)

    def grew(key: tuple[str, frozenset[tuple[str, str]]]) -> float:
        return after.get(key, 0.0) - before.get(key, 0.0)

    requests = "nara_http_requests_total"
    assert grew(_key(requests, method="GET", route="/health", status="200")) == 1
    assert grew(_key(requests, method="GET", route="/ready", status="422")) == 1
    assert grew(_key(requests, method="GET", route="<unmatched>", status="404")) == 1
    assert grew(_key("nara_http_problems_total", code="invalid-request", status="422")) == 1
    assert grew(_key("nara_http_problems_total", code="http-404", status="404")) == 1
    latency = "nara_http_request_duration_seconds_count"
    assert grew(_key(latency, method="GET", route="/health")) == 1
    assert not any("/no/such/page" in str(key) for key in after)  # templates, not paths


async def test_only_a_scraper_may_read_them() -> None:
    development = _app()
    assert (await _get(development, "/metrics")).status_code == 200
    away = await _get(development, "/metrics", peer="10.1.2.3")
    assert away.status_code == 401 and away.json()["missing"] == "scrape-token"
    assert "METRICS_TOKEN" in away.json()["fix"]
    # A header naming loopback changes nothing: the connection's peer decides.
    forged = await _get(
        development, "/metrics", peer="10.1.2.3", headers={"X-Forwarded-For": "127.0.0.1"}
    )
    assert forged.status_code == 401

    with_token = _app(METRICS_TOKEN=TOKEN)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert (await _get(with_token, "/metrics", peer="10.1.2.3", headers=bearer)).status_code == 200
    wrong = await _get(
        with_token, "/metrics", peer="10.1.2.3", headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 403 and wrong.json()["missing"] == "scrape-token"

    # Behind a proxy every peer is the proxy, and production trusts no address: the token only.
    proxied = _app(TRUSTED_PROXIES="127.0.0.1", METRICS_TOKEN=TOKEN)
    assert (await _get(proxied, "/metrics")).status_code == 401
    assert (await _get(proxied, "/metrics", headers=bearer)).status_code == 200
    production = _app(
        NARA_ENV="production", TEMPORAL_ADDRESS="temporal:7233", TRUSTED_CA_CERTS="/ca/root.pem"
    )
    assert (await _get(production, "/metrics")).status_code == 401
    assert (await _get(production, "/health")).status_code == 200


def test_a_scrape_token_is_long_or_unset() -> None:
    with pytest.raises(ValidationError, match="METRICS_TOKEN"):
        Settings(DATABASE_URL=NOWHERE, METRICS_TOKEN="guessable")
    # An empty value (compose's `${METRICS_TOKEN:-}`) is no token: nobody gets in with "".
    assert Settings(DATABASE_URL=NOWHERE, METRICS_TOKEN="").metrics_token is None
