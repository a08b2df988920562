"""``.with_raw_response`` and ``.with_streaming_response``: the HTTP response behind any call.

One mechanism for every method, async and sync. A wrapped call runs the ordinary method
with a :class:`_Capture` in a context variable; the client's send loop hands the first
successful response of the call to it (:meth:`_Capture.take`), so retries, hooks, Azure
routing and every later layer stay the ordinary method's.

- raw (:func:`to_raw_response`): the call completes as usual (the body is read and
  parsed) and returns a :class:`RawAPIResponse` whose ``parse()`` gives the result.
- streaming (:func:`to_streamed_response`): the call runs in a task that stops at the
  response's headers; the body is read only when asked (``parse()``, ``read()``,
  ``iter_bytes()`` ...), and leaving the ``async with`` block releases the connection.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

from ._binary import BinaryResponse
from ._exceptions import InvalidRequestError
from ._pagination import AsyncPage, AsyncPaginator
from ._response import HTTPResponse, RequestInfo, ResponseInfo
from ._streaming import AsyncStream

if TYPE_CHECKING:
    from ._syncbase import Portal, SyncAPIResource, SyncBinaryResponse
    from ._transport import RawResponse

__all__ = [
    "APIResponse",
    "AsyncAPIResponse",
    "AsyncResponseContextManager",
    "RawAPIResponse",
    "ResponseContextManager",
    "to_raw_response",
    "to_streamed_response",
    "to_sync_raw_response",
    "to_sync_streamed_response",
]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

_CAPTURE: ContextVar[_Capture | None] = ContextVar("openai_async_capture", default=None)


class _Capture:
    """The first successful HTTP response of one wrapped call, and what became of it."""

    __slots__ = (
        "body",
        "elapsed",
        "proceed",
        "ready",
        "response",
        "retries_taken",
        "started",
        "streaming",
    )

    def __init__(self, *, streaming: bool) -> None:
        self.streaming = streaming
        self.started = time.monotonic()
        self.elapsed: float | None = None
        self.response: RawResponse | None = None
        self.retries_taken = 0
        self.body: bytes | None = None
        if streaming:  # set when the headers are in; resolved by parse(), cancelled by close()
            loop = asyncio.get_running_loop()
            self.ready: asyncio.Future[None] = loop.create_future()
            self.proceed: asyncio.Future[None] = loop.create_future()

    async def take(
        self,
        response: RawResponse,
        retries_taken: int,
        stream: bool,
        read_body: Callable[[], Awaitable[bytes]],
    ) -> bytes:
        """Called by the send loop with the call's successful response; returns its body
        (``b""`` when the caller streams it). In streaming mode it first waits until the
        user asks for the parsed result."""
        self.response, self.retries_taken = response, retries_taken
        if self.streaming:
            self._done()  # a streamed response's elapsed time ends at its headers
            self.ready.set_result(None)
            await self.proceed
        if stream:
            self._done()
            return b""
        if self.body is None:
            self.body = await read_body()
        self._done()
        return self.body

    def _done(self) -> None:
        if self.elapsed is None:
            self.elapsed = time.monotonic() - self.started


def active_capture() -> _Capture | None:
    """The capture of the wrapped call running in this context, if it still wants a response."""
    capture = _CAPTURE.get()
    return capture if capture is not None and capture.response is None else None


async def _call(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run the method: a coroutine, or a list call's paginator (awaited: its first page)."""
    return await fn(*args, **kwargs)


