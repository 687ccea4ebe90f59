"""The HTTP plumbing the partner clients share: one request, one answer, errors translated.

A client makes exactly one HTTP request per call and never retries. What went wrong
is translated into the project's errors:

- the partner said no for a business reason (4xx with a problem `code`):
  `PartnerRejected`, not retryable; `code` carries the partner's code;
- the partner timed out, could not be reached, or failed (5xx, 429):
  `PartnerUnavailable`, retryable. The request may still have been done (a timeout
  after the partner committed), which is why money-moving calls carry idempotency keys.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from nara.domain.errors import PartnerRejected, PartnerUnavailable

ModelT = TypeVar("ModelT", bound=BaseModel)

_RETRY_FIX = "retry later with the same idempotency key; the activity retry policy does this"

CallObserver = Callable[[str, str, float], None]
"""Told of every partner call: (partner, outcome, seconds). The outcome is `ok`, `refused`
(a business refusal, 4xx), `timeout` (no answer in time, or the partner's own 504) or
`error` (unreachable, other 5xx, 429); the metrics of `nara.metrics` and of the worker
(`nara.workers.telemetry`) count them."""


def _ignore(partner: str, outcome: str, seconds: float) -> None:
    """The observer of a client nobody watches."""


class PartnerModel(BaseModel):
    """Base of every partner request and answer: immutable, unknown fields ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class PartnerClient:
    """One partner's HTTP API.

    Args:
        base_url: e.g. `http://127.0.0.1:8102`.
        timeout_s: the whole-request timeout; past it the call raises `PartnerUnavailable`.
        http: a shared `httpx.AsyncClient` (left open by `aclose`); None makes a private one.
        admin_token: the partner simulators' admin token (`SIMULATOR_ADMIN_TOKEN`), sent as
            `Authorization: Bearer` on admin calls only (`BankClient.open_account`); a real
            partner has no such routes, so production clients leave it None.
        observe: told of every call's outcome and time (`CallObserver`), for the metrics.
    """

    partner: ClassVar[str] = "partner"

    def __init__(
        self,
        base_url: str,
        timeout_s: float = 5.0,
        http: httpx.AsyncClient | None = None,
        *,
        admin_token: str | None = None,
        observe: CallObserver | None = None,
    ) -> None:
        self.observe = observe or _ignore
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._http = http if http is not None else httpx.AsyncClient()
        self._owns_http = http is None
        self._admin_token = admin_token

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> PartnerClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def _input(self, model: type[ModelT], **fields: Any) -> ModelT:
        """Build a request model; a bad field is a rejection, never something to retry."""
        try:
            return model(**fields)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            raise PartnerRejected(
                f"{field}: {first['msg']}",
                field=field,
                fix="correct the field before calling the partner",
                code="invalid-request",
                partner=self.partner,
            ) from exc

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | None = None,
        params: dict[str, str] | None = None,
        idempotency_key: str | None = None,
        admin: bool = False,
    ) -> httpx.Response:
        """Send one request; return a 2xx answer or raise the translated error.

        `admin` marks a simulator's admin route: the admin token goes with it, if the
        client has one (without, the simulator answers 401, a `PartnerRejected`).
        """
        started = time.perf_counter()
        outcome = "error"
        try:
            response = await self._send(
                method, path, body=body, params=params, idempotency_key=idempotency_key, admin=admin
            )
            outcome = "ok"
            return response
        except PartnerRejected:
            outcome = "refused"
            raise
        except PartnerUnavailable as exc:
            timed_out = exc.extra.get("code") == "timeout" or exc.extra.get("http_status") == 504
            outcome = "timeout" if timed_out else "error"
            raise
        finally:
            self.observe(self.partner, outcome, time.perf_counter() - started)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | None,
        params: dict[str, str] | None,
        idempotency_key: str | None,
        admin: bool,
    ) -> httpx.Response:
        """The one request of `_call`, its failures translated."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key is not None else {}
        if admin and self._admin_token is not None:
            headers["Authorization"] = f"Bearer {self._admin_token}"
        try:
            response = await self._http.request(
                method,
                f"{self.base_url}{path}",
                headers=headers,
                params=params,
                json=body.model_dump(mode="json") if body is not None else None,
                timeout=self.timeout_s,
            )
        except httpx.TimeoutException as exc:
            raise PartnerUnavailable(
                f"{self.partner} did not answer {method} {path} within {self.timeout_s} s; "
                "the request may or may not have been done",
                fix=_RETRY_FIX,
                code="timeout",
                partner=self.partner,
            ) from exc
        except httpx.TransportError as exc:
            raise PartnerUnavailable(
                f"{self.partner} at {self.base_url} could not be reached: {exc!r}",
                fix=_RETRY_FIX,
                code="unreachable",
                partner=self.partner,
            ) from exc
        if response.is_success:
            return response
        problem = _problem(response)
        code = str(problem.get("code") or f"http-{response.status_code}")
        detail = str(
            problem.get("detail") or f"{self.partner} answered HTTP {response.status_code}"
        )
        if response.status_code >= 500 or response.status_code == 429:
            raise PartnerUnavailable(
                f"{self.partner}: {detail}",
                fix=_RETRY_FIX,
                code=code,
                partner=self.partner,
                http_status=response.status_code,
            )
        raise PartnerRejected(
            f"{self.partner}: {detail}",
            field=problem.get("field"),
            fix=problem.get("fix"),
            code=code,
            partner=self.partner,
            http_status=response.status_code,
        )


def _problem(response: httpx.Response) -> dict[str, Any]:
    """The problem JSON of an error answer, or {} when the body is something else."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
