"""Hand-written part of ``client.responses.parse`` (the generated method has the
operation's typed parameters and calls :func:`parse_response`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar, cast

import attrs

from .._exceptions import ContentFilterFinishReasonError, LengthFinishReasonError
from .._models import UnknownVariant
from .._resource import AsyncAPIResource
from .._types import NotGiven
from ..models.responses import (
    FunctionToolCall,
    OutputMessage,
    OutputTextContent,
    RefusalContent,
    Response,
)
from .structured import (
    FunctionTool,
    parse_arguments,
    parse_json,
    to_strict_json_schema,
    tools_by_name,
    upgrade,
)

if TYPE_CHECKING:
    from .._response import ResponseInfo

__all__ = [
    "ParsedResponse",
    "ParsedResponseFunctionToolCall",
    "ParsedResponseOutputMessage",
    "ParsedResponseOutputText",
    "ResponsesToolsArg",
    "TextT",
    "parse_response",
    "parsed_response",
    "text_param",
    "tools_param",
    "with_output_text",
]

TextT = TypeVar("TextT")
#: ``tools`` of ``parse``: :class:`FunctionTool` entries or tool definitions as sent.
ResponsesToolsArg: TypeAlias = "Sequence[FunctionTool[Any] | Mapping[str, Any]]"


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class ParsedResponseOutputText(OutputTextContent, Generic[TextT]):
    parsed: TextT | None = None
    """The text as a ``text_format`` instance."""


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class ParsedResponseOutputMessage(OutputMessage, Generic[TextT]):
    content: list[  # type: ignore[assignment]  # narrower than the base's, on purpose
        ParsedResponseOutputText[TextT] | RefusalContent | UnknownVariant
    ]


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class ParsedResponseFunctionToolCall(FunctionToolCall):
    parsed_arguments: Any = None
    """The arguments as an instance of the tool's class (:func:`function_tool`), else the
    decoded JSON (None when it is not JSON)."""


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class ParsedResponse(Response, Generic[TextT]):
    """A response whose messages' output texts carry ``parsed`` and whose function calls
    carry ``parsed_arguments``."""

    @property
    def output_parsed(self) -> TextT | None:
        """The first parsed output text; None when the model refused (see :attr:`refusal`)."""
        for item in self.output:
            if isinstance(item, ParsedResponseOutputMessage):
                for part in item.content:
                    if isinstance(part, ParsedResponseOutputText) and part.parsed is not None:
                        return cast("TextT", part.parsed)
        return None

    @property
    def refusal(self) -> str | None:
        """The refusal of the output messages, if the model refused."""
        for item in self.output:
            if isinstance(item, OutputMessage):
                for part in item.content:
                    if isinstance(part, RefusalContent):
                        return part.refusal
        return None


def text_param(text: Any, text_format: type[Any]) -> dict[str, Any]:
    """``text`` as sent: its ``format`` set to ``text_format``'s strict JSON Schema, its
    other options (``verbosity`` ...) kept."""
    options = {} if isinstance(text, NotGiven) else dict(text or {})
    options["format"] = {
        "type": "json_schema",
        "name": text_format.__name__,
        "schema": to_strict_json_schema(text_format),
        "strict": True,
    }
    return options


def tools_param(tools: ResponsesToolsArg) -> list[Any]:
    """``tools`` as sent: :class:`FunctionTool` entries become strict function definitions."""
    return [t.to_responses_param() if isinstance(t, FunctionTool) else t for t in tools]


def parsed_response(
    response: Response, text_format: type[TextT] | None, tools: Any = None
) -> ParsedResponse[TextT]:
    """``response`` as a :class:`ParsedResponse`: output texts of final-answer messages
    parsed into ``text_format``, function calls' arguments parsed; a refusal leaves
    ``output_parsed`` None; with ``text_format``, a cut at ``max_output_tokens`` raises
    LengthFinishReasonError, one by a content filter ContentFilterFinishReasonError."""
    reason = getattr(response.incomplete_details, "reason", None)
    if text_format is not None and response.status == "incomplete":
        if reason == "max_output_tokens":
            raise LengthFinishReasonError(response)
        if reason == "content_filter":
            raise ContentFilterFinishReasonError(response)
    by_name = tools_by_name(tools)
    output: list[Any] = []
    for item in response.output:
        if isinstance(item, OutputMessage):
            # Messages of another phase (commentary ...) are not the structured answer.
            final = item.phase is None or item.phase == "final_answer"
            content = [
                upgrade(part, ParsedResponseOutputText, parsed=_parse_text(part.text, text_format))
                if isinstance(part, OutputTextContent) and final
                else part
                for part in item.content
            ]
            item = upgrade(item, ParsedResponseOutputMessage, content=content)
        elif isinstance(item, FunctionToolCall):
            parsed = parse_arguments(item.name, item.arguments, by_name)
            item = upgrade(item, ParsedResponseFunctionToolCall, parsed_arguments=parsed)
        output.append(item)
    return upgrade(response, ParsedResponse, output=output)


def _parse_text(text: str, text_format: type[TextT] | None) -> TextT | None:
    if text_format is None or not text:
        return None
    return parse_json(text, text_format, what="the response's output text")


async def parse_response(
    resource: AsyncAPIResource,
    start: Callable[[Any, Any], Awaitable[Response]],
    *,
    text: Any,
    tools: ResponsesToolsArg | NotGiven,
    text_format: type[TextT] | None,
) -> ParsedResponse[TextT]:
    """Send the request with ``text.format`` set to ``text_format``'s strict JSON Schema
    (other ``text`` options kept) and ``tools`` as strict definitions, then parse."""
    response = await start(
        text if text_format is None else text_param(text, text_format),
        tools if isinstance(tools, NotGiven) else tools_param(tools),
    )
    return parsed_response(response, text_format, None if isinstance(tools, NotGiven) else tools)


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
