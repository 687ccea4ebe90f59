"""The project's error hierarchy.

Every error says what was wrong and what to do. It is mapped to HTTP problem JSON
(RFC 9457, formerly 7807) in `nara.api.problems` and to Temporal `ApplicationError`
types in `to_application_error` below: those are the only two places that translate.
"""

from __future__ import annotations

from typing import Any, ClassVar

from temporalio.exceptions import ApplicationError


class NaraError(Exception):
    """Base of every expected, explainable failure."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"
    retryable: ClassVar[bool] = False

    def __init__(
        self, detail: str, *, field: str | None = None, fix: str | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.fix = fix
        self.extra = extra


class NotFound(NaraError):
    status, code, title = 404, "not-found", "Not found"


class Forbidden(NaraError):
    status, code, title = 403, "forbidden", "Not allowed"


class Unauthenticated(NaraError):
    status, code, title = 401, "unauthenticated", "Who are you?"


class Conflict(NaraError):
    status, code, title = 409, "conflict", "Conflict with the current state"


class WrongPhase(Conflict):
    code, title = "wrong-phase", "The tender is not in the phase this needs"


class DeadlinePassed(Conflict):
    code, title = "deadline-passed", "The bid deadline has passed"


class DuplicateBid(Conflict):
    code, title = "duplicate-bid", "This business already bid on this tender"


class RuleBroken(NaraError):
    status, code, title = 422, "rule-violation", "A procurement rule was broken"


class PartnerRejected(NaraError):
    """A guarantee agency or bank said no for a business reason: retrying will not help."""

    status, code, title = 422, "partner-rejected", "A partner refused the request"


class PartnerUnavailable(NaraError):
    """A guarantee agency or bank timed out or failed: retry later."""

    status, code, title = 503, "partner-unavailable", "A partner is unavailable"
    retryable = True


class SearchUnavailable(NaraError):
    status, code, title = 503, "search-unavailable", "Search is unavailable right now"
    retryable = True


class StaleCandidate(Conflict):
    """The decision names a candidate who is no longer the one under review."""

    code, title = "stale-candidate", "That candidate is not the one under review"


class InvalidClaim(NaraError):
    """A payment claim breaks the contract's payment terms."""

    status, code, title = 422, "invalid-claim", "The payment claim is not valid"


class GuaranteeRejected(PartnerRejected):
    """The guarantee agency refused to confirm a certificate."""

    code, title = "guarantee-rejected", "The guarantee agency refused the certificate"


class TemporalUnavailable(NaraError):
    """Temporal (the workflow service) did not answer."""

    status, code, title = 503, "temporal-unavailable", "The workflow service is unavailable"
    retryable = True


class ProcessFailed(NaraError):
    """A workflow answered an Update with a failure the API has no better word for."""

    status, code, title = 500, "process-failed", "The tender process could not do this"


def to_application_error(error: NaraError) -> ApplicationError:
    """Translate a project error into a Temporal ApplicationError of the same type name."""
    return ApplicationError(
        error.detail,
        {"field": error.field, "fix": error.fix, **error.extra},
        type=type(error).__name__,
        non_retryable=not error.retryable,
    )
