"""The sync facade (`openai_async.Client`) against the local server on its own thread."""

from __future__ import annotations

import contextlib
import gc
import inspect
import sys
import threading
import typing
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from openai_async import (
    APIConnectionError,
    APIStreamError,
    AsyncClient,
    AuthenticationError,
    Client,
    IncompleteStreamError,
    NotFoundError,
    RateLimitError,
    Stream,
    SyncInAsyncContextError,
    SyncPage,
)
from openai_async.models import ChatCompletion, ChatCompletionChunk, Model
from openai_async.testing import Fault, LocalServer, Reply, Scripted
from tests.conftest import API_KEY, FAST_RETRIES

MESSAGES: list[Any] = [{"role": "user", "content": "Hi there"}]
ECHO = "Hello from the openai_async local server. You said: Hi there"


def live_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive()}


def all_stopped(threads: set[threading.Thread], timeout: float = 2.0) -> bool:
    for thread in threads:
        thread.join(timeout)
    return not any(t.is_alive() for t in threads)


@pytest.fixture
def sync_client(threaded_server: LocalServer) -> Iterator[Client]:
    with Client(
        api_key=API_KEY, base_url=threaded_server.base_url, retry_policy=FAST_RETRIES
    ) as client:
        yield client


#: A request hook runs on the event loop: a client with one sends every call, streams
#: included, through its portal thread (the path the tests of that thread need).
ON_THE_LOOP: Any = {"request": [lambda request: None]}


def looped_client(server: LocalServer) -> Client:
    return Client(api_key=API_KEY, base_url=server.base_url, hooks=ON_THE_LOOP)


def text_of(chunks: list[ChatCompletionChunk]) -> str:
    return "".join(c.delta.content or "" for chunk in chunks for c in chunk.choices)


def test_constructor_matches_the_async_client():
    sync_params = inspect.signature(Client).parameters
    async_params = inspect.signature(AsyncClient).parameters
    assert list(sync_params) == list(async_params)
    for name, param in async_params.items():
        assert sync_params[name].default == param.default, name
        assert sync_params[name].kind == param.kind, name


def test_resource_methods_mirror_the_async_ones(sync_client):
    pairs = [
        (sync_client.chat.completions, sync_client._async.chat.completions, ["create"]),
        (sync_client.completions, sync_client._async.completions, ["create"]),
        (sync_client.embeddings, sync_client._async.embeddings, ["create"]),
        (sync_client.models, sync_client._async.models, ["list", "retrieve", "delete"]),
    ]
    for sync_resource, async_resource, names in pairs:
        for name in names:
            sync_sig = inspect.signature(getattr(sync_resource, name))
            async_sig = inspect.signature(getattr(async_resource, name))
            assert [(p.name, p.kind, p.default) for p in sync_sig.parameters.values()] == [
                (p.name, p.kind, p.default) for p in async_sig.parameters.values()
            ], name
            assert not inspect.iscoroutinefunction(getattr(sync_resource, name))


def test_sync_signatures_name_the_sync_types():
    from openai_async._sync.resources.chat import ChatCompletions
    from openai_async._sync.resources.models import Models

    assert typing.get_type_hints(Models.list)["return"] == SyncPage[Model]
    assert typing.get_type_hints(Models.retrieve)["return"] is Model
    create = typing.get_type_hints(ChatCompletions.create)["return"]
    assert set(typing.get_args(create)) == {ChatCompletion, Stream[ChatCompletionChunk]}
    if sys.version_info >= (3, 11):
        overloads = typing.get_overloads(ChatCompletions.create)
        returns = [inspect.signature(f).return_annotation for f in overloads]
        assert returns == [
            "ChatCompletion",
            "Stream[ChatCompletionChunk]",
            "ChatCompletion | Stream[ChatCompletionChunk]",
        ]


def test_chat(sync_client, threaded_server):
    completion = sync_client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert isinstance(completion, ChatCompletion)
    assert completion.choices[0].message.content == ECHO
    assert completion.request_id == "req_1"
    assert threaded_server.requests[-1].json() == {"model": "gpt-4o-mini", "messages": MESSAGES}


def test_completions_and_embeddings(sync_client):
    completion = sync_client.completions.create(model="gpt-3.5-turbo-instruct", prompt="yo")
    assert completion.choices[0].text.endswith("You said: yo")
    vectors = sync_client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    assert [len(d.embedding) for d in vectors.data] == [8, 8]


def test_stream_with_for(sync_client):
    stream = sync_client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    )
    assert isinstance(stream, Stream)
    assert stream.request_id == "req_1"
    assert stream.response_info.status_code == 200
    chunks = list(stream)
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert text_of(chunks) == ECHO
    assert list(stream) == []  # ended


def test_stream_with_statement_closes_it(sync_client, threaded_server):
    threaded_server.add_reply(Reply("a b c d e f", delay_between_chunks=0.05))
    stream = sync_client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    )
    with stream as same:
        assert same is stream
        first = next(stream)
        assert first.choices[0].delta.role == "assistant"
        assert not stream._stream._response.closed
    assert stream._stream._response.closed
    assert list(stream) == []


