"""Small version shims shared by the I/O layers (no aiohttp here: it loads on first request)."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

if sys.version_info >= (3, 11):
    from asyncio import timeout_at
else:  # pragma: no cover - aiohttp depends on async-timeout below 3.11
    from async_timeout import timeout_at  # type: ignore[import-not-found, no-redef, unused-ignore]

__all__ = ["deadline_scope"]


def deadline_scope(deadline: float | None) -> contextlib.AbstractAsyncContextManager[Any]:
    """A scope that times out at the loop time ``deadline`` (``None``: never)."""
    if deadline is None:
        return contextlib.nullcontext()
    scope: contextlib.AbstractAsyncContextManager[Any] = timeout_at(deadline)
    return scope
