"""Streaming chat and text completions through a real socket to the local server."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import orjson
import pytest
from aiohttp import web

from openai_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStreamError,
    APITimeoutError,
    AsyncClient,
    AsyncStream,
    AuthenticationError,
    IncompleteStreamError,
    RateLimitError,
    Timeout,
)
from openai_async.models import ChatCompletionChunk, Completion
from openai_async.testing import Fault, Reply, Scripted, ToolCall
from tests.conftest import API_KEY

pytestmark = pytest.mark.anyio

MESSAGES: list[Any] = [{"role": "user", "content": "Hi there"}]
ECHO = "Hello from the openai_async local server. You said: Hi there"


async def chat_stream(client: AsyncClient, **kwargs: Any) -> AsyncStream[ChatCompletionChunk]:
    return await client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, **kwargs
    )


async def drain(stream: AsyncStream[Any]) -> tuple[list[Any], BaseException | None]:
    """Every chunk the stream yields, and the error that ended it (None: a clean end)."""
    chunks: list[Any] = []
    try:
        async for chunk in stream:
            chunks.append(chunk)
    except Exception as exc:
        return chunks, exc
    return chunks, None


def text_of(chunks: list[ChatCompletionChunk], index: int = 0) -> str:
    return "".join(
        c.delta.content or "" for chunk in chunks for c in chunk.choices if c.index == index
    )


def pooled(client: AsyncClient) -> int:
    """Idle connections in the client's pool (a released, reusable connection is one)."""
    connector = client._transport._session.connector  # type: ignore[union-attr]
    return sum(len(v) for v in connector._conns.values())  # type: ignore[union-attr]


# --- happy paths ---------------------------------------------------------------------


async def test_chat_stream_yields_typed_chunks_that_assemble_the_reply(client, server):
    stream = await chat_stream(client)
    assert isinstance(stream, AsyncStream)
    chunks, error = await drain(stream)
    assert error is None
    assert chunks and all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert text_of(chunks) == ECHO
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert {c.id for c in chunks} == {"chatcmpl-local1"}
    # [DONE] ended it: iteration stopped, the body was read to the end, the connection is reusable.
    assert stream._response.closed
    assert pooled(client) == 1
    assert server.requests[-1].json()["stream"] is True
    assert server.requests[-1].headers["Accept"] == "text/event-stream"


async def test_scripted_chunks_and_finish_reason_arrive_as_sent(client, server):
    server.add_reply(Reply(chunks=["a", "b"], finish_reason="length"))
    chunks, error = await drain(await chat_stream(client))
    assert error is None
    assert text_of(chunks) == "ab"
    assert chunks[-1].choices[0].finish_reason == "length"


async def test_include_usage_gives_a_final_chunk_with_usage_and_no_choices(client):
    chunks, error = await drain(await chat_stream(client, stream_options={"include_usage": True}))
    assert error is None
    *content, last = chunks
    assert last.choices == []
    assert last.usage is not None
    assert last.usage.total_tokens == last.usage.prompt_tokens + last.usage.completion_tokens > 0
    assert all(c.usage is None for c in content)
    assert text_of(content) == ECHO


async def test_completions_stream(client, server):
    stream = await client.completions.create(
        model="gpt-3.5-turbo-instruct",
        prompt="Say hi",
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks, error = await drain(stream)
    assert error is None
    assert all(isinstance(c, Completion) for c in chunks)
    *content, usage_chunk = chunks
    assert "".join(c.choices[0].text for c in content) == (
        "Hello from the openai_async local server. You said: Say hi"
    )
    assert content[-1].choices[0].finish_reason == "stop"
    assert usage_chunk.choices == [] and usage_chunk.usage is not None
    assert server.requests[-1].path == "/v1/completions"


async def test_completions_stream_truncated_raises(client, server):
    server.add_fault(Fault.truncate(after_events=2))
    stream = await client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="x", stream=True
    )
    chunks, error = await drain(stream)
    assert len(chunks) == 2
    assert isinstance(error, IncompleteStreamError)


async def test_response_info_and_request_id(client):
    stream = await chat_stream(client)
    async with stream:
        assert stream.request_id == "req_1"
        info = stream.response_info
        assert info.status_code == 200
        assert info.headers["Content-Type"].startswith("text/event-stream")
        assert info.rate_limit is not None and info.rate_limit.limit_requests == 10000


async def test_unknown_chunk_fields_are_kept(client, server):
    server.add_reply(Reply("Hi", extra_fields={"reasoning_content": "thinking..."}))
    chunks, _ = await drain(await chat_stream(client))
    assert chunks
    for chunk in chunks:
        assert chunk.model_extra["reasoning_content"] == "thinking..."
        assert chunk.to_dict()["reasoning_content"] == "thinking..."


