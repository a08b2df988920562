"""List results: ``await`` one page, or ``async for`` over every item of every page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
import orjson

from ._exceptions import APIResponseValidationError, AwaitRequiredError, InvalidRequestError
from ._response import ResponseInfo
from ._types import Query

if TYPE_CHECKING:
    from ._client import AsyncClient

__all__ = ["AsyncPage", "AsyncPaginator", "PageFields", "PageInfo"]

_T = TypeVar("_T")


@attrs.frozen
class PageInfo:
    """What the next page's request adds to the list's query (``{"after": "file_2"}``)."""

    params: Mapping[str, Any]


class PageFields:
    """The page's JSON fields beside ``data``, read from ``raw``: the usual cursor fields
    typed, any other one (``next``, ``next_page``, a new field) as an attribute at run time."""

    __slots__ = ()

    raw: Mapping[str, Any]

    def _str_field(self, name: str) -> str | None:
        value = self.raw.get(name)
        return value if isinstance(value, str) else None

    @property
    def object(self) -> str | None:
        return self._str_field("object")

    @property
    def first_id(self) -> str | None:
        return self._str_field("first_id")

    @property
    def last_id(self) -> str | None:
        return self._str_field("last_id")

    if not TYPE_CHECKING:
        # Unknown fields read like attributes at run time; type checkers do not see this,
        # so typos in known names are still caught (as on models).
        def __getattr__(self, name: str) -> Any:
            if not name.startswith("_") and name != "raw":
                try:
                    return self.raw[name]
                except (AttributeError, KeyError):
                    pass
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class AsyncPage(PageFields, Generic[_T]):
    """One page of a list: ``data``, the other fields the API sent, and the way on.

    ``async for item in page`` walks every item of this page and of every page after it;
    ``page.data`` holds this page's items only.
    """

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

    def __len__(self) -> int:
        return len(self.data)

    def next_page_info(self) -> PageInfo | None:
        """The cursor the next page's request would send; ``None`` when the list has none."""
        return self._request._next_page_info(self)

    def has_next_page(self) -> bool:
        return self.has_more and self.next_page_info() is not None

    async def get_next_page(self) -> AsyncPage[_T]:
        info = self.next_page_info()
        if not self.has_more or info is None:
            raise InvalidRequestError("this is the last page; check has_next_page() first")
        return await self._request._fetch({**self._request._query, **info.params})

    async def iter_pages(self) -> AsyncIterator[AsyncPage[_T]]:
        """This page, then each following one as it is fetched."""
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = await page.get_next_page()

    async def __aiter__(self) -> AsyncIterator[_T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item

    if not TYPE_CHECKING:
        # Hidden from type checkers, so they flag ``for item in page`` too.
        def __iter__(self) -> Any:
            raise AwaitRequiredError(
                "an AsyncPage cannot fetch the next pages in a plain for loop: use"
                " `async for item in page` (every item of every page) or `page.data`"
                " (this page's items)"
            )

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
        async for item in await self:
            yield item

    async def iter_pages(self) -> AsyncIterator[AsyncPage[_T]]:
        """Every page, the first one included, each fetched when the loop reaches it."""
        async for page in (await self).iter_pages():
            yield page

    def _next_page_info(self, page: AsyncPage[_T]) -> PageInfo | None:
        if self._cursor is None:
            return None
        if self._next_field is not None:
            value = page.raw.get(self._next_field)
        else:
            value = page.raw.get("last_id")
            if not isinstance(value, str) or not value:
                items = page.raw.get("data") or []
                value = items[-1].get("id") if items and isinstance(items[-1], Mapping) else None
        if not isinstance(value, str) or not value:
            return None
        return PageInfo({self._cursor: value})

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
