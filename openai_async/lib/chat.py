"""Hand-written part of ``client.chat.completions.parse`` (the generated method has the
operation's typed parameters and calls :func:`parse_chat_completion`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from .._resource import AsyncAPIResource
from .._types import NOT_GIVEN, NotGiven
from .chat_parsed import ParsedChatCompletion
from .chat_stream import AsyncChatCompletionStream, parse_completion
from .structured import FunctionTool, response_format_param

if TYPE_CHECKING:
    from .._streaming import AsyncStream
    from ..models.chat import ChatCompletion, ChatCompletionChunk

__all__ = [
    "AsyncChatCompletionStream",
    "ChatToolsArg",
    "ParsedChatCompletion",
    "ResponseFormatT",
    "chat_tools_param",
    "parse_chat_completion",
    "stream_chat_completion",
]

ResponseFormatT = TypeVar("ResponseFormatT")
#: ``tools`` of ``parse``: :class:`FunctionTool` entries or tool definitions as sent.
ChatToolsArg: TypeAlias = "Sequence[FunctionTool[Any] | Mapping[str, Any]]"


def chat_tools_param(tools: Sequence[FunctionTool[Any] | Mapping[str, Any]]) -> list[Any]:
    """``tools`` as sent: :class:`FunctionTool` entries become strict function definitions."""
    return [t.to_param() if isinstance(t, FunctionTool) else t for t in tools]


async def parse_chat_completion(
    resource: AsyncAPIResource,
    start: Callable[[Any, Any], Awaitable[ChatCompletion]],
    *,
    response_format: type[ResponseFormatT] | None,
    tools: ChatToolsArg | NotGiven,
) -> ParsedChatCompletion[ResponseFormatT]:
    """Send the request with ``response_format`` as a strict JSON Schema and ``tools`` as
    strict definitions, then parse the completion (see :func:`parse_completion`)."""
    completion = await start(
        NOT_GIVEN if response_format is None else response_format_param(response_format),
        tools if isinstance(tools, NotGiven) else chat_tools_param(tools),
    )
    return parse_completion(
        completion, response_format, None if isinstance(tools, NotGiven) else tools
    )


async def stream_chat_completion(
    resource: AsyncAPIResource,
    start: Callable[[Any, Any], Awaitable[AsyncStream[ChatCompletionChunk]]],
    *,
    response_format: type[Any] | None,
    tools: ChatToolsArg | NotGiven,
) -> AsyncChatCompletionStream:
    """Start the stream with ``response_format`` / ``tools`` sent as strict definitions,
    wrapped so its accumulator parses content and tool arguments."""
    stream = await start(
        NOT_GIVEN if response_format is None else response_format_param(response_format),
        tools if isinstance(tools, NotGiven) else chat_tools_param(tools),
    )
    return AsyncChatCompletionStream(
        stream,
        response_format=response_format,
        tools=None if isinstance(tools, NotGiven) else tools,
    )
