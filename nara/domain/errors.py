"""The project's one error catalogue.

Every expected, explainable failure is a `NaraError` subclass: it says what was wrong
(`detail`), which input was at fault (`field`) and what to do (`fix`), plus any extras.
The catalogue is pure Python; two places translate it and no others:

- `nara.contracts.errors`: to and from Temporal `ApplicationError` (the type name is the
  class name), so a refusal crosses the workflow boundary with its field and fix;
- `nara.api.problems`: to RFC 9457 problem JSON, with the HTTP status of each class.
"""

from __future__ import annotations

from typing import Any, ClassVar


class NaraError(Exception):
    """Base of every expected, explainable failure."""

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

    def __str__(self) -> str:
        return self.detail

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword arguments need help to survive pickling (process pools, test runners).
        return (_rebuild, (type(self), self.detail, self.field, self.fix, self.extra))

    @classmethod
    def rebuild(
        cls, detail: str, *, field: str | None, fix: str | None, extra: dict[str, Any]
    ) -> NaraError:
        """The error again from its parts (what crossed a process or workflow boundary)."""
        error = cls.__new__(cls)
        NaraError.__init__(error, detail, field=field, fix=fix, **extra)
        return error


def _rebuild(
    cls: type[NaraError], detail: str, field: str | None, fix: str | None, extra: dict[str, Any]
) -> NaraError:
    return cls.rebuild(detail, field=field, fix=fix, extra=extra)


class NotFound(NaraError):
    code, title = "not-found", "Not found"


class Forbidden(NaraError):
    code, title = "forbidden", "Not allowed"


class Unauthenticated(NaraError):
    code, title = "unauthenticated", "Who are you?"


class CertificateRefused(Unauthenticated):
    """A certificate does not prove who the person is; `reason` names which check failed
    (a `nara.domain.identity.CertificateProblem` value: expired, revoked, foreign-ca, ...)."""

    code, title = "certificate-refused", "The certificate was refused"


class LoginRefused(Unauthenticated):
    """A login by challenge failed; `reason` names why (a `LoginProblem` value)."""

    code, title = "login-refused", "The login was refused"


class SessionEnded(Unauthenticated):
    """The bearer token names no live session; `reason` says why (a `SessionEnd` value)."""

    code, title = "session-ended", "The session is not valid"


class CsrfRefused(Forbidden):
    """A console form (or script) came without the CSRF token of its session: it may have
    been sent by another site in the person's name, so it is refused before it runs."""

    code, title = "csrf-refused", "The form's CSRF token was refused"


class CredentialTaken(Forbidden):
    """A certificate or key already enrolled for another person: one credential, one person."""

    code, title = "credential-taken", "This credential belongs to another person"


class TrustUnavailable(NaraError):
    """Certificates cannot be checked now: no trusted root is configured, or the CA's
    revocation list cannot be read or trusted. No login is accepted until they can."""

    code, title = "trust-unavailable", "Certificates cannot be checked now"
    retryable = True


class Conflict(NaraError):
    code, title = "conflict", "Conflict with the current state"


class WrongPhase(Conflict):
    code, title = "wrong-phase", "The tender is not in the phase this needs"


class DeadlinePassed(Conflict):
    code, title = "deadline-passed", "The bid deadline has passed"


class DuplicateBid(Conflict):
    code, title = "duplicate-bid", "This business already bid on this tender"


class StaleCandidate(Conflict):
    """The decision names a candidate who is no longer the one under review."""

    code, title = "stale-candidate", "That candidate is not the one under review"


