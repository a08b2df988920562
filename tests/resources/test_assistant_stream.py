"""Assistants run stream helpers through a real socket to the local server: typed events,
accumulation, the requires-action -> submit tool outputs -> continue loop, closing."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from openai_async import (
    APIStreamError,
    AsyncClient,
    BadRequestError,
    Client,
    IncompleteStreamError,
    InvalidRequestError,
)
from openai_async._models import UnknownVariant
from openai_async.lib.assistant_stream import (
    AssistantStream,
    AsyncAssistantStream,
    MessageTextDeltaEvent,
    RunStepToolCallDeltaEvent,
)
from openai_async.models.assistants import MessageContentTextObject, RunStepDetailsToolCallsObject
from openai_async.testing import LocalServer, RecordedRequest, Scripted
from tests.conftest import API_KEY, FAST_RETRIES
from tests.resources.test_streaming import pooled
from tests.unit.test_assistant_stream_units import (
    RUN,
    THREAD,
    WEATHER_ARGS,
    function_delta,
    message,
    message_step,
    requires_action,
    run,
    sse,
    step_delta,
    text_delta,
    tool_step,
)

pytestmark = pytest.mark.anyio

RUNS = f"/threads/{THREAD}/runs"
SUBMIT = f"/threads/{THREAD}/runs/{RUN}/submit_tool_outputs"
DONE = ("done", "[DONE]")

# A run that answers in text.
TEXT_RUN = [
    sse("thread.run.created", run("queued")),
    sse("thread.run.in_progress", run("in_progress")),
    sse("thread.run.step.created", message_step()),
    sse("thread.message.created", message("in_progress")),
    sse("thread.message.delta", text_delta("It is ", annotations=[])),
    sse("thread.message.delta", text_delta("18 degrees")),
    sse("thread.message.delta", text_delta(" in Lisbon.")),
    sse(
        "thread.message.completed",
        message(
            "completed",
            [{"type": "text", "text": {"value": "It is 18 degrees in Lisbon.", "annotations": []}}],
        ),
    ),
    sse("thread.run.step.completed", message_step("completed")),
    sse("thread.run.completed", run("completed")),
    DONE,
]
TEXT = "It is 18 degrees in Lisbon."

# A run that calls get_weather and waits for its output.
HEAD = function_delta(0, "", id="call_1", function={"name": "get_weather", "arguments": ""})
TOOL_RUN = [
    sse("thread.run.created", run("queued")),
    sse("thread.run.in_progress", run("in_progress")),
    sse("thread.run.step.created", tool_step()),
    sse("thread.run.step.delta", step_delta("step_1", HEAD)),
    sse("thread.run.step.delta", step_delta("step_1", function_delta(0, '{"city": '))),
    sse("thread.run.step.delta", step_delta("step_1", function_delta(0, '"Lisbon"}'))),
    sse("thread.run.requires_action", requires_action(("call_1", "get_weather", WEATHER_ARGS))),
    DONE,
]
# ... and what the run streams once it has the output.
DONE_CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": WEATHER_ARGS, "output": "18C"},
}
CONTINUED = [
    sse("thread.run.queued", run("queued")),
    sse("thread.run.in_progress", run("in_progress")),
    sse("thread.run.step.completed", tool_step("completed", [DONE_CALL])),
    *TEXT_RUN[2:],
]


def names(events: list[Any]) -> list[str | None]:
    return [getattr(e, "event", None) for e in events]


def in_use(client: AsyncClient) -> int:
    """Connections of the client's pool checked out (held by a response)."""
    connector = client._transport._session.connector  # type: ignore[union-attr]
    return len(connector._acquired)  # type: ignore[union-attr]


def slowly(events: list[tuple[str, str]]) -> Scripted:
    """The events spaced out: the response stays open until the last one (a fast one is
    received, and its connection released, whole before the client reads it)."""
    return Scripted(events=events, event_delay=0.01)


