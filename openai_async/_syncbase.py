"""Runtime of the sync facade: one portal thread per client, sync streams and pages.

The facade classes themselves are generated (``openai_async/_sync/``); they call the
async methods through :class:`Portal`, so behaviour lives in one place.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine, Iterator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from ._direct import run_direct
from ._exceptions import APIConnectionError, ConfigurationError, SyncInAsyncContextError
from ._pagination import AsyncPage, AsyncPaginator, PageFields, PageInfo
from ._streaming import AsyncStream
from ._synchttp import SyncResponse

if TYPE_CHECKING:
    import os

    from anyio.from_thread import BlockingPortal

    from ._binary import BinaryResponse
    from ._client import AsyncClient
    from ._options import RetryPolicy, Timeout
    from ._response import ResponseInfo
    from .lib.embedding_jobs import AsyncResultIterator

__all__ = [
    "Portal",
    "ResultIterator",
    "Stream",
    "SyncAPIResource",
    "SyncBinaryResponse",
    "SyncClientBase",
    "SyncPage",
]

_T = TypeVar("_T")


class Portal:
    """One event-loop thread (anyio ``BlockingPortal``, asyncio backend), started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cm: AbstractContextManager[BlockingPortal] | None = None
        self._portal: BlockingPortal | None = None
        self._thread_id: int | None = None
        self._loop: asyncio.AbstractEventLoop
        self._closed = False
        # Streams still open when the portal stops are closed on its loop first: after the
        # loop has gone, nothing could close their connections without a warning.
        self._streams: weakref.WeakSet[AsyncStream[Any]] = weakref.WeakSet()

    def _in_loop_thread(self) -> bool:
        return self._thread_id == threading.get_ident()

    def _get(self) -> BlockingPortal:
        portal = self._portal
        if portal is not None:
            return portal
        with self._lock:
            if self._closed:
                raise ConfigurationError("the client is closed; create a new client")
            if self._portal is None:
                from anyio.from_thread import start_blocking_portal

                cm = start_blocking_portal(backend="asyncio")
                portal = cm.__enter__()
                self._thread_id = portal.call(threading.get_ident)
                self._loop = portal.call(asyncio.get_running_loop)
                self._portal, self._cm = portal, cm
            return self._portal

    def call(self, fn: Callable[..., Awaitable[_T]], *args: Any) -> _T:
        """Run ``fn(*args)`` on the portal's loop and wait for its result."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise SyncInAsyncContextError(
                "the sync openai_async.Client was called from a thread that runs an event loop; "
                "use openai_async.AsyncClient (and await its methods) there instead"
            )
        self._get()
        coro = cast("Coroutine[Any, Any, _T]", fn(*args))  # our async methods: coroutines
        return _run_on(self._loop, coro)

    def call_direct(self, fn: Callable[..., Awaitable[_T]], *args: Any) -> _T:
        """Run a plain call (one request, no loop needed) in this thread if it can be, else
        as :meth:`call` does: the sync facade's fast path (see ``_synchttp``)."""
        if self._closed:
            raise ConfigurationError("the client is closed; create a new client")
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            done, result = run_direct(cast("Callable[..., Coroutine[Any, Any, _T]]", fn), args)
            if done:
                return cast("_T", result)
        return self.call(fn, *args)

    def run_now(self, fn: Callable[[], object]) -> None:
        """Run the plain callable ``fn`` on the portal's loop, at once (safe in ``__del__``).

        Waits for it, except on a thread that runs an event loop (the portal's own thread
        runs it directly; another loop's thread only schedules it, to never block a loop).
        Does nothing once the portal has stopped: its loop closed every connection.
        """
        portal = self._portal
        if portal is None or self._closed:
            return
        if self._in_loop_thread():
            fn()
            return
        # RuntimeError: the portal is shutting down; its loop closes the connection anyway.
        with contextlib.suppress(RuntimeError):
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                portal.call(fn)
            else:
                portal.start_task_soon(_run_sync, fn)

    def close(self, before: Callable[[], Awaitable[None]] | None = None) -> None:
        """Run ``before`` on the loop (typically ``aclose``), then stop the thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            portal, cm = self._portal, self._cm
            self._portal = self._cm = None
            streams = list(self._streams)
        if portal is None or cm is None:
            return
        if self._in_loop_thread():
            # A finalizer run by the garbage collector on the loop's own thread: that
            # thread cannot wait for itself to stop, so another one does it.
            threading.Thread(
                target=_stop, args=(portal, cm, before, streams), name="openai_async-portal-close"
            ).start()
            return
        _stop(portal, cm, before, streams)


def _run_on(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coro`` as a task of ``loop`` (another thread's) and wait for its result.

    The portal owns the thread and the loop; submitting to the loop directly, with a bare
    lock as the signal back, is the cheapest hop measured (BlockingPortal.call ~280 us,
    run_coroutine_threadsafe ~150 us, this ~120 us on a 2-core VM whose thread wake-up
    alone is ~45 us): the one hop is most of the sync facade's cost per request.
    """
    done = threading.Lock()
    done.acquire()
    started: list[asyncio.Task[_T]] = []

    def start() -> None:
        task = loop.create_task(coro)
        started.append(task)
        task.add_done_callback(lambda _: done.release())

    try:
        loop.call_soon_threadsafe(start)
    except BaseException:  # the loop is closed: the coroutine will never run
        coro.close()
        raise
    try:
        done.acquire()
    except BaseException:  # e.g. KeyboardInterrupt in the calling thread
        loop.call_soon_threadsafe(lambda: started and started[0].cancel())
        raise
    return started[0].result()


