"""Assistants run streams: typed ``thread.*`` events, accumulated run / steps / messages,
and the requires-action -> submit tool outputs -> keep streaming loop.

:class:`AssistantStreamAccumulator` is pure (no I/O): feed it events, ask for the run, its
steps and its messages. :class:`AsyncAssistantStream` (what ``runs.stream``,
``runs.submit_tool_outputs_stream`` and ``threads.create_and_run_stream`` return) and its
sync twin :class:`AssistantStream` iterate the typed events, feed the accumulator, and
carry on with the events of ``submit_tool_outputs`` in the same loop::

    async with await client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=a.id) as stream:
        async for event in stream:
            if calls := stream.required_tool_calls:  # the run waits for these
                await stream.submit_tool_outputs(
                    [{"tool_call_id": c.id, "output": run_tool(c)} for c in calls]
                )
        run = await stream.final_run()

The ``done`` event is not yielded (the stream ends there), an ``error`` event raises
:class:`APIStreamError`, and a stream cut before a terminal ``thread.run.*`` event raises
:class:`IncompleteStreamError`. A run that ends ``failed``, ``cancelled``, ``expired`` or
``incomplete`` is not an exception: :meth:`AsyncAssistantStream.final_run` returns it and
its ``status``, ``last_error`` and ``incomplete_details`` say what happened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from .._converter import structure
from .._exceptions import IncompleteStreamError, InvalidRequestError
from .._resource import AsyncAPIResource
from .._syncbase import _PortalIterator
from .._types import NOT_GIVEN
from ..models.assistants import (
    AssistantStreamEvent,
    MessageDeltaContentTextObject,
    MessageDeltaObject,
    MessageObject,
    RunObject,
    RunStepDeltaObject,
    RunStepObject,
)
from .chat_stream import _Delta

if TYPE_CHECKING:
    from .._models import BaseModel
    from .._options import Timeout
    from .._request_options import RequestOptions
    from .._streaming import AsyncStream
    from .._syncbase import Portal
    from .._types import Body, Headers, NotGiven, Query
    from ..models.assistants import RunToolCallObject, SubmitToolOutputsRunRequestToolOutputsItem

__all__ = [
    "AssistantDeltaEvent",
    "AssistantStream",
    "AssistantStreamAccumulator",
    "AsyncAssistantStream",
    "MessageTextDeltaEvent",
    "RunStepToolCallDeltaEvent",
    "assistant_stream",
]

_M = TypeVar("_M", bound="BaseModel")


# --- events ----------------------------------------------------------------------------


@attrs.frozen
class MessageTextDeltaEvent(_Delta):
    """A piece of the text of a message; ``index`` is the content part's."""

    message_id: str
    index: int
    delta: str


@attrs.frozen
class RunStepToolCallDeltaEvent(_Delta):
    """A tool call of a run step changed: ``delta`` is the new piece of a function's
    ``arguments`` or of code interpreter ``input`` ("" when the change was elsewhere);
    ``snapshot`` is that text so far. ``index`` is the tool call's in the step."""

    step_id: str
    index: int
    type: str
    id: str | None
    name: str | None  # of the function (function calls only)
    delta: str


AssistantDeltaEvent = MessageTextDeltaEvent | RunStepToolCallDeltaEvent


# --- the accumulator -------------------------------------------------------------------


class _Pieces(list[str]):
    """A string that arrives in pieces, joined when read."""


class _ByIndex(dict[int, Any]):
    """A list whose items arrive by ``index`` (content parts, tool calls, annotations)."""


#: String fields whose deltas are appended; others are replaced by the newer value.
_APPENDED = frozenset({"value", "refusal", "arguments", "input", "logs"})


