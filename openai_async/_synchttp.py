"""The sync facade's direct path: a blocking HTTP/1.1 transport over http.client.

:class:`SyncTransport` is the aiohttp transport's twin for plain calls of the sync
``Client`` (see ``_direct``): it blocks where the aiohttp transport awaits, pools
keep-alive connections per origin, follows redirects by the same rule and maps failures
to the same exceptions. Only the socket work differs; the send loop is shared.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
import time
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from ._direct import NeedsLoop, current_run
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    InvalidRequestError,
)
from ._files import Form
from ._response import ResponseInfo
from ._transport import MAX_REDIRECTS, REDIRECT_STATUSES, redirect_request

if TYPE_CHECKING:
    import http.client

    from ._options import Timeout
    from ._request import PreparedRequest

__all__ = ["SyncResponse", "SyncTransport"]

log = logging.getLogger("openai_async")

# Idle connections kept per origin: one per thread that calls at the same time, typically.
_MAX_IDLE = 32
# Broken keep-alive connections show these when reused: the server closed them while idle.
_STALE = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


def _http() -> Any:
    import http.client  # loaded by the first direct call: its import costs ~5 ms

    return http.client


def _decoded(body: bytes, encoding: str | None) -> bytes:
    """The body without the gzip / deflate content coding we asked for."""
    if not encoding or not body:
        return body
    coding = encoding.strip().lower()
    try:
        if coding in ("gzip", "x-gzip"):
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if coding == "deflate":  # zlib-wrapped as the RFC says, or raw as some servers send
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
    except zlib.error as exc:
        raise APIConnectionError(f"the response body cannot be decoded ({coding}): {exc}") from None
    return body  # identity, or a coding nobody asked for: as aiohttp, left as it is


@lru_cache(maxsize=1024)
def _split(url: str) -> tuple[tuple[str, str, int], str]:
    """The origin (scheme, host, port) of ``url`` and the target to request there."""
    parts = urlsplit(url)
    scheme = parts.scheme
    origin = (scheme, parts.hostname or "", parts.port or (443 if scheme == "https" else 80))
    return origin, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _bounded(limit: float | None, deadline: float | None, what: str) -> float | None:
    """A socket timeout: ``limit``, cut to what is left before ``deadline``."""
    if deadline is None:
        return limit
    left = deadline - time.monotonic()
    if left <= 0:
        raise APITimeoutError(f"{what} ran past the total deadline")
    return left if limit is None else min(limit, left)


class SyncTransport:
    """Blocking HTTP/1.1 over http.client, with keep-alive connections pooled per origin.

    Thread-safe: each call checks a connection out of the pool and puts it back once its
    response has been read to the end.
    """

    def __init__(self, ssl_setting: ssl.SSLContext | bool) -> None:
        self._ssl_setting = ssl_setting
        self._context: ssl.SSLContext | None = None
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    clock = staticmethod(time.monotonic)

    @staticmethod
    async def sleep(delay: float) -> None:
        # Blocking on purpose: a direct call runs in the caller's thread, with no loop.
        time.sleep(delay)  # noqa: ASYNC251

    def _tls(self) -> ssl.SSLContext:
        context = self._context
        if context is None:
            setting = self._ssl_setting
            if isinstance(setting, ssl.SSLContext):
                context = setting
            else:
                context = ssl.create_default_context()
                if setting is False:
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
            self._context = context
        return context

    def _checkout(
        self, origin: tuple[str, str, int], connect: float | None
    ) -> tuple[http.client.HTTPConnection, bool]:
        """An idle connection to ``origin`` (and ``True``), or a new one (and ``False``)."""
        with self._lock:
            if self._closed:
                raise ConfigurationError("the client is closed; create a new client")
            idle = self._idle.get(origin)
            if idle:
                return idle.pop(), True
        scheme, host, port = origin
        client = _http()
        if scheme == "https":
            return client.HTTPSConnection(host, port, timeout=connect, context=self._tls()), False
        return client.HTTPConnection(host, port, timeout=connect), False

    def checkin(self, origin: tuple[str, str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if not self._closed and len(idle) < _MAX_IDLE:
                idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Close the idle connections; connections in use close when their call ends."""
        with self._lock:
            self._closed = True
            idle = [conn for conns in self._idle.values() for conn in conns]
            self._idle.clear()
        for conn in idle:
            conn.close()

    async def send(
        self, request: PreparedRequest, *, timeout: Timeout, deadline: float | None
    ) -> SyncResponse:
        """Send one attempt (following redirects) and return once the headers have arrived."""
        if log.isEnabledFor(logging.DEBUG):
            log.debug("request %r", request)
        method, url, headers, body = request.method, request.url, request.headers, request.body
        if isinstance(body, Form):  # the send loop sends forms on the event loop
            raise NeedsLoop
        run = current_run()
        if run is not None:
            run.sent = True
        if "accept-encoding" not in (name.lower() for name in headers):
            headers = {**headers, "Accept-Encoding": "gzip, deflate"}
        for hops in range(MAX_REDIRECTS + 1):
            response = self._attempt(method, url, headers, body, timeout, deadline)
            location = response.headers.get("Location")
            if response.status not in REDIRECT_STATUSES or location is None:
                return self._finish(response, method, url, request, redirected=hops > 0)
            response.close_connection()
            target = urljoin(url, location)
            try:
                parts, old = urlsplit(target), urlsplit(url)
                same = (parts.scheme, parts.hostname, parts.port) == (
                    old.scheme,
                    old.hostname,
                    old.port,
                )
            except ValueError:
                raise APIConnectionError("refused a redirect to an invalid URL") from None
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise APIConnectionError(f"refused a redirect to a non-HTTP URL ({parts.scheme}:)")
            method, headers, kept = redirect_request(
                response.status, method, headers, body, same_origin=same
            )
            body = None if kept is None else body  # kept as it was, or dropped
            url = target
        raise APIConnectionError(f"more than {MAX_REDIRECTS} redirects")

    def _finish(
        self,
        response: _Pending,
        method: str,
        url: str,
        request: PreparedRequest,
        *,
        redirected: bool,
    ) -> SyncResponse:
        info = ResponseInfo(
            status_code=response.status,
            headers=response.headers,
            method=method,
            url=(url if redirected else request.url).split("?", 1)[0],
        )
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "response %s %s: %s (request id %s)",
                request.method,
                info.url,
                response.status,
                info.request_id,
            )
        return SyncResponse(self, response, info)

    def _attempt(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: Timeout,
        deadline: float | None,
    ) -> _Pending:
        origin, target = _split(url)
        what = f"sending {method} {url.split('?', 1)[0]}"
        client = _http()
        while True:
            conn, reused = self._checkout(origin, _bounded(timeout.connect, deadline, what))
            try:
                if conn.sock is None:
                    self._connect(conn, origin, what)
                conn.sock.settimeout(_bounded(timeout.read, deadline, what))
                conn.request(method, target, body=body, headers=headers)
                resp = conn.getresponse()
            except ssl.SSLError as exc:  # before ValueError: a failed certificate check is both
                conn.close()
                raise APIConnectionError(f"connection error while {what}: {exc}") from exc
            except (ValueError, UnicodeError) as exc:  # a header or URL http.client refuses
                conn.close()
                raise InvalidRequestError(f"the request cannot be sent: {exc}") from None
            except TimeoutError:
                conn.close()
                raise APITimeoutError(f"{what} timed out") from None
            except (*_STALE, client.RemoteDisconnected) as exc:
                conn.close()
                if reused:  # closed by the server while it sat in the pool: try a new one
                    continue
                raise APIConnectionError(f"connection error while {what}: {exc}") from exc
            except (OSError, client.HTTPException) as exc:
                conn.close()
                raise APIConnectionError(f"connection error while {what}: {exc}") from exc
            except BaseException:
                conn.close()
                raise
            return _Pending(origin, conn, resp)

    @staticmethod
    def _connect(conn: http.client.HTTPConnection, origin: tuple[str, str, int], what: str) -> None:
        try:
            conn.connect()
        except (TimeoutError, ssl.SSLError):
            raise
        except OSError as exc:  # the cause names the address, as aiohttp's does
            conn.close()
            where = OSError(
                exc.errno, f"cannot connect to {origin[1]}:{origin[2]} [{exc.strerror}]"
            )
            raise APIConnectionError(f"connection error while {what}: {where}") from where


