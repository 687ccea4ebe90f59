"""What every service model shares: plain typed values, and the answer of a create.

Services take and return these, never HTTP schemas or table rows, so the CLI, a worker
or a test can call them without the web layer; the routes map them to HTTP and back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class ServiceModel(BaseModel):
    """An input or result of a service; results are read from rows by attribute."""

    model_config = ConfigDict(from_attributes=True, frozen=True)


@dataclass(frozen=True)
class Created(Generic[T]):
    """What an idempotent create answers: the record, and whether this call made it."""

    item: T
    created: bool