def submit_route(server: LocalServer, seen: list[Any], *, slow: bool = False) -> None:
    """The submit_tool_outputs endpoint: checks the body, then streams the rest of the run."""

    def handler(request: RecordedRequest) -> Scripted:
        body = request.json()
        seen.append(body)
        if body != {"tool_outputs": [{"tool_call_id": "call_1", "output": "18C"}], "stream": True}:
            return Scripted(status=400, json={"error": {"message": f"bad body {body}"}})
        return slowly(CONTINUED) if slow else Scripted(events=CONTINUED)

    server.add_route("POST", SUBMIT, handler)


async def start(client: AsyncClient) -> AsyncAssistantStream:
    return await client.beta.threads.runs.stream(thread_id=THREAD, assistant_id="asst_1")


# --- one stream ------------------------------------------------------------------------


async def test_a_text_run_streams_typed_events_and_accumulates(client, server):
    server.add_route("POST", RUNS, lambda r: Scripted(events=TEXT_RUN))
    async with await start(client) as stream:
        assert isinstance(stream, AsyncAssistantStream)
        events = [e async for e in stream]
        run_ = await stream.final_run()
        messages = await stream.final_messages()
        steps = await stream.final_run_steps()
    assert names(events) == [name for name, _ in TEXT_RUN[:-1]]  # "done" ends it, unyielded
    assert run_.status == "completed" and stream.current_run is run_
    (msg,) = messages
    assert isinstance(msg.content[0], MessageContentTextObject)
    assert msg.content[0].text.value == TEXT and msg.status == "completed"
    assert [(s.id, s.status) for s in steps] == [("step_2", "completed")]
    body = server.requests[-1].json()
    assert body == {"assistant_id": "asst_1", "stream": True}
    assert server.requests[-1].headers["OpenAI-Beta"] == "assistants=v2"
    assert pooled(client) == 1  # read to the end: the connection went back to the pool


async def test_text_deltas_and_events(client, server):
    server.add_route("POST", RUNS, lambda r: Scripted(events=TEXT_RUN))
    async with await start(client) as stream:
        assert "".join([t async for t in stream.text_deltas()]) == TEXT
    async with await start(client) as stream:
        events = [e async for e in stream.events()]
    derived = [e for e in events if isinstance(e, MessageTextDeltaEvent)]
    assert [e.snapshot for e in derived] == ["It is ", "It is 18 degrees", TEXT]
    # Each delta event follows the thread.message.delta it came from.
    first = events.index(derived[0])
    assert names(events[first - 1 : first]) == ["thread.message.delta"]
    assert len(events) == len(TEXT_RUN) - 1 + 3


async def test_until_done_then_the_state(client, server):
    server.add_route("POST", RUNS, lambda r: Scripted(events=TEXT_RUN))
    async with await start(client) as stream:
        await stream.until_done()
        assert stream.current_run is not None and stream.current_run.status == "completed"
        assert stream.accumulator.message("msg_1").content[0].text.value == TEXT  # type: ignore[union-attr]
        assert stream.required_tool_calls == []


async def test_an_unknown_event_is_yielded_and_kept_in_order(client, server):
    teleported = sse("thread.run.teleported", {"id": RUN, "where": "mars"})
    server.add_route(
        "POST", RUNS, lambda r: Scripted(events=[*TEXT_RUN[:2], teleported, *TEXT_RUN[2:]])
    )
    async with await start(client) as stream:
        events = [e async for e in stream]
        assert (await stream.final_run()).status == "completed"
    unknown = events[2]
    assert isinstance(unknown, UnknownVariant)
    assert unknown.raw == {"event": "thread.run.teleported", "data": {"id": RUN, "where": "mars"}}
    assert len(events) == len(TEXT_RUN)


async def test_an_error_event_raises_api_stream_error(client, server):
    error = {"message": "The server had an error", "type": "server_error", "code": "server_error"}
    events = [*TEXT_RUN[:5], sse("error", error), DONE]
    server.add_route("POST", RUNS, lambda r: Scripted(events=events))
    seen: list[Any] = []
    async with await start(client) as stream:
        with pytest.raises(APIStreamError, match="The server had an error") as info:
            async for event in stream:
                seen.append(event)
    assert info.value.code == "server_error"
    assert len(seen) == 5
    assert stream.stream._response.closed


