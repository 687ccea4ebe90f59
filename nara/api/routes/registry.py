"""Registry: agencies, businesses, people and agent links (idempotent by natural key).

Operators register agencies, businesses and people; a business's agents are registered by
an operator or by an agent of that business (checked by `nara.services.registry`)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from nara.api.deps import ActorDep, SessionDep
from nara.api.problems import problem_responses
from nara.api.schemas.base import BusinessNo
from nara.api.schemas.registry import (
    AgencyCreate,
    AgencyRead,
    AgentCreate,
    AgentRead,
    BusinessCreate,
    BusinessRead,
    PersonCreate,
    PersonRead,
)
from nara.services import registry

router = APIRouter(
    tags=["registry"], responses=problem_responses(400, 401, 403, 409, 422, 500, 503)
)


def _status(response: Response, created: bool) -> None:
    response.status_code = 201 if created else 200


@router.post(
    "/agencies",
    response_model=AgencyRead,
    status_code=201,
    responses={
        200: {"model": AgencyRead, "description": "already registered: the agency on record"}
    },
    summary="Register an agency (operator; 200 if already registered)",
)
async def create_agency(
    body: AgencyCreate, response: Response, session: SessionDep, actor: ActorDep
) -> AgencyRead:
    created = await registry.create_agency(
        session=session,
        actor=actor,
        code=body.code,
        name=body.name,
        kind=body.kind,
        account_no=body.account_no,
    )
    await session.commit()
    _status(response, created.created)
    return AgencyRead.model_validate(created.item)


@router.post(
    "/businesses",
    response_model=BusinessRead,
    status_code=201,
    responses={
        200: {"model": BusinessRead, "description": "already registered: the business on record"}
    },
    summary="Register a business (operator; 200 if already registered)",
)
async def create_business(
    body: BusinessCreate, response: Response, session: SessionDep, actor: ActorDep
) -> BusinessRead:
    created = await registry.create_business(
        session=session,
        actor=actor,
        business_no=body.business_no,
        name=body.name,
        account_no=body.account_no,
        region=body.region,
    )
    await session.commit()
    _status(response, created.created)
    return BusinessRead.model_validate(created.item)


@router.post(
    "/people",
    response_model=PersonRead,
    status_code=201,
    responses={
        200: {"model": PersonRead, "description": "already registered: the person on record"},
        **problem_responses(404),
    },
    summary="Register a person with a role (operator; 200 if already registered)",
)
async def create_person(
    body: PersonCreate, response: Response, session: SessionDep, actor: ActorDep
) -> PersonRead:
    created = await registry.create_person(
        session=session,
        actor=actor,
        person_id=body.id,
        name=body.name,
        role=body.role,
        agency_code=body.agency_code,
    )
    await session.commit()
    _status(response, created.created)
    return PersonRead.model_validate(created.item)


@router.post(
    "/businesses/{business_no}/agents",
    response_model=AgentRead,
    status_code=201,
    responses={
        200: {"model": AgentRead, "description": "already registered: the agent link on record"},
        **problem_responses(404),
    },
    summary="Register a supplier as an agent of a business (operator or one of its agents; "
    "200 if already one)",
)
async def create_agent(
    business_no: BusinessNo,
    body: AgentCreate,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
) -> AgentRead:
    created = await registry.create_agent(
        session=session, actor=actor, business_no=business_no, person_id=body.person_id
    )
    await session.commit()
    _status(response, created.created)
    return AgentRead.model_validate(created.item)
