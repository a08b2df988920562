"""BinaryResponse: a non-JSON response body (audio, file content, video), read as it arrives."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING

from ._exceptions import InvalidRequestError
from ._response import ResponseInfo

if TYPE_CHECKING:
    from ._transport import RawResponse

__all__ = ["BinaryResponse"]


class BinaryResponse:
    """The body of a response that is not JSON: ``async for chunk in resp.iter_bytes()``,
    ``await resp.read()`` or ``await resp.write_to(path)``.

    The body is read once, as it arrives; only :meth:`read` holds all of it in memory.
    The connection is released at the end of the body, or by :meth:`aclose` / ``async with``.
    """

    def __init__(self, response: RawResponse) -> None:
        self._response = response
        self._consumed = False

    @property
    def response_info(self) -> ResponseInfo:
        """Status, headers, request id and rate limits of the response."""
        return self._response.info

    @property
    def content_type(self) -> str | None:
        return self._response.info.headers.get("Content-Type")

    async def _next_chunk(self) -> bytes:
        """The next piece of the body; ``b""`` at its end (the connection is released)."""
        chunk = await self._response.read_chunk()
        if not chunk:
            self._response.release()
        return chunk

    def _start(self) -> None:
        if self._consumed:
            raise InvalidRequestError("the response body was read already; it is read only once")
        self._consumed = True

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body in pieces as they arrive."""
        self._start()
        try:
            while chunk := await self._next_chunk():
                yield chunk
        finally:
            await self.aclose()

    async def read(self) -> bytes:
        """The whole body."""
        return b"".join([chunk async for chunk in self.iter_bytes()])

    async def write_to(self, path: str | os.PathLike[str]) -> int:
        """Write the body to ``path`` as it arrives; returns the number of bytes written.

        The body goes to ``<path>.part`` first and replaces ``path`` only once complete, so
        a broken download never leaves a truncated file under the final name.
        """
        import anyio  # file writes run in a worker thread, off the event loop

        target = os.fspath(path)
        partial = target + ".part"
        written = 0
        try:
            async with await anyio.open_file(partial, "wb") as file:
                async for chunk in self.iter_bytes():
                    await file.write(chunk)
                    written += len(chunk)
            os.replace(partial, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise
        return written

    async def aclose(self) -> None:
        """Release the connection (closing it if the body was not read to the end)."""
        self._consumed = True
        self._response.release()

    async def __aenter__(self) -> BinaryResponse:
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

    def __repr__(self) -> str:
        return f"<BinaryResponse {self.response_info.status_code} {self.content_type!r}>"