async def test_a_stream_cut_before_a_terminal_run_event_is_incomplete(client, server):
    server.add_route("POST", RUNS, lambda r: Scripted(events=TEXT_RUN[:6]))
    async with await start(client) as stream:
        with pytest.raises(IncompleteStreamError, match=r"thread\.run\.completed"):
            await stream.until_done()
        # What did arrive was accumulated.
        assert stream.accumulator.message("msg_1").content[0].text.value == "It is 18 degrees"  # type: ignore[union-attr]
        assert stream.current_run is not None and stream.current_run.status == "in_progress"


async def test_a_failed_run_is_returned_not_raised(client, server):
    failed = run("failed", last_error={"code": "rate_limit_exceeded", "message": "slow down"})
    events = [*TEXT_RUN[:2], sse("thread.run.failed", failed), DONE]
    server.add_route("POST", RUNS, lambda r: Scripted(events=events))
    async with await start(client) as stream:
        run_ = await stream.final_run()
    assert run_.status == "failed"
    assert run_.last_error is not None and run_.last_error.message == "slow down"


async def test_a_stream_without_any_run_event_has_no_final_run(client, server):
    server.add_route("POST", RUNS, lambda r: Scripted(events=[DONE]))
    async with await start(client) as stream:
        with pytest.raises(IncompleteStreamError, match=r"without a thread\.run event"):
            await stream.final_run()


# --- tool outputs: one loop across streams ---------------------------------------------


async def test_submit_tool_outputs_continues_the_same_loop(client, server):
    server.add_route("POST", RUNS, lambda r: Scripted(events=TOOL_RUN))
    bodies: list[Any] = []
    submit_route(server, bodies)
    seen: list[Any] = []
    args: list[str] = []
    async with await start(client) as stream:
        async for event in stream:
            seen.append(event)
            if getattr(event, "event", None) == "thread.run.requires_action":
                calls = stream.required_tool_calls
                args += [c.function.arguments for c in calls]
                await stream.submit_tool_outputs(
                    [{"tool_call_id": c.id, "output": "18C"} for c in calls]
                )
        run_ = await stream.final_run()
        steps = await stream.final_run_steps()
        messages = await stream.final_messages()
    assert names(seen) == [n for n, _ in TOOL_RUN[:-1]] + [n for n, _ in CONTINUED[:-1]]
    assert args == [WEATHER_ARGS]
    assert run_.status == "completed" and run_.id == RUN
    assert bodies == [
        {"tool_outputs": [{"tool_call_id": "call_1", "output": "18C"}], "stream": True}
    ]
    assert [r.path for r in server.requests] == ["/v1" + RUNS, "/v1" + SUBMIT]
    tool_step_, message_step_ = steps
    assert isinstance(tool_step_.step_details, RunStepDetailsToolCallsObject)
    assert tool_step_.step_details.tool_calls[0].function.output == "18C"  # type: ignore[union-attr]
    assert message_step_.status == "completed"
    assert messages[0].content[0].text.value == TEXT  # type: ignore[union-attr]
    # Both streams were read to the end: one connection, reused, back in the pool.
    assert pooled(client) == 1


async def test_tool_call_delta_events_show_the_arguments_as_they_stream(client, server):
    server.add_route("POST", RUNS, lambda r: Scripted(events=TOOL_RUN))
    async with await start(client) as stream:
        derived = [e async for e in stream.events() if isinstance(e, RunStepToolCallDeltaEvent)]
    assert [(e.id, e.name, e.delta) for e in derived] == [
        ("call_1", "get_weather", ""),
        ("call_1", "get_weather", '{"city": '),
        ("call_1", "get_weather", '"Lisbon"}'),
    ]
    assert derived[-1].snapshot == WEATHER_ARGS


async def test_the_final_run_loop_needs_no_event_loop(client, server):
    server.add_route("POST", RUNS, lambda r: Scripted(events=TOOL_RUN))
    submit_route(server, [])
    async with await start(client) as stream:
        run_ = await stream.final_run()
        while run_.status == "requires_action":
            outputs = [{"tool_call_id": c.id, "output": "18C"} for c in stream.required_tool_calls]
            await stream.submit_tool_outputs(outputs)  # type: ignore[arg-type]
            run_ = await stream.final_run()
        assert "".join(m.content[0].text.value for m in await stream.final_messages()) == TEXT  # type: ignore[union-attr]
    assert run_.status == "completed"