async def test_several_choices_are_streamed_side_by_side(client, server):
    server.add_reply(Reply("one two three"))
    chunks, error = await drain(await chat_stream(client, n=3))
    assert error is None
    assert [text_of(chunks, i) for i in range(3)] == ["one two three"] * 3
    finishes = {c.index: c.finish_reason for ch in chunks for c in ch.choices if c.finish_reason}
    assert finishes == {0: "stop", 1: "stop", 2: "stop"}


async def test_tool_calls_are_streamed_as_indexed_deltas(client, server):
    calls = [
        ToolCall("get_weather", '{"city": "Paris", "unit": "celsius"}', id="call_a"),
        ToolCall("get_time", '{"tz": "Europe/Paris"}'),
    ]
    server.add_reply(Reply(None, tool_calls=calls, chunk_size=5))
    chunks, error = await drain(await chat_stream(client, tools=[]))
    assert error is None
    names: dict[int, str] = {}
    ids: dict[int, str] = {}
    arguments: dict[int, str] = {}
    pieces = 0
    for chunk in chunks:
        for call in chunk.choices[0].delta.tool_calls or ():
            pieces += 1
            if call.id is not None:
                ids[call.index] = call.id
            if call.function is not None:
                if call.function.name:
                    names[call.index] = call.function.name
                arguments[call.index] = arguments.get(call.index, "") + (
                    call.function.arguments or ""
                )
    assert pieces > 4  # the arguments really came in pieces
    assert names == {0: "get_weather", 1: "get_time"}
    assert ids[0] == "call_a" and ids[1].startswith("call_")
    assert arguments == {0: calls[0].arguments, 1: calls[1].arguments}
    assert text_of(chunks) == ""
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


async def test_logprobs_are_streamed(client, server):
    server.add_reply(Reply(chunks=["Hel", "lo"]))
    chunks, _ = await drain(await chat_stream(client, logprobs=True, top_logprobs=2))
    tokens = [
        lp for ch in chunks for c in ch.choices if c.logprobs for lp in c.logprobs.content or ()
    ]
    assert [t.token for t in tokens] == ["Hel", "lo"]
    assert all(t.logprob <= 0 and len(t.top_logprobs) == 2 for t in tokens)
    assert tokens[0].bytes == list(b"Hel")


async def test_keepalive_comments_are_ignored(client, server):
    server.add_reply(Reply("a b c d", keepalive_comments=True))
    stream = await chat_stream(client)
    chunks, error = await drain(stream)
    assert error is None
    assert text_of(chunks) == "a b c d"
    assert stream._decoder.comments > 0  # the comments really arrived


async def test_empty_and_meta_only_events_are_skipped(client, server):
    server.add_fault(Fault.empty_events(after_events=2, count=3))
    chunks, error = await drain(await chat_stream(client))
    assert error is None
    assert text_of(chunks) == ECHO


# --- releasing the connection --------------------------------------------------------


async def test_async_with_closes_the_stream(client, server):
    server.add_reply(Reply("a b c d e f", delay_between_chunks=0.05))
    stream = await chat_stream(client)
    async with stream as same:
        assert same is stream
        first = await stream.__anext__()
        assert first.choices
        assert not stream._response.closed
    assert stream._response.closed
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()
    chunks, error = await drain(stream)
    assert chunks == [] and error is None


async def test_aclose_releases_the_connection_at_once(client, server):
    server.add_reply(Reply("a b c d e f", delay_between_chunks=0.05))
    stream = await chat_stream(client)
    await stream.__anext__()
    assert not stream._response.closed
    await stream.aclose()
    assert stream._response.closed
    await stream.aclose()  # idempotent
    assert (await client.models.retrieve("gpt-4o")).id == "gpt-4o"


async def test_break_out_of_async_for_closes_the_connection_at_once(client, server):
    server.add_reply(Reply("a b c d e f", delay_between_chunks=0.01))
    stream = await chat_stream(client)
    async for _chunk in stream:
        assert not stream._response.closed
        break
    assert stream._response.closed
    # The client is still usable, and the next stream works from start to end.
    assert (await client.models.retrieve("gpt-4o")).id == "gpt-4o"
    chunks, error = await drain(await chat_stream(client))
    assert error is None and text_of(chunks) == ECHO


