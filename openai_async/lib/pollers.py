"""Pollers: wait for runs, vector store files and file batches, batches and files to end.

One loop, :func:`poll_until`, serves them all: fetch, stop at an end state, else sleep for
the server's ``openai-poll-after-ms`` or ``poll_interval``. Its ``timeout`` covers the whole
wait (creation and uploads included) and raises :class:`PollTimeoutError` naming what was
polled; cancelling the caller stops it at once (the work goes on on the server).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

import anyio

from .._exceptions import InvalidRequestError, PollTimeoutError
from .._resource import AsyncAPIResource
from .._types import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from .._client import AsyncClient
    from .._files import FileTypes
    from .._response import ResponseInfo
    from ..models.assistants import Run
    from ..models.shared import FileObject, VectorStoreFileAttributes
    from ..models.vector_stores import (
        ChunkingStrategyRequestParam,
        VectorStoreFile,
        VectorStoreFileBatch,
    )

__all__ = [
    "POLL_AFTER_HEADER",
    "AsyncFileBatchesHelpers",
    "AsyncFilesHelpers",
    "AsyncRunsHelpers",
    "AsyncVectorStoreFilesHelpers",
    "check_poll_interval",
    "poll_deadline",
    "poll_delay",
    "poll_file_batch",
    "poll_run",
    "poll_until",
    "poll_vector_store_file",
]

#: The server's wish for the next poll, in milliseconds.
POLL_AFTER_HEADER = "openai-poll-after-ms"
# A server hint is kept within these bounds (seconds): never a busy loop, never hours.
_MIN_POLL_AFTER = 0.01
_MAX_POLL_AFTER = 600.0
# Runs are polled while in these states; any other one (new ones included) ends the wait.
_RUN_PENDING = frozenset({"queued", "in_progress", "cancelling"})
_FILE_ENDED = frozenset({"processed", "error", "deleted"})

_log = logging.getLogger("openai_async")


class _Polled(Protocol):
    """What the poll loop reads of an object: its id, status and response headers."""

    @property
    def id(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def response_info(self) -> ResponseInfo | None: ...


_T = TypeVar("_T", bound=_Polled)


def check_poll_interval(poll_interval: float) -> None:
    """Refuse a ``poll_interval`` that is not a positive number of seconds."""
    if not poll_interval > 0 or poll_interval == math.inf:
        raise InvalidRequestError(
            f"poll_interval must be a positive number of seconds, not {poll_interval}"
        )


def poll_deadline(timeout: float | None) -> float:
    """``timeout`` as a delay for :func:`anyio.move_on_after` (``None``: no limit), checked."""
    if timeout is None:
        return math.inf
    if not timeout > 0:
        raise InvalidRequestError(f"timeout must be a positive number of seconds, not {timeout}")
    return timeout


def poll_delay(last: _Polled, poll_interval: float) -> float:
    """Seconds until the next poll: the ``openai-poll-after-ms`` header of the last response
    when it holds a usable number (kept within sane bounds), else ``poll_interval``."""
    info = last.response_info
    raw = info.headers.get(POLL_AFTER_HEADER) if info is not None else None
    try:
        millis = float(raw) if raw is not None else math.nan
    except ValueError:
        millis = math.nan
    if not 0 <= millis < math.inf:  # absent, not a number, negative or infinite
        return poll_interval
    return min(max(millis / 1000, _MIN_POLL_AFTER), _MAX_POLL_AFTER)


async def poll_until(
    start: Callable[[], Awaitable[_T]],
    refresh: Callable[[_T], Awaitable[_T]],
    ended: Callable[[_T], bool],
    *,
    describe: Callable[[_T], str],
    unseen: str,
    poll_interval: float,
    timeout: float | None,  # noqa: ASYNC109 - its error names what was polled
) -> _T:
    """Get the object with ``start``, then ``refresh`` it until ``ended``; the last state.

    ``describe`` names an object in logs and errors ("run run_1 in thread thread_1");
    ``unseen`` is the error's subject when no state came back in time at all.
    """
    check_poll_interval(poll_interval)
    last: _T | None = None
    with anyio.move_on_after(poll_deadline(timeout)):
        last = await start()
        _log.debug("polled %s: %s", describe(last), last.status)
        while not ended(last):
            await anyio.sleep(poll_delay(last, poll_interval))
            last = await refresh(last)
            _log.debug("polled %s: %s", describe(last), last.status)
        return last
    if last is None:
        raise PollTimeoutError(f"{unseen} within {timeout:g} s", None)
    raise PollTimeoutError(f"{describe(last)} still {last.status} after {timeout:g} s", last)


class _Kind(Generic[_T]):
    """How to poll one kind of object: fetch it again, tell that it ended, name it."""

    def __init__(
        self,
        refresh: Callable[[AsyncClient, _T], Awaitable[_T]],
        ended: Callable[[_T], bool],
        describe: Callable[[_T], str],
    ) -> None:
        self.refresh, self.ended, self.describe = refresh, ended, describe

    async def poll(
        self,
        client: AsyncClient,
        start: Callable[[], Awaitable[_T]],
        unseen: str,
        poll_interval: float,
        timeout: float | None,  # noqa: ASYNC109 - its error names what was polled
    ) -> _T:
        return await poll_until(
            start,
            lambda last: self.refresh(client, last),
            self.ended,
            describe=self.describe,
            unseen=unseen,
            poll_interval=poll_interval,
            timeout=timeout,
        )


_RUNS: _Kind[Run] = _Kind(
    lambda client, run: client.beta.threads.runs.retrieve(run.id, thread_id=run.thread_id),
    lambda run: run.status not in _RUN_PENDING,
    lambda run: f"run {run.id} in thread {run.thread_id}",
)
_VECTOR_STORE_FILES: _Kind[VectorStoreFile] = _Kind(
    lambda client, file: client.vector_stores.files.retrieve(
        file.id, vector_store_id=file.vector_store_id
    ),
    lambda file: file.status != "in_progress",
    lambda file: f"file {file.id} in vector store {file.vector_store_id}",
)
_FILE_BATCHES: _Kind[VectorStoreFileBatch] = _Kind(
    lambda client, batch: client.vector_stores.file_batches.retrieve(
        batch.id, vector_store_id=batch.vector_store_id
    ),
    lambda batch: batch.status != "in_progress",
    lambda batch: f"file batch {batch.id} in vector store {batch.vector_store_id}",
)


# -- runs ---------------------------------------------------------------------------------


async def poll_run(
    resource: AsyncAPIResource,
    start: Callable[[], Awaitable[Run]],
    *,
    poll_interval: float = 1.0,
    timeout: float | None = None,  # noqa: ASYNC109 - its error names the run
) -> Run:
    """Start a run with ``start`` and poll it until it ends or requires action."""
    return await _RUNS.poll(
        resource._client, start, "the run was not created", poll_interval, timeout
    )


class AsyncRunsHelpers(AsyncAPIResource):
    """``runs.poll``."""

    async def poll(
        self,
        run_id: str,
        thread_id: str,
        *,
        poll_interval: float = 1.0,
        timeout: float | None = None,  # noqa: ASYNC109 - its error names the run
    ) -> Run:
        """Poll a run until it ends or requires action (``thread_id`` may come by position,
        as in the official SDK).

        Polls at the server's ``openai-poll-after-ms`` when it sends one, else every
        ``poll_interval`` seconds; past ``timeout`` seconds raises :class:`PollTimeoutError`
        holding the last state seen.
        """
        runs = self._client.beta.threads.runs
        return await _RUNS.poll(
            self._client,
            lambda: runs.retrieve(run_id, thread_id=thread_id),
            f"run {run_id} in thread {thread_id} was not retrieved",
            poll_interval,
            timeout,
        )


# -- files --------------------------------------------------------------------------------


class AsyncFilesHelpers(AsyncAPIResource):
    """``files.wait_for_processing``."""

    async def wait_for_processing(
        self,
        id: str,  # the official SDK's name
        *,
        poll_interval: float = 5.0,
        timeout: float | None = None,  # noqa: ASYNC109 - its error names the file
    ) -> FileObject:
        """Poll a file until it is ``processed``, ``error`` or ``deleted``.

        The file ``status`` is deprecated but still sent. Polls at the server's
        ``openai-poll-after-ms`` when it sends one, else every ``poll_interval`` seconds;
        past ``timeout`` seconds raises :class:`PollTimeoutError` holding the last state seen.
        """
        files = self._client.files
        return await poll_until(
            lambda: files.retrieve(id),
            lambda file: files.retrieve(file.id),
            lambda file: file.status in _FILE_ENDED,
            describe=lambda file: f"file {file.id}",
            unseen=f"file {id} was not retrieved",
            poll_interval=poll_interval,
            timeout=timeout,
        )


async def _upload(client: AsyncClient, file: FileTypes) -> str:
    """Upload one file for the Assistants API (vector stores); its id."""
    return (await client.files.create(file=file, purpose="assistants")).id


async def _upload_all(
    client: AsyncClient, files: Sequence[FileTypes], max_concurrency: int
) -> list[str]:
    """Upload ``files`` with at most ``max_concurrency`` in flight; their ids, in order.

    The first failure cancels the other uploads and is raised as it is (never inside an
    exception group). Files uploaded before it stay.
    """
    ids = [""] * len(files)
    queue = iter(enumerate(files))
    failures: list[Exception] = []

    async def worker() -> None:
        try:
            for index, file in queue:
                ids[index] = await _upload(client, file)
        except Exception as error:
            failures.append(error)
            group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        for _ in range(min(max_concurrency, len(files))):
            group.start_soon(worker)
    if failures:
        raise failures[0]
    return ids


# -- vector store files -------------------------------------------------------------------


async def poll_vector_store_file(
    resource: AsyncAPIResource,
    start: Callable[[], Awaitable[VectorStoreFile]],
    *,
    poll_interval: float = 1.0,
    timeout: float | None = None,  # noqa: ASYNC109 - its error names the file
) -> VectorStoreFile:
    """Attach a file with ``start`` and poll it until it is no longer ``in_progress``."""
    return await _VECTOR_STORE_FILES.poll(
        resource._client,
        start,
        "the file was not attached to the vector store",
        poll_interval,
        timeout,
    )


class AsyncVectorStoreFilesHelpers(AsyncAPIResource):
    """``vector_stores.files.poll`` / ``upload_and_poll``."""

    async def poll(
        self,
        file_id: str,
        *,
        vector_store_id: str,
        poll_interval: float = 1.0,
        timeout: float | None = None,  # noqa: ASYNC109 - its error names the file
    ) -> VectorStoreFile:
        """Poll a vector store file until it is no longer ``in_progress``;
        ``poll_interval`` and ``timeout`` as in :meth:`create_and_poll`.
        """
        files = self._client.vector_stores.files
        return await _VECTOR_STORE_FILES.poll(
            self._client,
            lambda: files.retrieve(file_id, vector_store_id=vector_store_id),
            f"file {file_id} in vector store {vector_store_id} was not retrieved",
            poll_interval,
            timeout,
        )

    async def upload_and_poll(
        self,
        *,
        vector_store_id: str,
        file: FileTypes,
        attributes: VectorStoreFileAttributes | None | NotGiven = NOT_GIVEN,
        chunking_strategy: ChunkingStrategyRequestParam | NotGiven = NOT_GIVEN,
        poll_interval: float = 1.0,
        timeout: float | None = None,  # noqa: ASYNC109 - its error names the file
    ) -> VectorStoreFile:
        """Upload a file (purpose ``assistants``), attach it to the vector store and poll
        until it is processed; ``timeout`` covers the upload too.
        """
        client = self._client

        async def start() -> VectorStoreFile:
            return await client.vector_stores.files.create(
                vector_store_id,
                file_id=await _upload(client, file),
                attributes=attributes,
                chunking_strategy=chunking_strategy,
            )

        return await _VECTOR_STORE_FILES.poll(
            client,
            start,
            f"the file was not uploaded and attached to vector store {vector_store_id}",
            poll_interval,
            timeout,
        )


# -- vector store file batches ------------------------------------------------------------


async def poll_file_batch(
    resource: AsyncAPIResource,
    start: Callable[[], Awaitable[VectorStoreFileBatch]],
    *,
    poll_interval: float = 1.0,
    timeout: float | None = None,  # noqa: ASYNC109 - its error names the batch
) -> VectorStoreFileBatch:
    """Create a file batch with ``start`` and poll it until it is no longer ``in_progress``."""
    return await _FILE_BATCHES.poll(
        resource._client, start, "the file batch was not created", poll_interval, timeout
    )


class AsyncFileBatchesHelpers(AsyncAPIResource):
    """``vector_stores.file_batches.poll`` / ``upload_and_poll``."""

    async def poll(
        self,
        batch_id: str,
        *,
        vector_store_id: str,
        poll_interval: float = 1.0,
        timeout: float | None = None,  # noqa: ASYNC109 - its error names the batch
    ) -> VectorStoreFileBatch:
        """Poll a file batch until it is no longer ``in_progress``; ``poll_interval`` and
        ``timeout`` as in :meth:`create_and_poll`.
        """
        batches = self._client.vector_stores.file_batches
        return await _FILE_BATCHES.poll(
            self._client,
            lambda: batches.retrieve(batch_id, vector_store_id=vector_store_id),
            f"file batch {batch_id} in vector store {vector_store_id} was not retrieved",
            poll_interval,
            timeout,
        )

    async def upload_and_poll(
        self,
        vector_store_id: str,
        *,
        files: Sequence[FileTypes],
        file_ids: Sequence[str] = (),
        max_concurrency: int = 5,
        attributes: VectorStoreFileAttributes | None | NotGiven = NOT_GIVEN,
        chunking_strategy: ChunkingStrategyRequestParam | NotGiven = NOT_GIVEN,
        poll_interval: float = 1.0,
        timeout: float | None = None,  # noqa: ASYNC109 - its error names the batch
    ) -> VectorStoreFileBatch:
        """Upload ``files`` (purpose ``assistants``, at most ``max_concurrency`` at a time),
        create one file batch of them and of ``file_ids``, and poll it until it is processed.

        The first failed upload cancels the others and is raised (files already uploaded
        stay); ``timeout`` covers the uploads too.
        """
        if isinstance(files, (str, bytes)) or isinstance(file_ids, str):
            raise InvalidRequestError("files and file_ids must be lists, not a single one")
        if not files and not file_ids:
            raise InvalidRequestError("upload_and_poll needs at least one file or file id")
        if not max_concurrency >= 1:
            raise InvalidRequestError(f"max_concurrency must be at least 1, not {max_concurrency}")
        client = self._client

        async def start() -> VectorStoreFileBatch:
            uploaded = await _upload_all(client, files, max_concurrency)
            return await client.vector_stores.file_batches.create(
                vector_store_id,
                file_ids=[*file_ids, *uploaded],
                attributes=attributes,
                chunking_strategy=chunking_strategy,
            )

        return await _FILE_BATCHES.poll(
            client,
            start,
            f"the files were not uploaded and batched into vector store {vector_store_id}",
            poll_interval,
            timeout,
        )
