"""Base of the async resource classes (``client.chat.completions`` ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._client import AsyncClient

__all__ = ["AsyncAPIResource"]


class AsyncAPIResource:
    """A group of API operations bound to one client."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"