async def _run_captured(
    capture: _Capture, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    _CAPTURE.set(capture)  # this task's own context
    return await _call(fn, args, kwargs)


def _no_response(fn: Callable[..., Any]) -> InvalidRequestError:
    name = getattr(fn, "__qualname__", repr(fn))
    return InvalidRequestError(f"{name} made no HTTP request, so it has no response to return")


async def binary_result(response: RawResponse) -> BinaryResponse:
    """A file content's result; read now when it is a raw response's (as the official
    SDK's raw responses are), so ``content`` and ``text`` work on it."""
    binary = BinaryResponse(response)
    capture = _CAPTURE.get()
    if capture is not None and capture.response is response and not capture.streaming:
        capture.body = await binary.aread()
    return binary


# --- the response objects -------------------------------------------------------------


class _ResponseBase:
    """What raw and streamed responses share: the HTTP facts of the call."""

    _capture: _Capture
    _response: RawResponse

    @property
    def response_info(self) -> ResponseInfo:
        """Status, headers, request id and typed rate limits."""
        return self._response.info

    @property
    def headers(self) -> Mapping[str, str]:
        """The response headers (case-insensitive)."""
        return self._response.info.headers

    @property
    def status_code(self) -> int:
        return self._response.info.status_code

    @property
    def url(self) -> str:
        return self._response.info.url

    @property
    def method(self) -> str:
        return self._response.info.method

    @property
    def request_id(self) -> str | None:
        return self._response.info.request_id

    @property
    def retries_taken(self) -> int:
        """How many attempts failed before this response (0: the first one answered)."""
        return self._capture.retries_taken

    @property
    def elapsed(self) -> datetime.timedelta:
        """From the start of the call to the end of its body (raw), or to its headers
        (streamed: the body is read later, when asked)."""
        seconds = self._capture.elapsed
        if seconds is None:
            seconds = time.monotonic() - self._capture.started
        return datetime.timedelta(seconds=seconds)

    @property
    def is_closed(self) -> bool:
        """Whether the connection is closed or back in the pool."""
        return self._response.closed or self._capture.body is not None

    @property
    def http_request(self) -> RequestInfo:
        """The request as sent (credentials redacted)."""
        request = self._response.info.request
        assert request is not None
        return request

    @property
    def http_response(self) -> HTTPResponse:
        """The response: status, headers and the body as far as it was read."""
        return HTTPResponse(self._response.info, self._capture.body or b"")

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} [{self.status_code}] {self.method} "
            f"{self.url.split('?', 1)[0]}>"
        )


def _parse_body(body: bytes, to: Any, info: ResponseInfo) -> Any:
    """``body`` as ``to``: bytes, str, decoded JSON (``dict``/``list``/``object``) or a model."""
    if to is bytes:
        return body
    if to is str:
        return body.decode("utf-8", "replace")
    from ._client import _decode_json, structure_response

    data = _decode_json(body, info)
    if to in (dict, list, object) or to is Any:
        return data

    return structure_response(data, to, info, raw=body)


class RawAPIResponse(_ResponseBase, Generic[R]):
    """What ``client.x.with_raw_response.method(...)`` returns: the HTTP response and the
    result, ``parse()`` (the same object on every call).

    The body has been read (``content``, ``text``, ``json()``), except for streams
    (``stream=True``) and file contents, whose ``parse()`` gives the lazy stream or
    binary response.
    """

    __slots__ = ("_capture", "_convert", "_parsed", "_response")

    def __init__(
        self, capture: _Capture, parsed: R, convert: Callable[[Any], Any] | None = None
    ) -> None:
        assert capture.response is not None
        self._capture = capture
        self._response = capture.response
        self._parsed = parsed
        self._convert = convert

    @overload
    def parse(self) -> R: ...
    @overload
    def parse(self, *, to: type[T]) -> T: ...
    def parse(self, *, to: Any = None) -> Any:
        """The result the plain call returns; ``to=`` decodes the body as another type
        (``bytes``, ``str``, ``dict``, or a model class)."""
        if to is None:
            return self._parsed if self._convert is None else self._convert(self._parsed)
        return _parse_body(self.content, to, self._response.info)

    @property
    def content(self) -> bytes:
        """The body (for a stream, read it through ``parse()``)."""
        body = self._capture.body
        if body is None:
            raise InvalidRequestError(
                "the body of this response is read as it arrives: use parse() (a stream"
                " or a binary response) instead of content / text"
            )
        return body

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return _parse_body(self.content, Any, self._response.info)


@overload
def to_raw_response(
    fn: Callable[P, AsyncPaginator[T]],
) -> Callable[P, Awaitable[RawAPIResponse[AsyncPage[T]]]]: ...
@overload
def to_raw_response(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[RawAPIResponse[R]]]: ...
def to_raw_response(fn: Callable[..., Any]) -> Any:
    """``fn`` returning a :class:`RawAPIResponse` around its result (async)."""

    @functools.wraps(fn)
    async def wrapped(*args: Any, **kwargs: Any) -> RawAPIResponse[Any]:
        capture = _Capture(streaming=False)
        token = _CAPTURE.set(capture)
        try:
            result = await _call(fn, args, kwargs)
        finally:
            _CAPTURE.reset(token)
        if capture.response is None:
            raise _no_response(fn)
        return RawAPIResponse(capture, result)

    return wrapped


