"""BinaryResponse: a non-JSON response body (audio, file content, video), read as it arrives."""

from __future__ import annotations

import codecs
import contextlib
import os
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, AnyStr, Generic, Protocol, TypeVar

from ._exceptions import APIResponseValidationError, AwaitRequiredError, InvalidRequestError
from ._response import ResponseInfo

if TYPE_CHECKING:
    from ._transport import RawResponse

__all__ = [
    "AsyncChunks",
    "BinaryResponse",
    "LineSplitter",
    "Rechunker",
    "Step",
    "TextDecoder",
    "charset_of",
    "run_steps",
]

_T = TypeVar("_T")


# -- pure pieces (no I/O), shared by BinaryResponse and the sync facade -------------------


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header, as sent; ``None`` without one."""
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


class Rechunker(Generic[AnyStr]):
    """Regroups pieces into chunks of exactly ``size`` (bytes or characters); the last
    one, from :meth:`finish`, may be shorter. ``size=None`` passes pieces through."""

    __slots__ = ("_pending", "_size")

    def __init__(self, size: int | None) -> None:
        if size is not None and size < 1:
            raise InvalidRequestError(f"chunk_size must be a positive integer, not {size!r}")
        self._size = size
        self._pending: list[AnyStr] = []

    def feed(self, piece: AnyStr) -> list[AnyStr]:
        if self._size is None:
            return [piece] if piece else []
        if not piece:
            return []
        self._pending.append(piece)
        if sum(map(len, self._pending)) < self._size:
            return []
        data = piece[:0].join(self._pending)
        cut = len(data) - len(data) % self._size
        self._pending = [data[cut:]] if cut < len(data) else []
        return [data[i : i + self._size] for i in range(0, cut, self._size)]

    def finish(self) -> list[AnyStr]:
        rest, self._pending = self._pending, []
        return [rest[0][:0].join(rest)] if rest else []


class TextDecoder:
    """Incremental decoding: a character split across pieces is decoded once whole.

    An unknown or missing charset decodes as UTF-8; undecodable bytes become U+FFFD.
    """

    __slots__ = ("_decoder",)

    def __init__(self, encoding: str) -> None:
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")

    def feed(self, data: bytes) -> list[str]:
        text = self._decoder.decode(data)
        return [text] if text else []

    def finish(self) -> list[str]:
        text = self._decoder.decode(b"", final=True)
        return [text] if text else []


class LineSplitter:
    """Splits text into lines at ``\\n``, ``\\r\\n`` or ``\\r``, without the line ends; a
    ``\\r\\n`` split across two pieces is one line end. The last line may lack one."""

    __slots__ = ("_pending", "_skip_lf")

    def __init__(self) -> None:
        self._pending = ""
        self._skip_lf = False

    def feed(self, text: str) -> list[str]:
        if text and self._skip_lf:  # the "\n" of a "\r\n" split across two pieces
            self._skip_lf = False
            text = text.removeprefix("\n")
        if not text:
            return []
        parts = (self._pending + text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self._pending = parts.pop()
        self._skip_lf = text.endswith("\r")
        return parts

    def finish(self) -> list[str]:
        rest, self._pending, self._skip_lf = self._pending, "", False
        return [rest] if rest else []


class Step(Protocol):
    """One incremental stage of a body pipeline: ``feed`` pieces, then ``finish``."""

    def feed(self, piece: Any, /) -> list[Any]: ...

    def finish(self) -> list[Any]: ...


def run_steps(steps: Sequence[Step], pieces: list[Any], *, final: bool = False) -> list[Any]:
    """``pieces`` through each of ``steps`` in turn; ``final`` also flushes each step."""
    for step in steps:
        pieces = [out for piece in pieces for out in step.feed(piece)]
        if final:
            pieces += step.finish()
    return pieces


# -- the async response ---------------------------------------------------------------------


async def _identity(value: _T) -> _T:
    return value


class AsyncChunks(Generic[_T]):
    """An async iterator that may also be awaited first: ``async for x in resp.aiter_text()``,
    and the official SDK's form ``async for x in await resp.aiter_text()``, both work."""

    __slots__ = ("_iterator",)

    def __init__(self, iterator: AsyncIterator[_T]) -> None:
        self._iterator = iterator

    def __aiter__(self) -> AsyncIterator[_T]:
        return self._iterator

    def __await__(self) -> Generator[Any, None, AsyncIterator[_T]]:
        return _identity(self._iterator).__await__()


