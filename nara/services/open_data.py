"""The open-data feed: OCDS 1.1 release packages and records, read from PostgreSQL.

Releases are written by the steps that record each stage (`nara.store.ocds`); this
module pages through them (`list_releases`, a cursor that never skips one) and compiles
a contracting process's record with `ocdsmerge` (`get_record`).

The merge needs only the standard's merge rules (which fields are omitted, which lists
replaced whole), not the 90 KB schema: `ocds_merge_rules.json` holds the 24 rules that
`ocdsmerge` derives from the OCDS 1.1 release schema, so nothing is fetched at run time;
the tests check they still agree with the official schema (docs/open-data.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import ocdsmerge
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain import ocds
from nara.domain.errors import NaraError, NotFound
from nara.settings import Settings
from nara.store import ocds_feed

MAX_PAGE = 1000


@dataclass(frozen=True)
class Publisher:
    """Who publishes the feed and under which terms (the `OCDS_*` settings)."""

    name: str
    license: str
    publication_policy: str

    @classmethod
    def from_settings(cls, settings: Settings, *, docs_url: str) -> Publisher:
        return cls(
            name=settings.ocds_publisher_name,
            license=settings.ocds_license,
            publication_policy=settings.ocds_publication_policy or docs_url,
        )


@cache
def merge_rules() -> dict[tuple[str, ...], str]:
    """The OCDS 1.1 merge rules, as `ocdsmerge` takes them (path tuple -> rule)."""
    text = resources.files("nara.services").joinpath("ocds_merge_rules.json").read_text()
    return {tuple(r["path"].split(".")): r["rule"] for r in json.loads(text)["rules"]}


def compile_release(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release of one contracting process (ocdsmerge, the standard's rules)."""
    merged: dict[str, Any] = ocdsmerge.Merger(merge_rules=merge_rules()).create_compiled_release(
        releases
    )
    return merged


def _package(uri: str, publisher: Publisher) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": ocds.VERSION,
        "publishedDate": ocds.stamp(datetime.now(UTC)),
        "publisher": {"name": publisher.name},
        "license": publisher.license,
        "publicationPolicy": publisher.publication_policy,
    }


@dataclass(frozen=True)
class ReleasePage:
    """One page of the feed and the cursor to follow it with."""

    package: dict[str, Any]
    next_cursor: str
    count: int


async def list_releases(
    *,
    session: AsyncSession,
    after: str | None,
    limit: int,
    uri: str,
    publisher: Publisher,
) -> ReleasePage:
    """Up to `limit` releases after the cursor `after` (from the start when None), as a
    release package; `next_cursor` continues from the last one (or stays put when none
    is new yet: poll it again later)."""
    cursor = ocds_feed.START
    if after is not None:
        parsed = ocds_feed.Cursor.parse(after)
        if parsed is None:
            raise NaraError(
                f"{after!r} is not a cursor of this feed",
                field="query.after",
                fix="pass the `after` of the previous page's links.next, or leave it out "
                "to start from the first release",
            )
        cursor = parsed
    if not 1 <= limit <= MAX_PAGE:
        raise NaraError(
            f"limit {limit} is outside 1 to {MAX_PAGE}",
            field="query.limit",
            fix=f"ask for 1 to {MAX_PAGE} releases a page",
        )
    releases, last = await ocds_feed.page(session, after=cursor, limit=limit)
    package = _package(uri, publisher) | {"releases": releases}
    return ReleasePage(package=package, next_cursor=str(last), count=len(releases))


async def get_record(
    *, session: AsyncSession, ocid: str, uri: str, publisher: Publisher
) -> dict[str, Any]:
    """The record package of one contracting process: its releases and compiled release."""
    releases = list(await ocds_feed.releases_of(session, ocid=ocid))
    if not releases:
        raise NotFound(
            f"no contracting process {ocid} has been published",
            field="ocid",
            fix="take an ocid from a release of GET /ocds/releases (`<prefix>-<notice no>`)",
        )
    record = {"ocid": ocid, "releases": releases, "compiledRelease": compile_release(releases)}
    return _package(uri, publisher) | {"records": [record]}
