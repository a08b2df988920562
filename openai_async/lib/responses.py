"""Hand-written part of ``client.responses``: ``parse`` (a mixin of the generated class)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from .._exceptions import InvalidRequestError, LengthFinishReasonError
from .._resource import AsyncAPIResource
from .._types import NotGiven
from .structured import json_schema, parse_json

if TYPE_CHECKING:
    from ..models.responses import Response

__all__ = ["AsyncResponsesHelpers", "ParsedResponse"]

TextT = TypeVar("TextT")


@attrs.frozen
class ParsedResponse(Generic[TextT]):
    """A response whose output text is parsed as the ``text_format`` class; ``output_parsed``
    is ``None`` when the model refused (``refusal``)."""

    output_parsed: TextT | None
    refusal: str | None
    output_text: str
    response: Response = attrs.field(repr=False)


class AsyncResponsesHelpers(AsyncAPIResource):
    """``responses.parse``: structured outputs as attrs classes."""

    async def parse(
        self, *, model: str, input: Any, text_format: type[TextT], **params: Any
    ) -> ParsedResponse[TextT]:
        """A response whose output text is parsed into ``text_format`` (sent as a strict JSON
        Schema). Other keyword arguments are those of ``create`` (not ``stream``)."""
        from ..models.responses import Response

        if params.get("stream"):
            raise InvalidRequestError("parse() does not stream")
        request = {
            k: params.pop(k)
            for k in (
                "extra_headers",
                "extra_query",
                "extra_body",
                "options",
                "timeout",
                "max_retries",
            )
            if k in params
        }
        text = dict(params.pop("text", None) or {})
        text["format"] = {
            "type": "json_schema",
            "name": text_format.__name__,
            "schema": json_schema(text_format),
            "strict": True,
        }
        body: dict[str, Any] = {"model": model, "input": input, "text": text}
        body.update((k, v) for k, v in params.items() if not isinstance(v, NotGiven))
        response = await self._client.request(Response, "POST", "/responses", body=body, **request)
        details = response.incomplete_details
        if (
            response.status == "incomplete"
            and getattr(details, "reason", None) == "max_output_tokens"
        ):
            raise LengthFinishReasonError(response)
        texts: list[str] = []
        refusal = None
        for item in response.output:
            if getattr(item, "type", None) != "message":
                continue
            for part in getattr(item, "content", None) or ():
                kind = getattr(part, "type", None)
                if kind == "output_text":
                    texts.append(part.text)
                elif kind == "refusal":
                    refusal = part.refusal
        output = "".join(texts)
        parsed = None
        if refusal is None and output:
            parsed = parse_json(output, text_format, what="the response's output text")
        return ParsedResponse(parsed, refusal, output, response)
