"""The official OCDS 1.1 schema and codelists, read where they live: `../shared/ocds-1.1/`
beside the project (never copied in). `NARA_SHARED_DIR` points elsewhere (a git worktree
sits beside no `shared/`). Tests that need them skip, saying so, when the folder is absent.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SHARED = Path(
    os.environ.get("NARA_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared"
)
OCDS_DIR = SHARED / "ocds-1.1"

needs_schema = pytest.mark.skipif(
    not (OCDS_DIR / "release-schema.json").is_file(),
    reason=f"the official OCDS 1.1 schema is not at {OCDS_DIR} (the project expects "
    "../shared/ocds-1.1/ beside it; set NARA_SHARED_DIR to the folder holding ocds-1.1/)",
)


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((OCDS_DIR / name).read_text(encoding="utf-8"))
    return loaded


@cache
def _validators() -> tuple[Draft4Validator, Draft4Validator]:
    release = _load("release-schema.json")
    package = _load("release-package-schema.json")
    registry: Registry = Registry().with_resource(
        release["id"], Resource.from_contents(release, default_specification=DRAFT4)
    )
    checker = Draft4Validator.FORMAT_CHECKER
    return (
        Draft4Validator(release, format_checker=checker),
        Draft4Validator(package, registry=registry, format_checker=checker),
    )


def schema_errors(release: dict[str, Any]) -> list[str]:
    """What the official release schema refuses in `release` (empty: valid)."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in _validators()[0].iter_errors(release)]


def package_errors(package: dict[str, Any]) -> list[str]:
    """What the official release package schema refuses in `package` (empty: valid)."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in _validators()[1].iter_errors(package)]


@cache
def codelist(name: str) -> frozenset[str]:
    """The codes of one of the standard's codelists (`tenderStatus.csv`)."""
    with (OCDS_DIR / "codelists" / name).open(encoding="utf-8") as f:
        return frozenset(row["Code"] for row in csv.DictReader(f))


@cache
def _dereferenced() -> dict[str, Any]:
    return _load("dereferenced-release-schema.json")


def _coded(node: dict[str, Any], data: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """(path, codelist, value) for every value of `data` that a codelist governs."""
    if data is None:
        return
    if "codelist" in node:
        for value in data if isinstance(data, list) else [data]:
            yield path, node["codelist"], value
    if isinstance(data, dict):
        properties = node.get("properties", {})
        for key, value in data.items():
            if key in properties:
                yield from _coded(properties[key], value, f"{path}.{key}")
    elif isinstance(data, list) and isinstance(node.get("items"), dict):
        for i, item in enumerate(data):
            yield from _coded(node["items"], item, f"{path}[{i}]")


def codelist_errors(release: dict[str, Any]) -> list[str]:
    """Every code in `release` missing from its codelist, open codelists included."""
    return [
        f"{path}: {value!r} is not in {name}"
        for path, name, value in _coded(_dereferenced(), release, "release")
        if value not in codelist(name)
    ]


def coded_fields(release: dict[str, Any]) -> set[str]:
    """The codelists `release` uses (to show the check looked at something)."""
    return {name for _, name, _ in _coded(_dereferenced(), release, "release")}
