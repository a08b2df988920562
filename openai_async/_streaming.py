"""AsyncStream[T]: bytes from the transport -> SSE events -> typed chunks.

Each stream kind has a tracker that decides completeness: chat and text completions end
at ``data: [DONE]``, or are complete when every choice seen has a ``finish_reason``; event
streams (responses, assistants runs, images, audio) are complete after a terminal event
(:class:`EventTracker`). The done marker counts even when the body closes right after it,
without the blank line that ends an event. A stream that closes otherwise raises
:class:`IncompleteStreamError` after the chunks that did arrive. Assistants streams name
their payload's type in the SSE ``event:`` field: their tracker's ``event_field`` wraps each
payload as ``{"event": name, "data": payload}`` before decoding. Events with
empty data, ``retry:``/``id:``-only blocks and comments are skipped (more than
``max_empty_events`` of them in a row raise :class:`APIStreamError`: a keep-alive flood
must not keep a stream alive forever); ``event: error``, a payload carrying an ``error``
object or one of ``"type": "error"`` (the Responses API's error event) raises
:class:`APIStreamError`.

The connection is released as soon as the stream ends, fails, is closed, is
cancelled, or its ``async for`` loop is left early (the iterator is dropped).
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import orjson

from ._exceptions import (
    APIError,
    APIResponseValidationError,
    APIStreamError,
    APITimeoutError,
    IncompleteStreamError,
    error_message,
)
from ._response import ResponseInfo
from ._sse import RawEvent, SSEDecoder
from ._tracing import claim_stream

if TYPE_CHECKING:
    from ._synchttp import SyncResponse
    from ._transport import RawResponse

__all__ = [
    "ASSISTANT_RUN_END",
    "IMAGE_END",
    "RESPONSE_END",
    "SPEECH_END",
    "TRANSCRIPTION_END",
    "AsyncStream",
    "ChoicesTracker",
    "EventTracker",
    "StreamTracker",
]

log = logging.getLogger("openai_async")
_T = TypeVar("_T")
_DONE = object()
_loads = orjson.loads
_EMPTY = object()
_DRAIN_SECONDS = 0.25  # past this, closing the connection is cheaper than waiting


class StreamTracker(Protocol):
    """Decides when a stream of one kind is complete."""

    #: ``data`` that ends the stream (``"[DONE]"``), or ``None`` when the kind has none.
    done_marker: str | None
    #: When set, each payload is decoded as ``{event_field: <SSE event name>, "data": payload}``
    #: (streams whose event name, not the payload, says what the payload is).
    event_field: str | None
    #: What a complete stream ends with, for the error when it does not.
    ending: str

    def observe(self, item: Any) -> None: ...

    def complete_without_marker(self) -> bool:
        """Whether a stream that closed without ``done_marker`` still delivered everything."""
        ...


class ChoicesTracker:
    """Chat and text completions: complete at ``[DONE]`` or when every choice finished."""

    __slots__ = ("_finished", "_seen")
    done_marker: str | None = "[DONE]"
    event_field: str | None = None
    ending = "its end marker and before every choice had a finish_reason"

    def __init__(self) -> None:
        self._seen: set[int] = set()
        self._finished: set[int] = set()

    def observe(self, item: Any) -> None:
        for choice in getattr(item, "choices", None) or ():
            index = choice.index
            if index not in self._seen:
                self._seen.add(index)
            if choice.finish_reason is not None:
                self._finished.add(index)

    def complete_without_marker(self) -> bool:
        return bool(self._seen) and self._seen == self._finished


#: Terminal event types of each stream kind (a stream that ends after one is complete).
RESPONSE_END = frozenset({"response.completed", "response.failed", "response.incomplete"})
ASSISTANT_RUN_END = frozenset(
    {
        "thread.run.completed",
        "thread.run.failed",
        "thread.run.cancelled",
        "thread.run.expired",
        "thread.run.incomplete",
        "thread.run.requires_action",
    }
)
IMAGE_END = frozenset({"image_generation.completed", "image_edit.completed"})
SPEECH_END = frozenset({"speech.audio.done"})
TRANSCRIPTION_END = frozenset({"transcript.text.done"})


class EventTracker:
    """Streams of typed events: complete once an event of a terminal type has arrived
    (or at ``done_marker``). ``key`` is the field that holds the event type."""

    __slots__ = ("_ended", "_terminal", "done_marker", "ending", "event_field", "key")

    def __init__(
        self,
        terminal: frozenset[str],
        *,
        key: str = "type",
        done_marker: str | None = None,
        event_field: str | None = None,
    ) -> None:
        self._terminal = terminal
        self._ended = False
        self.key = key
        self.done_marker = done_marker
        self.event_field = event_field
        self.ending = "a terminal event (" + ", ".join(sorted(terminal)) + ")"

    def observe(self, item: Any) -> None:
        value = getattr(item, self.key, None)
        if value is None:  # an UnknownVariant: its raw JSON
            raw = getattr(item, "raw", None)
            value = raw.get(self.key) if isinstance(raw, dict) else None
        if value in self._terminal:
            self._ended = True

    def complete_without_marker(self) -> bool:
        return self._ended


class AsyncStream(Generic[_T]):
    """An ``async for`` over the typed chunks of a streamed response.

    Use it as ``async with`` (or call :meth:`aclose`) to release the connection when you
    stop early; leaving an ``async for`` loop early releases it too.
    """

    #: Consecutive events without data tolerated before the stream is given up
    #: (``None``: no limit). Set it on the class, or on one stream before reading.
    max_empty_events: int | None = 1000

    def __init__(
        self,
        response: RawResponse | SyncResponse,
        *,
        cast_to: type[_T],
        tracker: StreamTracker,
        idle_timeout: float | None,
    ) -> None:
        self._response = response
        self._cast_to = cast_to
        from ._converter import stream_structure_hook

        self._structure: Callable[[Any, Any], _T] = stream_structure_hook(cast_to)
        self._tracker = tracker
        marker = tracker.done_marker
        self._done_marker = None if marker is None else marker.encode()
        self._event_field = tracker.event_field
        self._idle_timeout = idle_timeout
        self._decoder = SSEDecoder()
        self._pending: collections.deque[RawEvent] = collections.deque()
        self._finished = False
        self._empty_run = 0
        self._comment_mark = 0  # the decoder's comment count at the last event with data
        self._call = claim_stream(response)  # the call's span, when traced: ends with us

    @property
    def response_info(self) -> ResponseInfo:
        """Status, headers, request id and rate limits of the response."""
        return self._response.info

    @property
    def request_id(self) -> str | None:
        return self._response.info.request_id

    def __aiter__(self) -> AsyncIterator[_T]:
        return _StreamIterator(self)

    async def __anext__(self) -> _T:
        # One coroutine per chunk: this is the hot path of every stream.
        pending = self._pending
        try:
            while pending:
                item = self._decode(pending.popleft())
                if item is not None:
                    if item is _DONE:
                        await self._drain()
                        raise StopAsyncIteration
                    return item  # type: ignore[return-value]
            if self._finished:
                raise StopAsyncIteration
            return await self._next_from_network()
        except BaseException as exc:
            # StopAsyncIteration, errors and cancellation all end the stream here.
            self._end(exc)
            raise

    def _end(self, exc: BaseException) -> None:
        self._finish()
        if self._call is not None:
            self._call.end(exc)

    async def take_ready(self) -> tuple[list[_T], Exception | None]:
        """The next chunk, then the chunks already received that decode without waiting
        for the network (never past the end marker); and the error that came after them,
        if one did (the stream has ended then, as when ``__anext__`` raises it).

        The sync ``Stream`` calls this: one crossing to the portal thread per network read
        rather than per chunk. Raises what ``__anext__`` raises when no chunk comes first.
        """
        items = [await self.__anext__()]
        pending = self._pending
        done = self._done_marker
        try:
            while pending and pending[0][0] != done:
                item = self._decode(pending.popleft())
                if item is not None:
                    items.append(item)  # type: ignore[arg-type]
        except Exception as exc:
            self._end(exc)
            return items, exc
        return items, None

    async def _next_from_network(self) -> _T:
        """Read until an event with data arrives, within one ``stream_idle`` limit."""
        pending = self._pending
        deadline = None
        if self._idle_timeout is not None:
            deadline = self._response.clock() + self._idle_timeout
        while True:
            chunk = await self._read(deadline)
            if chunk:
                pending.extend(self._decoder.feed_raw(chunk))
                self._check_flood()
            else:
                self._decoder.finish()  # it returns no events; the stream may end here
                if not pending:
                    self._end_of_body()
            while pending:
                item = self._decode(pending.popleft())
                if item is not None:
                    if item is _DONE:
                        await self._drain()
                        raise StopAsyncIteration
                    return item  # type: ignore[return-value]

    async def _read(self, deadline: float | None) -> bytes:
        try:
            return await self._response.read_chunk_by(deadline)
        except asyncio.TimeoutError:
            raise APITimeoutError(
                f"no stream event arrived for {self._idle_timeout} s (stream_idle timeout)",
                response_info=self._response.info,
            ) from None
        except APIError as exc:
            exc.response_info = self._response.info
            raise

    def _end_of_body(self) -> None:
        """The body ended without the done marker: complete, or not?"""
        self._finish()
        decoder = self._decoder
        if decoder.truncated:
            tail = decoder.tail
            if tail is not None and tail.data == self._tracker.done_marker:
                raise StopAsyncIteration  # the marker itself, cut before its closing blank line
        elif self._tracker.complete_without_marker():
            raise StopAsyncIteration
        cut = " in the middle of an event" if decoder.truncated else ""
        raise IncompleteStreamError(
            f"the stream ended{cut} before {self._tracker.ending}",
            response_info=self._response.info,
        )

    async def _drain(self) -> None:
        """After the end marker: read to the end of the body so the connection can be reused."""
        response = self._response
        deadline = response.clock() + _DRAIN_SECONDS
        try:
            while await response.read_chunk_by(deadline):
                pass
        except (APIError, asyncio.TimeoutError):
            pass
        self._finish()

    def _decode(self, event: RawEvent) -> _T | object | None:
        """The typed chunk of an event, ``_DONE``, or ``None`` for events that carry nothing.

        The data goes to the JSON parser as the bytes it arrived as; empty or blank data
        (and text that is not UTF-8) is told apart only once the parser has refused it.
        """
        data, name = event[0], event[1]
        if data == self._done_marker:
            return _DONE
        try:
            obj = _loads(data)
        except orjson.JSONDecodeError as exc:
            obj = self._not_json(data, exc)
            if obj is _EMPTY:
                return None
        self._empty_run = 0
        self._comment_mark = self._decoder.comments
        if name is not None and name == "error":
            raise self._error_event(obj, data)
        if type(obj) is dict and (
            ("error" in obj and isinstance(obj["error"], dict)) or obj.get("type") == "error"
        ):
            raise self._error_event(obj, data)
        if self._event_field is not None:
            obj = {self._event_field: name, "data": obj}
        try:
            item = self._structure(obj, self._cast_to)
        except Exception as exc:
            raise APIResponseValidationError(
                f"a stream event does not match {_name(self._cast_to)}: {exc!r}",
                raw=data.decode("utf-8", "replace"),
                response_info=self._response.info,
            ) from None
        self._tracker.observe(item)
        if self._call is not None:
            self._call.chunk(obj)
        return item

    def _not_json(self, data: bytes, exc: orjson.JSONDecodeError) -> Any:
        """Data the parser refused: ``_EMPTY`` (blank: counted towards the flood limit),
        the JSON of text that is not valid UTF-8 (decoded with replacement characters),
        else a validation error."""
        text = data.decode("utf-8", "replace")
        if not text or text.isspace():
            self._empty_run += 1
            self._check_flood()
            return _EMPTY
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            raise APIResponseValidationError(
                f"a stream event is not valid JSON ({exc})",
                raw=text,
                response_info=self._response.info,
            ) from None

    def _error_event(self, obj: Any, data: bytes) -> APIStreamError:
        text = data.decode("utf-8", "replace")
        return APIStreamError(
            error_message(obj, f"the server reported an error in the stream: {text[:200]}"),
            body=obj.get("error", obj) if isinstance(obj, dict) else obj,
            response_info=self._response.info,
        )

    def _check_flood(self) -> None:
        limit = self.max_empty_events
        run = self._empty_run + self._decoder.comments - self._comment_mark
        if limit is not None and run > limit:
            raise APIStreamError(
                f"the stream sent more than {limit} events or comments in a row without data "
                "(raise AsyncStream.max_empty_events if this server needs more)",
                response_info=self._response.info,
            )

    def _finish(self) -> None:
        if not self._finished:
            self._finished = True
            self._pending.clear()
        if not self._response.closed:
            self._response.release()

    def close_now(self) -> None:
        """Close the connection at once (synchronous)."""
        self._finished = True
        self._pending.clear()
        self._response.close()
        if self._call is not None:
            self._call.end(None)

    async def aclose(self) -> None:
        """Stop reading and release the connection."""
        if not self._finished or not self._response.closed:
            self.close_now()

    async def __aenter__(self) -> AsyncStream[_T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __del__(self) -> None:
        response = getattr(self, "_response", None)
        if response is not None and not response.closed:
            response.close()
        call = getattr(self, "_call", None)
        if call is not None:
            call.end(None)


class _StreamIterator(AsyncIterator[_T]):
    """What ``async for`` holds: dropping it before the end (``break``) closes the stream."""

    __slots__ = ("_stream",)

    def __init__(self, stream: AsyncStream[_T]) -> None:
        self._stream = stream

    def __aiter__(self) -> _StreamIterator[_T]:
        return self

    def __anext__(self) -> Awaitable[_T]:
        return self._stream.__anext__()  # the stream's coroutine itself: no extra frame

    def __del__(self) -> None:
        stream = self._stream
        if not stream._finished:
            stream.close_now()


def _name(cast_to: Any) -> str:
    return str(getattr(cast_to, "__name__", cast_to))
