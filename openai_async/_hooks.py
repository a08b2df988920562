"""Request and response hooks: ``hooks={"request": [...], "response": [...]}``.

Called for every HTTP attempt (retries included), from the client's send loop: request
hooks with the :class:`RequestInfo` about to be sent (credential headers already
redacted), response hooks with an :class:`HTTPResponse` once its headers are in (its body
is not read yet: ``content`` is empty). A hook is a plain or an async callable; what it
returns is ignored, what it raises fails the call. No I/O here.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypedDict, Union

from ._exceptions import ConfigurationError
from ._response import HTTPResponse, RequestInfo

__all__ = ["HookSet", "Hooks", "RequestHook", "ResponseHook", "check_hooks"]

#: Called with each request about to be sent (sync or async).
RequestHook = Callable[[RequestInfo], Union[object, Awaitable[object]]]
#: Called with each response once its headers are in (sync or async).
ResponseHook = Callable[[HTTPResponse], Union[object, Awaitable[object]]]


class Hooks(TypedDict, total=False):
    """The ``hooks=`` of a client: callables run for every HTTP attempt."""

    request: Sequence[RequestHook]
    response: Sequence[ResponseHook]


class HookSet:
    """The hooks of one client, checked once; ``None`` stands for no hooks at all."""

    __slots__ = ("request", "response")

    def __init__(
        self, request: tuple[RequestHook, ...], response: tuple[ResponseHook, ...]
    ) -> None:
        self.request = request
        self.response = response

    async def on_request(self, request: RequestInfo) -> None:
        for hook in self.request:
            result = hook(request)
            if inspect.isawaitable(result):
                await result

    async def on_response(self, response: HTTPResponse) -> None:
        for hook in self.response:
            result = hook(response)
            if inspect.isawaitable(result):
                await result


def check_hooks(hooks: Hooks | Mapping[str, Sequence[object]] | None) -> HookSet | None:
    """``hooks=`` checked: a mapping of ``"request"`` / ``"response"`` to lists of callables."""
    if hooks is None:
        return None
    if not isinstance(hooks, Mapping):
        raise ConfigurationError(
            'hooks must be a mapping like {"request": [fn, ...], "response": [fn, ...]}'
        )
    unknown = set(hooks) - {"request", "response"}
    if unknown:
        raise ConfigurationError(
            f"hooks: unknown event {sorted(map(str, unknown))[0]!r} "
            '(the events are "request" and "response")'
        )
    found: dict[str, tuple[Callable[..., object], ...]] = {}
    for event in ("request", "response"):
        fns = hooks.get(event, ())
        if isinstance(fns, (str, bytes)) or not isinstance(fns, Sequence):
            raise ConfigurationError(f'hooks["{event}"] must be a list of callables')
        for fn in fns:
            if not callable(fn):
                raise ConfigurationError(f'hooks["{event}"]: {fn!r} is not callable')
        found[event] = tuple(fns)
    if not found["request"] and not found["response"]:
        return None
    return HookSet(found["request"], found["response"])