def test_break_out_of_for_closes_the_connection_at_once(sync_client, threaded_server):
    threaded_server.add_reply(Reply("a b c d e f", delay_between_chunks=0.05))
    stream = sync_client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    )
    for _chunk in stream:
        assert not stream._stream._response.closed
        break
    assert stream._stream._response.closed
    assert sync_client.models.retrieve("gpt-4o").id == "gpt-4o"


def test_a_sync_stream_dropped_unread_is_closed_on_its_loop(threaded_server, monkeypatch):
    from openai_async._transport import RawResponse

    closed_on: list[int] = []
    original = RawResponse.close

    def close(self: RawResponse) -> None:
        closed_on.append(threading.get_ident())
        original(self)

    monkeypatch.setattr(RawResponse, "close", close)
    threaded_server.add_reply(Reply("a b c d e f", delay_between_chunks=0.05))
    with looped_client(threaded_server) as client:
        stream = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        response = stream._stream._response
        assert not response.closed
        del stream
        gc.collect()
        assert response.closed
        # aiohttp objects are not thread-safe: the close ran on the client's loop thread.
        assert closed_on and set(closed_on) == {client._portal._thread_id}
        assert client.models.retrieve("gpt-4o").id == "gpt-4o"


def test_stream_errors_surface_in_the_for_loop(sync_client, threaded_server):
    threaded_server.add_fault(Fault.truncate(after_events=2))
    stream = sync_client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    )
    chunks = []
    with pytest.raises(IncompleteStreamError):
        for chunk in stream:
            chunks.append(chunk)
    assert len(chunks) == 2


def _sse_chunks(count: int, tail: bytes = b"") -> bytes:
    """``count`` chat chunks (one word each) as one SSE body, then ``tail``."""
    events = [
        orjson.dumps(
            {
                "id": "c",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": f"w{i} "}, "finish_reason": None}],
            }
        )
        for i in range(count)
    ]
    return b"".join(b"data: " + event + b"\n\n" for event in events) + tail


def _sse_route(server: LocalServer, body: bytes) -> None:
    server.add_route(
        "POST",
        "/chat/completions",
        lambda r: Scripted(body=body, content_type="text/event-stream"),
    )


@contextlib.contextmanager
def portal_held(client: Client) -> Iterator[None]:
    """Keep the client's portal loop busy for the block: what needs the loop waits. A
    block that waited on it (up to 10 s, then the hold gives up) fails the test."""
    holding, release, done = threading.Event(), threading.Event(), threading.Event()
    outcome: list[bool] = []

    def hold() -> None:
        holding.set()
        outcome.append(release.wait(10))
        done.set()

    client._portal._loop.call_soon_threadsafe(hold)
    assert holding.wait(10)
    try:
        yield
    finally:
        release.set()
        done.wait(10)
    assert outcome == [True], "the block waited for the portal's loop"


def test_chunks_already_received_are_handed_out_without_the_portal(threaded_server):
    # One write: five chunks and the end marker.
    _sse_route(threaded_server, _sse_chunks(5) + b"data: [DONE]\n\n")
    with looped_client(threaded_server) as client:
        stream = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        first = next(stream)  # crosses to the portal: the first network read
        assert first.choices[0].delta.content == "w0 "
        with portal_held(client):  # what came with the first chunk needs no crossing
            words = [next(stream).choices[0].delta.content for _ in range(4)]
        assert words == ["w1 ", "w2 ", "w3 ", "w4 "]
        assert list(stream) == []
        assert stream._stream._response.closed


def test_an_error_after_received_chunks_comes_after_them(sync_client, threaded_server):
    error = b'data: {"error": {"message": "overloaded", "type": "server_error"}}\n\n'
    _sse_route(threaded_server, _sse_chunks(3, error) + _sse_chunks(2))
    stream = sync_client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    words = []
    with pytest.raises(APIStreamError, match="overloaded"):
        for chunk in stream:
            words.append(chunk.choices[0].delta.content)
    assert words == ["w0 ", "w1 ", "w2 "]  # none dropped, none past the error
    assert stream._stream._response.closed
    assert list(stream) == []


def test_models_list(sync_client):
    page = sync_client.models.list()
    assert isinstance(page, SyncPage)
    assert page.has_next_page() is False
    assert all(isinstance(m, Model) for m in page.data)
    ids = [m.id for m in page]
    assert ids == ["gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo-instruct", "text-embedding-3-small"]
    assert len(page) == 4


def test_errors_are_the_same_classes(sync_client, threaded_server):
    with pytest.raises(NotFoundError) as info:
        sync_client.models.retrieve("nope")
    assert info.value.status_code == 404
    threaded_server.add_fault(Fault.status(401))
    with pytest.raises(AuthenticationError):
        sync_client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    for _ in range(3):
        threaded_server.add_fault(Fault.status(429))
    with pytest.raises(RateLimitError):
        sync_client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)


