"""The only module that imports aiohttp: sessions, sending, reading, error mapping.

One :class:`Transport` owns (or borrows) one ``aiohttp.ClientSession``. A session it
creates belongs to the running loop it was created in and is closed by
:meth:`Transport.aclose`, or, if the client is dropped without closing, by the loop
itself: an async generator registered with the loop closes it when the generator is
garbage-collected or when ``asyncio.run`` shuts async generators down. So neither
"Unclosed client session" nor "Event loop is closed" can appear.

Connection options live here too: proxies (explicit, or from the environment only when
asked), TLS verification (on unless turned off explicitly), connector limits, and
redirects followed by hand so that credentials never reach another origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
import threading
import weakref
from base64 import b64encode
from collections.abc import AsyncGenerator, AsyncIterator
from functools import lru_cache
from typing import TYPE_CHECKING, cast

from ._compat import deadline_scope
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigurationError,
    InvalidRequestError,
    WebSocketConnectionClosedError,
    status_error_class,
)
from ._files import Form
from ._options import Timeout
from ._request import PreparedRequest
from ._response import ResponseInfo

if TYPE_CHECKING:
    import aiohttp
    from yarl import URL

    from ._synchttp import SyncTransport

__all__ = [
    "MAX_REDIRECTS",
    "REDIRECT_STATUSES",
    "RawResponse",
    "Transport",
    "Verify",
    "WebSocket",
    "redirect_request",
]

log = logging.getLogger("openai_async")

#: What ``verify=`` accepts: ``True`` (system CAs), ``False`` (no verification), the
#: path of a CA bundle (file or directory), or a ready ``ssl.SSLContext``.
Verify = bool | str | os.PathLike[str] | ssl.SSLContext

MAX_REDIRECTS = 10
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DIRECT_LOCK = threading.Lock()
# Meant for one origin only: dropped when a redirect leads elsewhere.
_CREDENTIAL_HEADERS = frozenset({"authorization", "api-key", "cookie", "proxy-authorization"})


def ssl_setting(verify: Verify) -> ssl.SSLContext | bool:
    """aiohttp's ``ssl=`` for ``verify``; a CA bundle is loaded once, here."""
    if verify is True or verify is False or isinstance(verify, ssl.SSLContext):
        return verify
    if isinstance(verify, (str, os.PathLike)):
        path = os.fspath(verify)
        try:
            if os.path.isdir(path):
                return ssl.create_default_context(capath=path)
            return ssl.create_default_context(cafile=path)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(f"the CA bundle {path!r} cannot be loaded: {exc}") from None
    raise ConfigurationError(
        "verify must be True, False, the path of a CA bundle or an ssl.SSLContext, "
        f"not {type(verify).__name__}"
    )


def proxy_setting(proxy: str) -> tuple[URL, dict[str, str] | None]:
    """The proxy URL without credentials, and the ``Proxy-Authorization`` they give."""
    _load_aiohttp()
    try:
        url = URL(proxy)
    except (TypeError, ValueError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        # The value may hold a password: never repeat it.
        raise ConfigurationError(
            "proxy must be an http:// or https:// URL with a host "
            "(SOCKS proxies need a session with a SOCKS connector, passed as session=)"
        )
    if url.user is None and url.password is None:
        return url, None
    pair = f"{url.user or ''}:{url.password or ''}".encode()
    return url.with_user(None), {"Proxy-Authorization": "Basic " + b64encode(pair).decode()}


def _env_proxy(url: URL) -> tuple[URL, dict[str, str] | None] | None:
    """The proxy HTTP(S)_PROXY / ALL_PROXY name for ``url``, unless NO_PROXY excludes it."""
    from urllib.request import getproxies_environment, proxy_bypass  # with trust_env only

    proxies = getproxies_environment()
    # With proxies in the environment, proxy_bypass reads NO_PROXY on every platform.
    if not proxies or not url.host or proxy_bypass(url.host):
        return None
    proxy = proxies.get(url.scheme) or proxies.get("all")
    return proxy_setting(proxy) if proxy else None


def redirect_request(
    status: int,
    method: str,
    headers: dict[str, str],
    body: bytes | Form | None,
    *,
    same_origin: bool,
) -> tuple[str, dict[str, str], bytes | Form | None]:
    """The method, headers and body a redirect with ``status`` is followed with: credential
    headers stay with their origin; 303 (and 301/302 after a POST) turns into a bodiless GET,
    as browsers and aiohttp do. Shared by both transports."""
    if not same_origin:
        headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIAL_HEADERS}
    if status == 303 or (status in (301, 302) and method == "POST"):
        method, body = ("GET" if method != "HEAD" else method), None
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    return method, headers, body


