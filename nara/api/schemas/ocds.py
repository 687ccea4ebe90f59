"""OCDS 1.1 packages as the feed answers them; the members keep the standard's names.

The releases are OCDS JSON as stored (validated against the official schema in the
tests), so they pass through as objects rather than as a model of the whole standard.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from nara.api.schemas.base import ApiModel


class OcdsModel(ApiModel):
    """A part of an OCDS package (the standard's names, more members allowed)."""

    model_config = ConfigDict(extra="allow")


class Publisher(OcdsModel):
    name: str


class PackageLinks(OcdsModel):
    next: str = Field(
        description="the next page; follow it until a page has no releases, then poll it"
    )


class ReleasePackage(OcdsModel):
    """An OCDS release package: a page of the feed."""

    uri: str
    version: str = Field(description='"1.1"')
    publishedDate: str  # the standard's names, as it spells them
    publisher: Publisher
    license: str
    publicationPolicy: str
    releases: list[dict[str, Any]] = Field(description="OCDS 1.1 releases, oldest first")
    links: PackageLinks


class Record(OcdsModel):
    ocid: str
    releases: list[dict[str, Any]]
    compiledRelease: dict[str, Any]


class RecordPackage(OcdsModel):
    """An OCDS record package: one contracting process with its compiled release."""

    uri: str
    version: str
    publishedDate: str  # the standard's names, as it spells them
    publisher: Publisher
    license: str
    publicationPolicy: str
    records: list[Record]
