"""List results: ``await`` one page, or ``async for`` over every item of every page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson

from ._exceptions import APIResponseValidationError, InvalidRequestError
from ._response import ResponseInfo
from ._types import Query

if TYPE_CHECKING:
    from ._client import AsyncClient

__all__ = ["AsyncPage", "AsyncPaginator"]

_T = TypeVar("_T")


class AsyncPage(Generic[_T]):
    """One page of a list: ``data`` plus the cursor fields the API sent."""

    __slots__ = ("_request", "data", "has_more", "raw", "response_info")

    def __init__(
        self,
        data: list[_T],
        *,
        has_more: bool,
        raw: Mapping[str, Any],
        response_info: ResponseInfo | None,
        request: AsyncPaginator[_T],
    ) -> None:
        self.data = data
        self.has_more = has_more
        self.raw = raw
        self.response_info = response_info
        self._request = request

    def __iter__(self) -> Iterator[_T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def has_next_page(self) -> bool:
        return self.has_more and self._request._next_query(self) is not None

    async def get_next_page(self) -> AsyncPage[_T]:
        query = self._request._next_query(self)
        if not self.has_more or query is None:
            raise InvalidRequestError("this is the last page; check has_next_page() first")
        return await self._request._fetch(query)

    def __repr__(self) -> str:
        return f"AsyncPage(items={len(self.data)}, has_more={self.has_more})"


class AsyncPaginator(Generic[_T]):
    """What a ``list`` method returns: awaitable (first page) and async-iterable (all items).

    ``cursor`` names the query parameter that asks for the next page (``after``,
    ``page``), ``None`` for lists of one page. Its value is the page's ``next_field``
    (``next``, ``next_page``) when given, else its ``last_id``, else the ``id`` of its
    last item. ``item_type`` may be a union (what the converter can structure).
    """

    def __init__(
        self,
        client: AsyncClient,
        path: str,
        item_type: type[_T] | Any,
        *,
        query: Query | None = None,
        cursor: str | None = "after",
        next_field: str | None = None,
        request_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._client = client
        self._path = path
        self._item_type = item_type
        self._query = dict(query or {})
        self._cursor = cursor
        self._next_field = next_field
        self._options = dict(request_options or {})

    def __await__(self) -> Generator[Any, None, AsyncPage[_T]]:
        return self._fetch(self._query).__await__()

    async def __aiter__(self) -> AsyncIterator[_T]:
        page = await self._fetch(self._query)
        while True:
            for item in page.data:
                yield item
            if not page.has_next_page():
                return
            page = await page.get_next_page()

    def _next_query(self, page: AsyncPage[_T]) -> dict[str, Any] | None:
        if self._cursor is None:
            return None
        if self._next_field is not None:
            value = page.raw.get(self._next_field)
            return (
                {**self._query, self._cursor: value} if isinstance(value, str) and value else None
            )
        last = page.raw.get("last_id")
        if not isinstance(last, str) or not last:
            items = page.raw.get("data") or []
            last = items[-1].get("id") if items and isinstance(items[-1], Mapping) else None
        if not isinstance(last, str) or not last:
            return None
        return {**self._query, self._cursor: last}

    async def _fetch(self, query: Mapping[str, Any]) -> AsyncPage[_T]:
        raw, info = await self._client.request_json("GET", self._path, query=query, **self._options)
        data = raw.get("data") if isinstance(raw, dict) else None
        if not isinstance(data, list):
            raise APIResponseValidationError(
                f"a list response from {self._path} has no 'data' array",
                raw=orjson.dumps(raw).decode(),
                response_info=info,
            )
        from ._converter import converter

        hook = converter.get_structure_hook(self._item_type)
        try:
            items = [hook(item, self._item_type) for item in data]
        except Exception as exc:
            raise APIResponseValidationError(
                f"an item from {self._path} does not match"
                f" {getattr(self._item_type, '__name__', self._item_type)}: {exc!r}",
                raw=orjson.dumps(raw).decode(),
                response_info=info,
            ) from None
        return AsyncPage(
            items, has_more=bool(raw.get("has_more")), raw=raw, response_info=info, request=self
        )