def _limit(value: int | None, name: str) -> int:
    """aiohttp's form of a connection limit (0 is "no limit")."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{name} must be an int >= 1 or None, not {value!r}")
    return value


@lru_cache(maxsize=1024)
def _url(url: str) -> URL:
    """Parsed once per distinct URL: requests to one endpoint repeat the same string."""
    return URL(url, encoded=True)


_loop = asyncio.get_running_loop


def _no_query(url: str) -> str:
    return url.split("?", 1)[0]


@lru_cache(maxsize=64)
def _client_timeout(connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
    # total stays None: aiohttp's total would also cut long streams; our deadline does it.
    return aiohttp.ClientTimeout(total=None, connect=None, sock_connect=connect, sock_read=read)


#: What aiohttp, sockets and timeouts raise; ``_mapped`` turns each into the SDK's own
#: (aiohttp's errors join once it is loaded).
_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (asyncio.TimeoutError, OSError)
#: aiohttp's message types that end a WebSocket's stream of messages (once loaded).
_WS_END: frozenset[object] = frozenset()


def _load_aiohttp() -> None:
    """Import aiohttp (and yarl) into this module. Done by the first connection, or by a
    client given a session or a proxy: building a client does not pay for it."""
    global aiohttp, URL, _TRANSPORT_ERRORS, _WS_END
    if "URL" in globals():
        return
    import aiohttp
    from yarl import URL

    _TRANSPORT_ERRORS = (asyncio.TimeoutError, aiohttp.ClientError, OSError)
    _WS_END = frozenset(
        {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED}
    )


def _mapped(exc: BaseException, what: str) -> APIError:
    """The SDK exception for an aiohttp / socket / timeout failure (``try`` costs nothing
    until something fails, unlike a context manager entered per read)."""
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return APITimeoutError(f"{what} timed out")
    if isinstance(exc, aiohttp.ClientPayloadError):
        return APIConnectionError(f"the connection broke while {what}: {exc}")
    return APIConnectionError(f"connection error while {what}: {exc}")


class RawResponse:
    """An HTTP response whose body has not been read yet."""

    __slots__ = ("__weakref__", "_resp", "info")

    def __init__(self, resp: aiohttp.ClientResponse, info: ResponseInfo) -> None:
        self._resp = resp
        self.info = info

    @property
    def status(self) -> int:
        return self._resp.status

    async def read(self) -> bytes:
        """The whole body; the connection goes back to the pool."""
        try:
            return await self._resp.read()
        except _TRANSPORT_ERRORS as exc:
            raise _mapped(exc, "reading the response body") from exc
        finally:
            self._resp.release()

    async def read_by(self, deadline: float | None) -> bytes:
        """The whole body, read before the loop time ``deadline`` (``None``: no limit)."""
        if deadline is None:
            return await self.read()
        try:
            async with deadline_scope(deadline):
                return await self.read()
        except asyncio.TimeoutError:
            self.close()
            raise APITimeoutError("reading the response body ran past the total deadline") from None

    async def read_chunk(self) -> bytes:
        """The next piece of the body as it arrives; ``b""`` at the end."""
        try:
            return await self._resp.content.readany()
        except _TRANSPORT_ERRORS as exc:
            raise _mapped(exc, "reading the stream") from exc

    async def read_chunk_by(self, deadline: float | None) -> bytes:
        """:meth:`read_chunk` before the :meth:`clock` time ``deadline`` (``None``: no
        limit); past it, ``asyncio.TimeoutError``."""
        async with deadline_scope(deadline):
            return await self.read_chunk()

    @staticmethod
    def clock() -> float:
        """The time ``read_chunk_by`` deadlines are in: the running loop's."""
        return _loop().time()

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        while chunk := await self.read_chunk():
            yield chunk

    @property
    def closed(self) -> bool:
        return self._resp.closed

    def release(self) -> None:
        """Return the connection to the pool if the body was read to the end, else close it."""
        self._resp.release()

    def close(self) -> None:
        """Close the connection now (synchronous; safe in ``__del__``)."""
        if not self._resp.closed:
            self._resp.close()