def _merge(target: dict[str, Any], delta: dict[str, Any]) -> None:
    """Fold a delta (decoded JSON, no ``None`` values) into ``target``, in place."""
    for key, value in delta.items():
        old = target.get(key)
        if isinstance(value, str) and key in _APPENDED:
            pieces = old if isinstance(old, _Pieces) else _Pieces([old] if old else [])
            pieces.append(value)
            target[key] = pieces
        elif isinstance(value, dict):
            if not isinstance(old, dict):
                old = target[key] = {}
            _merge(old, value)
        elif isinstance(value, list):
            target[key] = _merge_list(old, value)
        elif value is not None:
            target[key] = value


def _merge_list(old: Any, items: list[Any]) -> _ByIndex:
    """Items with an ``index`` merge into the item at that index; others are appended."""
    merged = old if isinstance(old, _ByIndex) else _ByIndex(enumerate(old or ()))
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("index"), int):
            key: int = item["index"]
            item = {k: v for k, v in item.items() if k != "index"}
        else:
            key = max(merged, default=-1) + 1
        current = merged.get(key)
        if isinstance(item, dict):
            if not isinstance(current, dict):
                current = merged[key] = {}
            _merge(current, item)
        else:
            merged[key] = item
    return merged


def _plain(value: Any) -> Any:
    """A fresh JSON-ready copy of accumulated state (pieces joined, indexed items in order)."""
    if isinstance(value, _Pieces):
        return "".join(value)
    if isinstance(value, _ByIndex):
        return [_plain(v) for _, v in sorted(value.items())]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class _Item:
    """A message or run step: the server's last snapshot, or that with deltas folded in."""

    __slots__ = ("data", "model")

    def __init__(self, model: BaseModel | None = None, data: dict[str, Any] | None = None):
        self.model = model
        self.data = data

    def editable(self) -> dict[str, Any]:
        """The state as a dict, to fold a delta into; the model is rebuilt when next read."""
        if self.data is None:
            self.data = _plain(self.model.to_dict()) if self.model is not None else {}
        self.model = None
        return self.data

    def build(self, cls: type[_M]) -> _M:
        if self.model is None:
            self.model = structure(_plain(self.data), cls)
        assert isinstance(self.model, cls)
        return self.model


