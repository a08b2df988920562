"""Hand-written parts of ``client.batches``: ``run``, ``resume`` and ``wait`` (a mixin of the
generated resource class), a Batch API job from requests to ordered, typed results.

The request files come from :func:`~.batch_jobs.write_batch_files` (written in a worker
thread), go up through the Files API or, past ``upload_limit``, the Uploads API in
parts; the result files come back as a stream of bytes into a
:class:`~.batch_jobs.ResultMerger`, never whole in memory.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

import anyio
import anyio.to_thread
import orjson

from .._exceptions import (
    APIResponseValidationError,
    BatchJobError,
    BatchTimeoutError,
    InvalidRequestError,
)
from .._resource import AsyncAPIResource
from .._types import NOT_GIVEN
from .batch_jobs import (
    MAX_BATCH_BYTES,
    MAX_BATCH_REQUESTS,
    BatchEndpoint,
    BatchRequest,
    BatchResults,
    BatchShard,
    ResultMerger,
    result_type,
    write_batch_files,
)
from .pollers import check_poll_interval, poll_deadline, poll_delay, poll_until

if TYPE_CHECKING:
    from .._client import AsyncClient
    from ..models import ChatCompletion, Completion, CreateEmbeddingResponse, Response
    from ..models.batch import Batch

__all__ = ["FILES_API_LIMIT", "UPLOAD_PART_SIZE", "AsyncBatchesHelpers", "BatchProgress"]

#: Largest file the Files API takes in one request; larger ones go through the Uploads API.
FILES_API_LIMIT = 512 * 1024 * 1024
#: Largest part of an upload.
UPLOAD_PART_SIZE = 64 * 1024 * 1024
#: Called with every batch's latest state, in the job's order, as ``run`` / ``resume`` go.
BatchProgress = Callable[[list["Batch"]], object]
_TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
_JSONL = "application/jsonl"


class AsyncBatchesHelpers(AsyncAPIResource):
    """``run`` / ``resume``: a whole Batch API job, awaited to its ordered results;
    ``wait``: one batch, awaited to its end."""

    @overload
    async def run(
        self,
        requests: Iterable[BatchRequest | Mapping[str, Any]],
        *,
        endpoint: Literal["/v1/embeddings"],
        completion_window: Literal["24h"] = "24h",
        metadata: Mapping[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - its error names the batches
        poll_interval: float = 5.0,
        max_requests: int = MAX_BATCH_REQUESTS,
        max_bytes: int = MAX_BATCH_BYTES,
        upload_limit: int = FILES_API_LIMIT,
        part_size: int = UPLOAD_PART_SIZE,
        directory: str | os.PathLike[str] | None = None,
        progress: BatchProgress | None = None,
    ) -> BatchResults[CreateEmbeddingResponse]: ...

    @overload
    async def run(
        self,
        requests: Iterable[BatchRequest | Mapping[str, Any]],
        *,
        endpoint: Literal["/v1/chat/completions"],
        completion_window: Literal["24h"] = "24h",
        metadata: Mapping[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - its error names the batches
        poll_interval: float = 5.0,
        max_requests: int = MAX_BATCH_REQUESTS,
        max_bytes: int = MAX_BATCH_BYTES,
        upload_limit: int = FILES_API_LIMIT,
        part_size: int = UPLOAD_PART_SIZE,
        directory: str | os.PathLike[str] | None = None,
        progress: BatchProgress | None = None,
    ) -> BatchResults[ChatCompletion]: ...

    @overload
    async def run(
        self,
        requests: Iterable[BatchRequest | Mapping[str, Any]],
        *,
        endpoint: Literal["/v1/completions"],
        completion_window: Literal["24h"] = "24h",
        metadata: Mapping[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - its error names the batches
        poll_interval: float = 5.0,
        max_requests: int = MAX_BATCH_REQUESTS,
        max_bytes: int = MAX_BATCH_BYTES,
        upload_limit: int = FILES_API_LIMIT,
        part_size: int = UPLOAD_PART_SIZE,
        directory: str | os.PathLike[str] | None = None,
        progress: BatchProgress | None = None,
    ) -> BatchResults[Completion]: ...

    @overload
    async def run(
        self,
        requests: Iterable[BatchRequest | Mapping[str, Any]],
        *,
        endpoint: Literal["/v1/responses"],
        completion_window: Literal["24h"] = "24h",
        metadata: Mapping[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - its error names the batches
        poll_interval: float = 5.0,
        max_requests: int = MAX_BATCH_REQUESTS,
        max_bytes: int = MAX_BATCH_BYTES,
        upload_limit: int = FILES_API_LIMIT,
        part_size: int = UPLOAD_PART_SIZE,
        directory: str | os.PathLike[str] | None = None,
        progress: BatchProgress | None = None,
    ) -> BatchResults[Response]: ...

    async def run(
        self,
        requests: Iterable[BatchRequest | Mapping[str, Any]],
        *,
        endpoint: BatchEndpoint,
        completion_window: Literal["24h"] = "24h",
        metadata: Mapping[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - its error names the batches
        poll_interval: float = 5.0,
        max_requests: int = MAX_BATCH_REQUESTS,
        max_bytes: int = MAX_BATCH_BYTES,
        upload_limit: int = FILES_API_LIMIT,
        part_size: int = UPLOAD_PART_SIZE,
        directory: str | os.PathLike[str] | None = None,
        progress: BatchProgress | None = None,
    ) -> BatchResults[Any]:
        """Run ``requests`` (bodies, or :class:`BatchRequest` with a ``custom_id``) as Batch
        API jobs, split at the per-batch limits, and return every result in input order.

        The server's ``openai-poll-after-ms`` header, when sent, overrides ``poll_interval``
        (seconds). When ``timeout`` (seconds, all of it) runs out, :class:`BatchTimeoutError`
        names the batches, which keep running: pass them to :meth:`resume`. Results are
        ``BatchResults`` whose responses are the endpoint's model (``ChatCompletion``, ...).
        ``progress`` is called with every batch's latest state (a list of ``Batch``) after
        each batch is created and after each polling round.
        """
        if part_size <= 0 or upload_limit <= 0:
            raise InvalidRequestError("part_size and upload_limit must be positive")
        job = _Job(self._client, [], poll_interval, progress)
        with anyio.move_on_after(poll_deadline(timeout)):
            shards = write_batch_files(
                requests,
                endpoint=endpoint,
                directory=directory,
                max_requests=max_requests,
                max_bytes=max_bytes,
            )
            custom_ids: list[str] = []
            try:
                while (shard := await anyio.to_thread.run_sync(next, shards, None)) is not None:
                    try:
                        file_id = await job.upload(shard, upload_limit, part_size)
                    finally:
                        shard.remove()
                    batch = await self._client.batches.create(
                        input_file_id=file_id,
                        endpoint=endpoint,
                        completion_window=completion_window,
                        metadata=dict(metadata) if metadata is not None else NOT_GIVEN,
                    )
                    job.created(batch)
                    custom_ids.extend(shard.custom_ids)
            except InvalidRequestError:
                # A later request cannot be sent: stop the batches already started for it.
                for batch_id in job.batch_ids:
                    await self._client.batches.cancel(batch_id)
                raise
            finally:
                shards.close()  # removes a file left half-written
            if not job.batch_ids:
                raise InvalidRequestError("no requests: a batch job needs at least one")
            return await job.results(endpoint, custom_ids)
        raise BatchTimeoutError(
            f"the batch job did not finish within {timeout} s; "
            "client.batches.resume(batch_ids) picks it up again",
            job.batch_ids,
        )

    async def resume(
        self,
        batch_id: str | Sequence[str],
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - its error names the batches
        poll_interval: float = 5.0,
        progress: BatchProgress | None = None,
    ) -> BatchResults[Any]:
        """Reattach to batches started by :meth:`run` (or by hand) and return their results
        as :meth:`run` would, ordered as the batches' input files (batches in the order given);
        ``progress`` as for :meth:`run`.
        """
        ids = [batch_id] if isinstance(batch_id, str) else list(batch_id)
        if not ids or not all(isinstance(i, str) and i for i in ids):
            raise InvalidRequestError("batch_id must be a batch id or a non-empty list of them")
        job = _Job(self._client, ids, poll_interval, progress)
        with anyio.move_on_after(poll_deadline(timeout)):
            return await job.results(None, None)
        raise BatchTimeoutError(f"the batches did not finish within {timeout} s", ids)

    async def wait(
        self,
        batch_id: str,
        *,
        poll_interval: float = 5.0,
        timeout: float | None = None,  # noqa: ASYNC109 - its error names the batch
    ) -> Batch:
        """Poll a batch until it is completed, failed, expired or cancelled; the batch.

        Polls at the server's ``openai-poll-after-ms`` when it sends one, else every
        ``poll_interval`` seconds; past ``timeout`` seconds raises :class:`PollTimeoutError`
        holding the last state seen (the batch keeps running).
        """
        return await _wait_batch(self._client, batch_id, poll_interval, timeout)


async def _wait_batch(
    client: AsyncClient,
    batch_id: str,
    poll_interval: float,
    timeout: float | None,  # noqa: ASYNC109 - its error names the batch
) -> Batch:
    """Poll a batch until it is completed, failed, expired or cancelled."""
    return await poll_until(
        lambda: client.batches.retrieve(batch_id),
        lambda batch: client.batches.retrieve(batch.id),
        lambda batch: batch.status in _TERMINAL,
        describe=lambda batch: f"batch {batch.id}",
        unseen=f"batch {batch_id} was not retrieved",
        poll_interval=poll_interval,
        timeout=timeout,
    )


async def _lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Whole lines out of a stream of bytes."""
    partial = b""
    async for chunk in chunks:
        lines = (partial + chunk).split(b"\n")
        partial = lines.pop()
        for line in lines:
            yield line
    if partial:
        yield partial


