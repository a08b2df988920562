"""Chat completion streams turned into text, typed events and the final completion.

:class:`ChatCompletionAccumulator` is pure (no I/O): feed it chunks, get events, ask for
the completion. :class:`AsyncChatCompletionStream` / :class:`ChatCompletionStream` wrap the
stream that ``chat.completions.create(stream=True)`` returns (async / sync facade) with
``text_deltas()``, ``events()`` and ``final_completion()``. Wrapping, rather than a
stream subclass, keeps chat knowledge out of ``_streaming.py`` and the generators and
works the same for both facades.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from .._converter import structure
from .._exceptions import (
    ContentFilterFinishReasonError,
    IncompleteStreamError,
    LengthFinishReasonError,
)
from .structured import parse_arguments, parse_json, tools_by_name

if TYPE_CHECKING:  # the chat models load on first use, not with the package
    from .._streaming import AsyncStream
    from .._syncbase import Portal, Stream
    from ..models.chat import ChatCompletion, ChatCompletionChunk
    from .chat_parsed import ParsedChatCompletion

__all__ = [
    "AsyncChatCompletionStream",
    "ChatCompletionAccumulator",
    "ChatCompletionStream",
    "ChatStreamEvent",
    "ChunkEvent",
    "ContentDeltaEvent",
    "ContentDoneEvent",
    "LogprobsEvent",
    "RefusalDeltaEvent",
    "RefusalDoneEvent",
    "ToolCallArgumentsDeltaEvent",
    "ToolCallArgumentsDoneEvent",
    "parse_completion",
]

T = TypeVar("T")


# --- parsed completions ----------------------------------------------------------------


def parse_completion(
    completion: ChatCompletion, response_format: type[T] | None, tools: Any = None
) -> ParsedChatCompletion[T]:
    """``completion`` as a :class:`ParsedChatCompletion`: content parsed as
    ``response_format``, function tool calls' arguments parsed; refusals kept, not parsed."""
    from .chat_parsed import (
        ParsedChatCompletion,
        ParsedChatCompletionMessage,
        ParsedChoice,
        parsed_tool_call,
    )
    from .structured import upgrade

    by_name = tools_by_name(tools)
    choices: list[ParsedChoice[T]] = []
    for choice in completion.choices:
        msg = choice.message
        if response_format is not None and choice.finish_reason == "length":
            raise LengthFinishReasonError(completion)
        if response_format is not None and choice.finish_reason == "content_filter":
            raise ContentFilterFinishReasonError(completion)
        parsed = None
        if response_format is not None and msg.content is not None and not msg.refusal:
            parsed = parse_json(msg.content, response_format, what="the message content")
        calls = msg.tool_calls and [parsed_tool_call(c, by_name) for c in msg.tool_calls]
        message = upgrade(msg, ParsedChatCompletionMessage, parsed=parsed, tool_calls=calls)
        choices.append(upgrade(choice, ParsedChoice, message=message))
    return upgrade(completion, ParsedChatCompletion, choices=choices)


# --- events ----------------------------------------------------------------------------


@attrs.frozen
class ChunkEvent:
    """Every chunk, as received (sent before the events it gives rise to)."""

    chunk: ChatCompletionChunk


@attrs.frozen
class _Delta:
    """A delta; ``snapshot`` (the text so far) is joined only when read: per-chunk joins
    would make a long stream quadratic."""

    _parts: list[str] = attrs.field(alias="parts", repr=False, eq=False)
    _upto: int = attrs.field(alias="upto", repr=False, eq=False)

    @property
    def snapshot(self) -> str:
        return "".join(self._parts[: self._upto])


@attrs.frozen
class ContentDeltaEvent(_Delta):
    index: int  # of the choice
    delta: str


@attrs.frozen
class ContentDoneEvent:
    """The choice's whole content; ``parsed`` when a ``response_format`` class was given."""

    index: int
    content: str
    parsed: Any = None


@attrs.frozen
class RefusalDeltaEvent(_Delta):
    index: int
    delta: str


@attrs.frozen
class RefusalDoneEvent:
    index: int
    refusal: str


@attrs.frozen
class ToolCallArgumentsDeltaEvent(_Delta):
    index: int  # of the choice
    tool_index: int
    name: str
    delta: str


@attrs.frozen
class ToolCallArgumentsDoneEvent:
    """A finished tool call: its arguments whole and parsed (see :class:`ParsedToolCall`)."""

    index: int
    tool_index: int
    id: str
    name: str
    arguments: str
    parsed_arguments: Any


@attrs.frozen
class LogprobsEvent:
    """Log probabilities of the tokens of one chunk (``content`` and/or ``refusal`` lists)."""

    index: int
    content: list[Any] | None
    refusal: list[Any] | None


ChatStreamEvent = (
    ChunkEvent
    | ContentDeltaEvent
    | ContentDoneEvent
    | RefusalDeltaEvent
    | RefusalDoneEvent
    | ToolCallArgumentsDeltaEvent
    | ToolCallArgumentsDoneEvent
    | LogprobsEvent
)


# --- the accumulator -------------------------------------------------------------------