async def test_an_unread_stream_dropped_unclosed_leaves_no_warning(client, server):
    server.add_reply(Reply("a b c d e f", delay_between_chunks=0.05))
    stream = await chat_stream(client)
    response = stream._response
    assert not response.closed
    del stream
    gc.collect()
    assert response.closed
    assert (await client.models.retrieve("gpt-4o")).id == "gpt-4o"


@pytest.mark.parametrize("borrowed", [False, True])
async def test_closing_the_client_closes_streams_left_open(server, borrowed):
    import aiohttp

    session = aiohttp.ClientSession() if borrowed else None
    try:
        client = AsyncClient(api_key=API_KEY, base_url=server.base_url, session=session)
        server.add_reply(Reply("a b c d e f", delay_between_chunks=0.05))
        stream = await chat_stream(client)
        await stream.__anext__()
        assert not stream._response.closed
        await client.aclose()
        assert stream._response.closed
    finally:
        if session is not None:
            assert not session.closed  # a session passed in is never closed by us
            await session.close()


async def test_cancelling_the_consumer_mid_stream_releases_the_connection(client, server):
    server.add_fault(Fault.stall(after_events=2, seconds=5))
    stream = await chat_stream(client)
    received: list[ChatCompletionChunk] = []
    two_arrived = anyio.Event()

    async def consume() -> None:
        async for chunk in stream:
            received.append(chunk)
            if len(received) == 2:
                two_arrived.set()

    with anyio.fail_after(3):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            await two_arrived.wait()
            await anyio.sleep(0.05)  # the consumer is now waiting on the stalled stream
            tg.cancel_scope.cancel()
    assert len(received) == 2
    assert stream._response.closed
    assert (await client.models.retrieve("gpt-4o")).id == "gpt-4o"


# --- errors --------------------------------------------------------------------------


async def test_http_error_is_raised_by_create_before_iteration(client, server):
    server.add_fault(Fault.status(401))
    with pytest.raises(AuthenticationError) as info:
        await chat_stream(client)
    assert info.value.status_code == 401
    assert info.value.code == "invalid_api_key"
    assert len(server.requests) == 1


async def test_429_exhausting_retries_is_raised_by_create(client, server):
    for _ in range(3):
        server.add_fault(Fault.status(429))
    with pytest.raises(RateLimitError):
        await chat_stream(client)
    assert len(server.requests) == 3  # the first attempt and max_retries=2


async def test_429_before_the_stream_starts_is_retried(client, server):
    server.add_fault(Fault.status(429))
    chunks, error = await drain(await chat_stream(client))
    assert error is None and text_of(chunks) == ECHO
    assert len(server.requests) == 2


async def test_dropped_connection_mid_stream_raises_and_is_not_retried(client, server):
    server.add_fault(Fault.drop(after_events=3))
    stream = await chat_stream(client)
    chunks, error = await drain(stream)
    assert len(chunks) == 3
    assert isinstance(error, APIConnectionError)
    assert not isinstance(error, APITimeoutError)
    assert error.request_id == "req_1"
    assert len(server.requests) == 1
    assert stream._response.closed


async def test_stream_truncated_before_finish_raises_incomplete(client, server):
    server.add_fault(Fault.truncate(after_events=3))
    stream = await chat_stream(client)
    chunks, error = await drain(stream)
    assert len(chunks) == 3
    assert isinstance(error, IncompleteStreamError)
    assert error.request_id == "req_1"
    assert stream._response.closed
    # The stream stays ended.
    assert await drain(stream) == ([], None)


async def test_stream_without_done_is_complete_when_every_choice_finished(client, server):
    # Events: role, "a", "b", finish, [DONE]: cut right before [DONE].
    server.add_reply(Reply(chunks=["a", "b"]))
    server.add_fault(Fault.truncate(after_events=4))
    chunks, error = await drain(await chat_stream(client))
    assert error is None
    assert text_of(chunks) == "ab"
    assert chunks[-1].choices[0].finish_reason == "stop"


async def test_stream_without_done_is_incomplete_while_one_of_several_choices_runs(client, server):
    # n=2, events: role x2, "a" x2, finish(0), finish(1), [DONE]: cut after finish(0).
    server.add_reply(Reply(chunks=["a"]))
    server.add_fault(Fault.truncate(after_events=5))
    chunks, error = await drain(await chat_stream(client, n=2))
    assert len(chunks) == 5
    assert isinstance(error, IncompleteStreamError)


async def test_done_without_its_blank_line_ends_the_stream(client, server):
    # Events: role, "a", "b", finish, [DONE]: the body ends with the bytes "data: [DONE]".
    server.add_reply(Reply(chunks=["a", "b"]))
    server.add_fault(Fault.unterminated(at_event=4))
    stream = await chat_stream(client)
    chunks, error = await drain(stream)
    assert error is None
    assert text_of(chunks) == "ab"
    assert stream._response.closed


