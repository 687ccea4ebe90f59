"""The open-data feed (OCDS 1.1): public, read from PostgreSQL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from nara.api.deps import SessionDep, SettingsDep
from nara.api.problems import problem_responses
from nara.api.schemas.base import Code, Whole
from nara.api.schemas.ocds import RecordPackage, ReleasePackage
from nara.services import open_data

router = APIRouter(prefix="/ocds", tags=["open data"], responses=problem_responses(422, 500, 503))

POLICY = """
One OCDS 1.1 release per stage of a tender: the announcement (planning and tender, with
the announced estimated price), each moved deadline (tenderAmendment), the opening (how
many bids), a failure or cancellation, the award, the contract and its signing, and each
payment (implementation transactions). A sealed value is never published before the
opening: no bid price, reserve price or bidder before it. ocids are
`<OCDS_OCID_PREFIX>-<notice no>`, one per tender round.
"""

Cursor = Annotated[
    str,
    Code(
        r"\d{1,19}\.\d{1,18}",
        what="a cursor of this feed",
        accepted="the `after` of a links.next, like 7412.93",
    ),
]
Ocid = Annotated[
    str,
    Code(
        r"ocds-[a-z0-9]{6}-[0-9A-Za-z-]{1,40}",
        what="an ocid",
        accepted="`<prefix>-<notice no>`, like ocds-xxxxxx-20260000001-00",
    ),
]


def _publisher(request: Request, settings: SettingsDep) -> open_data.Publisher:
    return open_data.Publisher.from_settings(settings, docs_url=f"{request.base_url}docs")


@router.get(
    "/releases",
    response_model=ReleasePackage,
    summary="OCDS release packages, oldest first, by cursor (anyone)",
    description="Follow `links.next` to the end: every release committed before you got "
    "there is on a page you read, in the same order for every reader; a slow writer "
    "holds the feed back rather than being skipped.\n" + POLICY,
)
async def list_releases(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    after: Annotated[
        Cursor | None, Query(description="links.next's cursor; leave out to start")
    ] = None,
    limit: Annotated[int, Whole(1, open_data.MAX_PAGE, text=True), Query()] = 100,
) -> ReleasePackage:
    page = await open_data.list_releases(
        session=session,
        after=after,
        limit=limit,
        uri=str(request.url),
        publisher=_publisher(request, settings),
    )
    next_url = request.url.include_query_params(after=page.next_cursor, limit=limit)
    return ReleasePackage.model_validate(page.package | {"links": {"next": str(next_url)}})


@router.get(
    "/records/{ocid}",
    response_model=RecordPackage,
    responses=problem_responses(404),
    summary="The OCDS record of one tender round: its releases and compiled release (anyone)",
    description=POLICY,
)
async def get_record(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    ocid: Annotated[Ocid, Path()],
) -> RecordPackage:
    package = await open_data.get_record(
        session=session, ocid=ocid, uri=str(request.url), publisher=_publisher(request, settings)
    )
    return RecordPackage.model_validate(package)