class _Call:
    __slots__ = ("args", "id", "name", "type")

    def __init__(self) -> None:
        self.id = ""
        self.type = "function"
        self.name = ""
        self.args: list[str] = []


class _Choice:
    __slots__ = ("calls", "content", "finish", "lp_content", "lp_refusal", "refusal", "role")

    def __init__(self) -> None:
        self.role: str | None = None
        self.content: list[str] | None = None
        self.refusal: list[str] | None = None
        self.calls: dict[int, _Call] = {}
        self.finish: str | None = None
        self.lp_content: list[Any] | None = None
        self.lp_refusal: list[Any] | None = None


class ChatCompletionAccumulator:
    """Builds the whole :class:`ChatCompletion` from streamed chunks, with events on the way.

    Tool calls merge by index and concatenate ``arguments``; ``id``, ``type`` and the
    function name are taken once (llama.cpp repeats them in every chunk). Give
    ``response_format`` (a class) and ``tools`` to get parsed content and arguments.
    """

    def __init__(self, *, response_format: type[Any] | None = None, tools: Any = None) -> None:
        self._response_format = response_format
        self._tools = tools_by_name(tools)
        self._head: dict[str, Any] = {}
        self._usage: Any = None
        self._choices: dict[int, _Choice] = {}

    def add(self, chunk: ChatCompletionChunk) -> list[ChatStreamEvent]:
        """Fold in one chunk; the events it gives rise to."""
        if not self._head and chunk.id:
            self._head = {
                "id": chunk.id,
                "created": chunk.created,
                "model": chunk.model,
                "system_fingerprint": chunk.system_fingerprint,
                "service_tier": chunk.service_tier,
            }
        if chunk.usage is not None:
            self._usage = chunk.usage
        events: list[ChatStreamEvent] = [ChunkEvent(chunk)]
        for c in chunk.choices or ():
            state = self._choices.setdefault(c.index, _Choice())
            self._add_choice(c, state, events)
        return events

    def _add_choice(self, c: Any, state: _Choice, events: list[ChatStreamEvent]) -> None:
        i = c.index
        delta = c.delta
        if delta is not None:
            if delta.role and state.role is None:
                state.role = delta.role
            if delta.content is not None:
                parts = state.content = state.content or []
                parts.append(delta.content)
                if delta.content:
                    events.append(ContentDeltaEvent(parts, len(parts), i, delta.content))
            if delta.refusal is not None:
                parts = state.refusal = state.refusal or []
                parts.append(delta.refusal)
                if delta.refusal:
                    events.append(RefusalDeltaEvent(parts, len(parts), i, delta.refusal))
            for tc in delta.tool_calls or ():
                call = state.calls.setdefault(tc.index, _Call())
                if tc.id and not call.id:
                    call.id = tc.id
                if tc.type:
                    call.type = tc.type
                fn = tc.function
                if fn is not None:
                    if fn.name and not call.name:
                        call.name = fn.name
                    if fn.arguments:
                        call.args.append(fn.arguments)
                        events.append(
                            ToolCallArgumentsDeltaEvent(
                                call.args, len(call.args), i, tc.index, call.name, fn.arguments
                            )
                        )
        lp = c.logprobs
        if lp is not None and (lp.content or lp.refusal):
            if lp.content:
                state.lp_content = state.lp_content or []
                state.lp_content.extend(lp.content)
            if lp.refusal:
                state.lp_refusal = state.lp_refusal or []
                state.lp_refusal.extend(lp.refusal)
            events.append(LogprobsEvent(i, lp.content, lp.refusal))
        if c.finish_reason is not None and state.finish is None:
            state.finish = c.finish_reason
            self._done_events(i, state, events)

    def _done_events(self, i: int, state: _Choice, events: list[ChatStreamEvent]) -> None:
        if self._response_format is not None and state.finish == "content_filter":
            raise ContentFilterFinishReasonError(None)
        if state.content:
            text = "".join(state.content)
            parsed = None
            if self._response_format is not None and not state.refusal:
                if state.finish == "length":
                    raise LengthFinishReasonError(None)
                parsed = parse_json(text, self._response_format, what="the message content")
            events.append(ContentDoneEvent(i, text, parsed))
        if state.refusal:
            events.append(RefusalDoneEvent(i, "".join(state.refusal)))
        for k, call in sorted(state.calls.items()):
            args = "".join(call.args)
            parsed_args = parse_arguments(call.name, args, self._tools)
            events.append(ToolCallArgumentsDoneEvent(i, k, call.id, call.name, args, parsed_args))

    def complete(self) -> bool:
        """Whether every choice seen has finished."""
        return bool(self._choices) and all(s.finish for s in self._choices.values())

    def completion(self) -> ChatCompletion:
        """The accumulated completion; :class:`IncompleteStreamError` if a choice never finished."""
        if not self.complete():
            raise IncompleteStreamError(
                "the chat stream ended before every choice had a finish_reason"
            )
        choices = [self._choice_dict(i, s) for i, s in sorted(self._choices.items())]
        from ..models.chat import ChatCompletion

        body = {**self._head, "object": "chat.completion", "choices": choices}
        if self._usage is not None:
            body["usage"] = self._usage.to_dict()
        return structure(body, ChatCompletion)

    @staticmethod
    def _choice_dict(index: int, s: _Choice) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": s.role or "assistant",
            "content": None if s.content is None else "".join(s.content),
            "refusal": None if s.refusal is None else "".join(s.refusal),
        }
        if s.calls:
            message["tool_calls"] = [
                {
                    "id": c.id,
                    "type": c.type,
                    "function": {"name": c.name, "arguments": "".join(c.args)},
                }
                for _, c in sorted(s.calls.items())
            ]
        logprobs = None
        if s.lp_content is not None or s.lp_refusal is not None:
            logprobs = {
                "content": [_plain(x) for x in s.lp_content] if s.lp_content is not None else None,
                "refusal": [_plain(x) for x in s.lp_refusal] if s.lp_refusal is not None else None,
            }
        return {
            "index": index,
            "message": message,
            "finish_reason": s.finish,
            "logprobs": logprobs,
        }

    def parsed_completion(self) -> ParsedChatCompletion[Any]:
        """:meth:`completion` parsed as the ``response_format`` class and the tools given."""
        return parse_completion(
            self.completion(), self._response_format, list(self._tools.values())
        )


