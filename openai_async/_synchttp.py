"""The sync facade's direct path: a blocking HTTP/1.1 client on plain sockets.

:class:`SyncTransport` is the aiohttp transport's twin for plain calls and streams of the
sync ``Client`` (see ``_direct``): it blocks where the aiohttp transport awaits, pools
keep-alive connections per origin, follows redirects by the same rule and maps failures
to the same exceptions. Only the socket work differs; the send loop is shared.

The wire format is written here rather than through http.client: a request is one
``sendall``, a response head is split once, and bodies are framed by Content-Length,
chunked transfer coding or the connection's end (RFC 9112). Measured with callgrind,
http.client spent ~390k instructions per small request (most in ``email`` header
parsing) where this spends ~60k.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import ssl
import threading
import time
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING
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
    from multidict import CIMultiDictProxy

    from ._options import Timeout
    from ._request import PreparedRequest

__all__ = ["SyncResponse", "SyncTransport"]

log = logging.getLogger("openai_async")

Origin = tuple[str, str, int]

# Idle connections kept per origin: one per thread that calls at the same time, typically.
_MAX_IDLE = 32
# A reused keep-alive connection the server closed while it sat idle shows one of these.
_STALE = (
    ConnectionResetError,
    BrokenPipeError,
    ConnectionAbortedError,
    ssl.SSLEOFError,
    ssl.SSLZeroReturnError,
)
_MAX_HEAD = 256 * 1024  # bytes of status line and headers
_MAX_HEADERS = 256
_MAX_LINE = 64 * 1024  # a chunk-size or trailer line
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_LINES = re.compile(r"\r?\n")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_VALUE = re.compile(r"[\x00\r\n]")
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f]")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,15}")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class _Broken(Exception):
    """The server's bytes do not make an HTTP/1.1 response (or stop short of one)."""


class _Closed(_Broken):
    """The connection ended before any byte of a response."""


def _decoded(body: bytes, encoding: str | None) -> bytes:
    """The whole body without the gzip / deflate content coding we asked for."""
    if not encoding or not body:
        return body
    inflater = _Inflater(encoding)
    return inflater.feed(body) + inflater.flush()


class _Inflater:
    """Undoes the gzip / deflate content coding we asked for, piece by piece (a stream's
    body as it arrives; a whole body is one piece)."""

    __slots__ = ("_coding", "_fed", "_z")

    def __init__(self, coding: str) -> None:
        self._coding = coding.strip().lower()
        gzip = self._coding in ("gzip", "x-gzip")
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else zlib.decompressobj()
        self._fed = False  # something decoded already: no more guessing the wrapper

    def feed(self, piece: bytes) -> bytes:
        if self._coding not in ("gzip", "x-gzip", "deflate"):
            return piece  # identity, or a coding nobody asked for: left as it is
        try:
            data = self._z.decompress(piece)
        except zlib.error as exc:
            if self._coding == "deflate" and not self._fed:
                # Deflate without its zlib wrapper, as some servers send it.
                self._fed = True
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(piece)
            raise APIConnectionError(
                f"the response body cannot be decoded ({self._coding}): {exc}"
            ) from None
        self._fed = True
        return data

    def flush(self) -> bytes:
        if self._coding not in ("gzip", "x-gzip", "deflate"):
            return b""
        if not self._z.eof:
            raise APIConnectionError(
                f"the response body ended in the middle of its {self._coding} data"
            )
        return self._z.flush()


@lru_cache(maxsize=1024)
def _split(url: str) -> tuple[Origin, str, str]:
    """The origin (scheme, host, port) of ``url``, the target to request there and the
    Host header that names it."""
    parts = urlsplit(url)
    scheme, host = parts.scheme, parts.hostname or ""
    default = 443 if scheme == "https" else 80
    port = parts.port or default
    name = host if host.isascii() else host.encode("idna").decode("ascii")
    if ":" in name:  # an IPv6 literal
        name = f"[{name}]"
    host_header = name if port == default else f"{name}:{port}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return (scheme, host, port), target, host_header


def _bounded(limit: float | None, deadline: float | None, what: str) -> float | None:
    """A socket timeout: ``limit``, cut to what is left before ``deadline``."""
    if deadline is None:
        return limit
    left = deadline - time.monotonic()
    if left <= 0:
        raise APITimeoutError(f"{what} ran past the total deadline")
    return left if limit is None else min(limit, left)