class AsyncAPIResponse(_ResponseBase, Generic[R]):
    """The response of ``async with client.x.with_streaming_response.method(...) as r``:
    its headers are in, its body is read only when asked."""

    def __init__(self, capture: _Capture, task: asyncio.Task[R]) -> None:
        assert capture.response is not None
        self._capture = capture
        self._response = capture.response
        self._task = task
        self._binary: BinaryResponse | None = None

    @overload
    async def parse(self) -> R: ...
    @overload
    async def parse(self, *, to: type[T]) -> T: ...
    async def parse(self, *, to: Any = None) -> Any:
        """The result the plain call returns (read and parsed now; the same object on every
        call); ``to=`` decodes the body as another type instead."""
        if to is not None:
            return _parse_body(await self.read(), to, self._response.info)
        if self._binary is not None and self._capture.body is None:
            raise InvalidRequestError("the body was streamed already: parse() comes first")
        if not self._capture.proceed.done():
            self._capture.proceed.set_result(None)
        result = await asyncio.shield(self._task)
        if self._binary is not None and isinstance(result, (AsyncStream, BinaryResponse)):
            raise InvalidRequestError("the body was read already: parse() a stream before reading")
        return result

    async def read(self) -> bytes:
        """The whole body (kept: ``parse()``, ``text()`` and ``json()`` use it)."""
        if self._capture.body is None:
            if self._task.done() and not self._task.cancelled():
                self._task.result()  # a failed parse: raise its error
            self._capture.body = await self._body().aread()
        return self._capture.body

    async def text(self) -> str:
        await self.read()
        return self._body().text

    async def json(self) -> Any:
        return _parse_body(await self.read(), Any, self._response.info)

    def _body(self) -> BinaryResponse:
        """The body as a :class:`BinaryResponse` (from memory once read)."""
        if self._binary is None:
            if self._capture.body is None and (self._task.done() or self._capture.proceed.done()):
                raise InvalidRequestError("the body was parsed already; use parse()'s result")
            self._binary = BinaryResponse(self._response)
            if self._capture.body is not None:
                self._binary._content = self._capture.body
        return self._binary

    def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The body in pieces as they arrive (exactly ``chunk_size`` bytes each but the
        last, when given)."""
        return self._body().iter_bytes(chunk_size)

    def iter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        """The body decoded as it arrives (a character split across pieces stays whole)."""
        return self._body().iter_text(chunk_size)

    def iter_lines(self) -> AsyncIterator[str]:
        """The body's lines as they arrive (split at ``\\n``, ``\\r\\n`` or ``\\r``)."""
        return self._body().iter_lines()

    async def stream_to_file(
        self, path: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> int:
        """Write the body to ``path`` as it arrives (atomically: a ``.part`` file is renamed
        once complete); returns the bytes written."""
        return await self._body().write_to(path, chunk_size=chunk_size)

    async def close(self) -> None:
        """Release the connection (closing it when the body was not read to the end), also
        under a stream or binary response that ``parse()`` returned."""
        task = self._task
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        elif not task.cancelled() and task.exception() is None:
            result = task.result()
            if isinstance(result, (AsyncStream, BinaryResponse)):
                await result.aclose()
        if self._binary is not None:
            await self._binary.aclose()
        if self._capture.body is None:
            self._response.close()


class AsyncResponseContextManager(Generic[R]):
    """``async with`` (not ``await``) it: sends the request, stops at the headers."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]):
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._response: AsyncAPIResponse[Any] | None = None

    async def __aenter__(self) -> AsyncAPIResponse[R]:
        capture = _Capture(streaming=True)
        task = asyncio.ensure_future(_run_captured(capture, self._fn, self._args, self._kwargs))
        try:
            await asyncio.wait({task, capture.ready}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise
        if not capture.ready.done():  # the call failed (or made no request)
            task.result()
            raise _no_response(self._fn)
        self._response = AsyncAPIResponse(capture, task)
        return self._response

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._response is not None:
            await self._response.close()


@overload
def to_streamed_response(
    fn: Callable[P, AsyncPaginator[T]],
) -> Callable[P, AsyncResponseContextManager[AsyncPage[T]]]: ...
@overload
def to_streamed_response(
    fn: Callable[P, Awaitable[R]],
) -> Callable[P, AsyncResponseContextManager[R]]: ...
def to_streamed_response(fn: Callable[..., Any]) -> Any:
    """``fn`` returning an :class:`AsyncResponseContextManager` (async)."""

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> AsyncResponseContextManager[Any]:
        return AsyncResponseContextManager(fn, args, kwargs)

    return wrapped


# --- the sync facade -----------------------------------------------------------------------


def _to_sync(portal: Portal, value: Any) -> Any:
    """An async result as the sync facade returns it."""
    from ._syncbase import Stream, SyncBinaryResponse, SyncPage

    if isinstance(value, AsyncStream):
        return Stream(portal, value)
    if isinstance(value, AsyncPage):
        return SyncPage(portal, value)
    if isinstance(value, BinaryResponse):
        return SyncBinaryResponse(portal, value)
    return value


def _async_twin(fn: Callable[..., Any]) -> tuple[Portal, Callable[..., Any]]:
    """The portal and the async method behind a bound method of a sync resource."""
    resource: SyncAPIResource = fn.__self__  # type: ignore[attr-defined]
    return resource._portal, getattr(resource._async, fn.__name__)


def to_sync_raw_response(fn: Callable[P, R]) -> Callable[P, RawAPIResponse[R]]:
    """A sync resource's method returning a :class:`RawAPIResponse` around its result."""
    portal, async_fn = _async_twin(fn)
    raw = to_raw_response(async_fn)

    @functools.wraps(fn)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawAPIResponse[R]:
        response: RawAPIResponse[Any] = portal.call(functools.partial(raw, *args, **kwargs))
        response._convert = functools.partial(_to_sync, portal)
        return response

    return wrapped


class APIResponse(_ResponseBase, Generic[R]):
    """The sync twin of :class:`AsyncAPIResponse` (``with ... as response:``); the HTTP
    facts (``headers``, ``status_code`` ...) are the async response's own."""

    def __init__(self, portal: Portal, response: AsyncAPIResponse[Any]) -> None:
        self._portal = portal
        self._async = response
        self._capture = response._capture
        self._response = response._response

    @overload
    def parse(self) -> R: ...
    @overload
    def parse(self, *, to: type[T]) -> T: ...
    def parse(self, *, to: Any = None) -> Any:
        value = self._portal.call(functools.partial(self._async.parse, to=to))
        return value if to is not None else _to_sync(self._portal, value)

    def read(self) -> bytes:
        return self._portal.call(self._async.read)

    def text(self) -> str:
        return self._portal.call(self._async.text)

    def json(self) -> Any:
        return self._portal.call(self._async.json)

    def _binary(self) -> SyncBinaryResponse:
        from ._syncbase import SyncBinaryResponse

        return SyncBinaryResponse(self._portal, self._async._body())

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        return self._binary().iter_bytes(chunk_size)

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        return self._binary().iter_text(chunk_size)

    def iter_lines(self) -> Iterator[str]:
        return self._binary().iter_lines()

    def stream_to_file(self, path: str | os.PathLike[str], *, chunk_size: int | None = None) -> int:
        return self._binary().write_to(path, chunk_size=chunk_size)

    def close(self) -> None:
        self._portal.call(self._async.close)


class ResponseContextManager(Generic[R]):
    """``with`` it: sends the request, stops at the headers; leaving releases the connection."""

    def __init__(self, portal: Portal, manager: AsyncResponseContextManager[Any]) -> None:
        self._portal = portal
        self._manager = manager

    def __enter__(self) -> APIResponse[R]:
        return APIResponse(self._portal, self._portal.call(self._manager.__aenter__))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._portal.call(self._manager.__aexit__, None, None, None)


def to_sync_streamed_response(fn: Callable[P, R]) -> Callable[P, ResponseContextManager[R]]:
    """A sync resource's method returning a :class:`ResponseContextManager`."""
    portal, async_fn = _async_twin(fn)

    @functools.wraps(fn)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> ResponseContextManager[R]:
        return ResponseContextManager(portal, AsyncResponseContextManager(async_fn, args, kwargs))

    return wrapped
