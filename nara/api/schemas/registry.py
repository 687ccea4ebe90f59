"""Agencies, businesses, the people who act for them, and agent links."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from nara.api.schemas.base import (
    AgencyCode,
    ApiModel,
    BusinessNo,
    PersonId,
    ReadModel,
    Text,
    refuse,
)
from nara.domain.enums import AgencyKind, Role

AccountNo = Annotated[str, Text(40)]
Name = Annotated[str, Text(200)]
_AGENCY_ROLES = (Role.OFFICER, Role.INSPECTOR)


class AgencyCreate(ApiModel):
    code: AgencyCode = Field(description="agency code, e.g. 1230000")
    name: Name
    kind: AgencyKind = Field(description="national (State Contracts Act) or local")
    account_no: AccountNo | None = Field(None, description="account payments are made from")


class AgencyRead(ReadModel):
    code: str
    name: str
    kind: AgencyKind
    account_no: str | None
    created_at: datetime


class BusinessCreate(ApiModel):
    business_no: BusinessNo = Field(description="registration number, e.g. 123-45-67891")
    name: Name
    account_no: AccountNo | None = Field(None, description="account payments are made to")
    region: Annotated[str, Text(40)] | None = None


class BusinessRead(ReadModel):
    business_no: str
    name: str
    account_no: str | None
    region: str | None
    created_at: datetime


class PersonCreate(ApiModel):
    """A person; whether `agency_code` is required, allowed or refused depends on `role`."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {
                    "properties": {
                        "role": {"enum": [r.value for r in _AGENCY_ROLES]},
                        "agency_code": {"type": "string"},
                    },
                    "required": ["role", "agency_code"],
                },
                {
                    "properties": {
                        "role": {"const": Role.SUPPLIER.value},
                        "agency_code": {"type": "null"},
                    },
                    "required": ["role"],
                },
                {
                    "properties": {"role": {"enum": [Role.OPERATOR.value, Role.AUDITOR.value]}},
                    "required": ["role"],
                },
            ]
        }
    )

    id: PersonId
    name: Annotated[str, Text(100)]
    role: Role
    agency_code: AgencyCode | None = Field(
        None,
        validate_default=True,
        description="required for officers and inspectors; null or left out for suppliers; "
        "optional for operators and auditors",
    )

    @field_validator("agency_code")
    @classmethod
    def _agency_matches_role(cls, agency_code: str | None, info: ValidationInfo) -> str | None:
        role = info.data.get("role")
        if role in _AGENCY_ROLES and agency_code is None:
            raise refuse(
                "missing",
                f"a {role.value} belongs to an agency: send agency_code",
                "the code of the person's agency",
            )
        if role is Role.SUPPLIER and agency_code is not None:
            raise refuse(
                "supplier_agency",
                "a supplier acts for businesses, not an agency: leave agency_code out and "
                "link the person with POST /businesses/{business_no}/agents",
                "null, or no agency_code at all",
            )
        return agency_code


class PersonRead(ReadModel):
    id: str
    name: str
    role: Role
    agency_code: str | None
    created_at: datetime


class AgentCreate(ApiModel):
    person_id: PersonId = Field(description="a person with the supplier role")


class AgentRead(ReadModel):
    business_no: str
    person_id: str
    created_at: datetime
