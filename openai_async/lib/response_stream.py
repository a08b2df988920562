"""Responses API streams: typed ``response.*`` events, text deltas, the final response.

(Being written: interfaces fixed, bodies to come.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .._resource import AsyncAPIResource

if TYPE_CHECKING:
    from .._streaming import AsyncStream
    from .._syncbase import Portal
    from ..models.responses import ResponseStreamEvent

__all__ = ["AsyncResponseStream", "ResponseStream", "response_stream"]


class AsyncResponseStream:
    """The typed events of a streamed response, and what they add up to."""

    def __init__(self, stream: AsyncStream[ResponseStreamEvent]) -> None:
        self.stream = stream


class ResponseStream:
    """The sync facade's :class:`AsyncResponseStream`, run on the portal."""

    def __init__(self, portal: Portal, stream: AsyncResponseStream) -> None:
        self._portal = portal
        self._async = stream


async def response_stream(
    resource: AsyncAPIResource, start: Callable[[], Awaitable[AsyncStream[ResponseStreamEvent]]]
) -> AsyncResponseStream:
    """What the generated ``responses.stream`` returns: the started stream, wrapped."""
    return AsyncResponseStream(await start())
