"""Hand-written parts of ``client.embeddings``: ``create_many`` / ``iter_many`` (a mixin of
the generated resource class) and the base64 handling hooks of ``embeddings.create``."""

from __future__ import annotations

import base64
import binascii
import os
import sys
from array import array
from typing import TYPE_CHECKING, Any, Literal, overload

from .._exceptions import APIResponseValidationError
from .._options import Timeout
from .._request_options import RequestOptions
from .._resource import AsyncAPIResource
from .._response import ResponseInfo
from .._types import NOT_GIVEN, Body, Headers, NotGiven, Query, strip_not_given

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ._limiter import Limiter
    from .embedding_jobs import (
        AsyncResultIterator,
        EmbeddingInputs,
        EmbeddingJob,
        ProgressCallback,
    )

__all__ = [
    "AsyncEmbeddingsHelpers",
    "base64_embedding_bytes",
    "decode_base64_embedding",
    "decode_embedding_vectors",
    "embedding_request_body",
]


def base64_embedding_bytes(value: str) -> bytes:
    """The little-endian float32 bytes of a base64 embedding, checked but not turned into floats."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not valid base64: {exc}") from None
    if len(raw) % 4:
        raise ValueError(f"{len(raw)} bytes is not a whole number of float32 values")
    return raw


def decode_base64_embedding(value: str) -> list[float]:
    """The floats of a base64 embedding (little-endian float32), as ``float`` would give."""
    raw = base64_embedding_bytes(value)
    floats = array("f")
    floats.frombytes(raw)
    if sys.byteorder == "big":  # pragma: no cover - the wire format is little-endian
        floats.byteswap()
    return floats.tolist()


class AsyncEmbeddingsHelpers(AsyncAPIResource):
    """``create_many`` / ``iter_many``: embedding many inputs, batched and rate-paced."""

    @overload
    async def create_many(
        self,
        *,
        input: EmbeddingInputs,
        model: str,
        dimensions: int | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        encoding_format: Literal["float", "base64"] | NotGiven = NOT_GIVEN,
        as_numpy: Literal[False] = False,
        batch_size: int = 2048,
        concurrency: int = 8,
        max_concurrency: int = 64,
        window: int | None = None,
        max_input_tokens: int | None | NotGiven = NOT_GIVEN,
        truncate: bool = False,
        checkpoint: str | os.PathLike[str] | None = None,
        progress: bool | ProgressCallback | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> list[list[float]]: ...

    @overload
    async def create_many(
        self,
        *,
        input: EmbeddingInputs,
        model: str,
        dimensions: int | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        encoding_format: Literal["float", "base64"] | NotGiven = NOT_GIVEN,
        as_numpy: Literal[True],
        batch_size: int = 2048,
        concurrency: int = 8,
        max_concurrency: int = 64,
        window: int | None = None,
        max_input_tokens: int | None | NotGiven = NOT_GIVEN,
        truncate: bool = False,
        checkpoint: str | os.PathLike[str] | None = None,
        progress: bool | ProgressCallback | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> NDArray[np.float32]: ...

    @overload
    async def create_many(
        self,
        *,
        input: EmbeddingInputs,
        model: str,
        dimensions: int | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        encoding_format: Literal["float", "base64"] | NotGiven = NOT_GIVEN,
        as_numpy: bool,
        batch_size: int = 2048,
        concurrency: int = 8,
        max_concurrency: int = 64,
        window: int | None = None,
        max_input_tokens: int | None | NotGiven = NOT_GIVEN,
        truncate: bool = False,
        checkpoint: str | os.PathLike[str] | None = None,
        progress: bool | ProgressCallback | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> list[list[float]] | NDArray[np.float32]: ...

    async def create_many(
        self,
        *,
        input: EmbeddingInputs,
        model: str,
        dimensions: int | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        encoding_format: Literal["float", "base64"] | NotGiven = NOT_GIVEN,
        as_numpy: bool = False,
        batch_size: int = 2048,
        concurrency: int = 8,
        max_concurrency: int = 64,
        window: int | None = None,
        max_input_tokens: int | None | NotGiven = NOT_GIVEN,
        truncate: bool = False,
        checkpoint: str | os.PathLike[str] | None = None,
        progress: bool | ProgressCallback | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> list[list[float]] | NDArray[np.float32]:
        """Embed every input (strings or token lists, from any iterable or async iterable),
        returning the vectors in input order: float lists, or one float32 matrix with
        ``as_numpy=True``.

        Inputs are packed into requests of up to ``batch_size`` inputs and 300,000 tokens,
        sent ``concurrency`` at a time at first, then paced by the rate-limit headers (up to
        ``max_concurrency``). An input longer than ``max_input_tokens`` (the model's
        context) is an error naming its index, unless ``truncate=True``. Inputs that fail
        for good raise :class:`~openai_async.EmbeddingJobError` holding every vector that
        succeeded. With ``checkpoint=path`` finished batches are saved as they finish and a
        rerun resumes from them. ``progress``: a tqdm bar (default on a terminal when tqdm
        is installed), ``False``, or a callback taking a ``JobProgress``. Vectors travel as
        base64 unless ``encoding_format="float"`` (for servers that refuse base64); the
        result is the same.
        """
        job = self._job(
            input,
            model=model,
            dimensions=dimensions,
            user=user,
            encoding_format=encoding_format,
            batch_size=batch_size,
            concurrency=concurrency,
            max_concurrency=max_concurrency,
            window=window,
            max_input_tokens=max_input_tokens,
            truncate=truncate,
            checkpoint=checkpoint,
            progress=progress,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            options=options,
        )
        from .embedding_jobs import collect_lists, collect_matrix  # loaded on first use

        if as_numpy:
            return await collect_matrix(
                job, None if isinstance(dimensions, NotGiven) else dimensions
            )
        return await collect_lists(job)

    @overload
    def iter_many(
        self,
        *,
        input: EmbeddingInputs,
        model: str,
        dimensions: int | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        encoding_format: Literal["float", "base64"] | NotGiven = NOT_GIVEN,
        as_numpy: Literal[False] = False,
        batch_size: int = 2048,
        concurrency: int = 8,
        max_concurrency: int = 64,
        window: int | None = None,
        max_input_tokens: int | None | NotGiven = NOT_GIVEN,
        truncate: bool = False,
        checkpoint: str | os.PathLike[str] | None = None,
        progress: bool | ProgressCallback | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> AsyncResultIterator[tuple[int, list[float]]]: ...

    @overload
    def iter_many(
        self,
        *,
        input: EmbeddingInputs,
        model: str,
        dimensions: int | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        encoding_format: Literal["float", "base64"] | NotGiven = NOT_GIVEN,
        as_numpy: Literal[True],
        batch_size: int = 2048,
        concurrency: int = 8,
        max_concurrency: int = 64,
        window: int | None = None,
        max_input_tokens: int | None | NotGiven = NOT_GIVEN,
        truncate: bool = False,
        checkpoint: str | os.PathLike[str] | None = None,
        progress: bool | ProgressCallback | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> AsyncResultIterator[tuple[int, NDArray[np.float32]]]: ...

    @overload
    def iter_many(
        self,
        *,
        input: EmbeddingInputs,
        model: str,
        dimensions: int | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        encoding_format: Literal["float", "base64"] | NotGiven = NOT_GIVEN,
        as_numpy: bool,
        batch_size: int = 2048,
        concurrency: int = 8,
        max_concurrency: int = 64,
        window: int | None = None,
        max_input_tokens: int | None | NotGiven = NOT_GIVEN,
        truncate: bool = False,
        checkpoint: str | os.PathLike[str] | None = None,
        progress: bool | ProgressCallback | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> AsyncResultIterator[tuple[int, Any]]: ...

    def iter_many(
        self,
        *,
        input: EmbeddingInputs,
        model: str,
        dimensions: int | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        encoding_format: Literal["float", "base64"] | NotGiven = NOT_GIVEN,
        as_numpy: bool = False,
        batch_size: int = 2048,
        concurrency: int = 8,
        max_concurrency: int = 64,
        window: int | None = None,
        max_input_tokens: int | None | NotGiven = NOT_GIVEN,
        truncate: bool = False,
        checkpoint: str | os.PathLike[str] | None = None,
        progress: bool | ProgressCallback | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> AsyncResultIterator[tuple[int, Any]]:
        """Like :meth:`create_many`, but yields ``(index, vector)`` as batches finish and
        holds at most ``window`` inputs (default 16,384) at a time: for inputs that do not
        fit in memory. Use ``async with`` to stop early; inputs that failed raise
        :class:`~openai_async.EmbeddingJobError` after every success was yielded.
        """
        from .embedding_jobs import EmbeddingIterator  # loaded on first use

        iterator: EmbeddingIterator[Any] = EmbeddingIterator(
            lambda: self._job(
                input,
                model=model,
                dimensions=dimensions,
                user=user,
                encoding_format=encoding_format,
                batch_size=batch_size,
                concurrency=concurrency,
                max_concurrency=max_concurrency,
                window=window,
                max_input_tokens=max_input_tokens,
                truncate=truncate,
                checkpoint=checkpoint,
                progress=progress,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                max_retries=max_retries,
                options=options,
            ),
            as_numpy=as_numpy,
        )
        return iterator

    def _job(
        self,
        input: EmbeddingInputs,
        *,
        model: str,
        dimensions: int | NotGiven,
        user: str | NotGiven,
        encoding_format: Literal["float", "base64"] | NotGiven,
        batch_size: int,
        concurrency: int,
        max_concurrency: int,
        window: int | None,
        max_input_tokens: int | None | NotGiven,
        truncate: bool,
        checkpoint: str | os.PathLike[str] | None,
        progress: bool | ProgressCallback | None,
        extra_headers: Headers | None,
        extra_query: Query | None,
        extra_body: Body | None,
        timeout: float | Timeout | None | NotGiven,
        max_retries: int | NotGiven,
        options: RequestOptions | None,
        limiter: Limiter | None = None,
    ) -> EmbeddingJob:
        if isinstance(encoding_format, NotGiven):
            encoding_format = "base64"  # a quarter of the bytes of "float"
        body = strip_not_given(
            {
                "model": model,
                "dimensions": dimensions,
                "encoding_format": encoding_format,
                "user": user,
            }
        )
        client = self._client
        if options is not None:
            client, extra_headers, extra_query = options.apply(client, extra_headers, extra_query)

        async def send(inputs: list[Any]) -> tuple[bytes, int, ResponseInfo]:
            # max_retries=0: the job retries, so that its limiter sees every 429.
            data, info = await client.request_json(
                "POST",
                "/embeddings",
                body={**body, "input": inputs},
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                max_retries=0,
            )
            return *_vector_bytes(data, len(inputs), info), info

        from .embedding_jobs import (  # loaded on first use
            CONTEXT_TOKENS,
            DEFAULT_CONTEXT_TOKENS,
            EmbeddingJob,
            JobSettings,
        )

        settings = JobSettings(
            model=model,
            params={"model": model, "dimensions": body.get("dimensions")},
            batch_size=batch_size,
            window=window,
            max_input_tokens=CONTEXT_TOKENS.get(model, DEFAULT_CONTEXT_TOKENS)
            if isinstance(max_input_tokens, NotGiven)
            else max_input_tokens,
            truncate=truncate,
            concurrency=concurrency,
            max_concurrency=max_concurrency,
            checkpoint=checkpoint,
            progress=progress,
            retry_policy=client.retry_policy,
            max_retries=client.max_retries if isinstance(max_retries, NotGiven) else max_retries,
            limiter=limiter,
        )
        return EmbeddingJob(input, send, settings)


def _vector_bytes(data: Any, count: int, info: ResponseInfo) -> tuple[bytes, int]:
    """The response's vectors as float32 bytes in input order, and their dimension.

    Base64 vectors are only decoded to bytes; float lists (from servers that ignore
    ``encoding_format``) are packed.
    """
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) != count:
        raise APIResponseValidationError(
            f"expected {count} embeddings in the response's data",
            raw=repr(data)[:1000],
            response_info=info,
        )
    ordered: list[bytes | None] = [None] * count
    dims: int | None = None
    for item in items:
        index = item.get("index") if isinstance(item, dict) else None
        vector = item.get("embedding") if isinstance(item, dict) else None
        try:
            if not isinstance(index, int) or not 0 <= index < count or ordered[index] is not None:
                raise ValueError(f"index {index!r} is missing, out of range or repeated")
            if isinstance(vector, str):
                raw = base64_embedding_bytes(vector)
            elif isinstance(vector, list):
                floats = array("f", vector)
                if sys.byteorder == "big":  # pragma: no cover - the wire format is little-endian
                    floats.byteswap()
                raw = floats.tobytes()
            else:
                raise ValueError(f"the embedding is {type(vector).__name__}")
            if dims is None:
                dims = len(raw) // 4
            elif len(raw) != dims * 4:
                raise ValueError(f"{len(raw) // 4} dimensions after {dims}")
        except (TypeError, ValueError) as exc:
            raise APIResponseValidationError(
                f"embedding {index!r} cannot be decoded: {exc}",
                raw=repr(item)[:1000],
                response_info=info,
            ) from None
        ordered[index] = raw
    return b"".join(ordered), dims or 0  # type: ignore[arg-type]  # every slot is filled


def _decode_vectors(data: Any, info: Any) -> None:
    """Replace base64 vectors in a decoded response body by float lists, in place."""
    items = data.get("data") if isinstance(data, dict) else None
    for item in items if isinstance(items, list) else ():
        vector = item.get("embedding") if isinstance(item, dict) else None
        if isinstance(vector, str):
            try:
                item["embedding"] = decode_base64_embedding(vector)
            except ValueError as exc:
                raise APIResponseValidationError(
                    f"embedding {item.get('index')} cannot be decoded: {exc}",
                    raw=vector,
                    response_info=info,
                ) from None


def embedding_request_body(body: dict[str, Any]) -> dict[str, Any]:
    """``embeddings.create`` asks for base64 vectors unless ``encoding_format`` was given:
    a quarter of the bytes on the wire."""
    body.setdefault("encoding_format", "base64")
    return body


def decode_embedding_vectors(data: Any, info: ResponseInfo) -> Any:
    """``embeddings.create`` returns float lists whatever the wire format: base64 vectors
    are decoded (servers that ignore the request and send floats work the same)."""
    _decode_vectors(data, info)
    return data
