"""The Batch API's files, without the network: request files out, result files back in.

:func:`write_batch_files` streams requests into JSONL temporary files, one line per
request with its ``custom_id``, starting a new file whenever the next line would pass a
batch's limits (50,000 requests, 200 MB, and for ``/v1/embeddings`` 50,000 inputs).
:class:`ResultMerger` reads the output and error files back (in any order, as bytes
arrive) and hands back typed results in input order, failures listed apart.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Generator, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import attrs
import orjson

from .._converter import converter
from .._exceptions import APIResponseValidationError, InvalidRequestError
from ..resources.embeddings import decode_base64_embedding

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_BATCH_REQUESTS",
    "MAX_EMBEDDING_INPUTS",
    "BatchEndpoint",
    "BatchFailure",
    "BatchRequest",
    "BatchResult",
    "BatchResults",
    "BatchShard",
    "ResultMerger",
    "result_type",
    "write_batch_files",
]

_T = TypeVar("_T")

#: Limits of one batch's input file.
MAX_BATCH_REQUESTS = 50_000
MAX_BATCH_BYTES = 200 * 1024 * 1024
#: ``/v1/embeddings`` batches also take at most this many inputs across their requests.
MAX_EMBEDDING_INPUTS = 50_000

BatchEndpoint = Literal[
    "/v1/embeddings", "/v1/chat/completions", "/v1/completions", "/v1/responses"
]
_ENDPOINTS = ("/v1/embeddings", "/v1/chat/completions", "/v1/completions", "/v1/responses")
# The model each endpoint's successful body is structured into (by name: see result_type).
_RESULT_MODELS = {
    "/v1/embeddings": "CreateEmbeddingResponse",
    "/v1/chat/completions": "ChatCompletion",
    "/v1/completions": "Completion",
    "/v1/responses": "Response",
}


@attrs.frozen(slots=True)
class BatchRequest:
    """One request of a batch: its body, and the ``custom_id`` its result comes back under
    (``request-{index}`` when left out)."""

    body: Mapping[str, Any]
    custom_id: str | None = None


@attrs.frozen(slots=True)
class BatchShard:
    """One batch's input file: the requests ``first_index`` to ``first_index + len - 1``."""

    path: Path
    first_index: int
    custom_ids: list[str]
    size: int
    """Bytes in the file."""

    def remove(self) -> None:
        """Delete the file (once it is uploaded)."""
        self.path.unlink(missing_ok=True)


def _inputs_of(body: Mapping[str, Any]) -> int:
    raw = body.get("input")
    if isinstance(raw, list) and raw and not isinstance(raw[0], int):
        return len(raw)
    return 1


