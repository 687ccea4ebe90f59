"""The base of every contract model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Inputs, results and state that cross the Temporal boundary.

    Unknown fields are ignored, so a field added later does not break a running workflow
    or a recorded history; every new field needs a default.
    """

    model_config = ConfigDict(frozen=False, extra="ignore")