async def test_submit_tool_outputs_needs_a_run_that_requires_action(client, server):
    server.add_route("POST", RUNS, lambda r: Scripted(events=TEXT_RUN))
    async with await start(client) as stream:
        with pytest.raises(InvalidRequestError, match="no run yet"):
            await stream.submit_tool_outputs([])
        await stream.until_done()
        with pytest.raises(InvalidRequestError, match="'completed'"):
            await stream.submit_tool_outputs([{"tool_call_id": "call_1", "output": "x"}])
    assert len(server.requests) == 1


async def test_tool_outputs_are_submitted_once(client, server):
    server.add_route("POST", RUNS, lambda r: Scripted(events=TOOL_RUN))
    submit_route(server, [])
    outputs: list[Any] = [{"tool_call_id": "call_1", "output": "18C"}]
    async with await start(client) as stream:
        await stream.until_done()
        assert [c.id for c in stream.required_tool_calls] == ["call_1"]
        await stream.submit_tool_outputs(outputs)
        assert stream.required_tool_calls == []  # nothing left to submit
        assert stream.current_run is not None and stream.current_run.status == "requires_action"
        with pytest.raises(InvalidRequestError, match="already submitted"):
            await stream.submit_tool_outputs(outputs)
        await stream.aclose()
        with pytest.raises(InvalidRequestError, match="closed"):
            await stream.submit_tool_outputs(outputs)
    assert len(server.requests) == 2


async def test_a_submit_that_fails_raises_and_the_stream_ends(client, server):
    server.add_route("POST", RUNS, lambda r: Scripted(events=TOOL_RUN))
    submit_route(server, [])
    async with await start(client) as stream:
        await stream.until_done()
        with pytest.raises(BadRequestError, match="bad body") as info:
            await stream.submit_tool_outputs([{"tool_call_id": "call_1", "output": "wrong"}])
        assert info.value.status_code == 400
        assert [e async for e in stream] == []
        assert (await stream.final_run()).status == "requires_action"


async def test_create_and_run_stream_and_submit_tool_outputs_stream(client, server):
    server.add_route("POST", "/threads/runs", lambda r: Scripted(events=TOOL_RUN))
    submit_route(server, [])
    async with await client.beta.threads.create_and_run_stream(assistant_id="asst_1") as stream:
        assert (await stream.final_run()).status == "requires_action"
    async with await client.beta.threads.runs.submit_tool_outputs_stream(
        thread_id=THREAD, run_id=RUN, tool_outputs=[{"tool_call_id": "call_1", "output": "18C"}]
    ) as stream:
        assert "".join([t async for t in stream.text_deltas()]) == TEXT
        assert stream.current_run is not None and stream.current_run.status == "completed"


# --- leaving early ---------------------------------------------------------------------


async def test_leaving_early_and_closing_releases_the_connection(client, server):
    server.add_route("POST", RUNS, lambda r: slowly(TEXT_RUN))
    async with await start(client) as stream:
        async for _ in stream:
            break
        assert not stream.stream._response.closed and in_use(client) == 1
    assert stream.stream._response.closed and in_use(client) == 0
    stream2 = await start(client)
    async for _ in stream2.text_deltas():
        break
    assert in_use(client) == 1
    await stream2.aclose()
    assert stream2.stream._response.closed and in_use(client) == 0
    assert [e async for e in stream2] == []  # a closed stream yields nothing more


async def test_closing_after_submit_releases_the_continuation_too(client, server):
    server.add_route("POST", RUNS, lambda r: Scripted(events=TOOL_RUN))
    submit_route(server, [], slow=True)
    outputs: list[Any] = [{"tool_call_id": "call_1", "output": "18C"}]
    async with await start(client) as stream:
        first = stream.stream
        await stream.until_done()
        await stream.submit_tool_outputs(outputs)  # started, never read
        continuation = stream._continuation
        assert continuation is not None and not continuation._response.closed
        assert first._response.closed and in_use(client) == 1
    assert continuation._response.closed and in_use(client) == 0
    # And when leaving the continued loop part-way.
    async with await start(client) as stream:
        first = stream.stream
        async for event in stream:
            if getattr(event, "event", None) == "thread.run.requires_action":
                await stream.submit_tool_outputs(outputs)
            if (
                getattr(event, "event", None) == "thread.run.in_progress"
                and stream.stream is not first
            ):
                break
        assert not stream.stream._response.closed and in_use(client) == 1
    assert stream.stream._response.closed and in_use(client) == 0
    assert len(server.requests) == 4