class BinaryResponse:
    """The body of a response that is not JSON, read as it arrives.

    Stream it (``async for chunk in resp.iter_bytes()``, ``iter_text()``, ``iter_lines()``,
    ``await resp.write_to(path)``), or ``await resp.aread()`` to hold it in memory, after
    which ``content``, ``text`` and ``json()`` are available and every method reads from
    memory. Streamed without ``aread()``, the body can be read once only. The connection
    is released at the end of the body, or by :meth:`aclose` / ``async with``.
    """

    def __init__(self, response: RawResponse) -> None:
        self._response = response
        self._consumed = False
        self._content: bytes | None = None

    @property
    def response_info(self) -> ResponseInfo:
        """Status, headers, request id and rate limits of the response."""
        return self._response.info

    @property
    def response(self) -> ResponseInfo:
        """Same as :attr:`response_info` (``status_code``, ``headers``): the official SDK's name."""
        return self._response.info

    @property
    def content_type(self) -> str | None:
        return self._response.info.headers.get("Content-Type")

    @property
    def charset_encoding(self) -> str | None:
        """The charset named by the Content-Type header, if any."""
        return charset_of(self.content_type)

    @property
    def encoding(self) -> str:
        """The charset that ``text`` and ``iter_text`` decode with (UTF-8 by default)."""
        charset = self.charset_encoding
        if charset is not None:
            with contextlib.suppress(LookupError):
                codecs.lookup(charset)
                return charset
        return "utf-8"

    # -- the body held in memory (after aread) --

    @property
    def content(self) -> bytes:
        """The whole body, once :meth:`aread` (or :meth:`read`) has read it."""
        if self._content is None:
            if self._consumed:
                raise self._consumed_error()
            raise AwaitRequiredError(
                "the body of this BinaryResponse is not read yet: `await resp.aread()` first"
                " (an async response cannot wait in a property), or stream it with"
                " `async for chunk in resp.iter_bytes()`"
            )
        return self._content

    @property
    def text(self) -> str:
        """:attr:`content` decoded with :attr:`encoding`."""
        return self.content.decode(self.encoding, errors="replace")

    def json(self, **kwargs: Any) -> Any:
        """:attr:`content` decoded as JSON (``kwargs`` go to ``json.loads``)."""
        content = self.content
        try:
            if kwargs:
                import json

                return json.loads(content, **kwargs)
            import orjson

            return orjson.loads(content)
        except ValueError as exc:  # orjson.JSONDecodeError and json's are ValueErrors
            raise APIResponseValidationError(
                f"the response body is not JSON: {exc}",
                raw=content.decode("utf-8", errors="replace"),
                response_info=self.response_info,
            ) from None

    async def aread(self) -> bytes:
        """Read the whole body into memory (once) and return it."""
        if self._content is None:
            self._content = b"".join([chunk async for chunk in self._stream(())])
        return self._content

    async def read(self) -> bytes:
        """The whole body (same as :meth:`aread`)."""
        return await self.aread()

    # -- streaming --

    def _consumed_error(self) -> InvalidRequestError:
        return InvalidRequestError(
            "the response body was read already; it is read only once"
            " (`await resp.aread()` keeps it in memory for content, text and json())"
        )

    async def _stream(self, steps: Sequence[Step]) -> AsyncGenerator[Any, None]:
        """The body through ``steps``: from memory once read, else from the network as it
        arrives (once only; the connection is released at its end or on leaving early)."""
        if self._content is not None:
            for out in run_steps(steps, [self._content], final=True):
                yield out
            return
        if self._consumed:
            raise self._consumed_error()
        self._consumed = True
        try:
            while chunk := await self._response.read_chunk():
                for out in run_steps(steps, [chunk]):
                    yield out
            for out in run_steps(steps, [], final=True):
                yield out
        finally:
            self._response.release()

    def iter_bytes(self, chunk_size: int | None = None) -> AsyncGenerator[bytes, None]:
        """The body as it arrives; with ``chunk_size``, in chunks of exactly that many
        bytes (the last one may be shorter). Leaving the loop early closes the connection."""
        return self._stream([Rechunker[bytes](chunk_size)])

    def iter_text(self, chunk_size: int | None = None) -> AsyncGenerator[str, None]:
        """The body decoded with :attr:`encoding` as it arrives (``chunk_size`` in characters)."""
        return self._stream([TextDecoder(self.encoding), Rechunker[str](chunk_size)])

    def iter_lines(self) -> AsyncGenerator[str, None]:
        """The decoded body line by line (split at ``\\n``, ``\\r\\n``, ``\\r``; no line ends)."""
        return self._stream([TextDecoder(self.encoding), LineSplitter()])

    def aiter_bytes(self, chunk_size: int | None = None) -> AsyncChunks[bytes]:
        """:meth:`iter_bytes`; may be awaited first, as in the official SDK."""
        return AsyncChunks(self.iter_bytes(chunk_size))

    def aiter_text(self, chunk_size: int | None = None) -> AsyncChunks[str]:
        """:meth:`iter_text`; may be awaited first, as in the official SDK."""
        return AsyncChunks(self.iter_text(chunk_size))

    def aiter_lines(self) -> AsyncChunks[str]:
        """:meth:`iter_lines`; may be awaited first, as in the official SDK."""
        return AsyncChunks(self.iter_lines())

    # -- files --

    async def write_to(self, path: str | os.PathLike[str], *, chunk_size: int | None = None) -> int:
        """Write the body to ``path`` as it arrives; returns the number of bytes written.

        The body goes to ``<path>.part`` first and replaces ``path`` only once complete, so
        a broken download never leaves a truncated file under the final name.
        """
        import anyio  # file writes run in a worker thread, off the event loop

        target = os.fspath(path)
        partial = target + ".part"
        written = 0
        try:
            chunks = self.iter_bytes(chunk_size)
            async with contextlib.aclosing(chunks), await anyio.open_file(partial, "wb") as file:
                async for chunk in chunks:
                    await file.write(chunk)
                    written += len(chunk)
            os.replace(partial, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise
        return written

    async def write_to_file(self, file: str | os.PathLike[str]) -> None:
        """:meth:`write_to` under the official SDK's name (awaited here: it reads the body)."""
        await self.write_to(file)

    async def stream_to_file(
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None:
        """:meth:`write_to` under the official SDK's name."""
        await self.write_to(file, chunk_size=chunk_size)

    async def astream_to_file(
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None:
        """:meth:`write_to` under the official SDK's name."""
        await self.write_to(file, chunk_size=chunk_size)

    # -- lifecycle --

    def close(self) -> None:
        """Release the connection (closing it if the body was not read to the end)."""
        self._consumed = True
        self._response.release()

    async def aclose(self) -> None:
        """Same as :meth:`close`."""
        self.close()

    async def __aenter__(self) -> BinaryResponse:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        response = getattr(self, "_response", None)
        if response is not None and not response.closed:
            response.close()

    def __repr__(self) -> str:
        return f"<BinaryResponse {self.response_info.status_code} {self.content_type!r}>"