class _Pending:
    """A response whose headers have arrived, and the connection it came on."""

    __slots__ = ("conn", "headers", "origin", "resp", "status")

    def __init__(
        self,
        origin: tuple[str, str, int],
        conn: http.client.HTTPConnection,
        resp: http.client.HTTPResponse,
    ) -> None:
        from multidict import CIMultiDict, CIMultiDictProxy  # aiohttp's; no aiohttp import

        self.origin, self.conn, self.resp = origin, conn, resp
        self.status = resp.status
        # The parsed header lines as received (what getheaders() copies, one by one, slowly).
        lines = getattr(resp.msg, "_headers", None)
        self.headers = CIMultiDictProxy(CIMultiDict(resp.getheaders() if lines is None else lines))

    def close_connection(self) -> None:
        self.resp.close()
        self.conn.close()


class SyncResponse:
    """A response of the sync transport whose body has not been read yet (the same
    surface as the aiohttp transport's ``RawResponse`` for what the send loop uses)."""

    __slots__ = ("__weakref__", "_pending", "_transport", "info")

    def __init__(self, transport: SyncTransport, pending: _Pending, info: ResponseInfo) -> None:
        self._transport = transport
        self._pending: _Pending | None = pending
        self.info = info

    @property
    def status(self) -> int:
        return self.info.status_code

    @property
    def closed(self) -> bool:
        return self._pending is None

    async def read(self) -> bytes:
        return await self.read_by(None)

    async def read_by(self, deadline: float | None) -> bytes:
        """The whole body; the connection goes back to the pool (``deadline`` in
        ``time.monotonic()`` seconds; ``None``: no limit beyond the read timeout)."""
        pending = self._pending
        if pending is None:
            raise APIConnectionError("the response was closed before its body was read")
        self._pending = None
        resp, conn = pending.resp, pending.conn
        try:
            if deadline is not None and conn.sock is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                timeout = conn.sock.gettimeout()
                conn.sock.settimeout(left if timeout is None else min(timeout, left))
            body = resp.read()
        except TimeoutError:
            pending.close_connection()
            if deadline is not None and time.monotonic() >= deadline:
                raise APITimeoutError(
                    "reading the response body ran past the total deadline"
                ) from None
            raise APITimeoutError("reading the response body timed out") from None
        except (OSError, _http().HTTPException) as exc:
            pending.close_connection()
            raise APIConnectionError(
                f"the connection broke while reading the response body: {exc!r}"
            ) from exc
        except BaseException:
            pending.close_connection()
            raise
        if resp.will_close:
            conn.close()
        else:
            self._transport.checkin(pending.origin, conn)
        return _decoded(body, self.info.headers.get("Content-Encoding"))

    def release(self) -> None:
        self.close()

    def close(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.close_connection()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()