class WebSocket:
    """An open WebSocket: messages in and out as text, aiohttp's failures as the SDK's.

    Once the connection has ended, :meth:`receive` returns ``None`` and ``close_code`` /
    ``close_reason`` say how (1006 when it broke without a close frame).
    """

    __slots__ = ("__weakref__", "_code", "_reason", "_ws", "info")

    def __init__(self, ws: aiohttp.ClientWebSocketResponse[bool], info: ResponseInfo) -> None:
        self._ws = ws
        self._code: int | None = None  # the server's close frame's, once one arrived
        self._reason = ""
        self.info = info

    @property
    def closed(self) -> bool:
        return self._ws.closed

    @property
    def close_code(self) -> int:
        # aiohttp overwrites the server's code with 1006 when its own reply cannot be sent
        code = self._code if self._code is not None else self._ws.close_code
        return 1006 if code is None else int(code)

    @property
    def close_reason(self) -> str:
        return self._reason

    async def receive(self, timeout: float | None = None) -> str | bytes | None:
        """The next text (or binary) message; ``None`` once the connection has ended.

        Past ``timeout`` seconds without a message raises :class:`APITimeoutError`.
        """
        try:
            msg = await self._ws.receive(timeout)
        except asyncio.TimeoutError:
            raise APITimeoutError(f"no message on the WebSocket for {timeout} s") from None
        kind = msg.type
        if kind is aiohttp.WSMsgType.TEXT or kind is aiohttp.WSMsgType.BINARY:
            return msg.data  # type: ignore[no-any-return]
        if kind is aiohttp.WSMsgType.CLOSE:
            self._code, self._reason = int(msg.data), msg.extra or ""
        elif kind is aiohttp.WSMsgType.ERROR:
            exc = msg.data
            self._reason = (
                "no pong to a keep-alive ping"
                if isinstance(exc, aiohttp.ServerTimeoutError)
                else f"{type(exc).__name__}: {exc}"
            )
            if not self._ws.closed:
                await self._ws.close(code=self.close_code)
        elif kind not in _WS_END:  # PING / PONG with autoping off: never asked for
            return await self.receive(timeout)
        return None

    async def send(self, data: bytes) -> None:
        """Send ``data`` (UTF-8 JSON) as one text message."""
        if not self._ws.closed:
            try:
                await self._ws.send_frame(data, aiohttp.WSMsgType.TEXT)
                return
            except _TRANSPORT_ERRORS:
                pass
        raise WebSocketConnectionClosedError(
            f"the WebSocket is closed (code {self.close_code})",
            code=self.close_code,
            reason=self._reason,
            unsent_messages=[data.decode()],
        )

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame and wait (up to the close timeout) for the server's."""
        if not self._ws.closed:
            self._reason = reason
            with contextlib.suppress(*_TRANSPORT_ERRORS):
                await self._ws.close(code=code, message=reason.encode())

    def abort(self) -> None:
        """Drop the connection now, without a closing handshake (synchronous)."""
        if not self._ws.closed:
            # aiohttp has no public abort; its own failure paths close the response.
            self._ws._response.close()
            self._ws._set_closed()
            self._code = self._code or 1006


_NO_FILES = contextlib.nullcontext()  # reusable: entering it does nothing


def _form_data(form: Form, opened: contextlib.ExitStack) -> aiohttp.FormData:
    """A fresh multipart body for one attempt: files on disk are opened again (and
    streamed by aiohttp); ``opened`` closes them once the attempt has been sent."""
    # The operation declares multipart/form-data even when no part is a file.
    data = aiohttp.FormData(quote_fields=False, default_to_multipart=True)
    for name, value in form.fields:
        data.add_field(name, value)
    for part in form.files:
        content: object = part.data
        if part.path is not None:
            try:
                file = opened.enter_context(open(part.path, "rb"))  # noqa: SIM115
                file.seek(part.offset)
            except OSError as exc:
                raise APIConnectionError(f"cannot read the file to upload: {exc}") from exc
            content = file
        data.add_field(part.name, content, filename=part.filename, content_type=part.content_type)
    return data


# Sessions created by a Transport and not yet closed. Holding them here keeps them out
# of the garbage when a dropped client sits in a reference cycle: the collector would
# otherwise run the session's and connector's ``__del__`` ("Unclosed ...") in the same
# pass as the keeper's finalizer, before the keeper had a chance to close them.
_open_sessions: set[aiohttp.ClientSession] = set()


async def _session_keeper(
    session: aiohttp.ClientSession, responses: weakref.WeakSet[RawResponse | WebSocket]
) -> AsyncGenerator[None, None]:
    """Closes ``session`` when closed by the loop (shutdown, or garbage collection).

    Responses still open (streams nobody finished) are closed first: closing the session
    does not release connections that are checked out.
    """
    _open_sessions.add(session)
    try:
        yield
    finally:
        try:
            for response in list(responses):
                _drop(response)
            if not session.closed:
                await session.close()
        finally:
            _open_sessions.discard(session)