def _request_head(
    method: str, target: str, host: str, headers: dict[str, str], body: bytes | None
) -> bytes:
    """The request line and headers, checked: no name that is not a token, no control
    character that could end a line early (header injection), latin-1 only."""
    if _BAD_TARGET.search(target):
        raise InvalidRequestError(f"the request cannot be sent: invalid URL target {target!r}")
    lines = [f"{method} {target} HTTP/1.1"]
    names = {name.lower() for name in headers}
    if "host" not in names:
        lines.append(f"Host: {host}")
    for name, value in headers.items():
        if not _TOKEN.match(name):
            raise InvalidRequestError(f"the request cannot be sent: invalid header name {name!r}")
        if name.lower() not in ("content-length", "transfer-encoding"):  # ours, from the body
            lines.append(f"{name}: {value}")
    if _BAD_VALUE.search("".join(headers.values())):
        raise InvalidRequestError("the request cannot be sent: a header value holds CR, LF or NUL")
    if "accept-encoding" not in names:
        lines.append("Accept-Encoding: gzip, deflate")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    elif method in _BODY_METHODS:
        lines.append("Content-Length: 0")
    lines.append("\r\n")
    try:
        return "\r\n".join(lines).encode("latin-1")
    except UnicodeEncodeError as exc:
        raise InvalidRequestError(
            f"the request cannot be sent: a header is not latin-1 ({exc.reason})"
        ) from None


def _parse_head(head: bytes) -> tuple[str, int, list[tuple[str, str]]]:
    """The version, status and header lines of a response head."""
    lines = _LINES.split(head.decode("latin-1").lstrip("\r\n"))
    version, _, rest = lines[0].partition(" ")
    code = rest[:3]
    if (
        version not in ("HTTP/1.1", "HTTP/1.0")
        or not (code.isdigit() and code.isascii())
        or rest[3:4] not in ("", " ")
    ):
        raise _Broken(f"not an HTTP/1.1 status line: {lines[0][:80]!r}")
    if len(lines) > _MAX_HEADERS:
        raise _Broken(f"more than {_MAX_HEADERS} response headers")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t"):  # obsolete line folding: a continuation of the last value
            if not headers:
                raise _Broken("a response header starts with whitespace")
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name[-1] in (" ", "\t"):
            raise _Broken(f"a malformed response header line: {line[:80]!r}")
        headers.append((name, value.strip(" \t")))
    return version, int(code), headers


