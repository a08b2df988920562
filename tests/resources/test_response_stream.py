"""``responses.stream``: typed events, text deltas and the final response, through a real
socket to the local server (async client, and the sync facade on its portal)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from openai_async import (
    APIStreamError,
    AsyncClient,
    BadRequestError,
    Client,
    IncompleteStreamError,
    ResponseFailedError,
    ResponseIncompleteError,
    ResponseNotCompletedError,
)
from openai_async._models import UnknownVariant
from openai_async.lib.response_stream import AsyncResponseStream, ResponseStream
from openai_async.models.responses import (
    ResponseCompletedEvent,
    ResponseCreatedEvent,
    ResponseTextDeltaEvent,
)
from openai_async.testing import LocalServer, RecordedRequest, Scripted
from tests.conftest import API_KEY, FAST_RETRIES
from tests.resources.test_streaming import pooled
from tests.resources.test_sync import looped_client, portal_held
from tests.unit.test_response_stream_units import RESPONSE_ID, Script, hello

pytestmark = pytest.mark.anyio

MESSAGES: list[Any] = [{"role": "user", "content": "Hi"}]
FAILED = {"code": "server_error", "message": "The model crashed."}


def script_route(server: LocalServer, *scripts: Script) -> list[RecordedRequest]:
    """Answer ``POST /v1/responses`` with each script's events in turn; the requests seen."""
    seen: list[RecordedRequest] = []

    def handler(request: RecordedRequest) -> Scripted:
        seen.append(request)
        return Scripted(events=scripts[len(seen) - 1].sse(), headers={"x-request-id": "req_1"})

    server.add_route("POST", "/v1/responses", handler)
    return seen


def long_hello() -> Script:
    """A reply too long to sit whole in the socket buffers after the first events: only
    then is there a connection left to release when the reader stops early."""
    return Script().start().text("Hel", *["lo " * 300] * 2000).end()


def closed(stream: AsyncResponseStream | ResponseStream) -> bool:
    """Whether the stream's connection was released (or closed)."""
    inner = stream if isinstance(stream, AsyncResponseStream) else stream._async
    return inner.stream._response.closed


async def start(client: AsyncClient) -> AsyncResponseStream:
    return await client.responses.stream(model="gpt-4o", input="Say hello")


# --- async -----------------------------------------------------------------------------


async def test_text_deltas_then_the_final_response(client, server):
    seen = script_route(server, hello())
    async with await start(client) as stream:
        assert isinstance(stream, AsyncResponseStream)
        deltas = [d async for d in stream.text_deltas()]
        final = await stream.final_response()
    assert deltas == ["Hel", "lo", " there"]
    assert final.id == RESPONSE_ID and final.status == "completed"
    assert final.output_text == "Hello there"
    assert stream.request_id == "req_1"
    body = seen[0].json()
    assert body == {"model": "gpt-4o", "input": "Say hello", "stream": True}
    assert seen[0].headers["Accept"] == "text/event-stream"
    # The stream ended at response.completed: the connection went back to the pool.
    assert closed(stream)
    assert pooled(client) == 1


async def test_async_for_yields_the_typed_events_and_unknown_ones_as_sent(client, server):
    script = Script().start()
    script.add("response.future_thing.added", output_index=0, payload={"x": 1})
    script.text("hi").end()
    script_route(server, script)
    async with await start(client) as stream:
        events = [event async for event in stream]
        final = await stream.final_response()  # already read: the same answer again
    assert [getattr(e, "type", None) for e in events] == [e["type"] for e in script.events]
    assert isinstance(events[0], ResponseCreatedEvent)
    assert isinstance(events[-1], ResponseCompletedEvent)
    unknown = events[2]
    assert isinstance(unknown, UnknownVariant)
    assert unknown.raw == script.events[2]
    assert [e.delta for e in events if isinstance(e, ResponseTextDeltaEvent)] == ["hi"]
    assert final is events[-1].response and final.output_text == "hi"
    assert await stream.final_text() == "hi"


async def test_current_response_follows_the_stream(client, server):
    script_route(server, hello())
    async with await start(client) as stream:
        assert stream.current_response is None
        seen = []
        async for event in stream:
            snap = stream.accumulator.snapshot()
            assert snap is not None
            seen.append((event.type, snap.status, snap.output_text))
    assert seen[0] == ("response.created", "in_progress", "")
    assert ("response.output_text.delta", "in_progress", "Hello") in seen
    assert seen[-1] == ("response.completed", "completed", "Hello there")


