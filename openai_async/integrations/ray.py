"""Embedding and chat jobs on Ray Data: :func:`embed_dataset` and :func:`complete_dataset`.

Both return a lazy Ray ``Dataset`` whose rows gain an output column and an error column.
They run as ``map_batches`` over a pool of actors, each keeping one ``AsyncClient`` for
all its batches. Every actor paces its requests by one :class:`SharedLimiter`, a small
Ray actor fed by every response's ``x-ratelimit-*`` headers and 429s, so the actors
together stay near the API key's limits instead of each of them at start-up. An input
that fails for good gets the SDK's error in the error column (``"BadRequestError: ..."``)
and a null output; the job goes on. ``mode="batch"`` sends each Ray batch as a Batch API
job instead: half the price, answers within 24 hours.

Needs ``pip install 'openai_async[ray]'``.
"""

from __future__ import annotations

import time
import uuid
from array import array
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, cast

import anyio
import attrs

from .._client import AsyncClient
from .._exceptions import EmbeddingJobError, InvalidRequestError, OpenAIError
from .._types import NOT_GIVEN
from ..lib._limiter import LeasedLimiter, LimiterStats, Owner, Ticket, send_paced
from ..lib.embedding_jobs import TokenCounter

try:
    import pyarrow as pa
    import ray
    import ray.data
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError(
        "openai_async.integrations.ray needs Ray Data: pip install 'openai_async[ray]'"
    ) from exc

if TYPE_CHECKING:
    from .._response import RateLimitInfo
    from ..models import ChatCompletion

__all__ = ["LimiterStats", "SharedLimiter", "complete_dataset", "embed_dataset"]

#: Makes the client of each actor, in the actor (a class or a ``functools.partial``).
ClientFactory = Callable[[], AsyncClient]
Mode = Literal["online", "batch"]


class _LimiterActor:
    """The Ray actor behind :class:`SharedLimiter`: a ``LeasedLimiter`` on its event loop."""

    def __init__(self, concurrency: int, max_concurrency: int) -> None:
        self._limiter = LeasedLimiter(concurrency, max_concurrency, clock=time.monotonic)

    async def acquire(self, owner: Owner, tokens: int) -> tuple[Ticket, int]:
        ticket = await self._limiter.acquire(owner, tokens)
        return ticket, self._limiter.stats().concurrency

    async def release(
        self, owner: Owner, ticket: Ticket, rate_limit: RateLimitInfo | None, ok: bool
    ) -> None:
        self._limiter.release(owner, ticket, rate_limit, ok)

    async def rate_limited_for(
        self, owner: Owner, ticket: Ticket, rate_limit: RateLimitInfo | None, delay: float
    ) -> None:
        self._limiter.rate_limited_for(owner, ticket, rate_limit, delay)

    async def end_call(self, owner: Owner) -> int:
        return self._limiter.end_call(owner)

    async def new_life(self, worker: str, life: str) -> int:
        return self._limiter.new_life(worker, life)

    async def stats(self) -> LimiterStats:
        return self._limiter.stats()


