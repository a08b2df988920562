"""AssistantStreamAccumulator without I/O: run snapshots, step and message deltas.

The payload builders here follow the spec's streaming examples (``thread.message.delta``,
``thread.run.step.delta``) and are shared with tests/resources/test_assistant_stream.py.
"""

from __future__ import annotations

from typing import Any

import orjson

from openai_async._converter import structure
from openai_async._models import UnknownVariant
from openai_async.lib.assistant_stream import (
    AssistantStreamAccumulator,
    MessageTextDeltaEvent,
    RunStepToolCallDeltaEvent,
)
from openai_async.models.assistants import (
    AssistantStreamEvent,
    MessageContentRefusalObject,
    MessageContentTextAnnotationsFileCitationObject,
    MessageContentTextObject,
    RunStepDetailsToolCallsCodeObject,
    RunStepDetailsToolCallsFunctionObject,
    RunStepDetailsToolCallsObject,
)

THREAD, RUN, ASSISTANT = "thread_1", "run_1", "asst_1"
WEATHER_ARGS = '{"city": "Lisbon"}'


# --- payloads (decoded JSON, as the API sends them) ------------------------------------


def run(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": RUN,
        "object": "thread.run",
        "created_at": 1710351818,
        "assistant_id": ASSISTANT,
        "thread_id": THREAD,
        "status": status,
        "started_at": None,
        "expires_at": 1710352418,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "required_action": None,
        "last_error": None,
        "model": "gpt-4o",
        "instructions": None,
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}],
        "metadata": {},
        "temperature": 1.0,
        "top_p": 1.0,
        "max_completion_tokens": None,
        "max_prompt_tokens": None,
        "truncation_strategy": {"type": "auto", "last_messages": None},
        "incomplete_details": None,
        "usage": None,
        "response_format": "auto",
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        **extra,
    }


def requires_action(*calls: tuple[str, str, str]) -> dict[str, Any]:
    """A run waiting for ``(call id, function name, arguments)`` calls."""
    tool_calls = [
        {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}
        for cid, name, args in calls
    ]
    action = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": tool_calls}}
    return run("requires_action", required_action=action)


def step(step_id: str, kind: str, status: str, details: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": step_id,
        "object": "thread.run.step",
        "created_at": 1710351819,
        "run_id": RUN,
        "assistant_id": ASSISTANT,
        "thread_id": THREAD,
        "type": kind,
        "status": status,
        "cancelled_at": None,
        "completed_at": None,
        "expires_at": 1710352418,
        "failed_at": None,
        "last_error": None,
        "step_details": {"type": kind, **details},
        "usage": None,
    }


def tool_step(status: str = "in_progress", tool_calls: list[Any] | None = None) -> dict[str, Any]:
    return step("step_1", "tool_calls", status, {"tool_calls": tool_calls or []})


def message_step(status: str = "in_progress") -> dict[str, Any]:
    return step("step_2", "message_creation", status, {"message_creation": {"message_id": "msg_1"}})


def step_delta(step_id: str, *tool_calls: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": step_id,
        "object": "thread.run.step.delta",
        "delta": {"step_details": {"type": "tool_calls", "tool_calls": list(tool_calls)}},
    }


def message(status: str, content: list[Any] | None = None, msg_id: str = "msg_1") -> dict[str, Any]:
    return {
        "id": msg_id,
        "object": "thread.message",
        "created_at": 1710348076,
        "assistant_id": ASSISTANT,
        "thread_id": THREAD,
        "run_id": RUN,
        "status": status,
        "incomplete_details": None,
        "incomplete_at": None,
        "completed_at": None,
        "role": "assistant",
        "content": content or [],
        "attachments": [],
        "metadata": {},
    }


def text_delta(
    value: str | None, index: int = 0, msg_id: str = "msg_1", **text: Any
) -> dict[str, Any]:
    body = {"value": value, **text} if value is not None else text
    return {
        "id": msg_id,
        "object": "thread.message.delta",
        "delta": {"content": [{"index": index, "type": "text", "text": body}]},
    }


def citation(index: int, start: int, end: int) -> dict[str, Any]:
    return {
        "index": index,
        "type": "file_citation",
        "text": "[1]",
        "start_index": start,
        "end_index": end,
        "file_citation": {"file_id": "file_1"},
    }


