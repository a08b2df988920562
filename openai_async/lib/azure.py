"""Azure OpenAI's own response shapes: content-filter verdicts on prompts and choices.

The generated models keep these Azure-only fields in ``model_extra``; the accessors
here read them as typed objects through the SDK's converter::

    reply = await client.chat.completions.create(...)
    for prompt in prompt_filter_results(reply):
        print(prompt.prompt_index, prompt.content_filter_results)
    print(content_filter_results(reply.choices[0]))
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from .._converter import converter
from .._exceptions import APIResponseValidationError
from .._models import BaseModel

__all__ = [
    "ContentFilterResult",
    "ContentFilterResults",
    "PromptFilterResult",
    "content_filter_results",
    "prompt_filter_results",
]


@attrs.define(slots=True, kw_only=True)
class ContentFilterResult(BaseModel):
    """One category's verdict: ``filtered``, with a ``severity`` or (for detectors) ``detected``."""

    filtered: bool
    severity: Literal["safe", "low", "medium", "high"] | None = None
    detected: bool | None = None


@attrs.define(slots=True, kw_only=True)
class ContentFilterResults(BaseModel):
    """The verdicts per category; categories the filter did not run are ``None``."""

    hate: ContentFilterResult | None = None
    sexual: ContentFilterResult | None = None
    violence: ContentFilterResult | None = None
    self_harm: ContentFilterResult | None = None
    profanity: ContentFilterResult | None = None
    jailbreak: ContentFilterResult | None = None
    indirect_attack: ContentFilterResult | None = None
    protected_material_text: ContentFilterResult | None = None
    protected_material_code: ContentFilterResult | None = None
    custom_blocklists: Any = None
    error: Any = None
    """``{"code", "message"}`` when the filter itself failed to run."""

    @property
    def filtered_categories(self) -> list[str]:
        """Names of the categories that were filtered."""
        return [
            a.name
            for a in attrs.fields(ContentFilterResults)
            if isinstance(v := getattr(self, a.name), ContentFilterResult) and v.filtered
        ]


@attrs.define(slots=True, kw_only=True)
class PromptFilterResult(BaseModel):
    """The verdicts on one prompt of the request."""

    prompt_index: int
    content_filter_results: ContentFilterResults | None = None


def prompt_filter_results(result: BaseModel) -> list[PromptFilterResult]:
    """The prompt verdicts of a chat completion, completion or stream chunk (``[]`` if none).

    Older API versions name the field ``prompt_annotations``; both are read.
    """
    extra = result.model_extra
    raw = extra.get("prompt_filter_results", extra.get("prompt_annotations"))
    return [] if raw is None else _structure(raw, list[PromptFilterResult])


def content_filter_results(choice: BaseModel) -> ContentFilterResults | None:
    """The output verdicts of one choice (of a completion or a stream chunk), if sent."""
    raw = choice.model_extra.get("content_filter_results")
    return None if raw is None else _structure(raw, ContentFilterResults)


def _structure(raw: Any, cls: Any) -> Any:
    try:
        return converter.structure(raw, cls)
    except Exception as exc:
        raise APIResponseValidationError(
            f"Azure content-filter results that do not match {cls}: {exc!r}", raw=repr(raw)
        ) from None