class SharedLimiter:
    """One rate budget for every actor of one or more jobs: pass the same limiter to the
    calls that use the same API key.

    ``concurrency`` requests may be in flight in the whole cluster at first; the limit
    then follows the rate-limit headers (up to ``max_concurrency``) and halves on a 429.
    """

    def __init__(self, *, concurrency: int = 8, max_concurrency: int = 64) -> None:
        for name, value in (("concurrency", concurrency), ("max_concurrency", max_concurrency)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidRequestError(f"{name} must be an int >= 1, not {value!r}")
        actor = ray.remote(_LimiterActor).options(num_cpus=0, max_concurrency=10_000)
        self._actor: Any = actor.remote(concurrency, max(concurrency, max_concurrency))

    def stats(self) -> LimiterStats:
        """Counts over the whole cluster: requests, 429s, requests in flight..."""
        return cast(LimiterStats, ray.get(self._actor.stats.remote()))


class _RemoteLimiter:
    """One call's view of a :class:`SharedLimiter` (what ``send_paced`` and the embedding
    engine need). Reports go out without waiting; Ray runs them in the order sent."""

    def __init__(self, actor: Any, owner: Owner) -> None:
        self._actor = actor
        self._owner = owner
        self._concurrency = 1
        # The cluster's counts are in SharedLimiter.stats(); these are this call's.
        self.waits = 0
        self.waited = 0.0
        self.rate_limited = 0

    @property
    def concurrency(self) -> int:
        return self._concurrency

    async def acquire(self, tokens: int) -> Ticket:
        ticket, self._concurrency = await self._actor.acquire.remote(self._owner, tokens)
        return cast(Ticket, ticket)

    def release(self, ticket: Ticket, rate_limit: RateLimitInfo | None, *, ok: bool) -> None:
        self._actor.release.remote(self._owner, ticket, rate_limit, ok)

    def rate_limited_for(
        self, ticket: Ticket, rate_limit: RateLimitInfo | None, delay: float
    ) -> None:
        self.rate_limited += 1
        self._actor.rate_limited_for.remote(self._owner, ticket, rate_limit, delay)


@attrs.frozen
class _Job:
    """What every actor of one call needs (pickled into each)."""

    client_factory: ClientFactory
    limiter: SharedLimiter
    model: str
    column: str
    output_column: str
    error_column: str
    params: dict[str, Any]
    mode: Mode
    poll_interval: float
    inputs_per_request: int = 1
    truncate: bool = False
    messages: bool = False  # complete_dataset: the column holds message lists, not prompts
    system_prompt: str | None = None


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _with_column(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    index = table.schema.get_field_index(name)
    if index >= 0:
        return table.set_column(index, name, values)
    return table.append_column(name, values)


class _Worker:
    """A ``map_batches`` actor: one client for all its batches, created on its event loop."""

    def __init__(self, job: _Job) -> None:
        self._job = job
        self._client: AsyncClient | None = None
        self._worker = ray.get_runtime_context().get_actor_id() or uuid.uuid4().hex
        self._life = uuid.uuid4().hex
        # A restarted actor keeps its id: free what its previous life held at the limiter.
        ray.get(job.limiter._actor.new_life.remote(self._worker, self._life))

    @property
    def client(self) -> AsyncClient:
        if self._client is None:
            self._client = self._job.client_factory()
        return self._client

    async def __call__(self, batch: pa.Table) -> pa.Table:
        job = self._job
        if batch.schema.get_field_index(job.column) < 0:
            raise InvalidRequestError(
                f"the dataset has no column {job.column!r} (its columns: {batch.column_names})"
            )
        values = batch.column(job.column).to_pylist()
        owner = (self._worker, self._life, uuid.uuid4().hex)
        limiter = _RemoteLimiter(job.limiter._actor, owner)
        try:
            outputs, errors = await self._answer(values, limiter)
        finally:  # after an error or a cancellation too: free what this call still holds
            job.limiter._actor.end_call.remote(owner)
        batch = _with_column(batch, job.output_column, outputs)
        return _with_column(batch, job.error_column, pa.array(errors, pa.string()))

    async def _answer(
        self, values: list[Any], limiter: _RemoteLimiter
    ) -> tuple[pa.Array, list[str | None]]:
        raise NotImplementedError


class _Embedder(_Worker):
    async def _answer(
        self, values: list[Any], limiter: _RemoteLimiter
    ) -> tuple[pa.Array, list[str | None]]:
        job = self._job
        errors: list[str | None] = [None] * len(values)
        rows = []  # the rows sent, in order
        for i, value in enumerate(values):
            if isinstance(value, str) and value:
                rows.append(i)
            else:
                errors[i] = f"InvalidRequestError: expected a non-empty string, not {value!r:.60}"
        texts = [values[i] for i in rows]
        vectors: dict[int, bytes] = {}
        try:
            if job.mode == "batch":
                await self._embed_batch(texts, rows, vectors, errors)
            else:
                await self._embed_online(texts, rows, vectors, errors, limiter)
        except OpenAIError as exc:  # the whole block failed (a refused key, a failed batch)
            for i in rows:
                if i not in vectors and errors[i] is None:
                    errors[i] = _describe(exc)
        return _vector_column(vectors, len(values)), errors

    async def _embed_online(
        self,
        texts: list[str],
        rows: list[int],
        vectors: dict[int, bytes],
        errors: list[str | None],
        limiter: _RemoteLimiter,
    ) -> None:
        job = self._job
        engine = self.client.embeddings._job(
            texts,
            model=job.model,
            dimensions=job.params.get("dimensions", NOT_GIVEN),
            user=job.params.get("user", NOT_GIVEN),
            encoding_format=job.params.get("encoding_format", NOT_GIVEN),
            batch_size=job.inputs_per_request,
            concurrency=1,
            max_concurrency=1,
            window=None,
            # Unless truncating, the server judges lengths (an estimate could refuse too much).
            max_input_tokens=NOT_GIVEN if job.truncate else None,
            truncate=job.truncate,
            checkpoint=None,
            progress=False,
            extra_headers=None,
            extra_query=None,
            extra_body=None,
            timeout=NOT_GIVEN,
            max_retries=NOT_GIVEN,
            options=None,
            limiter=limiter,
        )
        try:
            while (block := await engine.next_block()) is not None:
                size = block.dims * 4
                for k in range(block.count):
                    vectors[rows[block.start + k]] = block.data[k * size : (k + 1) * size]
        except EmbeddingJobError as exc:
            for span, error in exc.errors:
                for k in span:
                    errors[rows[k]] = _describe(error)
            if exc.stopped:  # inputs never tried get the error that stopped the job
                for i in rows:
                    if i not in vectors and errors[i] is None:
                        errors[i] = _describe(exc.errors[0][1])

    async def _embed_batch(
        self, texts: list[str], rows: list[int], vectors: dict[int, bytes], errors: list[str | None]
    ) -> None:
        job = self._job
        size = job.inputs_per_request
        chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
        requests = [
            {"model": job.model, "input": texts[i : i + size], **job.params}
            for i in range(0, len(texts), size)
        ]
        results = await self.client.batches.run(
            requests, endpoint="/v1/embeddings", poll_interval=job.poll_interval
        )
        for result in results.results:
            chunk = chunks[result.index]
            for item in result.response.data:
                vectors[chunk[item.index]] = array("f", item.embedding).tobytes()
        for failure in results.failed:
            for i in chunks[failure.index]:
                errors[i] = f"BatchFailure: {failure.code}: {failure.message}"


def _vector_column(vectors: dict[int, bytes], count: int) -> pa.Array:
    """A ``list<float>`` column: each row's vector, null where it has none."""
    offsets = [0]
    for i in range(count):
        offsets.append(offsets[-1] + len(vectors.get(i, b"")) // 4)
    data = b"".join(vectors.get(i, b"") for i in range(count))
    values = pa.Array.from_buffers(pa.float32(), offsets[-1], [None, pa.py_buffer(data)])
    mask = pa.array([i not in vectors for i in range(count)])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, mask=mask)


class _Completer(_Worker):
    async def _answer(
        self, values: list[Any], limiter: _RemoteLimiter
    ) -> tuple[pa.Array, list[str | None]]:
        job = self._job
        outputs: list[str | None] = [None] * len(values)
        errors: list[str | None] = [None] * len(values)
        conversations: dict[int, list[dict[str, Any]]] = {}
        for i, value in enumerate(values):
            try:
                conversations[i] = self._messages(value)
            except InvalidRequestError as exc:
                errors[i] = _describe(exc)
        try:
            if job.mode == "batch":
                await self._complete_batch(conversations, outputs, errors)
            else:
                await self._complete_online(conversations, outputs, errors, limiter)
        except OpenAIError as exc:  # the whole block failed (a failed batch)
            for i in conversations:
                if outputs[i] is None and errors[i] is None:
                    errors[i] = _describe(exc)
        return pa.array(outputs, pa.string()), errors

    def _messages(self, value: Any) -> list[dict[str, Any]]:
        job = self._job
        if job.messages:
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(m, dict) for m in value)
            ):
                raise InvalidRequestError(
                    f"expected a non-empty list of messages, not {value!r:.60}"
                )
            # Arrow gives every message every field of the column's struct: drop the nulls.
            return [{k: v for k, v in m.items() if v is not None} for m in value]
        if not isinstance(value, str) or not value:
            raise InvalidRequestError(f"expected a non-empty prompt string, not {value!r:.60}")
        system = [{"role": "system", "content": job.system_prompt}] if job.system_prompt else []
        return [*system, {"role": "user", "content": value}]

    async def _complete_online(
        self,
        conversations: dict[int, list[dict[str, Any]]],
        outputs: list[str | None],
        errors: list[str | None],
        limiter: _RemoteLimiter,
    ) -> None:
        job = self._job
        client = self.client
        counter = TokenCounter(job.model)
        reserved = job.params.get("max_completion_tokens") or job.params.get("max_tokens") or 0

        async def one(i: int, messages: list[dict[str, Any]]) -> None:
            async def send() -> tuple[ChatCompletion, RateLimitInfo | None]:
                completion = await client.chat.completions.create(
                    model=job.model,
                    messages=cast(Any, messages),
                    extra_body=job.params or None,
                    max_retries=0,  # send_paced retries, so that the limiter sees every 429
                )
                info = completion.response_info
                return completion, info.rate_limit if info is not None else None

            cost = sum(counter.count(str(m.get("content", ""))) for m in messages) + reserved
            try:
                completion = await send_paced(
                    limiter, cost, send, policy=client.retry_policy, max_retries=client.max_retries
                )
            except OpenAIError as exc:
                errors[i] = _describe(exc)
                return
            outputs[i] = completion.choices[0].message.content if completion.choices else None

        async with anyio.create_task_group() as group:
            for i, messages in conversations.items():
                group.start_soon(one, i, messages)

    async def _complete_batch(
        self,
        conversations: dict[int, list[dict[str, Any]]],
        outputs: list[str | None],
        errors: list[str | None],
    ) -> None:
        job = self._job
        rows = list(conversations)
        requests = [{"model": job.model, "messages": conversations[i], **job.params} for i in rows]
        results = await self.client.batches.run(
            requests, endpoint="/v1/chat/completions", poll_interval=job.poll_interval
        )
        for result in results.results:
            choices = result.response.choices
            outputs[rows[result.index]] = choices[0].message.content if choices else None
        for failure in results.failed:
            errors[rows[failure.index]] = f"BatchFailure: {failure.code}: {failure.message}"


