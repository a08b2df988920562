"""Shared by the examples: the real API when OPENAI_API_KEY is set, else the bundled local server."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager

from openai_async import AsyncClient, Client
from openai_async.testing import LocalServer, Reply


@asynccontextmanager
async def async_client(
    local_replies: Sequence[Reply] = (), local_setup: Callable[[LocalServer], None] | None = None
) -> AsyncIterator[AsyncClient]:
    """``local_replies``: what the local server answers; ``local_setup``: called with the
    server to add routes (the real API ignores both)."""
    if os.environ.get("OPENAI_API_KEY"):
        async with AsyncClient() as client:
            yield client
        return
    async with LocalServer() as server:
        for reply in local_replies:
            server.add_reply(reply)
        if local_setup is not None:
            local_setup(server)
        print(f"(no OPENAI_API_KEY: using the local server at {server.base_url})", file=sys.stderr)
        async with AsyncClient(api_key="local", base_url=server.base_url) as client:
            yield client


@contextmanager
def sync_client() -> Iterator[Client]:
    if os.environ.get("OPENAI_API_KEY"):
        with Client() as client:
            yield client
        return
    with LocalServer.threaded() as server:
        print(f"(no OPENAI_API_KEY: using the local server at {server.base_url})", file=sys.stderr)
        with Client(api_key="local", base_url=server.base_url) as client:
            yield client