async def _run_sync(fn: Callable[[], object]) -> None:
    fn()


def _stop(
    portal: BlockingPortal,
    cm: AbstractContextManager[BlockingPortal],
    before: Callable[[], Awaitable[None]] | None,
    streams: list[AsyncStream[Any]],
) -> None:
    try:
        for stream in streams:
            portal.call(stream.close_now)
        if before is not None:
            portal.call(before)
    finally:
        cm.__exit__(None, None, None)


def _shutdown(portal: Portal, client: AsyncClient) -> None:
    """Close a sync client: its loop's connections, then the direct path's (which a
    client that only made plain calls and streams has without ever starting its loop)."""
    try:
        portal.close(client.aclose)
    finally:
        for stream in list(portal._streams):
            if isinstance(stream._response, SyncResponse):
                stream.close_now()
        client._transport.close_direct()


class SyncClientBase:
    """Lifecycle shared by the generated sync clients: ``close()`` and ``with``."""

    _async: AsyncClient
    _portal: Portal
    _parent: SyncClientBase | None

    def _init_portal(self, parent: SyncClientBase | None = None) -> None:
        """Start a portal of our own, or share ``parent``'s (``with_options`` copies).

        A copy keeps its parent alive: the parent's finalizer stops the shared portal.
        """
        self._parent = parent
        if parent is not None:
            self._portal = parent._portal
            return
        portal = Portal()
        weakref.finalize(self, _shutdown, portal, self._async)
        self._portal = portal

    # The settings, as attributes like the official SDK's clients; read-only here:
    # `with_options()` makes a copy with others.

    @property
    def base_url(self) -> str:
        return self._async.base_url

    @property
    def websocket_base_url(self) -> str | None:
        return self._async.websocket_base_url

    @property
    def organization(self) -> str | None:
        return self._async.organization

    @property
    def project(self) -> str | None:
        return self._async.project

    @property
    def timeout(self) -> Timeout:
        return self._async.timeout

    @property
    def max_retries(self) -> int:
        return self._async.max_retries

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._async.retry_policy

    @property
    def default_headers(self) -> dict[str, str]:
        return self._async.default_headers

    @property
    def default_query(self) -> dict[str, object]:
        return self._async.default_query

    @property
    def admin_api_key(self) -> str | None:
        return self._async.admin_api_key

    @property
    def webhook_secret(self) -> str | None:
        return self._async.webhook_secret

    def close(self) -> None:
        """Close the connections and stop the client's event-loop thread."""
        _shutdown(self._portal, self._async)

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._async.base_url!r}, organization={self._async.organization!r})"


_Self = TypeVar("_Self", bound=SyncClientBase)


class SyncAPIResource:
    """A sync resource: forwards each call to its async twin through the portal."""

    def __init__(self, portal: Portal, async_resource: Any) -> None:
        self._portal = portal
        self._async = async_resource


async def _first_page(paginator: AsyncPaginator[_T]) -> AsyncPage[_T]:
    return await paginator


