"""The error catalogue across the Temporal boundary: `NaraError` <-> `ApplicationError`.

The `ApplicationError` type is the error's class name; its details carry the field, the
fix and the extras, so whoever receives it (the API, another workflow) rebuilds the same
error. This and `nara.api.problems` are the only places that translate errors.
"""

from __future__ import annotations

from typing import Any

from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError

from nara.domain.errors import NaraError, catalogue

# Activity failures recorded under an older name still read as the error they were.
_FORMER_NAMES = {"RuleBroken": "RuleViolation"}


def to_application_error(error: NaraError, *, final: bool = False) -> ApplicationError:
    """The Temporal form of a project error (non-retryable unless the error is transient)."""
    return ApplicationError(
        error.detail,
        {"field": error.field, "fix": error.fix, **error.extra},
        type=type(error).__name__,
        non_retryable=final or not error.retryable,
    )


def from_application_error(error: BaseException) -> NaraError | None:
    """The project error inside a Temporal failure, or None if it is not one of ours.

    Looks through activity and child-workflow wrappers to the `ApplicationError`.
    """
    while isinstance(error, ActivityError | ChildWorkflowError) and error.cause is not None:
        error = error.cause
    if not isinstance(error, ApplicationError) or error.type is None:
        return None
    cls = catalogue().get(_FORMER_NAMES.get(error.type, error.type))
    if cls is None:
        return None
    details: dict[str, Any] = {}
    if error.details and isinstance(error.details[0], dict):
        details = dict(error.details[0])
    field = details.pop("field", None)
    fix = details.pop("fix", None)
    return cls.rebuild(error.message, field=field, fix=fix, extra=details)


def refusal(error: NaraError) -> ApplicationError:
    """What a workflow raises to refuse an Update or a call: the error, non-retryable."""
    return to_application_error(error, final=True)