def write_batch_files(
    requests: Iterable[BatchRequest | Mapping[str, Any]],
    *,
    endpoint: BatchEndpoint,
    directory: str | os.PathLike[str] | None = None,
    max_requests: int = MAX_BATCH_REQUESTS,
    max_bytes: int = MAX_BATCH_BYTES,
) -> Generator[BatchShard, None, None]:
    """Write the requests (bodies, or :class:`BatchRequest`) as JSONL files, yielding each
    file as soon as it is complete, so the first can upload while the next is written.

    One model per batch, as the API requires; a request that cannot be sent (no model,
    ``stream``, a repeated ``custom_id``, a line over ``max_bytes``) is an error naming
    its index, raised before its file is handed out. Files are left for the caller to
    :meth:`~BatchShard.remove`; on an error, the unfinished one is removed.
    """
    if endpoint not in _ENDPOINTS:
        raise InvalidRequestError(
            f"endpoint must be one of {', '.join(_ENDPOINTS)}, not {endpoint!r}"
        )
    max_inputs = MAX_EMBEDDING_INPUTS if endpoint == "/v1/embeddings" else None
    seen: set[str] = set()
    model: object = None
    shard: _OpenShard | None = None
    try:
        for index, request in enumerate(requests):
            if not isinstance(request, BatchRequest):
                request = BatchRequest(request)
            body = request.body
            if not isinstance(body, Mapping) or not isinstance(body.get("model"), str):
                raise InvalidRequestError(f"request {index} has no model: every body needs one")
            if model is None:
                model = body["model"]
            elif body["model"] != model:
                raise InvalidRequestError(
                    f"request {index} is for {body['model']!r}, the ones before for {model!r}: "
                    "a batch takes one model"
                )
            if body.get("stream"):
                raise InvalidRequestError(f"request {index} asks for a stream: batches cannot")
            custom_id = request.custom_id if request.custom_id is not None else f"request-{index}"
            if not isinstance(custom_id, str) or not custom_id:
                raise InvalidRequestError(f"request {index}: custom_id must be a non-empty string")
            if custom_id in seen:
                raise InvalidRequestError(f"request {index} repeats the custom_id {custom_id!r}")
            seen.add(custom_id)
            try:
                line = orjson.dumps(
                    {"custom_id": custom_id, "method": "POST", "url": endpoint, "body": body}
                )
            except TypeError as exc:
                raise InvalidRequestError(
                    f"request {index} cannot be encoded as JSON: {exc}"
                ) from None
            line += b"\n"
            if len(line) > max_bytes:
                raise InvalidRequestError(
                    f"request {index} takes {len(line)} bytes, more than a batch file's {max_bytes}"
                )
            inputs = _inputs_of(body) if max_inputs is not None else 0
            if shard is not None and not shard.fits(
                len(line), inputs, max_requests, max_bytes, max_inputs
            ):
                done, shard = shard, None  # handed out: no longer ours to remove
                yield done.close()
            if shard is None:
                shard = _OpenShard(directory, index)
            shard.add(line, custom_id, inputs)
        if shard is not None:
            done, shard = shard, None
            yield done.close()
    finally:
        if shard is not None:
            shard.discard()


class _OpenShard:
    """A batch file being written."""

    def __init__(self, directory: str | os.PathLike[str] | None, first_index: int) -> None:
        self._file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by close/discard
            mode="wb", dir=directory, prefix="batch-", suffix=".jsonl", delete=False
        )
        self.first_index = first_index
        self.custom_ids: list[str] = []
        self.size = 0
        self.inputs = 0

    def fits(
        self, size: int, inputs: int, max_requests: int, max_bytes: int, max_inputs: int | None
    ) -> bool:
        return (
            len(self.custom_ids) < max_requests
            and self.size + size <= max_bytes
            and (max_inputs is None or self.inputs + inputs <= max_inputs)
        )

    def add(self, line: bytes, custom_id: str, inputs: int) -> None:
        self._file.write(line)
        self.custom_ids.append(custom_id)
        self.size += len(line)
        self.inputs += inputs

    def close(self) -> BatchShard:
        self._file.close()
        return BatchShard(Path(self._file.name), self.first_index, self.custom_ids, self.size)

    def discard(self) -> None:
        self._file.close()
        Path(self._file.name).unlink(missing_ok=True)


# -- results -----------------------------------------------------------------------------


@attrs.frozen(slots=True)
class BatchResult(Generic[_T]):
    """A request that succeeded: its body, typed for the endpoint."""

    index: int
    custom_id: str
    response: _T
    status_code: int
    request_id: str | None


@attrs.frozen(slots=True)
class BatchFailure:
    """A request that failed, or never got a result line (``code == "missing"``)."""

    index: int
    custom_id: str
    status_code: int | None
    code: str | None
    message: str
    body: Any
    """The error line's response body or error object, as JSON."""


@attrs.frozen(slots=True)
class BatchResults(Generic[_T]):
    """Every request's outcome: successes and failures, each in input order."""

    results: list[BatchResult[_T]]
    failed: list[BatchFailure]

    def __len__(self) -> int:
        return len(self.results) + len(self.failed)


def _decode_base64_vectors(body: Any) -> None:
    """Embeddings asked for as base64 (``encoding_format``) become float lists, in place."""
    items = body.get("data") if isinstance(body, dict) else None
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and isinstance(item.get("embedding"), str):
            item["embedding"] = decode_base64_embedding(item["embedding"])


