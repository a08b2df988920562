"""The Realtime API over a WebSocket: ``client.realtime.connect(...)``.

The connection runs on the client's own aiohttp session (same proxy, TLS and connection
settings). Server events arrive typed (``RealtimeServerEvent``; a type this SDK does not
know arrives as ``UnknownVariant``), client events go out as dicts or models, and the
helper namespaces (``connection.session.update(...)`` ...) are generated from the spec's
client events (``resources/realtime_events.py``).

How a connection ends: ``async for`` stops when the server closes it normally (1000 or
1001) or after :meth:`AsyncRealtimeConnection.close`; any other end raises
:class:`WebSocketConnectionClosedError` with the close code, reason and the messages not
sent. With ``on_reconnecting=``, a connection lost with a recoverable code is opened again
(backoff with jitter, at most ``max_retries`` attempts) and the messages sent meanwhile are
sent on the new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import attrs
import orjson

from .._exceptions import (
    APIError,
    APIResponseValidationError,
    APIStreamError,
    APITimeoutError,
    ConfigurationError,
    InvalidRequestError,
    WebSocketConnectionClosedError,
    WebSocketQueueFullError,
    error_message,
)
from .._models import BaseModel
from .._request import build_url, merge_headers
from .._resource import AsyncAPIResource
from .._types import NOT_GIVEN, Headers, NotGiven, Query
from ..resources.realtime_events import AsyncRealtimeEventHelpers, RealtimeEventHelpers

if TYPE_CHECKING:
    from .._client import AsyncClient
    from .._response import ResponseInfo
    from .._syncbase import Portal
    from .._transport import WebSocket
    from ..models.realtime import RealtimeClientEvent, RealtimeServerEvent

__all__ = [
    "RECOVERABLE_CLOSE_CODES",
    "AsyncRealtimeConnection",
    "AsyncRealtimeConnectionManager",
    "AsyncRealtimeHelpers",
    "RealtimeConnection",
    "RealtimeConnectionManager",
    "ReconnectingEvent",
    "ReconnectingOverrides",
    "WebSocketConnectionOptions",
]

log = logging.getLogger("openai_async")

#: Close codes worth reconnecting after (RFC 6455 7.4.1): going away, no status, abnormal
#: closure, server error, service restart, try again later, TLS failure.
RECOVERABLE_CLOSE_CODES = frozenset({1001, 1005, 1006, 1011, 1012, 1013, 1015})
# Codes that end ``async for`` quietly.
_NORMAL_CLOSE_CODES = frozenset({1000, 1001})


class WebSocketConnectionOptions(TypedDict, total=False):
    """Settings of the WebSocket itself (``websocket_connection_options=``)."""

    max_size: int | None
    """The largest message accepted, in bytes; ``None`` (the default): no limit."""
    compression: Literal["deflate"] | None
    """``"deflate"`` offers permessage-deflate; ``None`` (the default) does not."""
    subprotocols: Sequence[str] | None
    """Subprotocols offered, in order of preference."""
    ping_interval: float | None
    """Seconds between keep-alive pings (default 20); a pong must come within half of it,
    else the connection counts as lost (code 1006). ``None``: no pings."""
    open_timeout: float | None
    """Seconds the opening handshake may take (default 10)."""
    close_timeout: float | None
    """Seconds to wait for the server's close frame when closing (default 10)."""
    idle_timeout: float | None
    """Seconds without any message before ``recv`` raises ``APITimeoutError`` and the
    connection is dropped (default ``None``: wait for ever)."""


@attrs.frozen
class ReconnectingEvent:
    """What ``on_reconnecting`` is told before each attempt to reconnect."""

    attempt: int
    """Which attempt this is (1-based)."""
    max_attempts: int
    delay: float
    """Seconds waited before this attempt connects."""
    close_code: int
    """The close code that ended the previous connection."""
    extra_query: Query
    extra_headers: Headers


