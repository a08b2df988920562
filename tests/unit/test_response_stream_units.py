"""ResponseAccumulator (no I/O): events of a Responses API stream in, the response out.

The event builders here (shaped after the spec's ``Response*Event`` schemas) are shared
with tests/resources/test_response_stream.py.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from openai_async import ResponseFailedError, ResponseIncompleteError, ResponseNotCompletedError
from openai_async._converter import structure
from openai_async._models import UnknownVariant
from openai_async.lib.response_stream import ResponseAccumulator, output_text
from openai_async.models.responses import (
    FunctionToolCall,
    OutputMessage,
    OutputTextContent,
    RefusalContent,
    Response,
    ResponseCompletedEvent,
    ResponseStreamEvent,
)

RESPONSE_ID = "resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41"
MESSAGE_ID = "msg_67ccd3acc8d48190a77525dc6de64b4104becb25c45c1d41"
CALL_ID = "fc_67ccd3ae2a8c8190b2f8d1e32dc5b9b104becb25c45c1d41"


# --- event builders --------------------------------------------------------------------


def response(
    status: str, output: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    """A ``Response`` object as the API sends it in lifecycle events."""
    body: dict[str, Any] = {
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": 1741476777,
        "status": status,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": "gpt-4o-2024-08-06",
        "output": output or [],
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": None,
        "user": None,
        "metadata": {},
    }
    body.update(extra)
    return body


def text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def message(status: str, *content: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": MESSAGE_ID,
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": list(content),
    }


USAGE = {
    "input_tokens": 12,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 5,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 17,
}


class Script:
    """The events of one stream, in order, numbered like the API numbers them."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, type: str, **fields: Any) -> Script:
        self.events.append({"type": type, **fields, "sequence_number": len(self.events)})
        return self

    def start(self) -> Script:
        return self.add("response.created", response=response("in_progress")).add(
            "response.in_progress", response=response("in_progress")
        )

    def text(self, *pieces: str, output_index: int = 0) -> Script:
        """One assistant message streamed in ``pieces``, from output_item.added to .done."""
        where = {"item_id": MESSAGE_ID, "output_index": output_index, "content_index": 0}
        text = "".join(pieces)
        self.add(
            "response.output_item.added", output_index=output_index, item=message("in_progress")
        )
        self.add("response.content_part.added", **where, part=text_part(""))
        for piece in pieces:
            self.add("response.output_text.delta", **where, delta=piece, logprobs=[])
        self.add("response.output_text.done", **where, text=text, logprobs=[])
        self.add("response.content_part.done", **where, part=text_part(text))
        return self.add(
            "response.output_item.done",
            output_index=output_index,
            item=message("completed", text_part(text)),
        )

    def end(self, type: str = "response.completed", **extra: Any) -> Script:
        """The terminal event; its response holds the message of :meth:`text` when there was one."""
        status = type.removeprefix("response.")
        output = [e["item"] for e in self.events if e["type"] == "response.output_item.done"]
        return self.add(type, response=response(status, output, usage=USAGE, **extra))

    def sse(self) -> list[tuple[str | None, str]]:
        """As ``Scripted(events=...)`` takes them: the SSE ``event:`` name and the JSON."""
        return [(e["type"], orjson.dumps(e).decode()) for e in self.events]

    def typed(self) -> list[ResponseStreamEvent]:
        return [structure(e, ResponseStreamEvent) for e in self.events]  # type: ignore[arg-type]


def hello() -> Script:
    return Script().start().text("Hel", "lo", " there").end()


def accumulate(events: list[ResponseStreamEvent]) -> ResponseAccumulator:
    acc = ResponseAccumulator()
    for event in events:
        acc.add(event)
    return acc


# --- completed ---------------------------------------------------------------------------


def test_the_final_response_is_the_completed_events_with_output_text_filled_in():
    events = hello().typed()
    acc = accumulate(events)
    final = acc.final_response()
    assert acc.ended == "response.completed"
    assert isinstance(events[-1], ResponseCompletedEvent)
    assert final is events[-1].response
    assert final.status == "completed"
    assert final.output_text == "Hello there"
    assert final.usage is not None and final.usage.total_tokens == 17
    assert acc.snapshot() is final


