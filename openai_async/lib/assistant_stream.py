"""Assistants run streams: typed ``thread.*`` events, accumulated run / steps / messages,
and the requires-action -> submit tool outputs -> keep streaming loop.

(Being written: interfaces fixed, bodies to come.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .._resource import AsyncAPIResource

if TYPE_CHECKING:
    from .._streaming import AsyncStream
    from .._syncbase import Portal
    from ..models.assistants import AssistantStreamEvent

__all__ = ["AssistantStream", "AsyncAssistantStream", "assistant_stream"]


class AsyncAssistantStream:
    """The events of a run (and of the runs it continues into after tool outputs)."""

    def __init__(
        self, stream: AsyncStream[AssistantStreamEvent], resource: AsyncAPIResource
    ) -> None:
        self.stream = stream
        self._resource = resource


class AssistantStream:
    """The sync facade's :class:`AsyncAssistantStream`, run on the portal."""

    def __init__(self, portal: Portal, stream: AsyncAssistantStream) -> None:
        self._portal = portal
        self._async = stream


async def assistant_stream(
    resource: AsyncAPIResource, start: Callable[[], Awaitable[AsyncStream[AssistantStreamEvent]]]
) -> AsyncAssistantStream:
    """What the generated ``runs.stream`` & co. return: the started stream, wrapped."""
    return AsyncAssistantStream(await start(), resource)