# --- the sync facade -------------------------------------------------------------------


@pytest.fixture
def sync_client(threaded_server: LocalServer):
    with Client(
        api_key=API_KEY, base_url=threaded_server.base_url, retry_policy=FAST_RETRIES
    ) as client:
        yield client


def test_sync_stream_runs_the_tool_loop(sync_client, threaded_server):
    threaded_server.add_route("POST", RUNS, lambda r: Scripted(events=TOOL_RUN))
    bodies: list[Any] = []
    submit_route(threaded_server, bodies)
    seen: list[Any] = []
    with sync_client.beta.threads.runs.stream(thread_id=THREAD, assistant_id="asst_1") as stream:
        assert isinstance(stream, AssistantStream)
        for event in stream:
            seen.append(event)
            if calls := stream.required_tool_calls:  # after requires_action, until submitted
                stream.submit_tool_outputs([{"tool_call_id": c.id, "output": "18C"} for c in calls])
        run_ = stream.final_run()
        messages = stream.final_messages()
        steps = stream.final_run_steps()
    assert names(seen) == [n for n, _ in TOOL_RUN[:-1]] + [n for n, _ in CONTINUED[:-1]]
    assert run_.status == "completed" and stream.current_run is run_
    assert messages[0].content[0].text.value == TEXT  # type: ignore[union-attr]
    assert [s.id for s in steps] == ["step_1", "step_2"]
    assert len(bodies) == 1


def test_sync_text_deltas_events_and_early_close(sync_client, threaded_server):
    threaded_server.add_route("POST", RUNS, lambda r: Scripted(events=TEXT_RUN))
    with sync_client.beta.threads.runs.stream(thread_id=THREAD, assistant_id="asst_1") as stream:
        assert "".join(stream.text_deltas()) == TEXT
        stream.until_done()
        assert stream.required_tool_calls == []
    with sync_client.beta.threads.runs.stream(thread_id=THREAD, assistant_id="asst_1") as stream:
        derived = [e for e in stream.events() if isinstance(e, MessageTextDeltaEvent)]
        assert derived[-1].snapshot == TEXT
        assert stream.accumulator.message("msg_1").status == "completed"
    threaded_server.add_route("POST", RUNS, lambda r: slowly(TEXT_RUN))
    with sync_client.beta.threads.runs.stream(thread_id=THREAD, assistant_id="asst_1") as stream:
        for _ in stream:
            break
        inner = stream._async.stream
        assert not inner._response.closed
    assert inner._response.closed
    with pytest.raises(InvalidRequestError):
        stream.submit_tool_outputs([])


def test_a_sync_stream_dropped_unclosed_is_closed_on_the_portal(sync_client, threaded_server):
    threaded_server.add_route("POST", RUNS, lambda r: slowly(TEXT_RUN))
    stream = sync_client.beta.threads.runs.stream(thread_id=THREAD, assistant_id="asst_1")
    next(stream)
    inner = stream._async.stream
    assert not inner._response.closed
    del stream
    gc.collect()
    assert inner._response.closed


def test_closing_the_sync_client_closes_an_unread_continuation(threaded_server):
    threaded_server.add_route("POST", RUNS, lambda r: Scripted(events=TOOL_RUN))
    submit_route(threaded_server, [], slow=True)
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url)
    stream = client.beta.threads.runs.stream(thread_id=THREAD, assistant_id="asst_1")
    stream.until_done()
    stream.submit_tool_outputs([{"tool_call_id": "call_1", "output": "18C"}])
    continuation = stream._async._continuation
    assert continuation is not None and not continuation._response.closed
    client.close()  # before the stream: its connections are closed on the loop first
    assert continuation._response.closed
    del stream  # its finalizer does nothing once the portal has stopped
    gc.collect()
