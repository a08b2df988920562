"""Hand-written part of ``client.chat.completions``: ``parse`` (a mixin of the generated class)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from .._exceptions import InvalidRequestError
from .._resource import AsyncAPIResource
from .._types import NotGiven
from ..models.chat import ChatCompletion
from .chat_stream import ParsedChatCompletion, parse_completion
from .structured import FunctionTool, response_format_param

__all__ = ["AsyncChatCompletionsHelpers", "chat_tools_param"]

ResponseT = TypeVar("ResponseT")


def chat_tools_param(tools: Sequence[FunctionTool[Any] | Mapping[str, Any]]) -> list[Any]:
    """``tools`` as sent: :class:`FunctionTool` entries become strict function definitions."""
    return [t.to_param() if isinstance(t, FunctionTool) else t for t in tools]


class AsyncChatCompletionsHelpers(AsyncAPIResource):
    """``chat.completions.parse``: structured outputs and tool arguments as attrs classes."""

    async def parse(
        self,
        *,
        model: str,
        messages: list[Any],
        response_format: type[ResponseT] | None = None,
        tools: Sequence[FunctionTool[Any] | Mapping[str, Any]] | None = None,
        **params: Any,
    ) -> ParsedChatCompletion[ResponseT]:
        """A chat completion whose ``choices[i].message.parsed`` is a ``response_format``
        instance (sent as a strict JSON Schema) and whose tool calls carry ``parsed_arguments``.

        Other keyword arguments are those of ``create`` (not ``stream``). Refusals are kept
        in ``message.refusal``, not parsed; a choice cut at the token limit raises
        :class:`LengthFinishReasonError`.
        """
        if params.get("stream"):
            raise InvalidRequestError(
                "parse() does not stream: wrap create(stream=True) in AsyncChatCompletionStream"
            )
        request = {
            "extra_headers": params.pop("extra_headers", None),
            "extra_query": params.pop("extra_query", None),
            "extra_body": params.pop("extra_body", None),
            "options": params.pop("options", None),
        }
        for key in ("timeout", "max_retries"):
            if key in params:
                request[key] = params.pop(key)
        body: dict[str, Any] = {"model": model, "messages": messages}
        if response_format is not None:
            body["response_format"] = response_format_param(response_format)
        if tools is not None:
            body["tools"] = chat_tools_param(tools)
        body.update((k, v) for k, v in params.items() if not isinstance(v, NotGiven))
        completion = await self._client.request(
            ChatCompletion, "POST", "/chat/completions", body=body, **request
        )
        return parse_completion(completion, response_format, tools)