async def test_failed_raises_with_code_and_message(client, server):
    script_route(server, Script().start().text("par").end("response.failed", error=FAILED))
    async with await start(client) as stream:
        deltas = [d async for d in stream.text_deltas()]  # the events arrive all the same
        with pytest.raises(ResponseFailedError) as info:
            await stream.final_response()
    assert deltas == ["par"]
    err = info.value
    assert (err.code, err.error_message) == ("server_error", "The model crashed.")
    assert err.response.status == "failed" and err.response.output_text == "par"
    assert closed(stream)


async def test_incomplete_raises_with_the_reason(client, server):
    details = {"reason": "max_output_tokens"}
    script_route(
        server, Script().start().text("cut").end("response.incomplete", incomplete_details=details)
    )
    async with await start(client) as stream:
        with pytest.raises(ResponseIncompleteError) as info:
            await stream.final_text()
    assert info.value.reason == "max_output_tokens"
    assert info.value.response.output_text == "cut"


async def test_a_stream_cut_before_a_terminal_event_raises(client, server):
    script = hello()
    script.events.pop()  # no response.completed
    script_route(server, script)
    async with await start(client) as stream:
        with pytest.raises(IncompleteStreamError):
            await stream.final_response()
        # Asked again, the stream is over: the answer is that it never completed.
        with pytest.raises(ResponseNotCompletedError) as info:
            await stream.final_response()
    assert info.value.response.output_text == "Hello there"


async def test_an_error_event_raises_api_stream_error(client, server):
    error = {"type": "error", "code": "rate_limit_exceeded", "message": "Slow down.", "param": None}
    for name in ("error", None):  # with its SSE event name, and data-only
        head = Script().start().sse()
        events = [*head, (name, orjson.dumps({**error, "sequence_number": 2}).decode())]
        server.add_route("POST", "/v1/responses", lambda _r, ev=events: Scripted(events=ev))
        async with await start(client) as stream:
            with pytest.raises(APIStreamError) as info:
                await stream.final_response()
        assert info.value.code == "rate_limit_exceeded"
        assert "Slow down." in str(info.value)
        assert closed(stream)


async def test_break_then_aclose_releases_the_connection(client, server):
    script_route(server, long_hello(), hello())
    stream = await start(client)
    async for event in stream:
        if isinstance(event, ResponseTextDeltaEvent):
            break
    # Leaving the loop keeps the stream open: final_response() could read the rest.
    assert not closed(stream)
    await stream.aclose()
    assert closed(stream)
    await stream.aclose()  # idempotent
    with pytest.raises(ResponseNotCompletedError) as info:
        await stream.final_response()
    assert info.value.response.output_text == "Hel"
    # The client is still usable: the next stream runs from start to end.
    async with await start(client) as again:
        assert await again.final_text() == "Hello there"


async def test_leaving_async_with_early_releases_the_connection(client, server):
    script_route(server, long_hello())
    async with await start(client) as stream:
        await stream.__anext__()
        assert not closed(stream)
    assert closed(stream)


async def test_an_http_error_raises_before_the_stream_starts(client, server):
    server.add_route(
        "POST",
        "/v1/responses",
        lambda _r: Scripted(status=400, json={"error": {"message": "bad model", "code": "x"}}),
    )
    with pytest.raises(BadRequestError) as info:
        await start(client)
    assert info.value.status_code == 400 and info.value.code == "x"
    assert "bad model" in info.value.message


# --- the sync facade -------------------------------------------------------------------


@pytest.fixture
def sync_client(threaded_server: LocalServer) -> Iterator[Client]:
    with Client(api_key=API_KEY, base_url=threaded_server.base_url, retry_policy=FAST_RETRIES) as c:
        yield c


def sync_start(client: Client) -> ResponseStream:
    return client.responses.stream(model="gpt-4o", input="Say hello")


def test_sync_text_deltas_and_final_response(sync_client, threaded_server):
    seen = script_route(threaded_server, hello())
    with sync_start(sync_client) as stream:
        assert isinstance(stream, ResponseStream)
        before = stream.current_response
        deltas = list(stream.text_deltas())
        final = stream.final_response()
        assert stream.final_text() == "Hello there"
        assert stream.request_id == "req_1"
    assert deltas == ["Hel", "lo", " there"]
    assert final.status == "completed" and final.output_text == "Hello there"
    assert before is None and stream.current_response is final
    assert seen[0].json()["stream"] is True


