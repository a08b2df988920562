"""The engine behind ``embeddings.create_many`` and ``iter_many``: many inputs, one process.

Inputs are read lazily from any iterable or async iterable, packed into requests of at
most ``batch_size`` inputs and :data:`MAX_REQUEST_TOKENS` tokens, and sent under an
:class:`~._limiter.AdaptiveLimiter`. At most ``window`` inputs are held at a time (read
but not yet handed back), so a corpus larger than memory streams through. Vectors travel
as little-endian float32 bytes from the response to the caller: Python floats are built
only when lists are asked for.

Requests go out with ``max_retries=0``: the job owns retries so that every 429 reaches
its limiter (one request's 429 slows all of them down) and a 429 does not use up a
batch's retries. Other failures are retried with the client's own ``retry_delay``
policy and ``max_retries``; a batch the server refuses as a bad request is split in
halves until the inputs it cannot take are found, so only those fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import sys
import time
from abc import abstractmethod
from array import array
from collections import deque
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Iterator, Sized
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union

import attrs

from .._exceptions import (
    APIError,
    APIResponseValidationError,
    APIStatusError,
    EmbeddingJobError,
    InvalidRequestError,
)
from .._options import DEFAULT_RETRY_POLICY, RetryPolicy
from ._checkpoint import Checkpoint, Record, input_digest
from ._limiter import AdaptiveLimiter, Limiter, send_paced

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from .._response import RateLimitInfo, ResponseInfo

__all__ = [
    "CONTEXT_TOKENS",
    "DEFAULT_CONTEXT_TOKENS",
    "DEFAULT_WINDOW",
    "MAX_BATCH_INPUTS",
    "MAX_REQUEST_TOKENS",
    "AsyncResultIterator",
    "EmbeddingInputs",
    "EmbeddingIterator",
    "EmbeddingJob",
    "JobProgress",
    "JobSettings",
    "ProgressCallback",
    "TokenCounter",
    "VectorBlock",
    "collect_lists",
    "collect_matrix",
    "import_numpy",
]

log = logging.getLogger("openai_async")

_T = TypeVar("_T")

#: The API's limits per embeddings request.
MAX_BATCH_INPUTS = 2048
MAX_REQUEST_TOKENS = 300_000
#: Inputs held at once by default (read from the source and not yet handed back).
DEFAULT_WINDOW = 16_384
#: Tokens one input may have, per model; models not listed get the OpenAI value.
CONTEXT_TOKENS = {
    "text-embedding-3-small": 8191,
    "text-embedding-3-large": 8191,
    "text-embedding-ada-002": 8191,
}
DEFAULT_CONTEXT_TOKENS = 8191
# Statuses after which no other input can succeed either: the job stops.
_FATAL_STATUSES = frozenset({401, 403, 404})
# Statuses that blame the inputs: the batch is split to find the ones refused.
_INPUT_STATUSES = frozenset({400, 413, 422})

EmbeddingInput = Union[str, list[int]]
#: What ``create_many`` and ``iter_many`` take: strings or token lists, sync or async.
EmbeddingInputs = Union[
    Iterable[str], Iterable[list[int]], AsyncIterable[str], AsyncIterable[list[int]]
]
#: Sends one request for the inputs; returns the vectors as float32 bytes, their dimension
#: and the response's info.
SendBatch = Callable[[list[Any]], Awaitable[tuple[bytes, int, "ResponseInfo"]]]


@attrs.frozen(slots=True)
class VectorBlock:
    """Vectors of the inputs ``start`` to ``start + count - 1``, as little-endian float32."""

    start: int
    count: int
    dims: int
    data: bytes

    def rows(self) -> Iterator[list[float]]:
        """Each vector as a list of floats."""
        floats = array("f")
        floats.frombytes(self.data)
        if sys.byteorder == "big":  # pragma: no cover - the wire format is little-endian
            floats.byteswap()
        dims = self.dims
        for k in range(self.count):
            yield floats[k * dims : (k + 1) * dims].tolist()

    def matrix(self) -> NDArray[np.float32]:
        """The block as a ``(count, dims)`` float32 numpy array (a view of the bytes)."""
        matrix: NDArray[np.float32] = import_numpy().frombuffer(self.data, dtype="<f4")
        return matrix.reshape(self.count, self.dims)


def import_numpy() -> Any:
    """numpy, imported on first use (it is optional: ``pip install openai_async[numpy]``)."""
    try:
        import numpy
    except ImportError:
        raise InvalidRequestError(
            "as_numpy=True needs numpy: pip install 'openai_async[numpy]'"
        ) from None
    return numpy


# -- tokens ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _tiktoken_encoding(model: str) -> Any:
    """The model's tiktoken encoding, or ``None`` (tiktoken missing, or it could not load
    its encoding files: they are downloaded on first use and may be out of reach)."""
    try:
        import tiktoken
    except ImportError:
        return None
    try:
        try:
            return tiktoken.encoding_for_model(model)
        except KeyError:
            return tiktoken.get_encoding("cl100k_base")
    except Exception as exc:
        log.warning("tiktoken could not load an encoding (%s); token counts are estimated", exc)
        return None


class TokenCounter:
    """Counts and cuts an input's tokens: exactly with tiktoken, else a conservative estimate.

    The estimate is one token per three UTF-8 bytes, above what English or code need
    (about four characters a token), so packing stays under the API's limits.
    """

    def __init__(self, model: str) -> None:
        self._encoding = _tiktoken_encoding(model)

    @property
    def exact(self) -> bool:
        return self._encoding is not None

    def count(self, text: str) -> int:
        if self._encoding is not None:
            return len(self._encoding.encode(text, disallowed_special=()))
        return -(-len(text.encode()) // 3)

    def truncate(self, text: str, limit: int) -> str:
        """The longest start of ``text`` with at most ``limit`` tokens."""
        if self._encoding is not None:
            tokens = self._encoding.encode(text, disallowed_special=())
            return str(self._encoding.decode(tokens[:limit]))
        return text.encode()[: limit * 3].decode(errors="ignore")


# -- progress ----------------------------------------------------------------------------


@attrs.frozen(slots=True)
class JobProgress:
    """Where a job stands, as handed to a progress callback after each finished batch."""

    done: int
    """Inputs finished: embedded, read back from the checkpoint, or failed."""
    total: int | None
    """Inputs in all, when the input has a length."""
    failed: int
    requests: int
    """Requests sent, retries included."""
    rate_limited: int
    """429 responses received."""
    waits: int
    """Requests held back to stay under the rate limits (or by a 429's pause)."""
    waited: float
    """Seconds those requests waited, added up."""
    concurrency: int
    """Requests allowed in flight now."""
    elapsed: float

    @property
    def throughput(self) -> float:
        """Inputs per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


#: Called with a :class:`JobProgress` after each finished batch.
ProgressCallback = Callable[[JobProgress], object]


class _Bar:
    """A tqdm bar showing throughput, concurrency and rate-limit waits."""

    def __init__(self, total: int | None) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, unit="input", desc="embeddings", dynamic_ncols=True)

    def __call__(self, state: JobProgress, step: int) -> None:
        self._bar.set_postfix(
            concurrency=state.concurrency,
            waits=state.waits,
            waited=f"{state.waited:.1f}s",
            rate_limited=state.rate_limited,
            failed=state.failed,
            refresh=False,
        )
        self._bar.update(step)

    def close(self) -> None:
        self._bar.close()


def _progress_sink(
    progress: bool | ProgressCallback | None, total: int | None
) -> Callable[[JobProgress, int], None] | None:
    """What to do with each update: a tqdm bar, the user's callback, or nothing.

    ``None`` means a bar when tqdm is installed and stderr is a terminal.
    """
    if progress is None:
        if not sys.stderr.isatty():
            return None
        with contextlib.suppress(ImportError):
            return _Bar(total)
        return None
    if progress is True:
        try:
            return _Bar(total)
        except ImportError:
            raise InvalidRequestError(
                "progress=True needs tqdm: pip install 'openai_async[progress]', or pass a callback"
            ) from None
    if progress is False:
        return None
    if not callable(progress):
        raise InvalidRequestError("progress must be True, False, None or a callable")
    callback = progress

    def call(state: JobProgress, step: int) -> None:
        callback(state)

    return call


# -- the job -----------------------------------------------------------------------------

_END: Any = object()


@attrs.define(slots=True)
class _Batch:
    start: int
    items: list[EmbeddingInput]  # as given (checkpoint digests are of these)
    values: list[EmbeddingInput]  # as sent (truncated when asked)
    tokens: list[int]

    def split(self) -> tuple[_Batch, _Batch]:
        half = len(self.items) // 2
        return (
            _Batch(self.start, self.items[:half], self.values[:half], self.tokens[:half]),
            _Batch(self.start + half, self.items[half:], self.values[half:], self.tokens[half:]),
        )


@attrs.frozen(slots=True)
class JobSettings:
    """How an embedding job packs, paces and keeps its work."""

    model: str
    params: dict[str, Any]  # the request's parameters that shape the vectors
    batch_size: int = MAX_BATCH_INPUTS
    window: int | None = None
    max_input_tokens: int | None = DEFAULT_CONTEXT_TOKENS
    truncate: bool = False
    concurrency: int = 8
    max_concurrency: int = 64
    checkpoint: str | os.PathLike[str] | None = None
    progress: bool | ProgressCallback | None = None
    retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY
    max_retries: int = 2
    limiter: Limiter | None = None
    """Pace by this limiter (shared with other jobs) instead of one of the job's own."""


def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequestError(f"{name} must be an int >= 1, not {value!r}")
    return value


class EmbeddingJob:
    """One run over a stream of inputs, handing back finished :class:`VectorBlock` s.

    Pull-driven: ``next_block`` reads inputs and starts requests while the window has
    room, then waits for the first one to finish. Requests run as tasks of their own;
    ``aclose`` (or any error or cancellation in ``next_block``) cancels and awaits them.
    """

    def __init__(self, source: EmbeddingInputs, send: SendBatch, settings: JobSettings) -> None:
        if isinstance(source, (str, bytes, bytearray)):
            raise InvalidRequestError(
                "input must be an iterable of strings (or of token lists), not a single "
                "string: for one text use embeddings.create, or pass [text]"
            )
        self._iter: Iterator[Any] | None = None
        self._aiter: Any = None
        if isinstance(source, AsyncIterable):
            self._aiter = source.__aiter__()
        elif isinstance(source, Iterable):
            self._iter = iter(source)
        else:
            raise InvalidRequestError(
                f"input must be an iterable or async iterable, not {type(source).__name__}"
            )
        self.total = len(source) if isinstance(source, Sized) else None
        self._send = send
        self._s = settings
        self._batch_size = min(_positive("batch_size", settings.batch_size), MAX_BATCH_INPUTS)
        window = DEFAULT_WINDOW if settings.window is None else _positive("window", settings.window)
        self._batch_size = min(self._batch_size, window)
        self._window = window
        concurrency = _positive("concurrency", settings.concurrency)
        max_concurrency = max(concurrency, _positive("max_concurrency", settings.max_concurrency))
        self._loop = asyncio.get_running_loop()
        self.limiter: Limiter = (
            AdaptiveLimiter(concurrency, max_concurrency, clock=self._loop.time)
            if settings.limiter is None
            else settings.limiter
        )
        self._counter = TokenCounter(settings.model)
        self._checkpoint = (
            Checkpoint(settings.checkpoint, {"version": 1, **settings.params})
            if settings.checkpoint is not None
            else None
        )
        try:
            self._progress = _progress_sink(settings.progress, self.total)
        except BaseException:
            if self._checkpoint is not None:
                self._checkpoint.close()
            raise
        self._next_index = 0
        self._peeked: tuple[EmbeddingInput, EmbeddingInput, int] | Any = None
        self._source_done = False
        self._held = 0  # inputs read and not yet handed back
        self._tasks: set[asyncio.Task[None]] = set()
        self._ready: deque[VectorBlock] = deque()
        self._errors: list[tuple[range, Exception]] = []
        self._fatal = False
        self._closed = False
        self.dims: int | None = None
        self._started = time.monotonic()
        self._done = 0
        self._failed = 0
        self._requests = 0

    # -- reading and packing --

    async def _pull(self) -> Any:
        if self._iter is not None:
            return next(self._iter, _END)
        try:
            return await self._aiter.__anext__()
        except StopAsyncIteration:
            return _END

    def _prepare(self, index: int, item: Any) -> tuple[EmbeddingInput, EmbeddingInput, int]:
        """(the input as given, as it will be sent, its tokens), or a clear error."""
        if isinstance(item, str):
            if not item:
                raise InvalidRequestError(f"input {index} is an empty string: the API refuses it")
            tokens = self._counter.count(item)
        elif (
            isinstance(item, (list, tuple))
            and item
            and all(isinstance(t, int) and not isinstance(t, bool) for t in item)
        ):
            item = list(item)
            tokens = len(item)
        else:
            raise InvalidRequestError(
                f"input {index} is {type(item).__name__} {item!r:.60}: expected a non-empty "
                "string or a non-empty list of token ids"
            )
        value: EmbeddingInput = item
        limit = self._s.max_input_tokens
        if limit is not None and tokens > limit:
            if not self._s.truncate:
                how = "" if self._counter.exact or isinstance(item, list) else " (estimated)"
                raise InvalidRequestError(
                    f"input {index} has {tokens} tokens{how}, more than the {limit} that "
                    f"{self._s.model} takes: shorten it, or pass truncate=True"
                )
            value = item[:limit] if isinstance(item, list) else self._counter.truncate(item, limit)
            tokens = len(value) if isinstance(value, list) else self._counter.count(value)
        return item, value, tokens

    async def _next_prepared(self) -> tuple[EmbeddingInput, EmbeddingInput, int] | Any:
        if self._peeked is not None:
            found, self._peeked = self._peeked, None
            return found
        if self._source_done:
            return _END
        item = await self._pull()
        if item is _END:
            self._source_done = True
            return _END
        return self._prepare(self._next_index, item)

    async def _next_batch(self) -> _Batch | Any:
        """Read the next batch of inputs (``None`` at the end); a range the checkpoint
        holds is handed back from it at once."""
        start = self._next_index
        cp = self._checkpoint
        record = cp.records.get(start) if cp is not None else None
        if record is not None:
            await self._restore(record)
            return _NO_BATCH
        limit = self._batch_size
        if cp is not None:
            following = cp.next_start(start)
            if following is not None:
                limit = min(limit, following - start)
        items: list[EmbeddingInput] = []
        values: list[EmbeddingInput] = []
        tokens: list[int] = []
        total = 0
        while len(items) < limit:
            found = await self._next_prepared()
            if found is _END:
                break
            item, value, count = found
            if items and (
                isinstance(value, str) != isinstance(values[0], str)
                or total + count > MAX_REQUEST_TOKENS
            ):
                self._peeked = found  # starts the next request
                break
            items.append(item)
            values.append(value)
            tokens.append(count)
            total += count
            self._next_index += 1
        if not items:
            return None
        self._held += len(items)
        return _Batch(start, items, values, tokens)

    async def _restore(self, record: Record) -> None:
        """Read the inputs a checkpoint record covers, check them, and hand its block back."""
        assert self._checkpoint is not None
        items: list[EmbeddingInput] = []
        while len(items) < record.count:
            item = self._peeked[0] if self._peeked is not None else await self._pull()
            self._peeked = None
            if item is _END:
                self._source_done = True
                break
            items.append(item)
        if len(items) != record.count or input_digest(items) != record.digest:
            raise InvalidRequestError(
                f"inputs {record.start} to {record.start + record.count - 1} differ from the "
                f"ones in the checkpoint {self._checkpoint.path}: it belongs to another "
                "input; pass another path, or delete it to start over"
            )
        self._next_index += record.count
        self._held += record.count
        self._accept(
            VectorBlock(record.start, record.count, record.dims, self._checkpoint.read(record))
        )

    # -- sending --

    async def _run(self, batch: _Batch) -> None:
        """Send one batch until it succeeds or fails for good (split on a bad request)."""

        async def send() -> tuple[tuple[bytes, int, ResponseInfo], RateLimitInfo | None]:
            self._requests += 1
            sent = await self._send(batch.values)
            return sent, sent[2].rate_limit

        try:
            data, dims, info = await send_paced(
                self.limiter,
                sum(batch.tokens),
                send,
                policy=self._s.retry_policy,
                max_retries=self._s.max_retries,
            )
        except APIError as exc:
            status = exc.status_code if isinstance(exc, APIStatusError) else None
            if status in _INPUT_STATUSES and len(batch.items) > 1:
                for half in batch.split():
                    await self._run(half)
                return
            if status in _FATAL_STATUSES or exc.code == "insufficient_quota":
                self._fatal = True
            self._fail(batch, exc)
            return
        if self.dims is None:
            self.dims = dims
        elif dims != self.dims:
            error = APIResponseValidationError(
                f"vectors of {dims} dimensions, after {self.dims} before",
                raw="",
                response_info=info,
            )
            self._fail(batch, error)
            return
        if self._checkpoint is not None:
            self._checkpoint.append(
                batch.start, len(batch.items), dims, input_digest(batch.items), data
            )
        self._accept(VectorBlock(batch.start, len(batch.items), dims, data))

    def _accept(self, block: VectorBlock) -> None:
        if self.dims is None:
            self.dims = block.dims
        self._ready.append(block)
        self._report(block.count)

    def _fail(self, batch: _Batch, error: Exception) -> None:
        self._errors.append((range(batch.start, batch.start + len(batch.items)), error))
        self._held -= len(batch.items)
        self._failed += len(batch.items)
        self._report(len(batch.items))

    def _report(self, step: int) -> None:
        self._done += step
        if self._progress is not None:
            self._progress(self.progress(), step)

    def progress(self) -> JobProgress:
        """The job's state now."""
        limiter = self.limiter
        return JobProgress(
            done=self._done,
            total=self.total,
            failed=self._failed,
            requests=self._requests,
            rate_limited=limiter.rate_limited,
            waits=limiter.waits,
            waited=limiter.waited,
            concurrency=limiter.concurrency,
            elapsed=time.monotonic() - self._started,
        )

    # -- handing back --

    async def _fill(self) -> None:
        """Start requests while the source has inputs and the window has room for a batch."""
        while not self._fatal and self._held + self._batch_size <= self._window:
            batch = await self._next_batch()
            if batch is None:
                return
            if batch is _NO_BATCH:
                continue
            task = self._loop.create_task(self._run(batch))
            self._tasks.add(task)

    async def next_block(self) -> VectorBlock | None:
        """The next finished block, in finishing order; ``None`` when the job is done.

        Raises :class:`EmbeddingJobError` at the end when inputs failed, at once when the
        job had to stop. Any error or cancellation here cancels the job's requests first.
        """
        try:
            while True:
                if self._ready:
                    block = self._ready.popleft()
                    self._held -= block.count
                    return block
                if self._closed:
                    return None
                if not self._fatal:
                    await self._fill()
                if self._ready:
                    continue
                if not self._tasks:
                    await self.aclose()
                    if self._errors:
                        raise EmbeddingJobError(list(self._errors), stopped=self._fatal)
                    return None
                done, _ = await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    self._tasks.discard(task)
                    task.result()  # a bug or an input error: raise it (after the clean-up)
                if self._fatal:
                    await self._cancel_tasks()
        except BaseException:
            await self.aclose()
            raise

    async def _cancel_tasks(self) -> None:
        tasks, self._tasks = self._tasks, set()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    async def aclose(self) -> None:
        """Cancel and await running requests; close the checkpoint and the progress bar."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._cancel_tasks()
        finally:
            self._close_files()
            aclose = getattr(self._aiter, "aclose", None)
            if aclose is not None and not self._source_done:
                with contextlib.suppress(Exception):
                    await aclose()

    def close_now(self) -> None:
        """Cancel running requests without waiting (synchronous; for finalizers)."""
        if self._closed:
            return
        self._closed = True
        tasks, self._tasks = list(self._tasks), set()
        if tasks and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(_cancel_all, tasks)
        self._close_files()

    def _close_files(self) -> None:
        if self._checkpoint is not None:
            self._checkpoint.close()
        close = getattr(self._progress, "close", None)
        if close is not None:
            close()


_NO_BATCH: Any = object()  # _next_batch handed a checkpointed block back instead


def _cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()


# -- what callers get --------------------------------------------------------------------


class AsyncResultIterator(Generic[_T]):
    """An ``async for`` over a job's results. The job's requests run while you iterate;
    leaving early with ``async with`` / ``aclose()`` (or dropping it) cancels them."""

    @abstractmethod
    async def __anext__(self) -> _T: ...

    @abstractmethod
    async def aclose(self) -> None: ...

    @abstractmethod
    def close_now(self) -> None:
        """Cancel the job without waiting (synchronous; for finalizers)."""

    def __aiter__(self) -> AsyncResultIterator[_T]:
        return self

    async def __aenter__(self: _Self) -> _Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


_Self = TypeVar("_Self", bound=AsyncResultIterator[Any])


class EmbeddingIterator(AsyncResultIterator[tuple[int, _T]]):
    """``(index, vector)`` pairs in finishing order; vectors are float lists, or float32
    numpy rows with ``as_numpy=True``."""

    def __init__(self, make_job: Callable[[], EmbeddingJob], *, as_numpy: bool = False) -> None:
        self._make_job = make_job
        self._job: EmbeddingJob | None = None
        self._as_numpy = as_numpy
        if as_numpy:
            import_numpy()
        self._rows: Iterator[Any] = iter(())
        self._index = 0

    @property
    def job(self) -> EmbeddingJob:
        """The running job (started by the first ``__anext__``)."""
        if self._job is None:
            self._job = self._make_job()
        return self._job

    async def __anext__(self) -> tuple[int, _T]:
        while True:
            row = next(self._rows, _END)
            if row is not _END:
                self._index += 1
                return self._index - 1, row
            block = await self.job.next_block()
            if block is None:
                raise StopAsyncIteration
            self._index = block.start
            self._rows = iter(block.matrix()) if self._as_numpy else block.rows()

    async def aclose(self) -> None:
        if self._job is not None:
            await self._job.aclose()

    def close_now(self) -> None:
        if self._job is not None:
            self._job.close_now()

    def __del__(self) -> None:
        job = getattr(self, "_job", None)
        if job is not None:
            job.close_now()


async def collect_lists(job: EmbeddingJob) -> list[list[float]]:
    """Every vector of the job, in input order, as float lists."""
    out: list[list[float] | None] = []
    try:
        while (block := await job.next_block()) is not None:
            end = block.start + block.count
            if len(out) < end:
                out.extend([None] * (end - len(out)))
            out[block.start : end] = block.rows()
    except EmbeddingJobError as exc:
        exc.results = {i: v for i, v in enumerate(out) if v is not None}
        raise
    return out  # type: ignore[return-value]  # every slot is filled when nothing failed


async def collect_matrix(job: EmbeddingJob, dimensions: int | None) -> NDArray[np.float32]:
    """Every vector of the job, in input order, as one ``(n, dims)`` float32 matrix."""
    numpy = import_numpy()
    blocks: list[VectorBlock] = []
    try:
        while (block := await job.next_block()) is not None:
            blocks.append(block)
    except EmbeddingJobError as exc:
        exc.results = {
            block.start + k: row for block in blocks for k, row in enumerate(block.matrix())
        }
        raise
    n = max((b.start + b.count for b in blocks), default=0)
    matrix: NDArray[np.float32] = numpy.empty((n, job.dims or dimensions or 0), dtype="<f4")
    blocks.sort(key=lambda b: b.start, reverse=True)
    while blocks:  # copy block by block, freeing each as it goes: peak stays near one matrix
        block = blocks.pop()
        matrix[block.start : block.start + block.count] = block.matrix()
    return matrix