def test_connection_errors_are_mapped(unused_port):
    with (
        Client(
            api_key=API_KEY, base_url=f"http://127.0.0.1:{unused_port}/v1", max_retries=0
        ) as client,
        pytest.raises(APIConnectionError),
    ):
        client.models.list()


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_close_stops_the_portal_thread(threaded_server):
    before = live_threads()
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url)
    assert client.models.retrieve("gpt-4o").id == "gpt-4o"
    assert live_threads() - before == set()  # a plain call runs in the calling thread
    raw = client.models.with_raw_response.retrieve("gpt-4o")
    assert raw.parse().id == "gpt-4o"  # a raw response needs the portal's loop
    started = live_threads() - before
    assert len(started) == 1
    client.close()
    assert all_stopped(started)
    client.close()  # idempotent


def test_with_statement_stops_the_portal_thread(threaded_server):
    before = live_threads()
    with Client(api_key=API_KEY, base_url=threaded_server.base_url) as client:
        client.models.list()
        assert list(client.chat.completions.create(model="m", messages=MESSAGES, stream=True))
        assert live_threads() - before == set()  # pages and streams need no loop
        assert client.models.with_raw_response.retrieve("gpt-4o").parse().id == "gpt-4o"
        started = live_threads() - before
        assert len(started) == 1
    assert all_stopped(started)


def test_a_client_that_never_sent_starts_no_thread():
    before = live_threads()
    with Client(api_key=API_KEY, base_url="http://127.0.0.1:9/v1"):
        assert live_threads() - before == set()


def test_unclosed_client_is_collected_without_warning_and_its_thread_stops(threaded_server):
    threaded_server.add_reply(Reply("a b c d e f", delay_between_chunks=0.05))
    before = live_threads()
    client = looped_client(threaded_server)
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    next(stream)
    assert not stream._stream._response.closed
    started = live_threads() - before
    assert len(started) == 1
    del client, stream
    gc.collect()
    assert all_stopped(started)


def test_a_stream_left_open_past_close_is_closed_with_the_client(threaded_server):
    threaded_server.add_reply(Reply("a b c d e f", delay_between_chunks=0.05))
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url)
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    next(stream)
    client.close()
    assert stream._stream._response.closed
    del stream
    gc.collect()


def test_client_collected_on_its_own_portal_thread_still_stops_it(threaded_server):
    before = live_threads()
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url)
    client.models.list()
    started = live_threads() - before
    portal = client._portal._get()
    client.cycle = client  # only the cyclic garbage collector can free it
    gc.disable()
    try:
        del client
        portal.call(gc.collect)  # ... and it runs on the portal's thread
    finally:
        gc.enable()
    assert all_stopped(started)


def test_with_options_shares_the_portal(sync_client, threaded_server):
    sync_client.models.list()
    before = live_threads()
    other = sync_client.with_options(max_retries=0, default_headers={"X-Custom": "1"})
    assert other._portal is sync_client._portal
    assert other.models.retrieve("gpt-4o").id == "gpt-4o"
    assert threaded_server.requests[-1].headers["X-Custom"] == "1"
    assert live_threads() - before == set()  # no new thread
    assert other._async.max_retries == 0 and sync_client._async.max_retries == 2


def test_with_options_copy_outlives_its_dropped_original(threaded_server):
    before = live_threads()
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url).with_options(max_retries=0)
    gc.collect()
    assert client.models.retrieve("gpt-4o").id == "gpt-4o"
    started = live_threads() - before
    del client
    gc.collect()
    assert all_stopped(started)


def test_closing_a_with_options_copy_closes_the_shared_portal(threaded_server):
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url)
    client.models.list()
    client.with_options(max_retries=1).close()
    from openai_async import ConfigurationError

    with pytest.raises(ConfigurationError):
        client.models.list()


@pytest.mark.anyio
async def test_sync_call_inside_a_running_loop_fails_clearly(threaded_server):
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url)
    try:
        with pytest.raises(SyncInAsyncContextError, match="AsyncClient"):
            client.models.retrieve("gpt-4o")
        with pytest.raises(SyncInAsyncContextError):
            client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        with pytest.raises(SyncInAsyncContextError):
            client.models.list()
    finally:
        client.close()
    assert threaded_server.requests == []


@pytest.mark.anyio
async def test_sync_call_inside_a_running_loop_after_use_does_not_deadlock(threaded_server):
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url)
    try:
        # The portal thread is running already: the call must still refuse, not block.
        await _in_thread(lambda: client.models.retrieve("gpt-4o"))
        with pytest.raises(SyncInAsyncContextError):
            client.models.retrieve("gpt-4o")
    finally:
        await _in_thread(client.close)


async def _in_thread(fn: Any) -> Any:
    import anyio.to_thread

    return await anyio.to_thread.run_sync(fn)


def test_the_portal_hop_returns_results_and_raises_errors_and_cancels():
    import asyncio
    import threading

    from openai_async._syncbase import _run_on

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:

        async def value() -> int:
            await asyncio.sleep(0)
            return 42

        async def fail() -> None:
            raise KeyError("boom")

        assert _run_on(loop, value()) == 42
        with pytest.raises(KeyError, match="boom"):
            _run_on(loop, fail())
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
    # A closed loop: the error, and the coroutine closed (never "never awaited").
    with pytest.raises(RuntimeError, match="closed"):
        _run_on(loop, value())
