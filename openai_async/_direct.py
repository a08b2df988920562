"""Direct mode of the sync facade: a plain call's coroutine driven in the calling thread.

A call of the sync ``Client`` normally hops to the client's event-loop thread (the portal)
and back. A plain call (one JSON request, one JSON response, no hooks or tracing) needs
no event loop: :func:`run_direct` drives its coroutine by hand, and the client's send loop
sends through the transport's blocking twin (``_synchttp.SyncTransport``). The send loop,
retries, deadlines, errors and models are the same code either way. A stream sent this way
is read from its socket in the calling thread too (the sync ``Stream`` drives it).

What needs the event loop (files, a binary body, a raw response, hooks or tracing, a key
provider; a session or proxy passed in) raises :class:`NeedsLoop` before anything is sent,
and the portal runs the call from the start.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any, TypeVar

from ._exceptions import APIConnectionError

__all__ = ["NeedsLoop", "current_run", "direct_mode", "run_direct"]

_T = TypeVar("_T")


class _Run:
    """One call driven by :func:`run_direct`: whether it has sent a request yet."""

    __slots__ = ("sent",)

    def __init__(self) -> None:
        self.sent = False


#: Set while :func:`run_direct` drives a call: the send loop then sends through the
#: transport's blocking twin, or raises :class:`NeedsLoop`.
_DIRECT: ContextVar[_Run | None] = ContextVar("openai_async_direct", default=None)


class NeedsLoop(BaseException):
    """This call needs the event loop; raised before anything is sent, caught by
    :func:`run_direct` (a ``BaseException``, so no ``except Exception`` swallows it)."""


def direct_mode() -> bool:
    """Whether the running call is driven by :func:`run_direct` (no event loop)."""
    return _DIRECT.get() is not None


def run_direct(
    fn: Callable[..., Coroutine[Any, Any, _T]], args: tuple[Any, ...]
) -> tuple[bool, Any]:
    """Drive ``fn(*args)`` in this thread without an event loop.

    Returns ``(True, result)``; or ``(False, None)`` when the call needs the loop (it has
    sent nothing: run it on the loop instead). Errors of the call propagate.
    """
    run = _Run()
    token = _DIRECT.set(run)
    try:
        coro = fn(*args)
        try:
            coro.send(None)
        except StopIteration as stop:
            return True, stop.value
        except NeedsLoop:
            return False, None
        # It awaited something that suspends: only an event loop can resume it.
        coro.close()
        if run.sent:  # never sent twice: the send loop checks all it awaits before sending
            raise APIConnectionError(
                "a sync call was suspended after its request was sent; nothing can resume it"
            )
        return False, None  # nothing sent: the loop runs the call afresh
    finally:
        _DIRECT.reset(token)


def current_run() -> _Run | None:
    return _DIRECT.get()
