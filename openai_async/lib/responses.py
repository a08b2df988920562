"""Hand-written part of ``client.responses.parse`` (the generated method has the
operation's typed parameters and calls :func:`parse_response`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from .._exceptions import ContentFilterFinishReasonError, LengthFinishReasonError
from .._resource import AsyncAPIResource
from .._types import NotGiven
from .structured import json_schema, parse_json

if TYPE_CHECKING:
    from .._response import ResponseInfo
    from ..models.responses import Response

__all__ = [
    "ParsedResponse",
    "TextT",
    "parse_response",
    "parsed_response",
    "text_param",
    "with_output_text",
]

TextT = TypeVar("TextT")


@attrs.frozen
class ParsedResponse(Generic[TextT]):
    """A response whose output text is parsed as the ``text_format`` class; ``output_parsed``
    is ``None`` when the model refused (``refusal``)."""

    output_parsed: TextT | None
    refusal: str | None
    output_text: str
    response: Response = attrs.field(repr=False)


def text_param(text: Any, text_format: type[Any]) -> dict[str, Any]:
    """``text`` as sent: its ``format`` set to ``text_format``'s strict JSON Schema, its
    other options (``verbosity`` ...) kept."""
    options = {} if isinstance(text, NotGiven) else dict(text or {})
    options["format"] = {
        "type": "json_schema",
        "name": text_format.__name__,
        "schema": json_schema(text_format),
        "strict": True,
    }
    return options


def parsed_response(response: Response, text_format: type[TextT]) -> ParsedResponse[TextT]:
    """``response`` with its output text parsed into ``text_format``; a refusal leaves
    ``output_parsed`` None; a cut at ``max_output_tokens`` raises LengthFinishReasonError,
    one by a content filter ContentFilterFinishReasonError."""
    reason = getattr(response.incomplete_details, "reason", None)
    if response.status == "incomplete" and reason == "max_output_tokens":
        raise LengthFinishReasonError(response)
    if response.status == "incomplete" and reason == "content_filter":
        raise ContentFilterFinishReasonError(response)
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


async def parse_response(
    resource: AsyncAPIResource,
    start: Callable[[Any], Awaitable[Response]],
    *,
    text: Any,
    text_format: type[TextT],
) -> ParsedResponse[TextT]:
    """Send the request with ``text.format`` set to ``text_format``'s strict JSON Schema
    (other ``text`` options kept), then parse the output text into ``text_format``."""
    return parsed_response(await start(text_param(text, text_format)), text_format)


def with_output_text(data: Any, info: ResponseInfo) -> Any:
    """A decoded Response with ``output_text`` filled in when the server left it out (the
    API does: it is an SDK convenience): the ``output_text`` parts of its messages, joined."""
    if isinstance(data, dict) and data.get("output_text") is None:
        output = data.get("output")
        if isinstance(output, list):
            data["output_text"] = "".join(
                part["text"]
                for item in output
                if isinstance(item, dict) and item.get("type") == "message"
                for part in item.get("content") or ()
                if isinstance(part, dict)
                and part.get("type") == "output_text"
                and isinstance(part.get("text"), str)
            )
    return data