def _drop(connection: RawResponse | WebSocket) -> None:
    if isinstance(connection, WebSocket):
        connection.abort()
    else:
        connection.close()


class Transport:
    """Sends prepared requests over one aiohttp session."""

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        max_connections: int | None = 100,
        max_connections_per_host: int | None = None,
        proxy: str | None = None,
        trust_env: bool = False,
        verify: Verify = True,
    ) -> None:
        if session is not None:
            _load_aiohttp()  # the caller's aiohttp: loaded already
        self._session = session
        self._owns_session = session is None
        self._limit = _limit(max_connections, "max_connections")
        self._limit_per_host = _limit(max_connections_per_host, "max_connections_per_host")
        if session is not None and (self._limit != 100 or self._limit_per_host):
            raise ConfigurationError(
                "connection limits belong to the session passed in: set them on its connector"
            )
        self._proxy = None if proxy is None else proxy_setting(proxy)
        self._trust_env = bool(trust_env)
        self._ssl = ssl_setting(verify)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._keeper: AsyncGenerator[None, None] | None = None
        self._closed = False
        self._direct: SyncTransport | None = None
        # Streams and WebSockets still open: closed with the transport.
        self._responses: weakref.WeakSet[RawResponse | WebSocket] = weakref.WeakSet()

    async def _get_session(self) -> aiohttp.ClientSession:
        session = self._session
        if self._closed:
            raise ConfigurationError("the client is closed; create a new client")
        loop = asyncio.get_running_loop()
        if session is not None:
            if not self._owns_session or self._loop is loop:
                return session
            if self._loop is not None and not self._loop.is_closed():
                raise ConfigurationError(
                    "this client's connections belong to another event loop; "
                    "create one client per event loop"
                )
            # The previous loop has ended (asyncio.run shut our session down): start afresh.
        _load_aiohttp()
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._limit, limit_per_host=self._limit_per_host),
            timeout=_client_timeout(None, None),
            auto_decompress=True,
        )
        keeper = _session_keeper(session, self._responses)
        await keeper.asend(None)
        self._session, self._loop, self._keeper = session, loop, keeper
        return session

    @staticmethod
    def clock() -> float:
        """The time deadlines are measured in: the running loop's."""
        return _loop().time()

    @staticmethod
    async def sleep(delay: float) -> None:
        await asyncio.sleep(delay)

    def direct(self) -> SyncTransport | None:
        """The blocking twin of this transport that the sync facade's plain calls send
        through (same TLS settings, its own connections), or ``None`` when these settings
        need aiohttp: a session passed in, a proxy, or the environment's settings."""
        direct = self._direct
        if direct is None:
            if not self._owns_session or self._proxy is not None or self._trust_env:
                return None
            from ._synchttp import SyncTransport

            with _DIRECT_LOCK:
                if self._direct is None:
                    self._direct = SyncTransport(self._ssl)
                direct = self._direct
        return direct

    def close_direct(self) -> None:
        """Close the blocking twin's connections (it refuses new calls after)."""
        with _DIRECT_LOCK:
            direct = self._direct
        if direct is not None:
            direct.close()

    async def send(
        self, request: PreparedRequest, *, timeout: Timeout, deadline: float | None
    ) -> RawResponse:
        """Send one attempt and return once the response headers have arrived."""
        session = self._session
        if self._closed or session is None or (self._owns_session and self._loop is not _loop()):
            session = await self._get_session()
        if log.isEnabledFor(logging.DEBUG):
            log.debug("request %r", request)
        try:
            if deadline is None:  # no scope to enter: this runs for every request
                resp, redirected = await self._follow(session, request, timeout)
            else:
                async with deadline_scope(deadline):
                    resp, redirected = await self._follow(session, request, timeout)
        except ValueError as exc:  # a header or URL aiohttp refuses to send
            if isinstance(exc, aiohttp.ClientError):
                raise _mapped(exc, f"sending {request.method} {_no_query(request.url)}") from exc
            raise InvalidRequestError(f"the request cannot be sent: {exc}") from None
        except _TRANSPORT_ERRORS as exc:
            raise _mapped(exc, f"sending {request.method} {_no_query(request.url)}") from exc
        info = ResponseInfo(
            status_code=resp.status,
            headers=resp.headers,
            method=resp.method,
            url=str(resp.url.with_query(None)) if redirected else _no_query(request.url),
        )
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "response %s %s: %s (request id %s)",
                request.method,
                info.url,
                resp.status,
                info.request_id,
            )
        response = RawResponse(resp, info)
        self._responses.add(response)
        return response

    async def _follow(
        self, session: aiohttp.ClientSession, request: PreparedRequest, timeout: Timeout
    ) -> tuple[aiohttp.ClientResponse, bool]:
        """Send, following redirects like aiohttp does, except that credential headers
        (``Authorization``, ``api-key``) are dropped when a redirect changes the origin.
        Returns the final response and whether a redirect was followed."""
        method, url, headers, body = (
            request.method,
            _url(request.url),
            request.headers,
            request.body,
        )
        client_timeout = _client_timeout(timeout.connect, timeout.read)
        for hops in range(MAX_REDIRECTS + 1):
            proxy_url, proxy_headers = (
                self._proxy or (_env_proxy(url) if self._trust_env else None) or (None, None)
            )
            sent = headers
            if proxy_headers and url.scheme == "http":
                # No CONNECT for plain HTTP: the proxy reads the request's own headers.
                sent, proxy_headers = {**headers, **proxy_headers}, None
            # A form's files are open for this attempt only; other bodies need no stack.
            files = contextlib.ExitStack() if isinstance(body, Form) else None
            with files or _NO_FILES:
                resp = await session.request(
                    method,
                    url,
                    data=body if files is None else _form_data(cast(Form, body), files),
                    headers=sent,
                    timeout=client_timeout,
                    allow_redirects=False,
                    ssl=self._ssl,
                    proxy=proxy_url,
                    proxy_headers=proxy_headers,
                )
            if (
                resp.status not in REDIRECT_STATUSES
                or (location := resp.headers.get("Location")) is None
            ):
                return resp, hops > 0
            resp.release()
            try:
                target = url.join(URL(location))
            except ValueError:
                raise APIConnectionError("refused a redirect to an invalid URL") from None
            if target.scheme not in ("http", "https"):
                raise APIConnectionError(f"refused a redirect to a non-HTTP URL ({target.scheme}:)")
            method, headers, body = redirect_request(
                resp.status, method, headers, body, same_origin=target.origin() == url.origin()
            )
            url = target
        raise APIConnectionError(f"more than {MAX_REDIRECTS} redirects")

    async def ws_connect(
        self,
        url: str,
        headers: dict[str, str],
        *,
        open_timeout: float | None,
        close_timeout: float | None,
        ping_interval: float | None,
        max_size: int | None,
        compression: bool,
        protocols: tuple[str, ...] = (),
    ) -> WebSocket:
        """Open a WebSocket (``ws://`` / ``wss://``) on this transport's session, with its
        proxy and TLS settings; a refused handshake raises the status error class."""
        session = await self._get_session()
        target = _url(url)
        http_url = target.with_scheme({"ws": "http", "wss": "https"}.get(target.scheme, "http"))
        proxy_url, proxy_headers = (
            self._proxy or (_env_proxy(http_url) if self._trust_env else None) or (None, None)
        )
        what = f"opening the WebSocket {_no_query(url)}"
        loop = asyncio.get_running_loop()
        try:
            async with deadline_scope(None if open_timeout is None else loop.time() + open_timeout):
                ws = await session.ws_connect(
                    target,
                    headers=headers,
                    protocols=protocols,
                    timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=close_timeout),
                    heartbeat=ping_interval,
                    max_msg_size=max_size or 0,
                    compress=15 if compression else 0,
                    ssl=self._ssl,
                    proxy=proxy_url,
                    proxy_headers=proxy_headers,
                )
        except aiohttp.WSServerHandshakeError as exc:
            info = ResponseInfo(
                status_code=exc.status,
                headers=exc.headers or {},
                method="GET",
                url=_no_query(url),
            )
            if exc.status < 400:
                raise APIConnectionError(f"{what}: {exc.message} (status {exc.status})") from None
            raise status_error_class(exc.status)(
                f"Error code: {exc.status} - the server refused the WebSocket connection",
                status_code=exc.status,
                response_info=info,
            ) from None
        except ValueError as exc:
            if isinstance(exc, aiohttp.ClientError):
                raise _mapped(exc, what) from exc
            raise InvalidRequestError(f"the WebSocket cannot be opened: {exc}") from None
        except _TRANSPORT_ERRORS as exc:
            raise _mapped(exc, what) from exc
        resp = ws._response
        info = ResponseInfo(
            status_code=resp.status, headers=resp.headers, method="GET", url=_no_query(url)
        )
        socket = WebSocket(ws, info)
        self._responses.add(socket)
        return socket

    async def aclose(self) -> None:
        """Close the session if this transport created it; the transport is unusable after."""
        self._closed = True
        self.close_direct()
        for response in list(self._responses):  # streams left open (a borrowed session too)
            _drop(response)
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            await keeper.aclose()
        elif self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()
