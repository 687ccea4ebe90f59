"""The one error the rules raise.

A `RuleViolation` names the rule that was broken, the field and value that broke
it, and what would have been accepted, so the API can answer with a message a
procurement officer can act on. The API maps it to its own problem type; the
domain stays free of any framework.
"""

from __future__ import annotations

from typing import Any


class RuleViolation(Exception):
    """A procurement rule refused a value.

    Attributes:
        rule: Stable identifier of the rule, e.g. ``"notice-period"``.
        field: The input field at fault, e.g. ``"deadline"``.
        value: The value that was refused.
        accepted: What would be accepted, in words, e.g. ``"on or after 2026-12-28 10:00 KST"``.
        message: A full sentence naming the rule, the value and what would be accepted.
        suggestion: A concrete value that would pass, when one can be computed.
    """

    def __init__(
        self,
        *,
        rule: str,
        field: str,
        value: object,
        accepted: str,
        message: str,
        suggestion: object = None,
    ) -> None:
        super().__init__(message)
        self.rule = rule
        self.field = field
        self.value = value
        self.accepted = accepted
        self.message = message
        self.suggestion = suggestion

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only __init__ needs help to survive pickling (process pools, test runners).
        return (_rebuild, (self.as_dict(),))

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


def _rebuild(fields: dict[str, Any]) -> RuleViolation:
    return RuleViolation(**fields)