def event(name: str, data: Any) -> AssistantStreamEvent:
    """The typed event the stream yields for ``event: name`` / ``data: data``."""
    return structure({"event": name, "data": data}, AssistantStreamEvent)  # type: ignore[arg-type]


def sse(name: str, data: Any) -> tuple[str, str]:
    """The same event as a LocalServer ``Scripted(events=...)`` pair."""
    return name, orjson.dumps(data).decode()


def feed(acc: AssistantStreamAccumulator, *events: tuple[str, Any]) -> list[Any]:
    """Add the events; the delta events they gave rise to."""
    out: list[Any] = []
    for name, data in events:
        out += acc.add(event(name, data))
    return out


# --- messages --------------------------------------------------------------------------


def test_text_deltas_merge_by_content_index_with_events_and_snapshots():
    acc = AssistantStreamAccumulator()
    derived = feed(
        acc,
        ("thread.message.created", message("in_progress")),
        ("thread.message.delta", text_delta("Hel", annotations=[])),
        ("thread.message.delta", text_delta("Second", index=1)),
        ("thread.message.delta", text_delta("lo")),
        ("thread.message.delta", text_delta(" part")),
        ("thread.message.delta", text_delta(" one", index=1)),
    )
    assert all(isinstance(e, MessageTextDeltaEvent) for e in derived)
    assert [(e.message_id, e.index, e.delta) for e in derived] == [
        ("msg_1", 0, "Hel"),
        ("msg_1", 1, "Second"),
        ("msg_1", 0, "lo"),
        ("msg_1", 0, " part"),
        ("msg_1", 1, " one"),
    ]
    # Each event's snapshot is the text up to it, even read after later deltas.
    assert [e.snapshot for e in derived] == ["Hel", "Second", "Hello", "Hello part", "Second one"]

    msg = acc.message("msg_1")
    assert msg.status == "in_progress" and msg.role == "assistant"
    parts = msg.content
    assert all(isinstance(p, MessageContentTextObject) for p in parts)
    assert [p.text.value for p in parts] == ["Hello part", "Second one"]  # type: ignore[union-attr]
    assert all(not p.model_extra for p in parts)  # the delta's "index" is not kept
    assert acc.messages() == [msg]


def test_annotations_are_appended_and_typed():
    acc = AssistantStreamAccumulator()
    feed(
        acc,
        ("thread.message.created", message("in_progress")),
        ("thread.message.delta", text_delta("See", annotations=[])),
        ("thread.message.delta", text_delta(" [1]", annotations=[citation(0, 3, 7)])),
        ("thread.message.delta", text_delta(" and [2]", annotations=[citation(1, 12, 15)])),
    )
    (part,) = acc.message("msg_1").content
    assert isinstance(part, MessageContentTextObject)
    assert part.text.value == "See [1] and [2]"
    notes = part.text.annotations
    assert all(isinstance(a, MessageContentTextAnnotationsFileCitationObject) for a in notes)
    assert [(a.start_index, a.end_index) for a in notes] == [(3, 7), (12, 15)]  # type: ignore[union-attr]
    assert notes[0].file_citation.file_id == "file_1"  # type: ignore[union-attr]
    assert not notes[0].model_extra  # type: ignore[union-attr]


def test_an_annotation_only_delta_gives_no_text_event():
    acc = AssistantStreamAccumulator()
    feed(acc, ("thread.message.created", message("in_progress")))
    notes = [citation(0, 0, 1)]
    assert feed(acc, ("thread.message.delta", text_delta(None, annotations=notes))) == []
    (part,) = acc.message("msg_1").content
    assert part.text.value == "" and len(part.text.annotations) == 1  # type: ignore[union-attr]


def test_a_completed_snapshot_replaces_the_accumulated_message():
    acc = AssistantStreamAccumulator()
    (first,) = feed(
        acc,
        ("thread.message.created", message("in_progress")),
        ("thread.message.delta", text_delta("Hi")),
    )
    final = message("completed", [{"type": "text", "text": {"value": "Hi!", "annotations": []}}])
    feed(acc, ("thread.message.completed", final))
    msg = acc.message("msg_1")
    assert msg.status == "completed"
    assert msg.content[0].text.value == "Hi!"  # type: ignore[union-attr]
    assert first.snapshot == "Hi"  # events already handed out keep their text


