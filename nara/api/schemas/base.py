"""The base of every API schema, and field types the resources share."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

from nara.domain.errors import RuleViolation
from nara.domain.identifiers import validate_business_no


class ApiModel(BaseModel):
    """Every request and response body: unknown request fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", from_attributes=True, populate_by_name=True)


class ReadModel(ApiModel):
    """Response bodies: built from table rows."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)


def rule_error(violation: RuleViolation) -> PydanticCustomError:
    """A domain rule violation as a pydantic error, so the 422 names the field and the fix."""
    return PydanticCustomError(
        violation.rule.replace("-", "_"),
        "{message}",
        {"message": violation.message, "accepted": violation.accepted},
    )


def _business_no(raw: Any) -> str:
    try:
        return validate_business_no(raw)
    except RuleViolation as violation:
        raise rule_error(violation) from None


BusinessNo = Annotated[str, AfterValidator(_business_no)]
"""A business registration number with a valid check digit, normalised to 123-45-67890."""