class ReconnectingOverrides(TypedDict, total=False):
    """What ``on_reconnecting`` may return: new query or headers, or ``abort``."""

    extra_query: Query
    extra_headers: Headers
    abort: bool


OnReconnecting = Callable[[ReconnectingEvent], "ReconnectingOverrides | None"]

_OPTION_DEFAULTS: WebSocketConnectionOptions = {
    "max_size": None,
    "compression": None,
    "subprotocols": None,
    "ping_interval": 20.0,
    "open_timeout": 10.0,
    "close_timeout": 10.0,
    "idle_timeout": None,
}


def _checked_options(options: Mapping[str, Any]) -> WebSocketConnectionOptions:
    unknown = sorted(set(options) - set(_OPTION_DEFAULTS))
    if unknown:
        raise ConfigurationError(
            f"websocket_connection_options: unknown option(s) {', '.join(unknown)}; "
            f"known: {', '.join(_OPTION_DEFAULTS)}"
        )
    merged: dict[str, Any] = {**_OPTION_DEFAULTS, **options}
    for name in ("ping_interval", "open_timeout", "close_timeout", "idle_timeout"):
        value = merged[name]
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
        ):
            raise ConfigurationError(f"{name} must be a positive number of seconds or None")
    if merged["compression"] not in (None, "deflate"):
        raise ConfigurationError('compression must be "deflate" or None')
    size = merged["max_size"]
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise ConfigurationError("max_size must be an int >= 1 or None")
    return merged  # type: ignore[return-value]


def encode_event(event: Any) -> bytes:
    """The JSON of a client event: a dict (``RealtimeClientEvent``) or a model."""
    if not isinstance(event, (Mapping, BaseModel)) or not isinstance(
        event.get("type") if isinstance(event, Mapping) else getattr(event, "type", None), str
    ):
        raise InvalidRequestError(
            "a Realtime client event is a dict (or model) with a string 'type', "
            f"not {type(event).__name__}"
        )
    from .._converter import dumps

    try:
        return dumps(event)
    except TypeError as exc:
        raise InvalidRequestError(f"the event cannot be sent as JSON: {exc}") from None


@functools.cache
def _structure_event() -> Callable[[Any], RealtimeServerEvent]:
    """The converter's structure function for server events, looked up once (the lookup
    hashes the 47-member union: about as costly as structuring a small event)."""
    from .._converter import converter
    from ..models.realtime import RealtimeServerEvent

    hook = converter.get_structure_hook(RealtimeServerEvent)
    return lambda obj: hook(obj, RealtimeServerEvent)