def _map(
    ds: ray.data.Dataset,
    worker: type[_Worker],
    job: _Job,
    *,
    batch_size: int,
    num_actors: int,
    num_cpus: float,
) -> ray.data.Dataset:
    for name, value in (("batch_size", batch_size), ("num_actors", num_actors)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidRequestError(f"{name} must be an int >= 1, not {value!r}")
    if job.mode not in ("online", "batch"):
        raise InvalidRequestError(f"mode must be 'online' or 'batch', not {job.mode!r}")
    if job.output_column == job.error_column:
        raise InvalidRequestError("output_column and error_column must differ")
    return ds.map_batches(
        worker,
        fn_constructor_kwargs={"job": job},
        batch_size=batch_size,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=num_actors),
        num_cpus=num_cpus,
    )


def embed_dataset(
    ds: ray.data.Dataset,
    *,
    column: str,
    model: str,
    output_column: str = "embedding",
    error_column: str = "error",
    dimensions: int | None = None,
    client_factory: ClientFactory = AsyncClient,
    limiter: SharedLimiter | None = None,
    mode: Mode = "online",
    batch_size: int = 1024,
    inputs_per_request: int = 256,
    truncate: bool = False,
    num_actors: int = 2,
    num_cpus: float = 0.25,
    poll_interval: float = 30.0,
) -> ray.data.Dataset:
    """``ds`` with each row's embedding of its ``column`` text in ``output_column`` (a
    float32 list), or null and the SDK's error in ``error_column``.

    ``num_actors`` actors take ``batch_size`` rows at a time and embed them with
    ``embeddings.create_many``'s engine, ``inputs_per_request`` inputs per request, all
    paced by ``limiter`` (a new :class:`SharedLimiter` unless given). ``client_factory``
    makes each actor's client (``AsyncClient`` reads ``OPENAI_API_KEY`` there; pass
    ``functools.partial(AsyncClient, ...)`` otherwise). ``mode="batch"``: each Ray batch
    becomes one Batch API job, polled every ``poll_interval`` seconds.
    """
    job = _Job(
        client_factory=client_factory,
        limiter=limiter if limiter is not None else SharedLimiter(),
        model=model,
        column=column,
        output_column=output_column,
        error_column=error_column,
        params={} if dimensions is None else {"dimensions": dimensions},
        mode=mode,
        poll_interval=poll_interval,
        inputs_per_request=min(inputs_per_request, 2048),
        truncate=truncate,
    )
    return _map(ds, _Embedder, job, batch_size=batch_size, num_actors=num_actors, num_cpus=num_cpus)