def _plain(item: Any) -> Any:
    to_dict = getattr(item, "to_dict", None)
    return to_dict() if to_dict is not None else item


# --- the stream wrappers ---------------------------------------------------------------


class AsyncChatCompletionStream:
    """``AsyncChatCompletionStream(await client.chat.completions.create(..., stream=True))``:
    iterate chunks as before, or use ``text_deltas()``, ``events()``, ``final_completion()``.

    Leaving one of its loops early does not close the stream (``final_completion()`` can
    read the rest): use ``async with`` or :meth:`aclose` to release the connection.
    """

    def __init__(
        self,
        stream: AsyncStream[ChatCompletionChunk],
        *,
        response_format: type[Any] | None = None,
        tools: Sequence[Any] | None = None,
    ) -> None:
        self.stream = stream
        self.accumulator = ChatCompletionAccumulator(response_format=response_format, tools=tools)

    async def _next(self) -> list[ChatStreamEvent] | None:
        try:
            chunk = await self.stream.__anext__()
        except StopAsyncIteration:
            return None
        return self.accumulator.add(chunk)

    async def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        while (events := await self._next()) is not None:
            yield cast(ChunkEvent, events[0]).chunk

    async def events(self) -> AsyncIterator[ChatStreamEvent]:
        """Typed events: chunk, content / refusal / tool-call argument deltas and dones, logprobs."""
        while (events := await self._next()) is not None:
            for event in events:
                yield event

    async def text_deltas(self) -> AsyncIterator[str]:
        """The content pieces only (every choice)."""
        async for event in self.events():
            if isinstance(event, ContentDeltaEvent):
                yield event.delta

    async def final_completion(self) -> ChatCompletion:
        """Read what is left and return the whole completion."""
        while await self._next() is not None:
            pass
        return self.accumulator.completion()

    async def final_parsed(self) -> ParsedChatCompletion[Any]:
        """:meth:`final_completion`, parsed (see :func:`parse_completion`)."""
        await self.final_completion()
        return self.accumulator.parsed_completion()

    async def aclose(self) -> None:
        await self.stream.aclose()

    async def __aenter__(self) -> AsyncChatCompletionStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stream.aclose()


class ChatCompletionStream:
    """The sync facade's twin of :class:`AsyncChatCompletionStream`, around a ``Stream``."""

    def __init__(
        self,
        stream: Stream[ChatCompletionChunk],
        *,
        response_format: type[Any] | None = None,
        tools: Sequence[Any] | None = None,
    ) -> None:
        self.stream = stream
        self.accumulator = ChatCompletionAccumulator(response_format=response_format, tools=tools)

    @classmethod
    def from_async(cls, portal: Portal, stream: AsyncChatCompletionStream) -> ChatCompletionStream:
        """The sync twin of ``stream`` (what the sync ``chat.completions.stream`` returns)."""
        from .._syncbase import Stream

        twin = cls(Stream(portal, stream.stream))
        twin.accumulator = stream.accumulator
        return twin

    def _next(self) -> list[ChatStreamEvent] | None:
        try:
            chunk = self.stream.__next__()
        except StopIteration:
            return None
        return self.accumulator.add(chunk)

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        while (events := self._next()) is not None:
            yield cast(ChunkEvent, events[0]).chunk

    def events(self) -> Iterator[ChatStreamEvent]:
        while (events := self._next()) is not None:
            yield from events

    def text_deltas(self) -> Iterator[str]:
        for event in self.events():
            if isinstance(event, ContentDeltaEvent):
                yield event.delta

    def final_completion(self) -> ChatCompletion:
        while self._next() is not None:
            pass
        return self.accumulator.completion()

    def final_parsed(self) -> ParsedChatCompletion[Any]:
        self.final_completion()
        return self.accumulator.parsed_completion()

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> ChatCompletionStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()