class AssistantStreamAccumulator:
    """Folds the events of a run stream into the run, its steps and its messages.

    The run is the latest ``thread.run.*`` snapshot. Steps and messages are the server's
    snapshots (``created``, ``completed`` ...) with the ``*.delta`` events after them
    applied: items merged by ``index`` (content parts, tool calls, annotations), text
    ``value``, function ``arguments`` and code ``input`` concatenated. :meth:`add` returns
    the text and tool-call delta events each event gives rise to.
    """

    def __init__(self) -> None:
        self._run: RunObject | None = None
        self._steps: dict[str, _Item] = {}
        self._messages: dict[str, _Item] = {}

    def add(self, event: AssistantStreamEvent) -> list[AssistantDeltaEvent]:
        """Fold in one event (any kind; unknown ones change nothing)."""
        data = getattr(event, "data", None)
        if isinstance(data, RunObject):
            self._run = data
        elif isinstance(data, MessageDeltaObject):
            return self._message_delta(data)
        elif isinstance(data, MessageObject):
            self._messages[data.id] = _Item(data)
        elif isinstance(data, RunStepDeltaObject):
            return self._step_delta(data)
        elif isinstance(data, RunStepObject):
            self._steps[data.id] = _Item(data)
        return []

    def _message_delta(self, delta: MessageDeltaObject) -> list[AssistantDeltaEvent]:
        item = self._messages.get(delta.id)
        if item is None:
            item = self._messages[delta.id] = _Item(data={"id": delta.id})
        data = item.editable()
        patch = _text_patch(delta.delta) or delta.delta.to_dict(exclude_none=True)
        _merge(data, patch)
        events: list[AssistantDeltaEvent] = []
        for change in patch.get("content") or ():
            if not isinstance(change, dict) or change.get("type") != "text":
                continue
            if not isinstance(change.get("index"), int):
                continue
            # A text part always has a value and annotations, even if no delta gave them.
            text = data["content"][change["index"]].setdefault("text", {})
            pieces = text.setdefault("value", _Pieces())
            text.setdefault("annotations", [])
            value = change.get("text", {}).get("value")
            if value:
                events.append(
                    MessageTextDeltaEvent(pieces, len(pieces), delta.id, change["index"], value)
                )
        return events

    def _step_delta(self, delta: RunStepDeltaObject) -> list[AssistantDeltaEvent]:
        item = self._steps.get(delta.id)
        if item is None:
            item = self._steps[delta.id] = _Item(data={"id": delta.id})
        data = item.editable()
        patch = delta.delta.to_dict(exclude_none=True)
        _merge(data, patch)
        events: list[AssistantDeltaEvent] = []
        for change in (patch.get("step_details") or {}).get("tool_calls") or ():
            if isinstance(change, dict) and isinstance(change.get("index"), int):
                call = data["step_details"]["tool_calls"][change["index"]]
                if call.get("type") == "function":  # arguments always there, if only ""
                    call.setdefault("function", {}).setdefault("arguments", _Pieces())
                events.append(_tool_call_event(delta.id, change, call))
        return events

    @property
    def current_run(self) -> RunObject | None:
        """The latest run snapshot (``None`` before the first ``thread.run.*`` event)."""
        return self._run

    @property
    def required_tool_calls(self) -> list[RunToolCallObject]:
        """The function calls the run waits for (empty unless it is in ``requires_action``)."""
        run = self._run
        if run is None or run.status != "requires_action" or run.required_action is None:
            return []
        calls = run.required_action.submit_tool_outputs.tool_calls or []
        return [c for c in calls if c.type == "function"]

    def message(self, message_id: str) -> MessageObject:
        """The message so far (``KeyError`` if the stream has not mentioned it)."""
        return self._messages[message_id].build(MessageObject)

    def messages(self) -> list[MessageObject]:
        """Every message the stream created or changed, in order of first appearance."""
        return [item.build(MessageObject) for item in self._messages.values()]

    def run_step(self, step_id: str) -> RunStepObject:
        """The run step so far (``KeyError`` if the stream has not mentioned it)."""
        return self._steps[step_id].build(RunStepObject)

    def run_steps(self) -> list[RunStepObject]:
        """Every run step of the stream, in order of first appearance."""
        return [item.build(RunStepObject) for item in self._steps.values()]


def _text_patch(delta: Any) -> dict[str, Any] | None:
    """``delta.to_dict(exclude_none=True)`` for the common delta, text values only, built
    directly (a quarter of the cost); ``None`` for any other shape."""
    if delta.role is not None or delta.model_extra or not delta.content:
        return None
    content = []
    for part in delta.content:
        text = getattr(part, "text", None)
        if (
            type(part) is not MessageDeltaContentTextObject
            or part.model_extra
            or text is None
            or text.annotations
            or text.model_extra
            or not isinstance(text.value, str)
        ):
            return None
        content.append({"index": part.index, "type": part.type, "text": {"value": text.value}})
    return {"content": content}


def _tool_call_event(
    step_id: str, change: dict[str, Any], call: dict[str, Any]
) -> RunStepToolCallDeltaEvent:
    kind = call.get("type")
    kind = kind if isinstance(kind, str) else ""
    key = "arguments" if kind == "function" else "input"
    inner = call.get(kind)
    inner = inner if isinstance(inner, dict) else {}
    changed = change.get(kind)
    piece = changed.get(key) if isinstance(changed, dict) else None
    text = inner.get(key)
    parts = text if isinstance(text, _Pieces) else [text] if isinstance(text, str) else []
    name = inner.get("name") if kind == "function" else None
    return RunStepToolCallDeltaEvent(
        parts,
        len(parts),
        step_id,
        change["index"],
        kind,
        call.get("id"),
        name,
        piece if isinstance(piece, str) else "",
    )


# --- the stream wrappers ---------------------------------------------------------------

_Step = tuple[AssistantStreamEvent, list[AssistantDeltaEvent]]


