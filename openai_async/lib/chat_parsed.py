"""The result of ``chat.completions.parse``: the chat completion models, with ``parsed``.

:class:`ParsedChatCompletion` is a :class:`ChatCompletion` (every field, unknown ones
and ``response_info`` kept) whose ``choices[i].message.parsed`` is the
``response_format`` instance and whose function tool calls carry
``function.parsed_arguments``. The chat models load with this module, so it is imported
only when a completion is parsed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeAlias, TypeVar

import attrs

from .._models import UnknownVariant
from ..models.chat import (
    ChatCompletion,
    ChatCompletionMessageCustomToolCall,
    ChatCompletionMessageToolCall,
    ChatCompletionMessageToolCallFunction,
    ChatCompletionResponseMessage,
    CreateChatCompletionResponseChoicesItem,
)
from .structured import FunctionTool, parse_arguments, upgrade

__all__ = [
    "ParsedChatCompletion",
    "ParsedChatCompletionMessage",
    "ParsedChoice",
    "ParsedFunction",
    "ParsedFunctionToolCall",
    "parsed_tool_call",
]

T = TypeVar("T")


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class ParsedFunction(ChatCompletionMessageToolCallFunction):
    parsed_arguments: Any = None
    """The arguments as an instance of the tool's class (:func:`function_tool`,
    :func:`pydantic_function_tool`), else the decoded JSON (None when it is not JSON)."""


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class ParsedFunctionToolCall(ChatCompletionMessageToolCall):
    function: ParsedFunction


_ParsedToolCalls: TypeAlias = list[
    ParsedFunctionToolCall | ChatCompletionMessageCustomToolCall | UnknownVariant
]


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class ParsedChatCompletionMessage(ChatCompletionResponseMessage, Generic[T]):
    parsed: T | None = None
    """The content as a ``response_format`` instance; None when the model refused."""

    tool_calls: _ParsedToolCalls | None = None  # type: ignore[assignment]  # narrower, on purpose


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class ParsedChoice(CreateChatCompletionResponseChoicesItem, Generic[T]):
    message: ParsedChatCompletionMessage[T]


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class ParsedChatCompletion(ChatCompletion, Generic[T]):
    """A chat completion whose messages carry ``parsed`` (and function tool calls their
    ``function.parsed_arguments``)."""

    choices: list[ParsedChoice[T]]  # type: ignore[assignment]


def parsed_tool_call(call: Any, tools: Mapping[str, FunctionTool[Any]]) -> Any:
    """A function tool call with ``function.parsed_arguments`` (see :func:`parse_arguments`);
    other calls as they are."""
    if not isinstance(call, ChatCompletionMessageToolCall):
        return call
    fn = call.function
    parsed = parse_arguments(fn.name, fn.arguments, tools)
    function = upgrade(fn, ParsedFunction, parsed_arguments=parsed)
    return upgrade(call, ParsedFunctionToolCall, function=function)