class _Connection:
    """One socket and the bytes received past what has been read of it."""

    __slots__ = ("buf", "reused", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""
        self.reused = False

    def close(self) -> None:
        self.sock.close()

    def _more(self, size: int = 65536) -> bytes:
        data = self.sock.recv(size)
        if not data:
            raise _Broken("the connection closed in the middle of the response")
        return data

    def read_head(self) -> bytes:
        buf, start = self.buf, 0
        while True:
            found = _HEAD_END.search(buf, max(0, start - 3))
            if found is not None:
                self.buf = buf[found.end() :]
                return buf[: found.start()]
            if len(buf) > _MAX_HEAD:
                raise _Broken(f"the response head is longer than {_MAX_HEAD} bytes")
            start = len(buf)
            data = self.sock.recv(65536)
            if not data:
                if buf.strip():
                    raise _Broken("the connection closed in the middle of the response head")
                raise _Closed("the server closed the connection without a response")
            buf += data

    def read_exact(self, size: int) -> bytes:
        buf = self.buf
        if len(buf) >= size:
            self.buf = buf[size:]
            return buf[:size]
        parts, have = [buf], len(buf)
        while have < size:
            data = self._more(min(max(size - have, 65536), 1 << 20))
            parts.append(data)
            have += len(data)
        joined = b"".join(parts)
        self.buf = joined[size:]
        return joined[:size]

    def read_upto(self, size: int) -> bytes:
        """What has arrived, at most ``size`` bytes; waits only when nothing has."""
        buf = self.buf
        if not buf:
            return self._more(min(size, 65536))[:size] if size < 65536 else self._more()
        self.buf = buf[size:]
        return buf[:size]

    def read_line(self) -> bytes:
        buf = self.buf
        while (end := buf.find(b"\n")) < 0:
            if len(buf) > _MAX_LINE:
                raise _Broken(f"a line of the response is longer than {_MAX_LINE} bytes")
            buf += self._more()
        self.buf = buf[end + 1 :]
        return buf[:end].rstrip(b"\r")

    def read_to_end(self) -> bytes:
        parts = [self.buf]
        while data := self.sock.recv(1 << 20):
            parts.append(data)
        self.buf = b""
        return b"".join(parts)


class SyncTransport:
    """Blocking HTTP/1.1, with keep-alive connections pooled per origin.

    Thread-safe: each call checks a connection out of the pool and puts it back once its
    response has been read to the end.
    """

    def __init__(self, ssl_setting: ssl.SSLContext | bool) -> None:
        self._ssl_setting = ssl_setting
        self._context: ssl.SSLContext | None = None
        self._idle: dict[Origin, list[_Connection]] = {}
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

    def _checkout(self, origin: Origin) -> _Connection | None:
        """An idle connection to ``origin``, if the pool has one."""
        with self._lock:
            if self._closed:
                raise ConfigurationError("the client is closed; create a new client")
            idle = self._idle.get(origin)
            return idle.pop() if idle else None

    def _connect(self, origin: Origin, timeout: float | None, what: str) -> _Connection:
        scheme, host, port = origin
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except TimeoutError:
            raise APITimeoutError(f"{what} timed out (connecting)") from None
        except OSError as exc:  # the cause names the address, as aiohttp's does
            where = OSError(exc.errno, f"cannot connect to {host}:{port} [{exc.strerror}]")
            raise APIConnectionError(f"connection error while {what}: {where}") from where
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == "https":
                sock = self._tls().wrap_socket(sock, server_hostname=host)
        except BaseException as exc:
            sock.close()
            if isinstance(exc, TimeoutError):
                raise APITimeoutError(f"{what} timed out (TLS handshake)") from None
            if isinstance(exc, OSError):  # ssl.SSLError among them
                raise APIConnectionError(f"connection error while {what}: {exc}") from exc
            raise
        return _Connection(sock)

    def checkin(self, origin: Origin, conn: _Connection) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if not self._closed and len(idle) < _MAX_IDLE and not conn.buf:
                conn.reused = True
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
        for hops in range(MAX_REDIRECTS + 1):
            response = self._attempt(method, url, headers, body, timeout, deadline)
            location = response.headers.get("Location")
            if response.status not in REDIRECT_STATUSES or location is None:
                return self._finish(
                    response, method, url, request, redirected=hops > 0, read_timeout=timeout.read
                )
            response.close_connection()
            try:
                target = urljoin(url, location)
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
        read_timeout: float | None,
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
        return SyncResponse(self, response, info, read_timeout)

    def _attempt(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: Timeout,
        deadline: float | None,
    ) -> _Pending:
        origin, target, host = _split(url)
        payload = _request_head(method, target, host, headers, body)
        if body:
            payload += body  # one send: no wait for a delayed ACK between head and body
        what = f"sending {method} {url.split('?', 1)[0]}"
        while True:
            conn = self._checkout(origin)
            if conn is None:
                conn = self._connect(origin, _bounded(timeout.connect, deadline, what), what)
            try:
                conn.sock.settimeout(_bounded(timeout.read, deadline, what))
                conn.sock.sendall(payload)
                version, status, lines = _parse_head(conn.read_head())
                while 100 <= status < 200:  # 100 Continue, 103 Early Hints: the answer follows
                    version, status, lines = _parse_head(conn.read_head())
                pending = _Pending(origin, conn, method, version, status, lines)
            except (_Closed, *_STALE) as exc:
                conn.close()
                if conn.reused:  # closed by the server while it sat in the pool: a new one
                    continue
                raise APIConnectionError(f"connection error while {what}: {exc}") from exc
            except TimeoutError:
                conn.close()
                raise APITimeoutError(f"{what} timed out") from None
            except (OSError, _Broken) as exc:
                conn.close()
                raise APIConnectionError(f"connection error while {what}: {exc}") from exc
            except BaseException:
                conn.close()
                raise
            return pending


class _Pending:
    """A response whose head has arrived, and the connection its body is to be read from."""

    __slots__ = (
        "conn",
        "headers",
        "left",
        "length",
        "method",
        "origin",
        "status",
        "will_close",
    )

    def __init__(
        self,
        origin: Origin,
        conn: _Connection,
        method: str,
        version: str,
        status: int,
        lines: list[tuple[str, str]],
    ) -> None:
        from multidict import CIMultiDict, CIMultiDictProxy  # aiohttp's; no aiohttp import

        self.origin, self.conn, self.method, self.status = origin, conn, method, status
        # read_some: bytes left of the body (Content-Length) or of the current chunk
        # (chunked; -1 before the first chunk's size line).
        self.left = -1
        headers: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict(lines))
        self.headers = headers
        tokens = headers.get("Connection", "").lower()
        self.will_close = "close" in tokens or (
            version == "HTTP/1.0" and "keep-alive" not in tokens
        )
        # How the body ends (RFC 9112 6.3): None = chunked, -1 = at the connection's end.
        self.length: int | None = 0
        if method == "HEAD" or status in (204, 304):
            return
        coding = headers.get("Transfer-Encoding")
        if coding is not None:
            if coding.rsplit(",", 1)[-1].strip().lower() != "chunked":
                self.length, self.will_close = -1, True
            else:
                self.length = None
            return
        declared = headers.getall("Content-Length", [])
        if not declared:
            self.length, self.will_close = -1, True
            return
        values = {value.strip() for field in declared for value in field.split(",")}
        only = values.pop() if len(values) == 1 else ""
        if not only.isdigit():
            raise _Broken(f"an invalid Content-Length: {', '.join(declared)[:80]!r}")
        self.length = int(only)

    def read_body(self) -> bytes:
        conn, length = self.conn, self.length
        if length is None:  # chunked: the framing read_some follows
            return b"".join(iter(self.read_some, b""))
        if length < 0:
            return conn.read_to_end()
        return conn.read_exact(length) if length else b""

    def read_some(self) -> bytes:
        """The next piece of the body as it arrives (a stream's); ``b""`` at its end."""
        conn, length = self.conn, self.length
        if length is None:  # chunked
            if self.left == 0 and conn.read_line():
                raise _Broken("a chunk is longer than its size says")
            if self.left <= 0:
                size_field = conn.read_line().split(b";", 1)[0].strip()
                if not _CHUNK_SIZE.fullmatch(size_field):
                    raise _Broken(f"a malformed chunk size {size_field[:40]!r}")
                self.left = int(size_field, 16)
                if self.left == 0:
                    while conn.read_line():  # trailer fields, up to the blank line
                        pass
                    self.length = 0  # the end: later calls return b""
                    return b""
            piece = conn.read_upto(self.left)
            self.left -= len(piece)
            return piece
        if length < 0:  # to the connection's end
            if conn.buf:
                piece, conn.buf = conn.buf, b""
                return piece
            return conn.sock.recv(65536)
        if self.left < 0:
            self.left = length
        if self.left == 0:
            return b""
        piece = conn.read_upto(self.left)
        self.left -= len(piece)
        return piece

    def close_connection(self) -> None:
        self.conn.close()


