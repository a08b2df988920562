"""Models API response models."""

from __future__ import annotations

from typing import Literal

import attrs

from .._models import BaseModel

__all__ = [
    "DeleteModelResponse",
    "ListModelsResponse",
    "Model",
    "ModelDeleted",
]


@attrs.define(slots=True, kw_only=True)
class ListModelsResponse(BaseModel):
    object: Literal["list"]

    data: list[Model]


@attrs.define(slots=True, kw_only=True)
class Model(BaseModel):
    """Describes an OpenAI model offering that can be used with the API."""

    id: str
    """The model identifier, which can be referenced in the API endpoints."""

    created: int
    """The Unix timestamp (in seconds) when the model was created."""

    object: Literal["model"]
    """The object type, which is always "model"."""

    owned_by: str
    """The organization that owns the model."""

    shutdown_date: str | None = None
    """The date when the model will shut down, or null if not announced."""


@attrs.define(slots=True, kw_only=True)
class DeleteModelResponse(BaseModel):
    id: str

    deleted: bool

    object: str


ModelDeleted = DeleteModelResponse