def result_type(endpoint: str) -> type[Any]:
    """The model a successful body of ``endpoint`` is structured into."""
    from .. import models

    return getattr(models, _RESULT_MODELS[endpoint])  # type: ignore[no-any-return]


class ResultMerger(Generic[_T]):
    """Collects the lines of a batch's output and error files (fed in any order, as raw
    bytes in any chunks) into :class:`BatchResults` ordered like ``custom_ids``."""

    def __init__(self, custom_ids: Sequence[str], cast_to: type[_T]) -> None:
        self._positions = {custom_id: i for i, custom_id in enumerate(custom_ids)}
        if len(self._positions) != len(custom_ids):
            raise InvalidRequestError("custom_ids must be unique")
        self._custom_ids = custom_ids
        self._cast_to = cast_to
        self._outcomes: list[BatchResult[_T] | BatchFailure | None] = [None] * len(custom_ids)
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        """Take the next bytes of an output or error file."""
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            self.add_line(line)

    def end_of_file(self) -> None:
        """The current file is complete (its last line may lack a newline)."""
        line, self._partial = self._partial, b""
        self.add_line(line)

    def add_line(self, line: bytes) -> None:
        """Take one JSONL line of an output or error file."""
        if not line.strip():
            return
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise APIResponseValidationError(
                f"a batch result line is not JSON ({exc})", raw=line.decode("utf-8", "replace")
            ) from None
        custom_id = entry.get("custom_id") if isinstance(entry, dict) else None
        index = self._positions.get(custom_id) if isinstance(custom_id, str) else None
        if index is None or self._outcomes[index] is not None:
            raise APIResponseValidationError(
                f"a batch result line has an unknown or repeated custom_id {custom_id!r}",
                raw=line.decode("utf-8", "replace"),
            )
        assert isinstance(custom_id, str)
        self._outcomes[index] = self._outcome(index, custom_id, entry, line)

    def _outcome(
        self, index: int, custom_id: str, entry: dict[str, Any], line: bytes
    ) -> BatchResult[_T] | BatchFailure:
        response = entry.get("response")
        error = entry.get("error")
        status = response.get("status_code") if isinstance(response, dict) else None
        body = response.get("body") if isinstance(response, dict) else None
        if error is None and isinstance(status, int) and 200 <= status < 300:
            try:
                _decode_base64_vectors(body)
                typed = converter.structure(body, self._cast_to)
            except Exception as exc:
                raise APIResponseValidationError(
                    f"the result of {custom_id!r} does not match "
                    f"{getattr(self._cast_to, '__name__', self._cast_to)}: {exc!r}",
                    raw=line.decode("utf-8", "replace"),
                ) from None
            request_id = response.get("request_id") if isinstance(response, dict) else None
            return BatchResult(index, custom_id, typed, status, request_id)
        details = error if isinstance(error, dict) else {}
        if not details and isinstance(body, dict) and isinstance(body.get("error"), dict):
            details = body["error"]
        return BatchFailure(
            index=index,
            custom_id=custom_id,
            status_code=status if isinstance(status, int) else None,
            code=details.get("code") if isinstance(details.get("code"), str) else None,
            message=str(details.get("message") or f"HTTP {status}"),
            body=error if error is not None else body,
        )

    def finish(self) -> BatchResults[_T]:
        """The merged outcome; requests without any line are failures coded ``missing``."""
        if self._partial:
            self.end_of_file()
        results: list[BatchResult[_T]] = []
        failed: list[BatchFailure] = []
        for index, outcome in enumerate(self._outcomes):
            if outcome is None:
                outcome = BatchFailure(
                    index,
                    self._custom_ids[index],
                    None,
                    "missing",
                    "no result line for this request",
                    None,
                )
            if isinstance(outcome, BatchResult):
                results.append(outcome)
            else:
                failed.append(outcome)
        return BatchResults(results, failed)
