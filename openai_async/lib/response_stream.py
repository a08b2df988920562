"""Responses API streams: typed ``response.*`` events, text deltas, the final response.

:class:`ResponseAccumulator` is pure (no I/O): feed it events, ask for the response so
far or the final one. :class:`AsyncResponseStream` / :class:`ResponseStream` wrap the
stream of ``responses.create(stream=True)`` (what ``responses.stream(...)`` returns) with
``text_deltas()``, ``final_response()`` and ``current_response``.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from .._exceptions import (
    InvalidRequestError,
    ResponseFailedError,
    ResponseIncompleteError,
    ResponseNotCompletedError,
)
from .._models import BaseModel, UnknownVariant
from .._resource import AsyncAPIResource
from .._syncbase import Stream, _PortalIterator
from .responses import ParsedResponse, parsed_response, text_param

if TYPE_CHECKING:  # the responses models load on first use, not with the package
    from .._response import ResponseInfo
    from .._streaming import AsyncStream
    from .._syncbase import Portal
    from ..models.responses import (
        OutputMessage,
        Response,
        ResponseCompletedEvent,
        ResponseContentPartAddedEvent,
        ResponseContentPartDoneEvent,
        ResponseCreatedEvent,
        ResponseFailedEvent,
        ResponseFunctionCallArgumentsDeltaEvent,
        ResponseFunctionCallArgumentsDoneEvent,
        ResponseIncompleteEvent,
        ResponseInProgressEvent,
        ResponseOutputItemAddedEvent,
        ResponseOutputItemDoneEvent,
        ResponseQueuedEvent,
        ResponseRefusalDeltaEvent,
        ResponseRefusalDoneEvent,
        ResponseStreamEvent,
        ResponseTextDeltaEvent,
        ResponseTextDoneEvent,
    )

__all__ = [
    "AsyncResponseStream",
    "ResponseAccumulator",
    "ResponseStream",
    "output_text",
    "response_stream",
]

_M = TypeVar("_M", bound=BaseModel)
_ARGUMENTS = -1  # the content index under which a function call's arguments grow


class ResponseAccumulator:
    """The response that the events of a stream add up to.

    Lifecycle events (``response.created``, ``in_progress``, ``queued``) give the response
    so far; output items, content parts, text, refusal and function-call argument deltas
    are laid over it, so :meth:`snapshot` is useful mid-stream. Other details (annotations,
    reasoning summaries, tool progress) arrive with each item's ``output_item.done``. The
    terminal event's response is authoritative; its ``output_text`` (an SDK convenience
    servers leave out) is filled in.
    """

    def __init__(self) -> None:
        self._base: Response | None = None
        self._final: Response | None = None
        #: The type of the terminal event, once one arrived.
        self.ended: str | None = None
        self._items: dict[int, Any] = {}  # output_index -> item
        self._parts: dict[tuple[int, int], Any] = {}  # (output_index, content_index) -> part
        # (output_index, content_index, field) -> pieces; joined only when a snapshot is
        # asked for, as joining on every delta would make a long stream quadratic.
        self._pieces: dict[tuple[int, int, str], list[str]] = {}

    def add(self, event: ResponseStreamEvent) -> None:
        """Fold in one event (event types it does not know are ignored)."""
        if not isinstance(event, UnknownVariant):
            handler = _HANDLERS.get(event.type)
            if handler is not None:
                handler(self, event)

    def _lifecycle(
        self, event: ResponseCreatedEvent | ResponseInProgressEvent | ResponseQueuedEvent
    ) -> None:
        self._base = event.response

    def _terminal(
        self, event: ResponseCompletedEvent | ResponseFailedEvent | ResponseIncompleteEvent
    ) -> None:
        response = event.response
        if response.output_text is None:
            response.output_text = output_text(response)
        self._final, self.ended = response, event.type

    def _item_added(self, event: ResponseOutputItemAddedEvent) -> None:
        self._items[event.output_index] = event.item

    def _item_done(self, event: ResponseOutputItemDoneEvent) -> None:
        i = event.output_index
        self._items[i] = event.item
        self._parts = {k: v for k, v in self._parts.items() if k[0] != i}
        self._pieces = {k: v for k, v in self._pieces.items() if k[0] != i}

    def _part_added(self, event: ResponseContentPartAddedEvent) -> None:
        self._parts[event.output_index, event.content_index] = event.part

    def _part_done(self, event: ResponseContentPartDoneEvent) -> None:
        i, c = event.output_index, event.content_index
        self._parts[i, c] = event.part
        self._pieces.pop((i, c, "text"), None)
        self._pieces.pop((i, c, "refusal"), None)

    def _text_delta(self, event: ResponseTextDeltaEvent) -> None:
        self._pieces.setdefault((event.output_index, event.content_index, "text"), []).append(
            event.delta
        )

    def _text_done(self, event: ResponseTextDoneEvent) -> None:
        self._pieces[event.output_index, event.content_index, "text"] = [event.text]

    def _refusal_delta(self, event: ResponseRefusalDeltaEvent) -> None:
        self._pieces.setdefault((event.output_index, event.content_index, "refusal"), []).append(
            event.delta
        )

    def _refusal_done(self, event: ResponseRefusalDoneEvent) -> None:
        self._pieces[event.output_index, event.content_index, "refusal"] = [event.refusal]

    def _arguments_delta(self, event: ResponseFunctionCallArgumentsDeltaEvent) -> None:
        self._pieces.setdefault((event.output_index, _ARGUMENTS, "arguments"), []).append(
            event.delta
        )

    def _arguments_done(self, event: ResponseFunctionCallArgumentsDoneEvent) -> None:
        self._pieces[event.output_index, _ARGUMENTS, "arguments"] = [event.arguments]

    def snapshot(self) -> Response | None:
        """The response so far (``None`` before the first lifecycle event); after a terminal
        event, that event's response. Built from copies: the events' objects stay as sent."""
        if self._final is not None:
            return self._final
        if self._base is None:
            return None
        from ..models.responses import FunctionToolCall, OutputMessage

        items: dict[int, Any] = dict(enumerate(self._base.output or ()))
        items.update(self._items)
        parts: dict[int, dict[int, Any]] = {}
        for (i, c), part in self._parts.items():
            parts.setdefault(i, {})[c] = part
        for (i, c, field), pieces in self._pieces.items():
            text = "".join(pieces)
            if field == "arguments":
                if isinstance(items.get(i), FunctionToolCall):
                    items[i] = _with(items[i], arguments=text)
            else:
                group = parts.setdefault(i, {})
                group[c] = _with_text(group.get(c), field, text)
        for i, group in parts.items():
            item = items[i] if i in items else _new_message()  # some servers skip "added"
            if isinstance(item, OutputMessage):
                content = dict(enumerate(item.content or ()))
                content.update(group)
                items[i] = _with(item, content=[content[c] for c in sorted(content)])
        snapshot = _with(self._base, output=[items[i] for i in sorted(items)])
        snapshot.output_text = output_text(snapshot)
        return snapshot

    def final_response(self) -> Response:
        """The response of ``response.completed``; otherwise :class:`ResponseFailedError`,
        :class:`ResponseIncompleteError` or :class:`ResponseNotCompletedError` (no end yet)."""
        response = self._final
        if response is None:
            raise ResponseNotCompletedError(
                "the response stream ended before response.completed", self.snapshot()
            )
        if self.ended == "response.failed":
            error = response.error
            raise ResponseFailedError(
                response,
                error.code if error is not None else None,
                error.message if error is not None else None,
            )
        if self.ended == "response.incomplete":
            details = response.incomplete_details
            raise ResponseIncompleteError(response, details.reason if details else None)
        return response


_HANDLERS: dict[str, Callable[[ResponseAccumulator, Any], None]] = {
    "response.created": ResponseAccumulator._lifecycle,
    "response.in_progress": ResponseAccumulator._lifecycle,
    "response.queued": ResponseAccumulator._lifecycle,
    "response.completed": ResponseAccumulator._terminal,
    "response.failed": ResponseAccumulator._terminal,
    "response.incomplete": ResponseAccumulator._terminal,
    "response.output_item.added": ResponseAccumulator._item_added,
    "response.output_item.done": ResponseAccumulator._item_done,
    "response.content_part.added": ResponseAccumulator._part_added,
    "response.content_part.done": ResponseAccumulator._part_done,
    "response.output_text.delta": ResponseAccumulator._text_delta,
    "response.output_text.done": ResponseAccumulator._text_done,
    "response.refusal.delta": ResponseAccumulator._refusal_delta,
    "response.refusal.done": ResponseAccumulator._refusal_done,
    "response.function_call_arguments.delta": ResponseAccumulator._arguments_delta,
    "response.function_call_arguments.done": ResponseAccumulator._arguments_done,
}


def output_text(response: Response) -> str:
    """The ``output_text`` parts of the response's messages, joined."""
    from ..models.responses import OutputMessage, OutputTextContent

    return "".join(
        part.text
        for item in response.output or ()
        if isinstance(item, OutputMessage)
        for part in item.content or ()
        if isinstance(part, OutputTextContent)
    )