def test_output_text_sent_by_the_server_is_kept():
    script = Script().start().text("a").end(output_text="as sent")
    assert accumulate(script.typed()).final_response().output_text == "as sent"


def test_nothing_yet_means_no_snapshot_and_not_completed():
    acc = ResponseAccumulator()
    assert acc.snapshot() is None
    with pytest.raises(ResponseNotCompletedError) as info:
        acc.final_response()
    assert info.value.response is None
    assert type(info.value) is ResponseNotCompletedError


# --- the snapshot mid-stream -------------------------------------------------------------


def test_the_snapshot_grows_with_each_delta_and_leaves_the_events_as_sent():
    events = hello().typed()
    acc = ResponseAccumulator()
    texts = []
    for event in events[:-1]:
        acc.add(event)
        snap = acc.snapshot()
        assert snap is not None and snap.status == "in_progress"
        texts.append(snap.output_text)
    # created, in_progress, item added, part added, 3 deltas, text done, part done, item done
    assert texts == ["", "", "", "", "Hel", "Hello", "Hello there"] + ["Hello there"] * 3
    snap = acc.snapshot()
    assert snap is not None
    [item] = snap.output
    assert isinstance(item, OutputMessage) and item.status == "completed"
    # The added events' objects were copied, not filled in.
    added = events[2]
    assert added.type == "response.output_item.added"
    assert added.item.content == []  # type: ignore[union-attr]
    assert events[3].part.text == ""  # type: ignore[union-attr]
    assert events[0].response.output == []  # type: ignore[union-attr]


def test_the_snapshot_mid_text_has_the_message_and_its_part():
    events = hello().typed()
    acc = accumulate(events[:6])  # up to the second delta
    snap = acc.snapshot()
    assert snap is not None
    [item] = snap.output
    assert isinstance(item, OutputMessage)
    assert item.id == MESSAGE_ID and item.status == "in_progress"
    [part] = item.content
    assert isinstance(part, OutputTextContent) and part.text == "Hello"
    assert snap.id == RESPONSE_ID and snap.output_text == "Hello"


def test_done_events_replace_what_the_deltas_built():
    events = hello().typed()
    done = events[7]
    assert done.type == "response.output_text.done"
    done.text = "Hello, there"  # type: ignore[union-attr]
    acc = accumulate(events[:8])
    snap = acc.snapshot()
    assert snap is not None and snap.output_text == "Hello, there"


def test_two_messages_keep_their_order_and_text():
    script = Script().start().text("one").text("two", output_index=1)
    acc = accumulate(script.typed()[:-3])  # the second message mid-stream
    snap = acc.snapshot()
    assert snap is not None
    assert snap.output_text == "onetwo"
    assert [getattr(i, "status", None) for i in snap.output] == ["completed", "in_progress"]


def test_deltas_without_added_events_still_build_a_message():
    # Some compatible servers send only the deltas between the lifecycle events.
    script = Script().start()
    for piece in ("a", "b"):
        script.add(
            "response.output_text.delta",
            item_id="m",
            output_index=0,
            content_index=0,
            delta=piece,
            logprobs=[],
        )
    snap = accumulate(script.typed()).snapshot()
    assert snap is not None
    [item] = snap.output
    assert isinstance(item, OutputMessage) and item.role == "assistant"
    assert snap.output_text == "ab"


def test_refusal_deltas_build_a_refusal_part():
    where = {"item_id": MESSAGE_ID, "output_index": 0, "content_index": 0}
    script = Script().start()
    script.add("response.output_item.added", output_index=0, item=message("in_progress"))
    script.add("response.content_part.added", **where, part={"type": "refusal", "refusal": ""})
    script.add("response.refusal.delta", **where, delta="I can't ")
    script.add("response.refusal.delta", **where, delta="help with that.")
    snap = accumulate(script.typed()).snapshot()
    assert snap is not None
    [item] = snap.output
    assert isinstance(item, OutputMessage)
    [part] = item.content
    assert isinstance(part, RefusalContent) and part.refusal == "I can't help with that."
    assert snap.output_text == ""


