"""The only module that imports aiohttp: sessions, sending, reading, error mapping.

One :class:`Transport` owns (or borrows) one ``aiohttp.ClientSession``. A session it
creates belongs to the running loop it was created in and is closed by
:meth:`Transport.aclose`, or, if the client is dropped without closing, by the loop
itself: an async generator registered with the loop closes it when the generator is
garbage-collected or when ``asyncio.run`` shuts async generators down. So neither
"Unclosed client session" nor "Event loop is closed" can appear.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from functools import lru_cache

import aiohttp
from yarl import URL

from ._compat import deadline_scope
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    InvalidRequestError,
)
from ._options import Timeout
from ._request import PreparedRequest
from ._response import ResponseInfo

__all__ = ["RawResponse", "Transport"]

log = logging.getLogger("openai_async")


@lru_cache(maxsize=64)
def _client_timeout(connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
    # total stays None: aiohttp's total would also cut long streams; our deadline does it.
    return aiohttp.ClientTimeout(total=None, connect=None, sock_connect=connect, sock_read=read)


@contextlib.contextmanager
def _mapped_errors(what: str) -> Iterator[None]:
    """Map aiohttp / socket / timeout failures to the SDK's own exceptions."""
    try:
        yield
    except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise APITimeoutError(f"{what} timed out") from exc
    except aiohttp.ClientPayloadError as exc:
        raise APIConnectionError(f"the connection broke while {what}: {exc}") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise APIConnectionError(f"connection error while {what}: {exc}") from exc


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
        with _mapped_errors("reading the response body"):
            try:
                return await self._resp.read()
            finally:
                self._resp.release()

    async def read_chunk(self) -> bytes:
        """The next piece of the body as it arrives; ``b""`` at the end."""
        with _mapped_errors("reading the stream"):
            return await self._resp.content.readany()

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


# Sessions created by a Transport and not yet closed. Holding them here keeps them out
# of the garbage when a dropped client sits in a reference cycle: the collector would
# otherwise run the session's and connector's ``__del__`` ("Unclosed ...") in the same
# pass as the keeper's finalizer, before the keeper had a chance to close them.
_open_sessions: set[aiohttp.ClientSession] = set()


async def _session_keeper(
    session: aiohttp.ClientSession, responses: weakref.WeakSet[RawResponse]
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
                response.close()
            if not session.closed:
                await session.close()
        finally:
            _open_sessions.discard(session)


class Transport:
    """Sends prepared requests over one aiohttp session."""

    def __init__(
        self, session: aiohttp.ClientSession | None = None, *, connection_limit: int = 100
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._connection_limit = connection_limit
        self._loop: asyncio.AbstractEventLoop | None = None
        self._keeper: AsyncGenerator[None, None] | None = None
        self._closed = False
        self._responses: weakref.WeakSet[RawResponse] = weakref.WeakSet()

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
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._connection_limit),
            timeout=_client_timeout(None, None),
            auto_decompress=True,
        )
        keeper = _session_keeper(session, self._responses)
        await keeper.asend(None)
        self._session, self._loop, self._keeper = session, loop, keeper
        return session

    async def send(
        self, request: PreparedRequest, *, timeout: Timeout, deadline: float | None
    ) -> RawResponse:
        """Send one attempt and return once the response headers have arrived."""
        session = await self._get_session()
        if log.isEnabledFor(logging.DEBUG):
            log.debug("request %r", request)
        with _mapped_errors(f"sending {request.method} {request.url.split('?', 1)[0]}"):
            try:
                async with deadline_scope(deadline):
                    resp = await session.request(
                        request.method,
                        URL(request.url, encoded=True),
                        data=request.body,
                        headers=request.headers,
                        timeout=_client_timeout(timeout.connect, timeout.read),
                    )
            except aiohttp.ClientError:
                raise
            except ValueError as exc:  # a header or URL aiohttp refuses to send
                raise InvalidRequestError(f"the request cannot be sent: {exc}") from None
        info = ResponseInfo(
            status_code=resp.status,
            headers=resp.headers,
            method=request.method,
            url=request.url.split("?", 1)[0],
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

    async def aclose(self) -> None:
        """Close the session if this transport created it; the transport is unusable after."""
        self._closed = True
        for response in list(self._responses):  # streams left open (a borrowed session too)
            response.close()
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            await keeper.aclose()
        elif self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()