class RuleViolation(NaraError):
    """A procurement rule refused a value.

    Carries, besides the message: `rule` (stable identifier, e.g. ``"notice-period"``),
    `value` (what was refused), `accepted` (what would be accepted, in words, e.g.
    ``"on or after 2026-12-28 10:00 KST"``) and `suggestion` (a value that would pass,
    when one can be computed).
    """

    code, title = "rule-violation", "A procurement rule was broken"

    def __init__(
        self,
        *,
        rule: str,
        field: str,
        value: object,
        accepted: str,
        message: str,
        suggestion: object = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(
            message,
            field=field,
            fix=fix or f"use {accepted}",
            rule=rule,
            value=value,
            accepted=accepted,
            suggestion=suggestion,
        )

    @property
    def message(self) -> str:
        return self.detail

    @property
    def rule(self) -> str:
        return str(self.extra.get("rule", ""))

    @property
    def value(self) -> object:
        return self.extra.get("value")

    @property
    def accepted(self) -> str:
        return str(self.extra.get("accepted", ""))

    @property
    def suggestion(self) -> object:
        return self.extra.get("suggestion")

    def as_dict(self) -> dict[str, object]:
        """The violation as plain data, for problem JSON and audit records."""
        return {
            "rule": self.rule,
            "field": self.field,
            "value": self.value,
            "accepted": self.accepted,
            "message": self.message,
            "suggestion": self.suggestion,
        }


class InvalidClaim(NaraError):
    """A payment claim breaks the contract's payment terms."""

    code, title = "invalid-claim", "The payment claim is not valid"


class PartnerRejected(NaraError):
    """A guarantee agency or bank said no for a business reason: retrying will not help."""

    code, title = "partner-rejected", "A partner refused the request"


class GuaranteeRejected(PartnerRejected):
    """The guarantee agency refused to confirm a certificate."""

    code, title = "guarantee-rejected", "The guarantee agency refused the certificate"


class PartnerUnavailable(NaraError):
    """A guarantee agency or bank timed out or failed: retry later."""

    code, title = "partner-unavailable", "A partner is unavailable"
    retryable = True


class TemporalUnavailable(NaraError):
    """Temporal (the workflow service) did not answer."""

    code, title = "temporal-unavailable", "The workflow service is unavailable"
    retryable = True


class ProcessFailed(NaraError):
    """A workflow answered with a failure that has no better word in this catalogue."""

    code, title = "process-failed", "The tender process could not do this"


class PasskeyRefused(Forbidden):
    """A passkey registration or assertion does not prove what it must (a bid's assertion
    for another document, origin or person; a replayed signature counter); `reason` names
    the check (a `nara.domain.passkeys.PasskeyProblem` value)."""

    code, title = "passkey-refused", "The passkey was refused"


class PasskeyLoginRefused(Unauthenticated):
    """A passkey login failed; `reason` names why (a `PasskeyProblem` value)."""

    code, title = "passkey-login-refused", "The passkey login was refused"


class SealRefused(NaraError):
    """A sealed bid that would not open: a part of the wrong size, a ciphertext for another
    tender key, tender or business, or a check value the tender key does not derive
    (`nara.domain.sealing`); `field` names the part. Nothing is stored."""

    code, title = "seal-refused", "The sealed bid would not open"


class SignatureRefused(Forbidden):
    """A bid's e-signature does not prove the agent signed this document with a certificate
    of their own (forged, for another document, a foreign, expired or revoked certificate,
    or one bound to another business); `reason` names the check."""

    code, title = "signature-refused", "The bid's signature was refused"


class SealedUntilClose(Conflict):
    """The key service refused to use a tender's private key or reveal its reserve secret:
    bidding has not closed by the database's record. The refusal is audited."""

    code, title = "sealed-until-close", "Sealed until bidding closes"
    retryable = True  # the opening retries until the close is recorded


def catalogue() -> dict[str, type[NaraError]]:
    """Every error class by its name (the Temporal `ApplicationError` type)."""
    found: dict[str, type[NaraError]] = {}
    pending: list[type[NaraError]] = [NaraError]
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return found


class ActionRefused(Forbidden):
    """An action that changes money or a deadline without a valid person: no signed token,
    a token for another workflow or action, expired, already used, or not an operator's."""

    code, title = "action-refused", "The action does not name a valid person"


class CauseNotFixed(Conflict):
    """An operator's retry or correction while the partner still fails or refuses: the
    cause is not fixed yet (the bank still down, the account still unknown)."""

    code, title = "cause-not-fixed", "The cause is not fixed yet"


class InvalidSearch(NaraError):
    """A search parameter the index cannot use: a cursor of another search, a keyword of
    punctuation only. `field` names it."""

    code, title = "invalid-search", "The search cannot be run as asked"


class SearchUnavailable(NaraError):
    """Search is saturated or its database failed; nothing else is affected. Retry after
    `retry_after_s` seconds (the answer's Retry-After)."""

    code, title = "search-unavailable", "Search is busy; retry shortly"
    retryable = True
