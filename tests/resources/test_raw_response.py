""".with_raw_response and .with_streaming_response, async and sync, through the local server."""

from __future__ import annotations

import asyncio
import datetime
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import orjson
import pytest

from openai_async import (
    APIResponse,
    AsyncAPIResponse,
    AsyncClient,
    AsyncStream,
    Client,
    InvalidRequestError,
    NotFoundError,
    RawAPIResponse,
    Stream,
    SyncPage,
)
from openai_async._pagination import AsyncPage
from openai_async.models import ChatCompletion, ChatCompletionChunk
from openai_async.testing import Fault, LocalServer, Reply, Scripted
from tests.conftest import API_KEY, FAST_RETRIES

pytestmark = pytest.mark.anyio

MESSAGES: list[Any] = [{"role": "user", "content": "Hi there"}]
ECHO = "Hello from the openai_async local server. You said: Hi there"


def pooled(client: AsyncClient) -> int:
    """Idle connections in the client's pool (a released, reusable connection is one)."""
    connector = client._transport._session.connector  # type: ignore[union-attr]
    return sum(len(v) for v in connector._conns.values())  # type: ignore[union-attr]


# --- raw: the call completes, the response comes with it ------------------------------------


async def test_raw_response_has_the_http_facts_and_parses_to_the_plain_result(client, server):
    raw = await client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
    assert isinstance(raw, RawAPIResponse)
    assert raw.status_code == 200
    assert raw.method == "POST"
    assert raw.url == f"{server.base_url}/chat/completions"
    assert raw.headers["content-type"].startswith("application/json")
    assert raw.headers["X-Request-Id"] == raw.request_id == "req_1"
    assert raw.retries_taken == 0
    assert isinstance(raw.elapsed, datetime.timedelta)
    assert raw.is_closed
    completion = raw.parse()
    assert isinstance(completion, ChatCompletion)
    assert completion.choices[0].message.content == ECHO
    assert raw.parse() is completion  # parsed once
    assert raw.json()["id"] == completion.id
    assert raw.content.startswith(b"{") and raw.text == raw.content.decode()
    assert raw.parse(to=dict)["object"] == "chat.completion"
    assert raw.parse(to=str) == raw.text
    assert raw.parse(to=bytes) == raw.content
    again = raw.parse(to=ChatCompletion)
    assert again.id == completion.id and again is not completion


async def test_raw_response_request_has_no_credentials(client):
    raw = await client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
    request = raw.http_request
    assert request.method == "POST" and request.url.endswith("/chat/completions")
    assert request.headers["Authorization"] == "<redacted>"
    assert API_KEY not in repr(request) + repr(request.headers) + repr(raw)
    assert raw.http_response.status_code == 200
    assert raw.http_response.json()["id"] == raw.parse().id


async def test_raw_response_counts_retries(client, server):
    server.add_fault(Fault.status(500))
    server.add_fault(Fault.status(503))
    raw = await client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
    assert raw.retries_taken == 2
    assert raw.request_id == "req_3"
    assert len(server.requests) == 3


async def test_raw_response_of_a_stream_parses_to_the_stream(client):
    raw = await client.chat.completions.with_raw_response.create(
        model="m", messages=MESSAGES, stream=True
    )
    assert raw.headers["content-type"].startswith("text/event-stream")
    stream = raw.parse()
    assert isinstance(stream, AsyncStream)
    with pytest.raises(InvalidRequestError, match="parse"):
        _ = raw.content
    text = ""
    async for chunk in stream:
        assert isinstance(chunk, ChatCompletionChunk)
        text += "".join(c.delta.content or "" for c in chunk.choices)
    assert text == ECHO


async def test_raw_response_of_a_list_parses_to_its_first_page(client):
    raw = await client.models.with_raw_response.list()
    page = raw.parse()
    assert isinstance(page, AsyncPage)
    assert [m.id for m in page.data] == [m["id"] for m in raw.json()["data"]]


async def test_raw_response_through_a_parent_namespace_and_for_binary_results(client, server):
    server.add_route("GET", "/files/file_1/content", lambda r: Scripted(body=b"a,b\n1,2\n"))
    raw = await client.with_options(max_retries=0).files.with_raw_response.content("file_1")
    assert raw.status_code == 200
    assert raw.content == b"a,b\n1,2\n"  # read with the call, as raw responses are
    binary = raw.parse()
    assert binary.content == await binary.read() == b"a,b\n1,2\n"
    nested = await client.chat.with_raw_response.completions.create(model="m", messages=MESSAGES)
    assert nested.parse().choices[0].message.content == ECHO


async def test_raw_response_raises_status_errors_like_the_plain_call(client, server):
    server.add_fault(Fault.status(404))
    with pytest.raises(NotFoundError):
        await client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)


