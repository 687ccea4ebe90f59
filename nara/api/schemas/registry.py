"""Agencies, businesses, the people who act for them, and agent links."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, model_validator

from nara.api.schemas.base import ApiModel, BusinessNo, ReadModel
from nara.domain.enums import AgencyKind, Role

Code = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]
AccountNo = Annotated[str, Field(min_length=1, max_length=40)]
PersonId = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.@-]+$")]


class AgencyCreate(ApiModel):
    code: Code = Field(description="agency code, e.g. 1230000")
    name: str = Field(min_length=1, max_length=200)
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
    name: str = Field(min_length=1, max_length=200)
    account_no: AccountNo | None = Field(None, description="account payments are made to")
    region: str | None = Field(None, max_length=40)


class BusinessRead(ReadModel):
    business_no: str
    name: str
    account_no: str | None
    region: str | None
    created_at: datetime


class PersonCreate(ApiModel):
    id: PersonId
    name: str = Field(min_length=1, max_length=100)
    role: Role
    agency_code: Code | None = Field(
        None, description="required for officers and inspectors; none for suppliers"
    )

    @model_validator(mode="after")
    def _agency_matches_role(self) -> PersonCreate:
        if self.role in (Role.OFFICER, Role.INSPECTOR) and not self.agency_code:
            raise ValueError(f"a {self.role.value} belongs to an agency: send agency_code")
        if self.role is Role.SUPPLIER and self.agency_code:
            raise ValueError(
                "a supplier acts for businesses, not an agency: leave agency_code out and "
                "link the person with POST /businesses/{business_no}/agents"
            )
        return self


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