def test_deltas_continue_a_snapshot_that_already_had_text():
    acc = AssistantStreamAccumulator()
    start = message("in_progress", [{"type": "text", "text": {"value": "Hel", "annotations": []}}])
    (ev,) = feed(
        acc,
        ("thread.message.in_progress", start),
        ("thread.message.delta", text_delta("lo")),
    )
    assert ev.snapshot == "Hello"
    assert acc.message("msg_1").content[0].text.value == "Hello"  # type: ignore[union-attr]


def test_refusal_deltas_concatenate_and_a_delta_before_created_starts_the_message():
    acc = AssistantStreamAccumulator()
    refusal = {"id": "msg_9", "object": "thread.message.delta", "delta": {"role": "assistant"}}
    for piece in ("I can", "not help"):
        refusal["delta"]["content"] = [{"index": 0, "type": "refusal", "refusal": piece}]
        assert feed(acc, ("thread.message.delta", refusal)) == []
    msg = acc.message("msg_9")
    assert msg.id == "msg_9" and msg.role == "assistant"
    assert isinstance(msg.content[0], MessageContentRefusalObject)
    assert msg.content[0].refusal == "I cannot help"


def test_messages_keep_the_order_they_first_appeared_in():
    acc = AssistantStreamAccumulator()
    feed(
        acc,
        ("thread.message.created", message("in_progress", msg_id="msg_b")),
        ("thread.message.created", message("in_progress", msg_id="msg_a")),
        ("thread.message.delta", text_delta("x", msg_id="msg_b")),
    )
    assert [m.id for m in acc.messages()] == ["msg_b", "msg_a"]


def test_the_model_is_rebuilt_only_after_a_change():
    acc = AssistantStreamAccumulator()
    feed(acc, ("thread.message.created", message("in_progress")))
    first = acc.message("msg_1")
    assert acc.message("msg_1") is first
    feed(acc, ("thread.message.delta", text_delta("a")))
    second = acc.message("msg_1")
    assert second is not first and acc.message("msg_1") is second
    assert first.content == []  # a model handed out is never changed afterwards


# --- run steps -------------------------------------------------------------------------


def function_delta(index: int, arguments: str, **head: Any) -> dict[str, Any]:
    return {"index": index, "type": "function", "function": {"arguments": arguments}, **head}


def test_tool_call_deltas_merge_by_index_and_concatenate_arguments():
    acc = AssistantStreamAccumulator()
    first = function_delta(0, "", id="call_a", function={"name": "get_weather", "arguments": ""})
    second = function_delta(1, "", id="call_b", function={"name": "get_time", "arguments": ""})
    derived = feed(
        acc,
        ("thread.run.step.created", tool_step()),
        ("thread.run.step.delta", step_delta("step_1", first)),
        ("thread.run.step.delta", step_delta("step_1", function_delta(0, '{"city": '))),
        ("thread.run.step.delta", step_delta("step_1", second)),
        ("thread.run.step.delta", step_delta("step_1", function_delta(1, "{}"))),
        ("thread.run.step.delta", step_delta("step_1", function_delta(0, '"Lisbon"}'))),
    )
    assert all(isinstance(e, RunStepToolCallDeltaEvent) for e in derived)
    assert [(e.step_id, e.index, e.type, e.id, e.name, e.delta) for e in derived] == [
        ("step_1", 0, "function", "call_a", "get_weather", ""),
        ("step_1", 0, "function", "call_a", "get_weather", '{"city": '),
        ("step_1", 1, "function", "call_b", "get_time", ""),
        ("step_1", 1, "function", "call_b", "get_time", "{}"),
        ("step_1", 0, "function", "call_a", "get_weather", '"Lisbon"}'),
    ]
    assert [e.snapshot for e in derived] == ["", '{"city": ', "", "{}", WEATHER_ARGS]

    details = acc.run_step("step_1").step_details
    assert isinstance(details, RunStepDetailsToolCallsObject)
    calls = details.tool_calls
    assert all(isinstance(c, RunStepDetailsToolCallsFunctionObject) for c in calls)
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [  # type: ignore[union-attr]
        ("call_a", "get_weather", WEATHER_ARGS),
        ("call_b", "get_time", "{}"),
    ]
    assert all(not c.model_extra for c in calls)  # type: ignore[union-attr]


