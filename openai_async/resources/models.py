"""Models: ``client.models``."""

from __future__ import annotations

from .._options import Timeout
from .._pagination import AsyncPaginator
from .._request import path_param
from .._request_options import RequestOptions
from .._resource import AsyncAPIResource
from .._types import NOT_GIVEN, Headers, NotGiven, Query
from ..models.models import DeleteModelResponse, Model

__all__ = ["AsyncModels"]


class AsyncModels(AsyncAPIResource):
    """``client.models``: the models available to your key, and deleting fine-tuned ones."""

    def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> AsyncPaginator[Model]:
        """List the models; iterating the result walks every model of every page."""
        return AsyncPaginator(
            self._client,
            "/models",
            Model,
            cursor=None,
            request_options={
                "extra_headers": extra_headers,
                "extra_query": extra_query,
                "timeout": timeout,
                "max_retries": max_retries,
                "options": options,
            },
        )

    async def retrieve(
        self,
        model: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> Model:
        """Retrieve a model instance: its owner and creation time."""
        return await self._client.request(
            Model,
            "GET",
            f"/models/{path_param(model, 'model')}",
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
            options=options,
        )

    async def delete(
        self,
        model: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> DeleteModelResponse:
        """Delete a fine-tuned model (you need the Owner role in its organization)."""
        return await self._client.request(
            DeleteModelResponse,
            "DELETE",
            f"/models/{path_param(model, 'model')}",
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
            options=options,
        )