class SyncResponse:
    """A response of the sync transport whose body has not been read yet (the same
    surface as the aiohttp transport's ``RawResponse`` for what the send loop uses)."""

    __slots__ = ("__weakref__", "_decoder", "_pending", "_read_timeout", "_transport", "info")

    def __init__(
        self,
        transport: SyncTransport,
        pending: _Pending,
        info: ResponseInfo,
        read_timeout: float | None = None,
    ) -> None:
        self._transport = transport
        self._pending: _Pending | None = pending
        self.info = info
        self._read_timeout = read_timeout  # between reads of a stream's body
        self._decoder: _Inflater | None = None

    clock = staticmethod(time.monotonic)

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
        conn = pending.conn
        try:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                timeout = conn.sock.gettimeout()
                conn.sock.settimeout(left if timeout is None else min(timeout, left))
            body = pending.read_body()
        except TimeoutError:
            conn.close()
            if deadline is not None and time.monotonic() >= deadline:
                raise APITimeoutError(
                    "reading the response body ran past the total deadline"
                ) from None
            raise APITimeoutError("reading the response body timed out") from None
        except (OSError, _Broken) as exc:
            conn.close()
            raise APIConnectionError(
                f"the connection broke while reading the response body: {exc}"
            ) from exc
        except BaseException:
            conn.close()
            raise
        if pending.will_close:
            conn.close()
        else:
            self._transport.checkin(pending.origin, conn)
        return _decoded(body, self.info.headers.get("Content-Encoding"))

    async def read_chunk_by(self, deadline: float | None) -> bytes:
        """The next piece of a stream's body as it arrives, decoded; ``b""`` at its end
        (the connection goes back to the pool then). Past ``deadline`` (:meth:`clock`
        time), ``asyncio.TimeoutError``, as the aiohttp transport's; the read timeout
        applies to each read. Never suspends: the sync facade drives it without a loop."""
        while True:
            piece = self._read_piece(deadline)
            decoder = self._decoder
            if decoder is None:
                coding = self.info.headers.get("Content-Encoding")
                if coding is None or not piece:
                    return piece
                decoder = self._decoder = _Inflater(coding)
            if not piece:
                return decoder.flush()
            data = decoder.feed(piece)
            if data:  # else the piece held compressed headers only: read on
                return data

    def _read_piece(self, deadline: float | None) -> bytes:
        pending = self._pending
        if pending is None:
            return b""
        conn = pending.conn
        timeout = self._read_timeout
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise asyncio.TimeoutError
            timeout = left if timeout is None else min(timeout, left)
        try:
            conn.sock.settimeout(timeout)
            piece = pending.read_some()
        except TimeoutError:
            if deadline is None or time.monotonic() < deadline:
                self.close()
                raise APITimeoutError("reading the stream timed out") from None
            idle = True
        except (OSError, _Broken) as exc:
            self.close()
            raise APIConnectionError(
                f"the connection broke while reading the stream: {exc}"
            ) from exc
        else:
            idle = False
        if idle:  # raised here: on 3.11+ it is the TimeoutError caught above
            raise asyncio.TimeoutError
        if not piece:
            self._pending = None
            if pending.will_close:
                conn.close()
            else:
                self._transport.checkin(pending.origin, conn)
        return piece

    def release(self) -> None:
        self.close()

    def close(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.close_connection()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()