class _PortalIterator(Generic[_T]):
    """``next()``, ``close()`` and ``with`` for an async iterator that runs on the portal."""

    _portal: Portal
    _source: Any  # has __anext__ and aclose

    def __next__(self) -> _T:
        try:
            return self._portal.call(self._source.__anext__)  # type: ignore[no-any-return]
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        self._portal.call(self._source.aclose)

    def __enter__(self: _PI) -> _PI:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


_PI = TypeVar("_PI", bound=_PortalIterator[Any])


def _drive(fn: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a direct stream's coroutine in this thread: its reads block, never suspend."""
    coro = fn()
    try:
        coro.send(None)
    except StopIteration as stop:
        return cast("_T", stop.value)
    coro.close()
    raise APIConnectionError("a sync stream's read was suspended; nothing can resume it")


class Stream(_PortalIterator[_T]):
    """A ``for`` loop over the typed chunks of a streamed response.

    Use ``with`` (or :meth:`close`) to release the connection when you stop early;
    leaving a ``for`` loop early releases it too.

    A stream sent by the direct path (see ``_direct``) is read from its socket in the
    calling thread; one sent on the portal's loop crosses to it once per network read.
    """

    def __init__(self, portal: Portal, stream: AsyncStream[_T]) -> None:
        self._portal = portal
        self._stream = self._source = stream
        self._direct = isinstance(stream._response, SyncResponse)
        portal._streams.add(stream)
        # Chunks of the last network read not handed out yet, and the error after them.
        self._ready: collections.deque[_T] = collections.deque()
        self._error: Exception | None = None

    def __next__(self) -> _T:
        ready = self._ready
        if ready:
            return ready.popleft()
        error = self._error
        if error is not None:
            self._error = None
            raise error
        try:
            if self._direct:
                items, self._error = _drive(self._stream.take_ready)
            else:
                items, self._error = self._portal.call(self._stream.take_ready)
        except StopAsyncIteration:
            raise StopIteration from None
        ready.extend(items)
        return ready.popleft()

    def close(self) -> None:
        self._ready.clear()
        self._error = None
        if self._direct:
            self._stream.close_now()
        else:
            super().close()

    @property
    def response_info(self) -> ResponseInfo:
        return self._stream.response_info

    @property
    def request_id(self) -> str | None:
        return self._stream.request_id

    def __iter__(self) -> Iterator[_T]:
        return _SyncStreamIterator(self)

    def __del__(self) -> None:
        # Close on the portal's loop: the AsyncStream's own __del__ would touch the
        # connection from whatever thread collects it.
        stream = getattr(self, "_stream", None)
        if stream is not None and not stream._response.closed:
            _close_soon(self._portal, stream)


class _SyncStreamIterator(Iterator[_T]):
    """What ``for`` holds: dropping it before the end (``break``) closes the stream."""

    __slots__ = ("_stream",)

    def __init__(self, stream: Stream[_T]) -> None:
        self._stream = stream

    def __next__(self) -> _T:
        return self._stream.__next__()

    def __del__(self) -> None:
        inner = self._stream._stream
        if not inner._finished:
            _close_soon(self._stream._portal, inner)


def _close_soon(portal: Portal, stream: AsyncStream[Any]) -> None:
    """Close a dropped stream: a direct one here (its socket is any thread's to close),
    one of the portal's loop on that loop (aiohttp objects are not thread-safe)."""
    if isinstance(stream._response, SyncResponse):
        stream.close_now()
    else:
        portal.run_now(stream.close_now)


class ResultIterator(_PortalIterator[_T]):
    """A ``for`` loop over an async job's results (``iter_many``); the job runs on the portal.

    Its requests keep running between two steps of the loop. Leaving early with ``with``,
    :meth:`close`, or by dropping the iterator cancels them.
    """

    def __init__(self, portal: Portal, iterator: AsyncResultIterator[_T]) -> None:
        self._portal = portal
        self._iterator = self._source = iterator

    def __iter__(self) -> ResultIterator[_T]:
        return self

    def __del__(self) -> None:
        iterator = getattr(self, "_iterator", None)
        if iterator is not None:
            self._portal.run_now(iterator.close_now)


class SyncPage(PageFields, Generic[_T]):
    """One page of a list: ``data``, the other fields the API sent, and the way on.

    ``for item in page`` walks every item of this page and of every page after it;
    ``page.data`` holds this page's items only.
    """

    def __init__(self, portal: Portal, page: AsyncPage[_T]) -> None:
        self._portal = portal
        self._page = page
        self.raw = page.raw

    @classmethod
    def first(cls, portal: Portal, paginator: AsyncPaginator[_T]) -> SyncPage[_T]:
        """Fetch the first page of ``paginator``."""
        return cls(portal, portal.call_direct(_first_page, paginator))

    @property
    def data(self) -> list[_T]:
        return self._page.data

    @property
    def has_more(self) -> bool:
        return self._page.has_more

    @property
    def response_info(self) -> ResponseInfo | None:
        return self._page.response_info

    def next_page_info(self) -> PageInfo | None:
        """The cursor the next page's request would send; ``None`` when the list has none."""
        return self._page.next_page_info()

    def has_next_page(self) -> bool:
        return self._page.has_next_page()

    def get_next_page(self) -> SyncPage[_T]:
        return SyncPage(self._portal, self._portal.call_direct(self._page.get_next_page))

    def iter_pages(self) -> Iterator[SyncPage[_T]]:
        """This page, then each following one as it is fetched."""
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = page.get_next_page()

    def __iter__(self) -> Iterator[_T]:
        for page in self.iter_pages():
            yield from page.data

    def __len__(self) -> int:
        return len(self._page.data)

    def __repr__(self) -> str:
        return f"SyncPage(items={len(self.data)}, has_more={self.has_more})"


class SyncBinaryResponse:
    """A non-JSON response body, read only when asked: ``resp.content`` / ``resp.read()``
    (held in memory, then ``text`` and ``json()``), ``for chunk in resp.iter_bytes()``,
    ``iter_text()``, ``iter_lines()``, or ``resp.write_to_file(path)`` (as it arrives)."""

    def __init__(self, portal: Portal, response: BinaryResponse) -> None:
        self._portal = portal
        self._response = response

    @property
    def response_info(self) -> ResponseInfo:
        return self._response.response_info

    @property
    def response(self) -> ResponseInfo:
        """Same as :attr:`response_info`: the official SDK's name."""
        return self._response.response_info

    @property
    def content_type(self) -> str | None:
        return self._response.content_type

    @property
    def charset_encoding(self) -> str | None:
        return self._response.charset_encoding

    @property
    def encoding(self) -> str:
        return self._response.encoding

    @property
    def content(self) -> bytes:
        """The whole body (read on first use, then kept)."""
        return self.read()

    @property
    def text(self) -> str:
        """:attr:`content` decoded with :attr:`encoding`."""
        self.read()
        return self._response.text

    def json(self, **kwargs: Any) -> Any:
        """:attr:`content` decoded as JSON."""
        self.read()
        return self._response.json(**kwargs)

    def read(self) -> bytes:
        """The whole body (read once, then kept in memory)."""
        return self._portal.call(self._response.aread)

    def _iterate(self, source: AsyncGenerator[_T, None]) -> Iterator[_T]:
        """``source`` step by step on the portal; leaving the loop early closes it."""
        try:
            while True:
                try:
                    yield self._portal.call(source.__anext__)
                except StopAsyncIteration:
                    return
        finally:
            self._portal.call(source.aclose)

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body as it arrives; with ``chunk_size``, in chunks of exactly that many bytes."""
        return self._iterate(self._response.iter_bytes(chunk_size))

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        """The body decoded with :attr:`encoding` as it arrives (``chunk_size`` in characters)."""
        return self._iterate(self._response.iter_text(chunk_size))

    def iter_lines(self) -> Iterator[str]:
        """The decoded body line by line (split at ``\\n``, ``\\r\\n``, ``\\r``)."""
        return self._iterate(self._response.iter_lines())

    def write_to(self, path: str | os.PathLike[str], *, chunk_size: int | None = None) -> int:
        """Write the body to ``path`` as it arrives (complete, or not at all under that
        name); returns the number of bytes written. One portal hop, not one per chunk."""
        return self._portal.call(lambda: self._response.write_to(path, chunk_size=chunk_size))

    def write_to_file(self, file: str | os.PathLike[str]) -> None:
        """:meth:`write_to` under the official SDK's name."""
        self.write_to(file)

    def stream_to_file(
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None:
        """:meth:`write_to` under the official SDK's name."""
        self.write_to(file, chunk_size=chunk_size)

    def close(self) -> None:
        """Release the connection."""
        self._portal.call(self._response.aclose)

    def __enter__(self) -> SyncBinaryResponse:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return repr(self._response).replace("<BinaryResponse", "<SyncBinaryResponse", 1)