def test_function_call_arguments_grow_in_the_snapshot():
    call = {
        "id": CALL_ID,
        "type": "function_call",
        "status": "in_progress",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": "",
    }
    script = Script().start().add("response.output_item.added", output_index=0, item=call)
    for piece in ('{"city"', ': "Paris"}'):
        script.add(
            "response.function_call_arguments.delta", item_id=CALL_ID, output_index=0, delta=piece
        )
    acc = accumulate(script.typed())
    snap = acc.snapshot()
    assert snap is not None
    [item] = snap.output
    assert isinstance(item, FunctionToolCall) and item.arguments == '{"city": "Paris"}'
    script.add(
        "response.function_call_arguments.done",
        item_id=CALL_ID,
        name="get_weather",
        output_index=0,
        arguments='{"city": "Rome"}',
    )
    acc.add(script.typed()[-1])
    snap = acc.snapshot()
    assert snap is not None and snap.output[0].arguments == '{"city": "Rome"}'  # type: ignore[union-attr]


def test_unknown_event_types_are_ignored():
    script = Script().start()
    script.add("response.future_thing.delta", output_index=0, payload={"x": 1})
    script.text("hi").end()
    events = script.typed()
    assert isinstance(events[2], UnknownVariant)
    assert accumulate(events).final_response().output_text == "hi"


def test_a_response_missing_optional_and_nullable_fields_still_snapshots():
    # The spec's own examples leave out fields (parallel_tool_calls, logprobs, status).
    bare = {"id": "r", "object": "response", "created_at": 1, "model": "m", "output": []}
    bare |= {"tools": [], "tool_choice": "auto"}
    script = Script().add("response.created", response=bare)
    script.add(
        "response.output_item.added",
        output_index=0,
        item={"id": "m", "type": "message", "role": "assistant", "content": []},
    )
    script.add(
        "response.content_part.added",
        item_id="m",
        output_index=0,
        content_index=0,
        part={"type": "output_text", "text": "", "annotations": []},
    )
    script.add(
        "response.output_text.delta", item_id="m", output_index=0, content_index=0, delta="ok"
    )
    snap = accumulate(script.typed()).snapshot()
    assert snap is not None and snap.output_text == "ok"


# --- how a response ends otherwise --------------------------------------------------------


def test_failed_raises_with_the_responses_error():
    error = {"code": "server_error", "message": "The model crashed."}
    acc = accumulate(Script().start().text("par").end("response.failed", error=error).typed())
    with pytest.raises(ResponseFailedError) as info:
        acc.final_response()
    err = info.value
    assert err.code == "server_error" and err.error_message == "The model crashed."
    assert "server_error: The model crashed." in str(err)
    assert isinstance(err.response, Response) and err.response.status == "failed"
    assert err.response.output_text == "par"  # what did arrive is reachable
    assert isinstance(err, ResponseNotCompletedError)


def test_failed_without_an_error_object_still_raises():
    acc = accumulate(Script().start().end("response.failed").typed())
    with pytest.raises(ResponseFailedError) as info:
        acc.final_response()
    assert info.value.code is None and info.value.error_message is None


def test_incomplete_raises_with_the_reason():
    script = (
        Script()
        .start()
        .text("cut sh")
        .end("response.incomplete", incomplete_details={"reason": "max_output_tokens"})
    )
    acc = accumulate(script.typed())
    with pytest.raises(ResponseIncompleteError) as info:
        acc.final_response()
    assert info.value.reason == "max_output_tokens"
    assert info.value.response.status == "incomplete"
    assert "max_output_tokens" in str(info.value)


def test_no_terminal_event_raises_not_completed_with_the_snapshot():
    acc = accumulate(hello().typed()[:5])
    with pytest.raises(ResponseNotCompletedError) as info:
        acc.final_response()
    assert type(info.value) is ResponseNotCompletedError
    assert info.value.response.output_text == "Hel"


def test_output_text_joins_the_text_of_every_message_and_skips_the_rest():
    body = response(
        "completed",
        [
            {"id": "rs", "type": "reasoning", "summary": []},
            message("completed", text_part("a"), {"type": "refusal", "refusal": "no"}),
            message("completed", text_part("b")),
        ],
    )
    assert output_text(structure(body, Response)) == "ab"
