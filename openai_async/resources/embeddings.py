"""Embeddings: ``client.embeddings``."""

from __future__ import annotations

import base64
import binascii
import sys
from array import array
from typing import Any, Literal

from .._client import structure_response
from .._exceptions import APIResponseValidationError
from .._options import Timeout
from .._resource import AsyncAPIResource
from .._types import NOT_GIVEN, Body, Headers, NotGiven, Query, strip_not_given
from ..models.embeddings import CreateEmbeddingResponse

__all__ = ["AsyncEmbeddings", "decode_base64_embedding"]


def decode_base64_embedding(value: str) -> list[float]:
    """The floats of a base64 embedding (little-endian float32), as ``float`` would give."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not valid base64: {exc}") from None
    if len(raw) % 4:
        raise ValueError(f"{len(raw)} bytes is not a whole number of float32 values")
    floats = array("f")
    floats.frombytes(raw)
    if sys.byteorder == "big":  # pragma: no cover - the wire format is little-endian
        floats.byteswap()
    return floats.tolist()


class AsyncEmbeddings(AsyncAPIResource):
    """``client.embeddings``: embedding vectors for text or tokens."""

    async def create(
        self,
        *,
        input: str | list[str] | list[int] | list[list[int]],
        model: str,
        dimensions: int | NotGiven = NOT_GIVEN,
        encoding_format: Literal["float", "base64"] | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> CreateEmbeddingResponse:
        """Create embedding vectors representing the input text.

        Vectors always arrive as lists of floats. When ``encoding_format`` is left out
        the SDK asks for base64 (a quarter of the bytes on the wire) and decodes it;
        servers that ignore the request and send floats work the same.
        """
        body = strip_not_given(
            {
                "input": input,
                "model": model,
                "dimensions": dimensions,
                "encoding_format": "base64"
                if isinstance(encoding_format, NotGiven)
                else encoding_format,
                "user": user,
            }
        )
        data, info = await self._client.request_json(
            "POST",
            "/embeddings",
            body=body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
        )
        _decode_vectors(data, info)
        return structure_response(data, CreateEmbeddingResponse, info)


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