def _with(obj: _M, **changes: Any) -> _M:
    """A shallow copy of ``obj`` with ``changes`` (unknown fields kept)."""
    obj = copy.copy(obj)
    for name, value in changes.items():
        setattr(obj, name, value)
    return obj


def _new_message() -> OutputMessage:
    from ..models.responses import OutputMessage

    return OutputMessage(id="", type="message", role="assistant", content=[], status="in_progress")


def _with_text(part: Any, field: str, text: str) -> Any:
    """``part`` (an output text or a refusal, made when missing) with its text so far."""
    from ..models.responses import OutputTextContent, RefusalContent

    if field == "text":
        if part is None:
            return OutputTextContent(type="output_text", text=text, annotations=[], logprobs=[])
        return _with(part, text=text) if isinstance(part, OutputTextContent) else part
    if part is None:
        return RefusalContent(type="refusal", refusal=text)
    return _with(part, refusal=text) if isinstance(part, RefusalContent) else part


# --- the stream wrappers ---------------------------------------------------------------


class AsyncResponseStream:
    """The typed events of a streamed response, and what they add up to.

    ``async for event in stream`` yields the events; ``text_deltas()`` the text pieces;
    ``final_response()`` reads the rest and returns the completed response. Leaving a loop
    early does not close the stream (``final_response()`` can read the rest): use
    ``async with`` or :meth:`aclose` to release the connection.
    """

    def __init__(
        self, stream: AsyncStream[ResponseStreamEvent], *, text_format: type[Any] | None = None
    ) -> None:
        self.stream = stream
        self.accumulator = ResponseAccumulator()
        self.text_format = text_format

    @property
    def response_info(self) -> ResponseInfo:
        return self.stream.response_info

    @property
    def request_id(self) -> str | None:
        return self.stream.request_id

    @property
    def current_response(self) -> Response | None:
        """The response so far (see :meth:`ResponseAccumulator.snapshot`)."""
        return self.accumulator.snapshot()

    def __aiter__(self) -> AsyncResponseStream:
        return self

    async def __anext__(self) -> ResponseStreamEvent:
        # Error events (named or data-only) raise APIStreamError in AsyncStream already.
        event = await self.stream.__anext__()
        self.accumulator.add(event)
        return event

    async def text_deltas(self) -> AsyncIterator[str]:
        """The ``response.output_text.delta`` pieces; :meth:`final_response` afterwards
        says how the response ended."""
        from ..models.responses import ResponseTextDeltaEvent

        async for event in self:
            if isinstance(event, ResponseTextDeltaEvent):
                yield event.delta

    async def final_response(self) -> Response:
        """Read what is left; the response of ``response.completed`` (see
        :meth:`ResponseAccumulator.final_response` for what it raises otherwise)."""
        async for _ in self:
            pass
        return self.accumulator.final_response()

    async def final_text(self) -> str:
        """The output text of :meth:`final_response`."""
        return (await self.final_response()).output_text or ""

    async def final_parsed(self) -> ParsedResponse[Any]:
        """:meth:`final_response` with its output text parsed into the ``text_format``
        class the stream was started with (see :func:`~.responses.parsed_response`)."""
        return self._parsed(await self.final_response())

    def _parsed(self, response: Response) -> ParsedResponse[Any]:
        if self.text_format is None:
            raise InvalidRequestError("final_parsed() needs a stream started with text_format")
        return parsed_response(response, self.text_format)

    async def aclose(self) -> None:
        """Stop reading and release the connection."""
        await self.stream.aclose()

    async def __aenter__(self) -> AsyncResponseStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stream.aclose()


