"""Scripted routes of the local server: any method and path, answered by a test's function
with JSON, raw bytes (a binary body) or server-sent events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import orjson
from aiohttp import web

if TYPE_CHECKING:
    from ._server import RecordedRequest

__all__ = ["Handler", "Scripted", "abort_connection", "answer"]


@attrs.frozen(kw_only=True)
class Scripted:
    """The answer of a scripted route: ``json``, or ``body`` bytes (sent in pieces of
    ``chunk_size``, the connection dropped after ``drop_after`` pieces if given), or
    ``events`` as ``(event name or None, data)`` pairs, each written after
    ``event_delay`` seconds (so a client can act mid-stream)."""

    status: int = 200
    json: Any = None
    body: bytes | None = None
    content_type: str | None = None
    events: Sequence[tuple[str | None, str]] | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    chunk_size: int = 65536
    event_delay: float = 0.0
    drop_after: int | None = None


async def abort_connection(request: web.Request) -> None:
    """Close the connection abruptly (no HTTP-level end of body)."""
    transport = request.transport
    if transport is None:
        return
    # abort() discards the write buffer: let the events already written reach the socket.
    for _ in range(200):
        if transport.get_write_buffer_size() == 0:
            break
        await asyncio.sleep(0.005)
    transport.abort()


#: What ``LocalServer.add_route`` takes: the recorded request in, the answer out.
Handler = Callable[["RecordedRequest"], Scripted]


async def answer(
    request: web.Request, reply: Scripted, headers: Mapping[str, str]
) -> web.StreamResponse:
    """Send ``reply`` for ``request``."""
    merged = {**headers, **reply.headers}
    if reply.events is not None:
        response = web.StreamResponse(status=reply.status, headers=merged)
        response.content_type = "text/event-stream"
        await response.prepare(request)
        for name, data in reply.events:
            if reply.event_delay:
                await asyncio.sleep(reply.event_delay)
            head = f"event: {name}\n" if name is not None else ""
            await response.write(f"{head}data: {data}\n\n".encode())
        await response.write_eof()
        return response
    if reply.body is not None:
        response = web.StreamResponse(status=reply.status, headers=merged)
        response.content_type = reply.content_type or "application/octet-stream"
        response.content_length = len(reply.body)
        await response.prepare(request)
        for piece, start in enumerate(range(0, len(reply.body), reply.chunk_size)):
            if piece == reply.drop_after:
                await abort_connection(request)
                return response
            await response.write(reply.body[start : start + reply.chunk_size])
        await response.write_eof()
        return response
    return web.Response(
        body=orjson.dumps(reply.json),
        status=reply.status,
        content_type=reply.content_type or "application/json",
        headers=merged,
    )