def test_code_interpreter_input_and_logs_concatenate():
    acc = AssistantStreamAccumulator()

    def code(**ci: Any) -> dict[str, Any]:
        return {"index": 0, "type": "code_interpreter", "code_interpreter": ci}

    derived = feed(
        acc,
        ("thread.run.step.created", tool_step()),
        ("thread.run.step.delta", step_delta("step_1", {**code(input="print("), "id": "ci_1"})),
        ("thread.run.step.delta", step_delta("step_1", code(input="1)"))),
        ("thread.run.step.delta", step_delta("step_1", code(outputs=[{"index": 0, "type": "logs", "logs": "1"}]))),
        ("thread.run.step.delta", step_delta("step_1", code(outputs=[{"index": 0, "type": "logs", "logs": "\n"}]))),
    )  # fmt: skip
    assert [(e.type, e.id, e.name, e.delta) for e in derived[:2]] == [
        ("code_interpreter", "ci_1", None, "print("),
        ("code_interpreter", "ci_1", None, "1)"),
    ]
    assert derived[-1].delta == "" and derived[-1].snapshot == "print(1)"
    (call,) = acc.run_step("step_1").step_details.tool_calls  # type: ignore[union-attr]
    assert isinstance(call, RunStepDetailsToolCallsCodeObject)
    assert call.code_interpreter.input == "print(1)"
    assert [o.logs for o in call.code_interpreter.outputs] == ["1\n"]  # type: ignore[union-attr]


def test_a_step_snapshot_replaces_deltas_and_steps_keep_their_order():
    acc = AssistantStreamAccumulator()
    head = function_delta(0, "{}", id="call_a", function={"name": "f", "arguments": "{}"})
    done_call = {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    done_call["function"]["output"] = "42"
    feed(
        acc,
        ("thread.run.step.created", tool_step()),
        ("thread.run.step.delta", step_delta("step_1", head)),
        ("thread.run.step.created", message_step()),
        ("thread.run.step.completed", tool_step("completed", [done_call])),
    )
    steps = acc.run_steps()
    assert [(s.id, s.status) for s in steps] == [("step_1", "completed"), ("step_2", "in_progress")]
    assert steps[0].step_details.tool_calls[0].function.output == "42"  # type: ignore[union-attr]


# --- runs and everything else ----------------------------------------------------------


def test_the_current_run_is_the_latest_snapshot_and_required_calls_come_from_it():
    acc = AssistantStreamAccumulator()
    assert acc.current_run is None and acc.required_tool_calls == []
    feed(acc, ("thread.run.created", run("queued")), ("thread.run.in_progress", run("in_progress")))
    assert acc.current_run is not None and acc.current_run.status == "in_progress"
    assert acc.required_tool_calls == []
    feed(
        acc,
        (
            "thread.run.requires_action",
            requires_action(("call_a", "get_weather", WEATHER_ARGS), ("call_b", "now", "{}")),
        ),
    )
    calls = acc.required_tool_calls
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("call_a", "get_weather", WEATHER_ARGS),
        ("call_b", "now", "{}"),
    ]
    feed(acc, ("thread.run.completed", run("completed")))
    assert acc.current_run.status == "completed"
    assert acc.required_tool_calls == []


def test_unknown_and_other_events_change_nothing():
    acc = AssistantStreamAccumulator()
    unknown = event("thread.run.teleported", {"id": RUN, "status": "elsewhere"})
    assert isinstance(unknown, UnknownVariant)
    assert acc.add(unknown) == []
    thread = {"id": THREAD, "object": "thread", "created_at": 1, "metadata": {}}
    assert feed(acc, ("thread.created", thread), ("done", "[DONE]")) == []
    error = {"message": "boom", "type": "server_error", "code": None, "param": None}
    assert feed(acc, ("error", error)) == []
    assert acc.current_run is None and acc.messages() == [] and acc.run_steps() == []