def test_sync_iteration_yields_typed_events(sync_client, threaded_server):
    script = hello()
    script_route(threaded_server, script)
    with sync_start(sync_client) as stream:
        events = [event.type for event in stream]
    assert events == [e["type"] for e in script.events]


def test_sync_events_that_arrived_together_add_up_in_the_calling_thread(
    sync_client, threaded_server
):
    script = hello()
    body = b"".join(
        (f"event: {name}\n" if name else "").encode() + f"data: {data}\n\n".encode()
        for name, data in script.sse()
    )  # one write: every event of the reply
    threaded_server.add_route(
        "POST", "/v1/responses", lambda r: Scripted(body=body, content_type="text/event-stream")
    )
    with looped_client(threaded_server) as client, sync_start(client) as stream:
        first = next(stream)  # on the loop: a hook runs there
        with portal_held(client):
            rest = [next(stream) for _ in range(len(script.events) - 1)]
            so_far = stream.current_response
        final = stream.final_response()
    assert [e.type for e in [first, *rest]] == [e["type"] for e in script.events]
    assert so_far is final and final.output_text == "Hello there"


def test_sync_stream_helpers_run_in_the_calling_thread(sync_client, threaded_server):
    script_route(threaded_server, hello())
    with sync_start(sync_client) as stream:
        assert list(stream.text_deltas()) == ["Hel", "lo", " there"]
        assert stream.final_text() == "Hello there"
    chat = sync_client.chat.completions.stream(model="gpt-4o-mini", messages=MESSAGES)
    with chat:
        assert "".join(chat.text_deltas()).endswith("You said: Hi")
    assert sync_client._portal._portal is None  # no event-loop thread was needed


def test_sync_failed_and_incomplete_raise(sync_client, threaded_server):
    details: dict[str, Any] = {"reason": "content_filter"}
    script_route(
        threaded_server,
        Script().start().end("response.failed", error=FAILED),
        Script().start().end("response.incomplete", incomplete_details=details),
    )
    with sync_start(sync_client) as stream, pytest.raises(ResponseFailedError) as failed:
        stream.final_response()
    assert failed.value.code == "server_error"
    with sync_start(sync_client) as stream, pytest.raises(ResponseIncompleteError) as incomplete:
        stream.final_response()
    assert incomplete.value.reason == "content_filter"


def test_sync_break_then_close_releases_the_connection(sync_client, threaded_server):
    script_route(threaded_server, long_hello(), hello())
    stream = sync_start(sync_client)
    for event in stream:
        if isinstance(event, ResponseTextDeltaEvent):
            break
    assert not closed(stream)
    stream.close()
    assert closed(stream)
    with sync_start(sync_client) as again:
        assert again.final_text() == "Hello there"


def test_sync_stream_dropped_unclosed_is_closed(sync_client, threaded_server):
    import gc

    script_route(threaded_server, long_hello())
    stream = sync_start(sync_client)
    next(stream)
    inner = stream._async.stream
    assert not inner._response.closed
    del stream
    gc.collect()
    assert inner._response.closed


async def test_text_format_sends_the_schema_and_parses_the_final_text(client, server):
    import attrs

    from openai_async import InvalidRequestError, json_schema

    @attrs.define
    class Weather:
        city: str
        degrees: int

    seen = script_route(
        server,
        Script().start().text('{"city": "Oslo", ', '"degrees": 3}').end(),
        Script().start().text('{"city": "Os').end("response.incomplete"),
        hello(),
    )
    async with await client.responses.stream(
        model="gpt-4o", input="weather?", text_format=Weather, text={"verbosity": "low"}
    ) as stream:
        parsed = await stream.final_parsed()
    assert parsed.output_parsed == Weather("Oslo", 3)
    assert parsed.status == "completed"
    text = seen[0].json()["text"]
    assert text["verbosity"] == "low"
    assert text["format"] == {
        "type": "json_schema",
        "name": "Weather",
        "schema": json_schema(Weather),
        "strict": True,
    }
    async with await client.responses.stream(
        model="gpt-4o", input="weather?", text_format=Weather
    ) as stream:
        with pytest.raises(ResponseIncompleteError):
            await stream.final_parsed()
    async with await start(client) as plain:
        with pytest.raises(InvalidRequestError, match="text_format"):
            await plain.final_parsed()
    assert "text" not in seen[2].json()
