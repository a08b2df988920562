"""Completions API (legacy) response models."""

from __future__ import annotations

from typing import Literal

import attrs

from .._models import BaseModel
from .shared import CompletionUsage

__all__ = [
    "Completion",
    "CreateCompletionResponse",
    "CreateCompletionResponseChoicesItem",
    "CreateCompletionResponseChoicesItemLogprobs",
]


@attrs.define(slots=True, kw_only=True)
class CreateCompletionResponse(BaseModel):
    """Represents a completion response from the API. Note: both the streamed and non-streamed response objects share the same shape (unlike the chat endpoint)."""

    id: str
    """A unique identifier for the completion."""

    choices: list[CreateCompletionResponseChoicesItem]
    """The list of completion choices the model generated for the input prompt."""

    created: int
    """The Unix timestamp (in seconds) of when the completion was created."""

    model: str
    """The model used for completion."""

    system_fingerprint: str | None = None
    """This fingerprint represents the backend configuration that the model runs with."""

    object: Literal["text_completion"]
    """The object type, which is always "text_completion"
    """

    usage: CompletionUsage | None = None


@attrs.define(slots=True, kw_only=True)
class CreateCompletionResponseChoicesItem(BaseModel):
    finish_reason: Literal["stop", "length", "content_filter"]
    """The reason the model stopped generating tokens. This will be `stop` if the model hit a natural stop point or a provided stop sequence,
    `length` if the maximum number of tokens specified in the request was reached,
    or `content_filter` if content was omitted due to a flag from our content filters.
    """

    index: int

    logprobs: CreateCompletionResponseChoicesItemLogprobs | None = None

    text: str


@attrs.define(slots=True, kw_only=True)
class CreateCompletionResponseChoicesItemLogprobs(BaseModel):
    text_offset: list[int] | None = None

    token_logprobs: list[float] | None = None

    tokens: list[str] | None = None

    top_logprobs: list[dict[str, float]] | None = None


Completion = CreateCompletionResponse