@pytest.mark.parametrize("end", [b"", b"\n", b"\r", b"\r\n"], ids=["none", "LF", "CR", "CRLF"])
async def test_done_cut_before_its_blank_line_completes_choices_that_never_finished(
    client, server, end
):
    # Some compatible servers send no finish_reason: the marker alone says the stream is whole.
    body = sse_chunk("a") + sse_chunk("b") + b"data: [DONE]" + end
    server.add_route(
        "POST",
        "/v1/chat/completions",
        lambda r: Scripted(body=body, content_type="text/event-stream", chunk_size=7),
    )
    chunks, error = await drain(await chat_stream(client))
    assert error is None
    assert text_of(chunks) == "ab"


async def test_another_unterminated_event_is_truncation_while_a_choice_runs(client, server):
    # n=2, events: role x2, "a" x2, finish(0), finish(1), [DONE]: finish(1) arrives without
    # its blank line, so it is discarded and choice 1 never finished.
    server.add_reply(Reply(chunks=["a"]))
    server.add_fault(Fault.unterminated(at_event=5))
    chunks, error = await drain(await chat_stream(client, n=2))
    assert len(chunks) == 5
    assert isinstance(error, IncompleteStreamError)
    assert "middle of an event" in str(error)


async def test_an_unterminated_chunk_that_is_not_done_is_truncation(client, server):
    body = sse_chunk("a") + sse_chunk("b")[:-2]  # "b" without its blank line, no finish_reason
    server.add_route(
        "POST",
        "/v1/chat/completions",
        lambda r: Scripted(body=body, content_type="text/event-stream"),
    )
    chunks, error = await drain(await chat_stream(client))
    assert text_of(chunks) == "a"
    assert isinstance(error, IncompleteStreamError)


async def test_malformed_event_raises_validation_error_with_the_raw_data(client, server):
    server.add_fault(Fault.malformed(at_event=2))
    stream = await chat_stream(client)
    chunks, error = await drain(stream)
    assert len(chunks) == 2
    assert isinstance(error, APIResponseValidationError)
    assert error.raw == '{"id": "chatcmpl-broken", "choices": ['
    assert stream._response.closed


async def test_error_event_raises_stream_error(client, server):
    server.add_fault(Fault.error_event(2, "The model is overloaded.", "server_error", "overloaded"))
    stream = await chat_stream(client)
    chunks, error = await drain(stream)
    assert len(chunks) == 2
    assert isinstance(error, APIStreamError)
    assert error.message == "The model is overloaded."
    assert error.code == "overloaded"
    assert error.type == "server_error"
    assert error.request_id == "req_1"
    assert stream._response.closed


async def test_error_payload_without_event_name_raises_stream_error(client, server):
    server.add_fault(Fault.error_payload(1, "Bad things", "invalid_request_error", "bad"))
    chunks, error = await drain(await chat_stream(client))
    assert len(chunks) == 1
    assert isinstance(error, APIStreamError)
    assert (error.message, error.code, error.type) == ("Bad things", "bad", "invalid_request_error")


async def test_stream_idle_timeout_fires_despite_keepalive_comments(client, server):
    # A minute of keep-alives every 50 ms: were each one to restart the idle limit, only
    # fail_after would end the read.
    server.add_fault(Fault.stall(after_events=2, seconds=60, keepalive_interval=0.05))
    stream = await chat_stream(client, timeout=Timeout(stream_idle=1.0))
    with anyio.fail_after(10):
        chunks, error = await drain(stream)
    assert len(chunks) == 2
    assert isinstance(error, APITimeoutError)
    assert "stream_idle" in str(error)
    assert stream._decoder.comments >= 2  # keep-alive comments did arrive meanwhile
    assert stream._response.closed
    assert len(server.requests) == 1


async def test_stream_idle_timeout_from_the_client_default(server):
    server.add_fault(Fault.stall(after_events=1, seconds=5, keepalive_interval=0.05))
    async with AsyncClient(
        api_key=API_KEY, base_url=server.base_url, timeout=Timeout(stream_idle=0.2)
    ) as client:
        chunks, error = await drain(await chat_stream(client))
    assert len(chunks) == 1
    assert isinstance(error, APITimeoutError)


async def test_a_slow_stream_within_the_idle_limit_completes(client, server):
    server.add_reply(Reply("a b c d", delay_between_chunks=0.05, keepalive_comments=True))
    chunks, error = await drain(await chat_stream(client, timeout=Timeout(stream_idle=0.5)))
    assert error is None and text_of(chunks) == "a b c d"