class _Job:
    """The batches of one job: uploading, waiting, and merging their results."""

    def __init__(
        self,
        client: AsyncClient,
        batch_ids: list[str],
        poll_interval: float,
        progress: BatchProgress | None,
    ) -> None:
        check_poll_interval(poll_interval)
        self.client = client
        self.batch_ids = batch_ids
        self.poll_interval = poll_interval
        self._progress = progress
        self._latest: dict[str, Batch] = {}

    def created(self, batch: Batch) -> None:
        self.batch_ids.append(batch.id)
        self._report(batch)

    def _report(self, *batches: Batch) -> None:
        """Remember the batches' states and hand every batch's latest one to ``progress``."""
        self._latest.update((batch.id, batch) for batch in batches)
        if self._progress is not None:
            self._progress([self._latest[i] for i in self.batch_ids if i in self._latest])

    async def upload(self, shard: BatchShard, upload_limit: int, part_size: int) -> str:
        """Upload a batch file; the Uploads API in parts past ``upload_limit`` bytes."""
        name = shard.path.name
        if shard.size <= upload_limit:
            created = await self.client.files.create(
                file=(name, shard.path, _JSONL), purpose="batch"
            )
            return created.id
        upload = await self.client.uploads.create(
            filename=name, purpose="batch", bytes=shard.size, mime_type=_JSONL
        )
        part_ids: list[str] = []
        async with await anyio.open_file(shard.path, "rb") as file:
            while chunk := await file.read(part_size):
                part = await self.client.uploads.parts.create(upload.id, data=(name, chunk))
                part_ids.append(part.id)
        done = await self.client.uploads.complete(upload.id, part_ids=part_ids)
        if done.file is None:
            raise APIResponseValidationError(
                f"the completed upload {upload.id} holds no file", raw=repr(done.to_dict())
            )
        return done.file.id

    async def wait(self) -> list[Batch]:
        """Poll until every batch has ended; the batches in order. The next round comes
        when the soonest of the running batches asks for it."""
        ended: dict[str, Batch] = {}
        while True:
            delays: list[float] = []
            polled: list[Batch] = []
            for batch_id in self.batch_ids:
                if batch_id in ended:
                    continue
                batch = await self.client.batches.retrieve(batch_id)
                polled.append(batch)
                if batch.status in _TERMINAL:
                    ended[batch_id] = batch
                else:
                    delays.append(poll_delay(batch, self.poll_interval))
            self._report(*polled)
            if not delays:
                return [ended[batch_id] for batch_id in self.batch_ids]
            await anyio.sleep(min(delays))

    async def results(
        self, endpoint: str | None, custom_ids: list[str] | None
    ) -> BatchResults[Any]:
        """Wait for the batches, then stream their result files into one ordered result."""
        batches = await self.wait()
        for batch in batches:
            if batch.status == "failed":
                errors = [e.message for e in (batch.errors.data or [])] if batch.errors else []
                raise BatchJobError(
                    f"batch {batch.id} failed: {'; '.join(filter(None, errors)) or 'no reason given'}",
                    self.batch_ids,
                )
        if endpoint is None:
            endpoints = {batch.endpoint for batch in batches}
            endpoint = endpoints.pop()
            if endpoints:
                raise InvalidRequestError(
                    f"cannot merge the results of batches for {sorted({*endpoints, endpoint})}"
                )
        try:
            cast_to = result_type(endpoint)
        except KeyError:
            raise InvalidRequestError(f"results of {endpoint} batches are not supported") from None
        if custom_ids is None:
            custom_ids = [i for batch in batches for i in await self._custom_ids(batch)]
        merger = ResultMerger(custom_ids, cast_to)
        for batch in batches:
            for file_id in (batch.output_file_id, batch.error_file_id):
                if file_id is not None:
                    content = await self.client.files.content(file_id)
                    async for chunk in content.iter_bytes():
                        merger.feed(chunk)
                    merger.end_of_file()
        return merger.finish()

    async def _custom_ids(self, batch: Batch) -> list[str]:
        """The ``custom_id`` of each line of a batch's input file, in order."""
        content = await self.client.files.content(batch.input_file_id)
        ids: list[str] = []
        async for line in _lines(content.iter_bytes()):
            if not line.strip():
                continue
            try:
                custom_id = orjson.loads(line).get("custom_id")
            except (orjson.JSONDecodeError, AttributeError):
                custom_id = None
            if not isinstance(custom_id, str):
                raise APIResponseValidationError(
                    f"a line of {batch.input_file_id} (batch {batch.id}) has no custom_id",
                    raw=line[:200].decode("utf-8", "replace"),
                )
            ids.append(custom_id)
        return ids
