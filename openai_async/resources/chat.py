"""Chat completions: ``client.chat.completions``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Literal, TypeAlias, Union, overload

from .._options import Timeout
from .._request_options import RequestOptions
from .._resource import AsyncAPIResource
from .._streaming import AsyncStream
from .._types import NOT_GIVEN, Body, Headers, NotGiven, Query, strip_not_given
from ..models.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequestMessage,
    ChatCompletionToolChoiceOption,
)
from ..models.shared import (
    ChatCompletionStreamOptions,
    ChatCompletionToolParam,
    ResponseFormatJsonObjectParam,
    ResponseFormatJsonSchemaParam,
    ResponseFormatTextParam,
)

__all__ = ["AsyncChat", "AsyncChatCompletions", "ResponseFormat"]

#: What ``response_format`` accepts.
ResponseFormat: TypeAlias = Union[
    ResponseFormatTextParam, ResponseFormatJsonSchemaParam, ResponseFormatJsonObjectParam
]


class AsyncChat(AsyncAPIResource):
    """``client.chat``."""

    @cached_property
    def completions(self) -> AsyncChatCompletions:
        return AsyncChatCompletions(self._client)


class AsyncChatCompletions(AsyncAPIResource):
    """``client.chat.completions``: create chat completions, plain or streamed."""

    @overload
    async def create(
        self,
        *,
        messages: Iterable[ChatCompletionRequestMessage],
        model: str,
        stream: Literal[False] | None | NotGiven = NOT_GIVEN,
        audio: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        frequency_penalty: float | None | NotGiven = NOT_GIVEN,
        function_call: str | Mapping[str, object] | NotGiven = NOT_GIVEN,
        functions: Iterable[Mapping[str, object]] | NotGiven = NOT_GIVEN,
        logit_bias: Mapping[str, int] | None | NotGiven = NOT_GIVEN,
        logprobs: bool | None | NotGiven = NOT_GIVEN,
        max_completion_tokens: int | None | NotGiven = NOT_GIVEN,
        max_tokens: int | None | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | None | NotGiven = NOT_GIVEN,
        modalities: list[Literal["text", "audio"]] | None | NotGiven = NOT_GIVEN,
        moderation: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        n: int | None | NotGiven = NOT_GIVEN,
        parallel_tool_calls: bool | NotGiven = NOT_GIVEN,
        prediction: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        presence_penalty: float | None | NotGiven = NOT_GIVEN,
        prompt_cache_key: str | None | NotGiven = NOT_GIVEN,
        prompt_cache_options: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        prompt_cache_retention: Literal["in_memory", "24h"] | None | NotGiven = NOT_GIVEN,
        reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"]
        | None
        | NotGiven = NOT_GIVEN,
        response_format: ResponseFormat | NotGiven = NOT_GIVEN,
        safety_identifier: str | None | NotGiven = NOT_GIVEN,
        seed: int | None | NotGiven = NOT_GIVEN,
        service_tier: Literal["auto", "default", "flex", "scale", "priority"]
        | None
        | NotGiven = NOT_GIVEN,
        stop: str | list[str] | None | NotGiven = NOT_GIVEN,
        store: bool | None | NotGiven = NOT_GIVEN,
        stream_options: ChatCompletionStreamOptions | None | NotGiven = NOT_GIVEN,
        temperature: float | None | NotGiven = NOT_GIVEN,
        tool_choice: ChatCompletionToolChoiceOption | NotGiven = NOT_GIVEN,
        tools: Iterable[ChatCompletionToolParam] | NotGiven = NOT_GIVEN,
        top_logprobs: int | None | NotGiven = NOT_GIVEN,
        top_p: float | None | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        verbosity: Literal["low", "medium", "high"] | None | NotGiven = NOT_GIVEN,
        web_search_options: Mapping[str, object] | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> ChatCompletion: ...

    @overload
    async def create(
        self,
        *,
        messages: Iterable[ChatCompletionRequestMessage],
        model: str,
        stream: Literal[True],
        audio: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        frequency_penalty: float | None | NotGiven = NOT_GIVEN,
        function_call: str | Mapping[str, object] | NotGiven = NOT_GIVEN,
        functions: Iterable[Mapping[str, object]] | NotGiven = NOT_GIVEN,
        logit_bias: Mapping[str, int] | None | NotGiven = NOT_GIVEN,
        logprobs: bool | None | NotGiven = NOT_GIVEN,
        max_completion_tokens: int | None | NotGiven = NOT_GIVEN,
        max_tokens: int | None | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | None | NotGiven = NOT_GIVEN,
        modalities: list[Literal["text", "audio"]] | None | NotGiven = NOT_GIVEN,
        moderation: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        n: int | None | NotGiven = NOT_GIVEN,
        parallel_tool_calls: bool | NotGiven = NOT_GIVEN,
        prediction: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        presence_penalty: float | None | NotGiven = NOT_GIVEN,
        prompt_cache_key: str | None | NotGiven = NOT_GIVEN,
        prompt_cache_options: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        prompt_cache_retention: Literal["in_memory", "24h"] | None | NotGiven = NOT_GIVEN,
        reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"]
        | None
        | NotGiven = NOT_GIVEN,
        response_format: ResponseFormat | NotGiven = NOT_GIVEN,
        safety_identifier: str | None | NotGiven = NOT_GIVEN,
        seed: int | None | NotGiven = NOT_GIVEN,
        service_tier: Literal["auto", "default", "flex", "scale", "priority"]
        | None
        | NotGiven = NOT_GIVEN,
        stop: str | list[str] | None | NotGiven = NOT_GIVEN,
        store: bool | None | NotGiven = NOT_GIVEN,
        stream_options: ChatCompletionStreamOptions | None | NotGiven = NOT_GIVEN,
        temperature: float | None | NotGiven = NOT_GIVEN,
        tool_choice: ChatCompletionToolChoiceOption | NotGiven = NOT_GIVEN,
        tools: Iterable[ChatCompletionToolParam] | NotGiven = NOT_GIVEN,
        top_logprobs: int | None | NotGiven = NOT_GIVEN,
        top_p: float | None | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        verbosity: Literal["low", "medium", "high"] | None | NotGiven = NOT_GIVEN,
        web_search_options: Mapping[str, object] | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> AsyncStream[ChatCompletionChunk]: ...

    @overload
    async def create(
        self,
        *,
        messages: Iterable[ChatCompletionRequestMessage],
        model: str,
        stream: bool,
        audio: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        frequency_penalty: float | None | NotGiven = NOT_GIVEN,
        function_call: str | Mapping[str, object] | NotGiven = NOT_GIVEN,
        functions: Iterable[Mapping[str, object]] | NotGiven = NOT_GIVEN,
        logit_bias: Mapping[str, int] | None | NotGiven = NOT_GIVEN,
        logprobs: bool | None | NotGiven = NOT_GIVEN,
        max_completion_tokens: int | None | NotGiven = NOT_GIVEN,
        max_tokens: int | None | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | None | NotGiven = NOT_GIVEN,
        modalities: list[Literal["text", "audio"]] | None | NotGiven = NOT_GIVEN,
        moderation: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        n: int | None | NotGiven = NOT_GIVEN,
        parallel_tool_calls: bool | NotGiven = NOT_GIVEN,
        prediction: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        presence_penalty: float | None | NotGiven = NOT_GIVEN,
        prompt_cache_key: str | None | NotGiven = NOT_GIVEN,
        prompt_cache_options: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        prompt_cache_retention: Literal["in_memory", "24h"] | None | NotGiven = NOT_GIVEN,
        reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"]
        | None
        | NotGiven = NOT_GIVEN,
        response_format: ResponseFormat | NotGiven = NOT_GIVEN,
        safety_identifier: str | None | NotGiven = NOT_GIVEN,
        seed: int | None | NotGiven = NOT_GIVEN,
        service_tier: Literal["auto", "default", "flex", "scale", "priority"]
        | None
        | NotGiven = NOT_GIVEN,
        stop: str | list[str] | None | NotGiven = NOT_GIVEN,
        store: bool | None | NotGiven = NOT_GIVEN,
        stream_options: ChatCompletionStreamOptions | None | NotGiven = NOT_GIVEN,
        temperature: float | None | NotGiven = NOT_GIVEN,
        tool_choice: ChatCompletionToolChoiceOption | NotGiven = NOT_GIVEN,
        tools: Iterable[ChatCompletionToolParam] | NotGiven = NOT_GIVEN,
        top_logprobs: int | None | NotGiven = NOT_GIVEN,
        top_p: float | None | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        verbosity: Literal["low", "medium", "high"] | None | NotGiven = NOT_GIVEN,
        web_search_options: Mapping[str, object] | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]: ...

    async def create(
        self,
        *,
        messages: Iterable[ChatCompletionRequestMessage],
        model: str,
        stream: Literal[False] | Literal[True] | None | NotGiven = NOT_GIVEN,
        audio: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        frequency_penalty: float | None | NotGiven = NOT_GIVEN,
        function_call: str | Mapping[str, object] | NotGiven = NOT_GIVEN,
        functions: Iterable[Mapping[str, object]] | NotGiven = NOT_GIVEN,
        logit_bias: Mapping[str, int] | None | NotGiven = NOT_GIVEN,
        logprobs: bool | None | NotGiven = NOT_GIVEN,
        max_completion_tokens: int | None | NotGiven = NOT_GIVEN,
        max_tokens: int | None | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | None | NotGiven = NOT_GIVEN,
        modalities: list[Literal["text", "audio"]] | None | NotGiven = NOT_GIVEN,
        moderation: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        n: int | None | NotGiven = NOT_GIVEN,
        parallel_tool_calls: bool | NotGiven = NOT_GIVEN,
        prediction: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        presence_penalty: float | None | NotGiven = NOT_GIVEN,
        prompt_cache_key: str | None | NotGiven = NOT_GIVEN,
        prompt_cache_options: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        prompt_cache_retention: Literal["in_memory", "24h"] | None | NotGiven = NOT_GIVEN,
        reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"]
        | None
        | NotGiven = NOT_GIVEN,
        response_format: ResponseFormat | NotGiven = NOT_GIVEN,
        safety_identifier: str | None | NotGiven = NOT_GIVEN,
        seed: int | None | NotGiven = NOT_GIVEN,
        service_tier: Literal["auto", "default", "flex", "scale", "priority"]
        | None
        | NotGiven = NOT_GIVEN,
        stop: str | list[str] | None | NotGiven = NOT_GIVEN,
        store: bool | None | NotGiven = NOT_GIVEN,
        stream_options: ChatCompletionStreamOptions | None | NotGiven = NOT_GIVEN,
        temperature: float | None | NotGiven = NOT_GIVEN,
        tool_choice: ChatCompletionToolChoiceOption | NotGiven = NOT_GIVEN,
        tools: Iterable[ChatCompletionToolParam] | NotGiven = NOT_GIVEN,
        top_logprobs: int | None | NotGiven = NOT_GIVEN,
        top_p: float | None | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        verbosity: Literal["low", "medium", "high"] | None | NotGiven = NOT_GIVEN,
        web_search_options: Mapping[str, object] | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]:
        """Create a model response for the given chat conversation.

        With ``stream=True`` returns the chunks as they arrive (:class:`AsyncStream`); HTTP
        errors are raised by this call, before any iteration.
        """
        body = strip_not_given(
            {
                "messages": messages,
                "model": model,
                "audio": audio,
                "frequency_penalty": frequency_penalty,
                "function_call": function_call,
                "functions": functions,
                "logit_bias": logit_bias,
                "logprobs": logprobs,
                "max_completion_tokens": max_completion_tokens,
                "max_tokens": max_tokens,
                "metadata": metadata,
                "modalities": modalities,
                "moderation": moderation,
                "n": n,
                "parallel_tool_calls": parallel_tool_calls,
                "prediction": prediction,
                "presence_penalty": presence_penalty,
                "prompt_cache_key": prompt_cache_key,
                "prompt_cache_options": prompt_cache_options,
                "prompt_cache_retention": prompt_cache_retention,
                "reasoning_effort": reasoning_effort,
                "response_format": response_format,
                "safety_identifier": safety_identifier,
                "seed": seed,
                "service_tier": service_tier,
                "stop": stop,
                "store": store,
                "stream_options": stream_options,
                "temperature": temperature,
                "tool_choice": tool_choice,
                "tools": tools,
                "top_logprobs": top_logprobs,
                "top_p": top_p,
                "user": user,
                "verbosity": verbosity,
                "web_search_options": web_search_options,
                "stream": stream,
            }
        )
        if stream:
            return await self._client.request_stream(
                ChatCompletionChunk,
                "POST",
                "/chat/completions",
                body=body,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                max_retries=max_retries,
                options=options,
            )
        return await self._client.request(
            ChatCompletion,
            "POST",
            "/chat/completions",
            body=body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            options=options,
        )