class ResponseStream(_PortalIterator["ResponseStreamEvent"]):
    """The sync facade's :class:`AsyncResponseStream`: its events come through a sync
    :class:`~openai_async.Stream`, and add up in the calling thread."""

    def __init__(self, portal: Portal, stream: AsyncResponseStream) -> None:
        self._portal = portal
        self._async = self._source = stream
        # Owns the connection like any sync stream: closed on the portal's loop when this
        # is dropped unclosed or the client closes.
        self._raw = Stream(portal, stream.stream)

    @property
    def response_info(self) -> ResponseInfo:
        return self._async.response_info

    @property
    def request_id(self) -> str | None:
        return self._async.request_id

    @property
    def current_response(self) -> Response | None:
        return self._async.current_response

    def __iter__(self) -> ResponseStream:
        return self

    def text_deltas(self) -> Iterator[str]:
        from ..models.responses import ResponseTextDeltaEvent

        for event in self:
            if isinstance(event, ResponseTextDeltaEvent):
                yield event.delta

    def __next__(self) -> ResponseStreamEvent:
        # The raw stream hands out what each network read brought (one crossing to the
        # portal per read); the accumulator runs here, in the calling thread.
        event = self._raw.__next__()
        self._async.accumulator.add(event)
        return event

    def close(self) -> None:
        self._raw.close()

    def final_response(self) -> Response:
        for _ in self:
            pass
        return self._async.accumulator.final_response()

    def final_text(self) -> str:
        return self.final_response().output_text or ""

    def final_parsed(self) -> ParsedResponse[Any]:
        return self._async._parsed(self.final_response())


async def response_stream(
    resource: AsyncAPIResource,
    start: Callable[[Any], Awaitable[AsyncStream[ResponseStreamEvent]]],
    *,
    text: Any,
    text_format: type[Any] | None,
) -> AsyncResponseStream:
    """What the generated ``responses.stream`` returns: the started stream, wrapped; with
    ``text_format`` its schema goes in ``text.format`` and ``final_parsed()`` parses."""
    sent = text if text_format is None else text_param(text, text_format)
    return AsyncResponseStream(await start(sent), text_format=text_format)