@attrs.define
class Answer:
    text: str


async def test_raw_response_of_parse_keeps_the_parsed_completion(client, server):
    server.add_reply(Reply('{"text": "hi"}'))
    raw = await client.chat.completions.with_raw_response.parse(
        model="m", messages=MESSAGES, response_format=Answer
    )
    assert raw.parse().choices[0].message.parsed == Answer("hi")
    assert raw.json()["choices"][0]["message"]["content"] == '{"text": "hi"}'
    assert server.requests[-1].json()["response_format"]["type"] == "json_schema"


# --- streaming: stops at the headers, reads when asked ------------------------------------------


async def test_streaming_response_enters_at_the_headers_and_reads_when_asked(client, server):
    async with client.chat.completions.with_streaming_response.create(
        model="m", messages=MESSAGES
    ) as response:
        assert isinstance(response, AsyncAPIResponse)
        assert response.status_code == 200 and response.request_id == "req_1"
        completion = await response.parse()
        assert completion.choices[0].message.content == ECHO
        assert await response.parse() is completion
        assert (await response.json())["id"] == completion.id
        assert (await response.text()).startswith("{")
        assert response.is_closed
    assert pooled(client) == 1  # read to the end: the connection went back to the pool


async def test_streaming_response_leaves_a_json_body_to_the_caller(client):
    async with client.chat.completions.with_streaming_response.create(
        model="m", messages=MESSAGES
    ) as response:
        body = b"".join([chunk async for chunk in response.iter_bytes()])
    assert orjson.loads(body)["choices"][0]["message"]["content"] == ECHO