class AsyncAssistantStream:
    """The events of a run (and of the runs it continues into after tool outputs).

    ``async for event in stream`` yields the typed events (``event.event`` names them;
    unknown ones arrive as :class:`UnknownVariant`) and folds them into
    :attr:`accumulator`. :meth:`submit_tool_outputs` makes the same iteration go on with
    the events of the continued run. ``done`` is not yielded: the stream ends there.

    Leaving a loop early does not close the stream (``final_run()`` can read the rest):
    use ``async with`` or :meth:`aclose` to release its connections.
    """

    def __init__(
        self, stream: AsyncStream[AssistantStreamEvent], resource: AsyncAPIResource
    ) -> None:
        self.stream = stream  # the one being read; the continuation's after tool outputs
        self._resource = resource
        self.accumulator = AssistantStreamAccumulator()
        self._continuation: AsyncStream[AssistantStreamEvent] | None = None
        self._closed = False

    async def _step(self) -> _Step | None:
        """The next event and the delta events it gave rise to; ``None`` at the end."""
        while True:
            try:
                event = await self.stream.__anext__()
            except StopAsyncIteration:
                if self._continuation is None:
                    return None
                self.stream, self._continuation = self._continuation, None
                continue
            return event, self.accumulator.add(event)

    def __aiter__(self) -> AsyncAssistantStream:
        return self

    async def __anext__(self) -> AssistantStreamEvent:
        step = await self._step()
        if step is None:
            raise StopAsyncIteration
        return step[0]

    async def events(self) -> AsyncIterator[AssistantStreamEvent | AssistantDeltaEvent]:
        """Each typed event, followed by the text / tool-call delta events it gave rise to."""
        while (step := await self._step()) is not None:
            yield step[0]
            for derived in step[1]:
                yield derived

    async def text_deltas(self) -> AsyncIterator[str]:
        """The pieces of message text, as they arrive."""
        while (step := await self._step()) is not None:
            for derived in step[1]:
                if isinstance(derived, MessageTextDeltaEvent):
                    yield derived.delta

    async def until_done(self) -> None:
        """Read the rest of the stream (and of any continuation started)."""
        while await self._step() is not None:
            pass

    async def final_run(self) -> RunObject:
        """The run once the stream ended: ``completed``, ``requires_action`` (submit tool
        outputs, then ask again), or ``failed`` / ``cancelled`` / ``expired`` /
        ``incomplete`` (``last_error`` / ``incomplete_details`` say why)."""
        await self.until_done()
        run = self.accumulator.current_run
        if run is None:
            raise IncompleteStreamError("the assistants stream ended without a thread.run event")
        return run

    async def final_messages(self) -> list[MessageObject]:
        """Every message of the stream, complete (after reading the rest)."""
        await self.until_done()
        return self.accumulator.messages()

    async def final_run_steps(self) -> list[RunStepObject]:
        """Every run step of the stream, complete (after reading the rest)."""
        await self.until_done()
        return self.accumulator.run_steps()

    @property
    def current_run(self) -> RunObject | None:
        """The latest run snapshot seen."""
        return self.accumulator.current_run

    @property
    def required_tool_calls(self) -> list[RunToolCallObject]:
        """The function calls the current run waits for: empty unless it is in
        ``requires_action`` and their outputs were not submitted yet."""
        return [] if self._continuation is not None else self.accumulator.required_tool_calls

    async def submit_tool_outputs(
        self,
        tool_outputs: Iterable[SubmitToolOutputsRunRequestToolOutputsItem],
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> None:
        """Submit the outputs of :attr:`required_tool_calls` and stream the rest of the run
        in the same iteration, after the current stream's last event.

        :class:`InvalidRequestError` unless the current run is in ``requires_action`` and
        its outputs were not submitted yet.
        """
        if self._closed:
            raise InvalidRequestError("the assistants stream is closed")
        run = self.accumulator.current_run
        if run is None or run.status != "requires_action":
            status = "no run yet" if run is None else f"the run is {run.status!r}"
            raise InvalidRequestError(
                f"submit_tool_outputs needs a run in 'requires_action' ({status})"
            )
        if self._continuation is not None:
            raise InvalidRequestError(f"the tool outputs of run {run.id} were already submitted")
        self._continuation = await self._resource._client.beta.threads.runs.submit_tool_outputs(
            run.id,
            thread_id=run.thread_id,
            tool_outputs=list(tool_outputs),
            stream=True,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            options=options,
        )

    def _open(self) -> bool:
        """Whether a connection may still be held."""
        return self._continuation is not None or not self.stream._response.closed

    def close_now(self) -> None:
        """Close every connection at once (synchronous)."""
        self._closed = True
        self.stream.close_now()
        if self._continuation is not None:
            self._continuation.close_now()
            self._continuation = None

    async def aclose(self) -> None:
        """Stop reading and release the connections (the continuation's too)."""
        self.close_now()

    async def __aenter__(self) -> AsyncAssistantStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close_now()


class AssistantStream(_PortalIterator[AssistantStreamEvent]):
    """The sync facade's :class:`AsyncAssistantStream`, run on the portal.

    ``for event in stream`` yields the typed events; use ``with`` (or :meth:`close`) to
    release the connections when you stop early.
    """

    def __init__(self, portal: Portal, stream: AsyncAssistantStream) -> None:
        self._portal = portal
        self._async = self._source = stream
        portal._streams.add(stream.stream)  # closed on the loop if the client closes first

    @property
    def accumulator(self) -> AssistantStreamAccumulator:
        return self._async.accumulator

    def __iter__(self) -> AssistantStream:
        return self

    def _steps(self) -> Iterator[_Step]:
        while (step := self._portal.call(self._async._step)) is not None:
            yield step

    def events(self) -> Iterator[AssistantStreamEvent | AssistantDeltaEvent]:
        """Each typed event, followed by the text / tool-call delta events it gave rise to."""
        for event, derived in self._steps():
            yield event
            yield from derived

    def text_deltas(self) -> Iterator[str]:
        """The pieces of message text, as they arrive."""
        for _, derived in self._steps():
            for event in derived:
                if isinstance(event, MessageTextDeltaEvent):
                    yield event.delta

    def until_done(self) -> None:
        self._portal.call(self._async.until_done)

    def final_run(self) -> RunObject:
        return self._portal.call(self._async.final_run)

    def final_messages(self) -> list[MessageObject]:
        return self._portal.call(self._async.final_messages)

    def final_run_steps(self) -> list[RunStepObject]:
        return self._portal.call(self._async.final_run_steps)

    @property
    def current_run(self) -> RunObject | None:
        return self._async.current_run

    @property
    def required_tool_calls(self) -> list[RunToolCallObject]:
        return self._async.required_tool_calls

    def submit_tool_outputs(
        self,
        tool_outputs: Iterable[SubmitToolOutputsRunRequestToolOutputsItem],
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
    ) -> None:
        """See :meth:`AsyncAssistantStream.submit_tool_outputs`."""
        self._portal.call(
            partial(
                self._async.submit_tool_outputs,
                tool_outputs,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                max_retries=max_retries,
                options=options,
            )
        )
        if self._async._continuation is not None:
            self._portal._streams.add(self._async._continuation)

    def __del__(self) -> None:
        # Close on the portal's loop: the streams' own __del__ would touch the connections
        # from whatever thread collects them.
        stream = getattr(self, "_async", None)
        if stream is not None and stream._open():
            self._portal.run_now(stream.close_now)


async def assistant_stream(
    resource: AsyncAPIResource, start: Callable[[], Awaitable[AsyncStream[AssistantStreamEvent]]]
) -> AsyncAssistantStream:
    """What the generated ``runs.stream`` & co. return: the started stream, wrapped."""
    return AsyncAssistantStream(await start(), resource)