async def test_streams_of_two_clients_on_one_server_do_not_interfere(server):
    async with (
        AsyncClient(api_key=API_KEY, base_url=server.base_url) as a,
        AsyncClient(api_key=API_KEY, base_url=server.base_url) as b,
    ):
        server.add_reply(Reply("first"))
        server.add_reply(Reply("second"))
        sa = await chat_stream(a)
        sb = await chat_stream(b)
        (ca, _), (cb, _) = await drain(sa), await drain(sb)
    assert {text_of(ca), text_of(cb)} == {"first", "second"}


# --- other servers' streams ----------------------------------------------------------


@pytest.fixture
async def sse_server() -> AsyncIterator[Callable[..., str]]:
    """A bare aiohttp server streaming the given byte pieces; `serve(*pieces)` -> base_url.

    A float among the pieces is a pause, in seconds.
    """
    scripts: list[tuple[bytes | float, ...]] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for piece in scripts.pop(0):
            if isinstance(piece, float):
                await anyio.sleep(piece)
            else:
                await response.write(piece)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]

    def serve(*pieces: bytes | float) -> str:
        scripts.append(pieces)
        return f"http://127.0.0.1:{port}/v1"

    try:
        yield serve
    finally:
        await runner.cleanup()


def sse_chunk(content: str | None, finish: str | None = None, index: int = 0) -> bytes:
    delta = {} if content is None else {"content": content}
    payload = {
        "id": "chatcmpl-x",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + orjson.dumps(payload) + b"\n\n"


async def test_done_ends_a_stream_whose_choices_never_finished(sse_server):
    # Some compatible servers send no finish_reason at all: [DONE] alone completes the stream.
    base_url = sse_server(sse_chunk("a"), sse_chunk("b"), b"data: [DONE]\n\n")
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        chunks, error = await drain(await chat_stream(client))
    assert error is None
    assert text_of(chunks) == "ab"


async def test_after_done_the_body_is_read_to_its_end_so_the_connection_is_reused(sse_server):
    base_url = sse_server(sse_chunk("a", "stop"), b"data: [DONE]\n\n", 0.05, b": bye\n\n")
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        stream = await chat_stream(client)
        chunks, error = await drain(stream)
        assert error is None and text_of(chunks) == "a"
        assert stream._response.closed
        assert pooled(client) == 1


async def test_event_named_error_raises_whatever_its_payload(sse_server):
    base_url = sse_server(
        sse_chunk("a"), b'event: error\ndata: {"message": "overloaded", "code": "busy"}\n\n'
    )
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        chunks, error = await drain(await chat_stream(client))
    assert text_of(chunks) == "a"
    assert isinstance(error, APIStreamError)
    assert error.message == "overloaded"
    assert error.code == "busy"


async def test_responses_error_event_without_event_name_raises(sse_server):
    error = b'data: {"type": "error", "code": "rate", "message": "slow down", "param": null}\n\n'
    base_url = sse_server(sse_chunk("a"), error)
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        chunks, caught = await drain(await chat_stream(client))
    assert text_of(chunks) == "a"
    assert isinstance(caught, APIStreamError)
    assert (caught.message, caught.code) == ("slow down", "rate")


async def test_crlf_comments_and_split_lines_from_another_server(sse_server):
    whole = sse_chunk("héllo").replace(b"\n", b"\r\n")
    base_url = sse_server(
        b": ping\r\n\r\n",
        whole[:9],
        0.01,
        whole[9:20],
        0.01,
        whole[20:],
        b"retry: 100\r\n\r\n",
        sse_chunk(" world", "stop"),
        b"data: [DONE]\r\n\r\n",
    )
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        chunks, error = await drain(await chat_stream(client))
    assert error is None
    assert text_of(chunks) == "héllo world"


async def test_stream_cut_in_the_middle_of_an_event_is_incomplete(sse_server):
    # Every choice seen had finished, but the body stopped inside an event.
    base_url = sse_server(sse_chunk("a", "stop"), sse_chunk("b")[:20])
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        chunks, error = await drain(await chat_stream(client))
    assert text_of(chunks) == "a"
    assert isinstance(error, IncompleteStreamError)
    assert "middle of an event" in str(error)


async def test_a_chunk_of_the_wrong_shape_is_a_validation_error(sse_server):
    base_url = sse_server(sse_chunk("a"), b'data: {"choices": "nope"}\n\n')
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        chunks, error = await drain(await chat_stream(client))
    assert len(chunks) == 1
    assert isinstance(error, APIResponseValidationError)
    assert error.raw == '{"choices": "nope"}'