class _SendQueue:
    """Messages waiting for a connection (before it opens, or while it reconnects),
    bounded in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._items: deque[bytes] = deque()

    def put(self, data: bytes) -> None:
        if self.size + len(data) > self.max_bytes:
            raise WebSocketQueueFullError(
                f"the outgoing queue holds {self.size} bytes; {len(data)} more would pass "
                f"max_queue_size ({self.max_bytes})"
            )
        self._items.append(data)
        self.size += len(data)

    def peek(self) -> bytes | None:
        return self._items[0] if self._items else None

    def pop(self) -> None:
        self.size -= len(self._items.popleft())

    def drain(self) -> list[str]:
        items = [data.decode() for data in self._items]
        self._items.clear()
        self.size = 0
        return items


@attrs.define
class _Opener:
    """Opens the WebSocket for one ``connect()``: URL, headers and options fixed, the
    query and headers of each attempt given (``on_reconnecting`` may change them)."""

    client: AsyncClient
    model: str | None
    call_id: str | None
    options: WebSocketConnectionOptions

    def url(self, extra_query: Query) -> str:
        from .._azure import AsyncAzureClient

        client = self.client
        base = client.websocket_base_url or client.base_url
        scheme, sep, rest = base.partition("://")
        base = {"http": "ws", "https": "wss"}.get(scheme, scheme) + sep + rest.rstrip("/")
        query: dict[str, object] = dict(client.default_query)
        if isinstance(client, AsyncAzureClient):
            deployment = client.azure_deployment or self.model
            if not deployment:
                raise ConfigurationError(
                    "the Azure Realtime API needs a deployment: pass model=... to connect() "
                    "or azure_deployment=... to the client"
                )
            query["deployment"] = deployment
        elif self.model is not None:
            query["model"] = self.model
        if self.call_id is not None:
            query["call_id"] = self.call_id
        return build_url(base, "/realtime", {**query, **extra_query})

    async def __call__(self, extra_query: Query, extra_headers: Headers) -> WebSocket:
        client = self.client
        headers = merge_headers(client._base_headers, {"Accept": NOT_GIVEN})
        auth = await client._auth_headers()
        headers = merge_headers(merge_headers(headers, auth), extra_headers)
        options = self.options
        return await client._transport.ws_connect(
            self.url(extra_query),
            headers,
            open_timeout=options["open_timeout"],
            close_timeout=options["close_timeout"],
            ping_interval=options["ping_interval"],
            max_size=options["max_size"],
            compression=options["compression"] == "deflate",
            protocols=tuple(options["subprotocols"] or ()),
        )


@attrs.define
class _Reconnect:
    on_reconnecting: OnReconnecting | None
    max_retries: int
    initial_delay: float
    max_delay: float

    def delay(self, attempt: int) -> float:
        base = min(self.initial_delay * 2.0 ** (attempt - 1), self.max_delay)
        return float(base * (0.75 + random.random() * 0.25))


class AsyncRealtimeConnection(AsyncRealtimeEventHelpers):
    """A live Realtime API connection: ``async for event in connection``, ``recv()``,
    ``send(event)``, ``close()``, and the helpers (``connection.session.update(...)``,
    ``connection.response.create()``, ``connection.conversation.item.create(...)`` ...)."""

    def __init__(
        self,
        socket: WebSocket,
        *,
        opener: _Opener,
        reconnect: _Reconnect,
        queue: _SendQueue,
        extra_query: Query,
        extra_headers: Headers,
        raise_on_error: bool,
    ) -> None:
        self._socket = socket
        self._opener = opener
        self._reconnect_policy = reconnect
        self._queue = queue
        self._extra_query = extra_query
        self._extra_headers = extra_headers
        self._raise_on_error = raise_on_error
        self._idle_timeout = opener.options["idle_timeout"]
        self._attempt = 0  # reconnect attempts since the last event that was not an error
        self._reconnecting = False
        self._closed = asyncio.Event()

    @property
    def response_info(self) -> ResponseInfo:
        """The handshake response: status 101, headers, request id."""
        return self._socket.info

    # -- receiving ------------------------------------------------------------------------

    async def __aiter__(self) -> AsyncIterator[RealtimeServerEvent]:
        """Every server event until the connection ends (see the module docstring)."""
        while True:
            try:
                event = await self.recv()
            except WebSocketConnectionClosedError as exc:
                if exc.unsent_messages or (
                    exc.code not in _NORMAL_CLOSE_CODES and not self._closed.is_set()
                ):
                    raise
                return
            yield event

    async def recv(self) -> RealtimeServerEvent:
        """The next server event; raises :class:`WebSocketConnectionClosedError` once the
        connection has ended. Cancelling it loses nothing."""
        return self._event(await self._receive())

    async def recv_bytes(self) -> bytes:
        """The next message as received (UTF-8 JSON); :meth:`parse_event` types it."""
        data = await self._receive()
        return data.encode() if isinstance(data, str) else data

    def parse_event(self, data: str | bytes) -> RealtimeServerEvent:
        """A message from :meth:`recv_bytes` as a typed server event."""
        return self._event(data, count=False)

    def _event(self, data: str | bytes, *, count: bool = True) -> RealtimeServerEvent:
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            text = data if isinstance(data, str) else data.decode("utf-8", "replace")
            raise APIResponseValidationError(
                f"the Realtime API sent a message that is not JSON ({exc})", raw=text[:2000]
            ) from None
        kind = obj.get("type") if isinstance(obj, dict) else None
        if kind == "error":
            if self._raise_on_error:
                raise APIStreamError(
                    error_message(obj, "the Realtime API reported an error"),
                    body=obj.get("error", obj),
                )
        elif count:
            self._attempt = 0  # a real event: the reconnect budget starts again
        return _structure_event()(obj)

    async def _receive(self) -> str | bytes:
        while True:
            socket = self._socket
            try:
                data = await socket.receive(self._idle_timeout)
            except APITimeoutError:
                self.abort()  # idle: the connection is given up (cancelling recv is not)
                raise
            if data is not None:
                return data
            if not self._closed.is_set() and await self._reconnect(socket.close_code):
                continue
            raise self._ended(socket)

    def _ended(self, socket: WebSocket) -> WebSocketConnectionClosedError:
        code, reason = socket.close_code, socket.close_reason
        unsent = self._queue.drain()
        if self._closed.is_set():
            what = "the connection was closed"
        else:
            what = f"the Realtime API closed the connection (code {code}{': ' if reason else ''}{reason})"
        if unsent:
            what += f" with {len(unsent)} message(s) unsent"
        return WebSocketConnectionClosedError(
            what, code=code, reason=reason, unsent_messages=unsent
        )

    async def _reconnect(self, code: int) -> bool:
        """Open the connection again after losing it with ``code``; whether it worked."""
        policy = self._reconnect_policy
        if policy.on_reconnecting is None or code not in RECOVERABLE_CLOSE_CODES:
            return False
        self._reconnecting = True
        try:
            while self._attempt < policy.max_retries:
                self._attempt += 1
                delay = policy.delay(self._attempt)
                overrides = policy.on_reconnecting(
                    ReconnectingEvent(
                        attempt=self._attempt,
                        max_attempts=policy.max_retries,
                        delay=delay,
                        close_code=code,
                        extra_query=self._extra_query,
                        extra_headers=self._extra_headers,
                    )
                )
                if overrides:
                    if overrides.get("abort"):
                        return False
                    self._extra_query = overrides.get("extra_query", self._extra_query)
                    self._extra_headers = overrides.get("extra_headers", self._extra_headers)
                log.info(
                    "reconnecting to the Realtime API in %.3f s (attempt %d of %d, close code %d)",
                    delay,
                    self._attempt,
                    policy.max_retries,
                    code,
                )
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._closed.wait(), delay)
                if self._closed.is_set():
                    return False
                try:
                    socket = await self._opener(self._extra_query, self._extra_headers)
                except APIError as exc:
                    log.info("reconnecting to the Realtime API failed: %s", exc)
                    continue
                if self._closed.is_set():
                    await socket.close()
                    return False
                self._socket = socket
                if await self._flush():
                    return True
            return False
        finally:
            self._reconnecting = False

    async def _flush(self) -> bool:
        """Send the queued messages; ``False`` if the connection broke meanwhile."""
        while (data := self._queue.peek()) is not None:
            try:
                await self._socket.send(data)
            except WebSocketConnectionClosedError:
                return False
            self._queue.pop()
        return True

    # -- sending --------------------------------------------------------------------------

    async def send(self, event: RealtimeClientEvent | Mapping[str, Any] | BaseModel) -> None:
        """Send a client event (a dict, e.g. ``{"type": "response.create"}``, or a model).

        While the connection is being opened again (``on_reconnecting``), the event waits
        in the queue and goes out on the new connection.
        """
        await self.send_raw(encode_event(event))

    async def send_raw(self, data: bytes | str) -> None:
        """Send an already encoded JSON message."""
        data = data.encode() if isinstance(data, str) else data
        if self._reconnecting:
            self._queue.put(data)
            return
        if self._closed.is_set():
            raise WebSocketConnectionClosedError(
                "the connection was closed",
                code=self._socket.close_code,
                unsent_messages=[data.decode()],
            )
        try:
            await self._socket.send(data)
        except WebSocketConnectionClosedError:
            policy = self._reconnect_policy
            if policy.on_reconnecting is None or (
                self._socket.close_code not in RECOVERABLE_CLOSE_CODES
            ):
                raise
            self._queue.put(data)  # the reader reconnects and sends it

    # -- closing --------------------------------------------------------------------------

    async def close(self, *, code: int = 1000, reason: str = "") -> None:
        """Close the connection (a close frame, then up to ``close_timeout`` for the
        server's); ``async for`` then ends."""
        self._closed.set()
        await self._socket.close(code, reason)

    def abort(self) -> None:
        """Drop the connection at once, without the closing handshake."""
        self._closed.set()
        self._socket.abort()


class AsyncRealtimeConnectionManager:
    """What ``client.realtime.connect(...)`` returns: ``async with`` it for a connection
    that is closed when the block ends (at once if the block was cancelled), or
    ``await manager.enter()`` and close it yourself."""

    def __init__(
        self,
        client: AsyncClient,
        *,
        model: str | None,
        call_id: str | None,
        extra_query: Query,
        extra_headers: Headers,
        websocket_connection_options: WebSocketConnectionOptions,
        on_reconnecting: OnReconnecting | None,
        max_retries: int,
        initial_delay: float,
        max_delay: float,
        max_queue_size: int,
        raise_on_error: bool,
    ) -> None:
        if on_reconnecting is not None and not callable(on_reconnecting):
            raise ConfigurationError("on_reconnecting must be a callable")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError(f"max_retries must be an int >= 0, not {max_retries!r}")
        for name, value in (("initial_delay", initial_delay), ("max_delay", max_delay)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigurationError(f"{name} must be a number of seconds >= 0")
        if isinstance(max_queue_size, bool) or not isinstance(max_queue_size, int):
            raise ConfigurationError("max_queue_size must be an int (bytes)")
        self._opener = _Opener(
            client, model, call_id, _checked_options(websocket_connection_options)
        )
        self._reconnect = _Reconnect(on_reconnecting, max_retries, initial_delay, max_delay)
        self._queue = _SendQueue(max_queue_size)
        self._extra_query = extra_query
        self._extra_headers = extra_headers
        self._raise_on_error = raise_on_error
        self._connection: AsyncRealtimeConnection | None = None

    def send(self, event: RealtimeClientEvent | Mapping[str, Any] | BaseModel) -> None:
        """Queue an event to send as soon as the connection opens."""
        self._queue.put(encode_event(event))

    async def enter(self) -> AsyncRealtimeConnection:
        """Open the connection (close it yourself with ``await connection.close()``)."""
        socket = await self._opener(self._extra_query, self._extra_headers)
        connection = AsyncRealtimeConnection(
            socket,
            opener=self._opener,
            reconnect=self._reconnect,
            queue=self._queue,
            extra_query=self._extra_query,
            extra_headers=self._extra_headers,
            raise_on_error=self._raise_on_error,
        )
        try:
            if not await connection._flush():
                raise connection._ended(socket)
        except BaseException:
            connection.abort()
            raise
        self._connection = connection
        return connection

    __aenter__ = enter

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if exc is not None and not isinstance(exc, Exception):  # cancelled, interrupted
            connection.abort()
        else:
            await connection.close()


class AsyncRealtimeHelpers(AsyncAPIResource):
    """``client.realtime.connect``."""

    def connect(
        self,
        *,
        model: str | NotGiven = NOT_GIVEN,
        call_id: str | NotGiven = NOT_GIVEN,
        extra_query: Query | None = None,
        extra_headers: Headers | None = None,
        websocket_connection_options: WebSocketConnectionOptions | None = None,
        on_reconnecting: Callable[[ReconnectingEvent], ReconnectingOverrides | None] | None = None,
        max_retries: int = 5,
        initial_delay: float = 0.5,
        max_delay: float = 8.0,
        max_queue_size: int = 1_048_576,
        raise_on_error: bool = False,
    ) -> AsyncRealtimeConnectionManager:
        """Connect to the Realtime API over a WebSocket; use the result with ``async with``
        (``connection``: server events in with ``for``, client events out with ``send``).

        ``model`` starts a session (on Azure: the deployment); ``call_id`` joins a call.
        ``raise_on_error=True`` raises server ``error`` events as :class:`APIStreamError`
        instead of yielding them. With ``on_reconnecting`` a connection lost with a
        recoverable close code is opened again: ``max_retries`` attempts, backoff from
        ``initial_delay`` doubling up to ``max_delay`` seconds; events sent meanwhile wait
        in a queue of at most ``max_queue_size`` bytes.
        """
        return AsyncRealtimeConnectionManager(
            self._client,
            model=None if isinstance(model, NotGiven) else model,
            call_id=None if isinstance(call_id, NotGiven) else call_id,
            extra_query=extra_query or {},
            extra_headers=extra_headers or {},
            websocket_connection_options=websocket_connection_options or {},
            on_reconnecting=on_reconnecting,
            max_retries=max_retries,
            initial_delay=initial_delay,
            max_delay=max_delay,
            max_queue_size=max_queue_size,
            raise_on_error=raise_on_error,
        )


# -- the sync facade -------------------------------------------------------------------------


class RealtimeConnection(RealtimeEventHelpers):
    """The sync twin of :class:`AsyncRealtimeConnection`, run on the client's portal."""

    def __init__(self, portal: Portal, connection: AsyncRealtimeConnection) -> None:
        self._portal = portal
        self._async = connection

    @property
    def response_info(self) -> ResponseInfo:
        return self._async.response_info

    def __iter__(self) -> Iterator[RealtimeServerEvent]:
        events = self._async.__aiter__()
        try:
            while True:
                try:
                    yield self._portal.call(events.__anext__)
                except StopAsyncIteration:
                    return
        finally:
            with contextlib.suppress(RuntimeError):  # the portal has stopped already
                self._portal.call(events.aclose)  # type: ignore[attr-defined]

    def recv(self) -> RealtimeServerEvent:
        return self._portal.call(self._async.recv)

    def recv_bytes(self) -> bytes:
        return self._portal.call(self._async.recv_bytes)

    def parse_event(self, data: str | bytes) -> RealtimeServerEvent:
        return self._async.parse_event(data)

    def send(self, event: RealtimeClientEvent | Mapping[str, Any] | BaseModel) -> None:
        self._portal.call(self._async.send, event)

    def send_raw(self, data: bytes | str) -> None:
        self._portal.call(self._async.send_raw, data)

    def close(self, *, code: int = 1000, reason: str = "") -> None:
        self._portal.call(partial(self._async.close, code=code, reason=reason))


class RealtimeConnectionManager:
    """The sync twin of :class:`AsyncRealtimeConnectionManager`: ``with`` it."""

    def __init__(self, portal: Portal, manager: AsyncRealtimeConnectionManager) -> None:
        self._portal = portal
        self._async = manager

    def send(self, event: RealtimeClientEvent | Mapping[str, Any] | BaseModel) -> None:
        """Queue an event to send as soon as the connection opens."""
        self._async.send(event)

    def enter(self) -> RealtimeConnection:
        return RealtimeConnection(self._portal, self._portal.call(self._async.enter))

    __enter__ = enter

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._portal.call(self._async.__aexit__, exc_type, exc, tb)