async def test_streaming_response_does_not_read_a_stalled_body(client, server):
    # The server sends one event and stalls for an hour: entering and leaving must not wait.
    server.add_fault(Fault.stall(after_events=1, seconds=3600))
    async with client.chat.completions.with_streaming_response.create(
        model="m", messages=MESSAGES, stream=True
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
    assert response.is_closed
    assert pooled(client) == 0  # closed, not pooled: its body was never finished


async def test_streaming_response_parses_a_stream(client):
    async with client.chat.completions.with_streaming_response.create(
        model="m", messages=MESSAGES, stream=True
    ) as response:
        stream = await response.parse()
        assert isinstance(stream, AsyncStream)
        text = ""
        async for chunk in stream:
            text += "".join(c.delta.content or "" for c in chunk.choices)
    assert text == ECHO


async def test_streaming_response_leaving_early_closes_a_parsed_stream(client, server):
    server.add_fault(Fault.stall(after_events=2, seconds=3600))
    async with client.chat.completions.with_streaming_response.create(
        model="m", messages=MESSAGES, stream=True
    ) as response:
        stream = await response.parse()
        await stream.__anext__()
    assert response.is_closed
    assert pooled(client) == 0


async def test_streaming_response_iterates_bytes_text_and_lines(client, server):
    body = "line one\r\nligne deux é\nthree\rfour".encode()
    server.add_route("GET", "/files/f/content", lambda r: Scripted(body=body, chunk_size=3))
    content = client.files.with_streaming_response.content
    async with content("f") as response:
        chunks = [c async for c in response.iter_bytes(4)]
    assert b"".join(chunks) == body
    assert all(len(c) == 4 for c in chunks[:-1]) and 0 < len(chunks[-1]) <= 4
    async with content("f") as response:
        assert "".join([t async for t in response.iter_text(1)]) == body.decode()
    async with content("f") as response:
        assert [line async for line in response.iter_lines()] == [
            "line one",
            "ligne deux é",
            "three",
            "four",
        ]
    async with content("f") as response:
        assert await response.read() == body
        assert [c async for c in response.iter_bytes()] == [body]  # from what was read


async def test_streaming_response_writes_a_file(client, server, tmp_path):
    server.add_route("GET", "/files/f/content", lambda r: Scripted(body=b"x" * 10_000))
    target = tmp_path / "out.bin"
    async with client.files.with_streaming_response.content("f") as response:
        assert await response.stream_to_file(target) == 10_000
    assert target.read_bytes() == b"x" * 10_000
    assert not (tmp_path / "out.bin.part").exists()


async def test_streaming_response_raises_status_errors_on_entry(client, server):
    server.add_fault(Fault.status(404))
    with pytest.raises(NotFoundError):
        async with client.chat.completions.with_streaming_response.create(
            model="m", messages=MESSAGES
        ):
            pytest.fail("entered after a 404")


async def test_streaming_response_cancelled_inside_leaves_no_task(client, server):
    server.add_fault(Fault.stall(after_events=1, seconds=3600))
    before = asyncio.all_tasks()

    async def use() -> None:
        async with client.chat.completions.with_streaming_response.create(
            model="m", messages=MESSAGES, stream=True
        ) as response:
            entered.set()
            await response.read()  # stalls: cancelled from outside

    entered = asyncio.Event()
    task = asyncio.ensure_future(use())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    ours = [t for t in asyncio.all_tasks() - before if "_run_captured" in repr(t.get_coro())]
    assert ours == []
    assert pooled(client) == 0


async def test_streaming_response_body_is_read_once(client, server):
    server.add_route("GET", "/files/f/content", lambda r: Scripted(body=b"abc"))
    async with client.files.with_streaming_response.content("f") as response:
        assert [c async for c in response.iter_bytes()] == [b"abc"]
        with pytest.raises(InvalidRequestError):
            await response.parse()


async def test_streaming_response_of_a_list(client):
    async with client.models.with_streaming_response.list() as response:
        page = await response.parse()
    assert isinstance(page, AsyncPage) and page.data


# --- every method has both views ---------------------------------------------------------------


def _operation_names() -> list[str]:
    """Every generated operation, ``namespace.path.method`` (scripts/operations.toml)."""
    scripts = Path(__file__).resolve().parents[2] / "scripts"
    spec = importlib.util.spec_from_file_location("_codegen_for_views", scripts / "_codegen.py")
    assert spec is not None and spec.loader is not None
    codegen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(codegen)
    table = {**codegen.load_operations(), **codegen.load_operations(section="legacy")}
    return sorted(set(table.values()))


@pytest.mark.parametrize("client_class", [AsyncClient, Client])
def test_every_operation_has_a_raw_and_a_streaming_view(client_class):
    client = client_class(api_key=API_KEY, base_url="http://127.0.0.1:9")
    checked = 0
    for operation in _operation_names():
        *path, method = operation.split(".")
        resource = client
        for name in path:
            resource = getattr(resource, name)
        if not hasattr(resource, method):
            continue  # a legacy operation the loaded spec does not have
        for view in ("with_raw_response", "with_streaming_response"):
            direct = getattr(getattr(resource, view), method)
            # ... and reached through the top namespace's view, as client.chat.with_raw_response
            through = getattr(client, path[0])
            through = getattr(through, view)
            for name in path[1:]:
                through = getattr(through, name)
            assert callable(direct) and callable(getattr(through, method)), (operation, view)
        checked += 1
    assert checked >= 288
    if client_class is Client:
        client.close()


# --- the sync facade ---------------------------------------------------------------------------


@pytest.fixture
def sync_client(threaded_server: LocalServer) -> Iterator[Client]:
    with Client(
        api_key=API_KEY, base_url=threaded_server.base_url, retry_policy=FAST_RETRIES
    ) as client:
        yield client


def test_sync_raw_response(sync_client, threaded_server):
    threaded_server.add_fault(Fault.status(500))
    raw = sync_client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
    assert raw.status_code == 200 and raw.retries_taken == 1
    assert raw.parse().choices[0].message.content == ECHO
    stream = sync_client.chat.completions.with_raw_response.create(
        model="m", messages=MESSAGES, stream=True
    ).parse()
    assert isinstance(stream, Stream)
    assert "".join(c.delta.content or "" for chunk in stream for c in chunk.choices) == ECHO
    page = sync_client.models.with_raw_response.list().parse()
    assert isinstance(page, SyncPage) and page.data


def test_sync_streaming_response(sync_client, threaded_server):
    with sync_client.chat.completions.with_streaming_response.create(
        model="m", messages=MESSAGES
    ) as response:
        assert isinstance(response, APIResponse)
        assert response.status_code == 200 and response.request_id
        assert response.headers["content-type"].startswith("application/json")
        assert response.retries_taken == 0 and repr(response).startswith("<APIResponse [200]")
        assert response.parse().choices[0].message.content == ECHO
        assert response.json()["object"] == "chat.completion"
    with sync_client.chat.completions.with_streaming_response.create(
        model="m", messages=MESSAGES, stream=True
    ) as response:
        lines = list(response.iter_lines())
    assert lines[-2:] == ["data: [DONE]", ""] or "data: [DONE]" in lines
    with sync_client.chat.completions.with_streaming_response.create(
        model="m", messages=MESSAGES, stream=True
    ) as response:
        stream = response.parse()
        assert isinstance(stream, Stream)
        assert "".join(c.delta.content or "" for chunk in stream for c in chunk.choices) == ECHO
    threaded_server.add_fault(Fault.status(404))
    with pytest.raises(NotFoundError):  # noqa: SIM117
        with sync_client.chat.completions.with_streaming_response.create(
            model="m", messages=MESSAGES
        ):
            pytest.fail("entered after a 404")