def complete_dataset(
    ds: ray.data.Dataset,
    *,
    model: str,
    prompt_column: str | None = None,
    messages_column: str | None = None,
    system_prompt: str | None = None,
    output_column: str = "response",
    error_column: str = "error",
    params: Mapping[str, Any] | None = None,
    client_factory: ClientFactory = AsyncClient,
    limiter: SharedLimiter | None = None,
    mode: Mode = "online",
    batch_size: int = 64,
    num_actors: int = 2,
    num_cpus: float = 0.25,
    poll_interval: float = 30.0,
) -> ray.data.Dataset:
    """``ds`` with each row's chat completion text in ``output_column``, or null and the
    SDK's error in ``error_column``.

    Each row is one request: its ``prompt_column`` text as the user message (after
    ``system_prompt``), or its ``messages_column`` list of messages. ``params`` are the
    request's other parameters (``temperature``, ``max_completion_tokens``...). Actors,
    pacing and ``mode`` work as in :func:`embed_dataset`.
    """
    if (prompt_column is None) == (messages_column is None):
        raise InvalidRequestError("pass exactly one of prompt_column and messages_column")
    if messages_column is not None and system_prompt is not None:
        raise InvalidRequestError("system_prompt goes with prompt_column: put it in the messages")
    job = _Job(
        client_factory=client_factory,
        limiter=limiter if limiter is not None else SharedLimiter(),
        model=model,
        column=cast(str, prompt_column or messages_column),
        output_column=output_column,
        error_column=error_column,
        params=dict(params or {}),
        mode=mode,
        poll_interval=poll_interval,
        messages=messages_column is not None,
        system_prompt=system_prompt,
    )
    return _map(
        ds, _Completer, job, batch_size=batch_size, num_actors=num_actors, num_cpus=num_cpus
    )
