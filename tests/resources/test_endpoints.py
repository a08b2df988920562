"""Chat, completions, embeddings and models endpoints through a real socket."""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest
from aiohttp import web

from openai_async import (
    APIResponseValidationError,
    AsyncClient,
    AsyncPage,
    InvalidRequestError,
    NotFoundError,
)
from openai_async.models import (
    ChatCompletion,
    ChatCompletionMessageToolCall,
    Completion,
    CreateEmbeddingResponse,
    DeleteModelResponse,
    Model,
)
from openai_async.testing import LocalServer, Reply, ToolCall
from tests.conftest import API_KEY, FAST_RETRIES

pytestmark = pytest.mark.anyio

MESSAGES: list[Any] = [{"role": "user", "content": "Hi there"}]
ECHO = "Hello from the openai_async local server. You said: Hi there"


async def chat(client: AsyncClient, **kwargs: Any) -> ChatCompletion:
    return await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, **kwargs)


# --- chat ----------------------------------------------------------------------------


async def test_chat_returns_the_reply(client, server):
    completion = await chat(client)
    assert isinstance(completion, ChatCompletion)
    choice = completion.choices[0]
    assert choice.message.content == ECHO
    assert choice.message.role == "assistant"
    assert choice.finish_reason == "stop"
    assert choice.message.tool_calls is None
    assert completion.usage is not None
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert completion.model == "gpt-4o-mini"
    assert completion.request_id == "req_1"
    assert completion.response_info is not None
    assert completion.response_info.status_code == 200
    request = server.requests[-1]
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.json() == {"model": "gpt-4o-mini", "messages": MESSAGES}


async def test_chat_tool_calls_are_typed(client, server):
    server.add_reply(
        Reply(
            None,
            tool_calls=[
                ToolCall("get_weather", '{"city": "Paris"}', id="call_1"),
                ToolCall("get_time", "{}"),
            ],
        )
    )
    completion = await chat(client)
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    calls = choice.message.tool_calls
    assert calls is not None and len(calls) == 2
    assert all(isinstance(call, ChatCompletionMessageToolCall) for call in calls)
    first, second = calls
    assert isinstance(first, ChatCompletionMessageToolCall)
    assert isinstance(second, ChatCompletionMessageToolCall)
    assert (first.id, first.type, first.function.name) == ("call_1", "function", "get_weather")
    assert orjson.loads(first.function.arguments) == {"city": "Paris"}
    assert second.function.name == "get_time" and second.id.startswith("call_")


async def test_chat_logprobs(client, server):
    server.add_reply(Reply(chunks=["Hi", " there"]))
    completion = await chat(client, logprobs=True, top_logprobs=3)
    logprobs = completion.choices[0].logprobs
    assert logprobs is not None and logprobs.content is not None
    assert [t.token for t in logprobs.content] == ["Hi", " there"]
    assert all(len(t.top_logprobs) == 3 and t.logprob <= 0 for t in logprobs.content)
    assert (await chat(client)).choices[0].logprobs is None


async def test_chat_refusal(client, server):
    server.add_reply(Reply(None, refusal="I can't help with that."))
    message = (await chat(client)).choices[0].message
    assert message.refusal == "I can't help with that."
    assert message.content is None


async def test_chat_unknown_fields_and_finish_reason_are_kept(client, server):
    server.add_reply(
        Reply("ok", finish_reason="brand_new_reason", extra_fields={"provider": "local"})
    )
    completion = await chat(client)
    assert completion.choices[0].finish_reason == "brand_new_reason"
    assert type(completion.choices[0].finish_reason) is str
    assert completion.model_extra == {"provider": "local"}
    assert completion.to_dict()["provider"] == "local"


async def test_chat_several_choices(client):
    completion = await chat(client, n=2)
    assert [c.index for c in completion.choices] == [0, 1]
    assert {c.message.content for c in completion.choices} == {ECHO}


async def test_chat_request_body_is_what_the_user_passed(client, server):
    tools: list[Any] = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather of a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
                "strict": True,
            },
        }
    ]
    tool_choice: Any = {"type": "function", "function": {"name": "get_weather"}}
    response_format: Any = {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "schema": {"type": "object", "properties": {"a": {"type": "integer"}}},
            "strict": True,
        },
    }
    stream = await client.chat.completions.create(
        model="gpt-4o",
        messages=MESSAGES,
        tools=tools,
        tool_choice=tool_choice,
        response_format=response_format,
        logprobs=True,
        top_logprobs=2,
        n=2,
        temperature=None,
        stream=True,
        stream_options={"include_usage": True},
        extra_body={"provider_option": {"x": 1}},
    )
    await stream.aclose()
    assert server.requests[-1].json() == {
        "model": "gpt-4o",
        "messages": MESSAGES,
        "tools": tools,
        "tool_choice": tool_choice,
        "response_format": response_format,
        "logprobs": True,
        "top_logprobs": 2,
        "n": 2,
        "temperature": None,  # None is sent as null; left-out parameters are not sent
        "stream": True,
        "stream_options": {"include_usage": True},
        "provider_option": {"x": 1},
    }


# --- completions ---------------------------------------------------------------------


async def test_completions(client, server):
    completion = await client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say hi", max_tokens=5
    )
    assert isinstance(completion, Completion)
    assert completion.choices[0].text == (
        "Hello from the openai_async local server. You said: Say hi"
    )
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens > 0
    assert server.requests[-1].json() == {
        "model": "gpt-3.5-turbo-instruct",
        "prompt": "Say hi",
        "max_tokens": 5,
    }


async def test_completions_stream_assembles_the_scripted_text(client, server):
    server.add_reply(Reply("one two three"))
    stream = await client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="x", stream=True
    )
    async with stream:
        texts = [c.choices[0].text async for c in stream]
    assert "".join(texts) == "one two three"
    assert len(texts) == 4  # three words and the empty finishing chunk


# --- embeddings ----------------------------------------------------------------------


def assert_close(a: list[float], b: list[float]) -> None:
    assert len(a) == len(b)
    assert all(math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-7) for x, y in zip(a, b, strict=True))


async def test_embeddings_ask_for_base64_by_default_and_decode_it(client, server):
    default = await client.embeddings.create(
        model="text-embedding-3-small", input=["a", "b"], dimensions=16
    )
    assert server.requests[-1].json() == {
        "model": "text-embedding-3-small",
        "input": ["a", "b"],
        "dimensions": 16,
        "encoding_format": "base64",
    }
    floats = await client.embeddings.create(
        model="text-embedding-3-small", input=["a", "b"], dimensions=16, encoding_format="float"
    )
    assert server.requests[-1].json()["encoding_format"] == "float"
    assert isinstance(default, CreateEmbeddingResponse)
    assert [d.index for d in default.data] == [0, 1]
    for got, want in zip(default.data, floats.data, strict=True):
        assert all(type(x) is float for x in got.embedding)
        assert len(got.embedding) == 16
        assert_close(got.embedding, want.embedding)
    assert default.usage.total_tokens > 0
    assert default.request_id is not None


async def test_embeddings_explicit_base64_is_decoded(client):
    explicit = await client.embeddings.create(
        model="text-embedding-3-small", input="hello", encoding_format="base64"
    )
    floats = await client.embeddings.create(
        model="text-embedding-3-small", input="hello", encoding_format="float"
    )
    assert_close(explicit.data[0].embedding, floats.data[0].embedding)
    assert math.isclose(math.fsum(x * x for x in explicit.data[0].embedding), 1.0, rel_tol=1e-5)


async def test_embeddings_from_a_server_that_sends_floats_anyway(client, server):
    # extra_body wins over the SDK's base64 request: the server sends a float list.
    response = await client.embeddings.create(
        model="text-embedding-3-small", input="hello", extra_body={"encoding_format": "float"}
    )
    assert server.requests[-1].json()["encoding_format"] == "float"
    floats = await client.embeddings.create(
        model="text-embedding-3-small", input="hello", encoding_format="float"
    )
    assert response.data[0].embedding == floats.data[0].embedding


@pytest.fixture
async def fixed_server() -> AsyncIterator[Callable[[Any], str]]:
    """A bare aiohttp server answering every request with the JSON given; yields `serve`."""
    payloads: list[Any] = []

    async def handler(request: web.Request) -> web.Response:
        return web.json_response(payloads[-1])

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]

    def serve(payload: Any) -> str:
        payloads.append(payload)
        return f"http://127.0.0.1:{port}/v1"

    try:
        yield serve
    finally:
        await runner.cleanup()


def embeddings_body(vector: Any) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": vector}],
        "model": "m",
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }


async def test_embeddings_base64_of_a_partial_float_is_a_validation_error(fixed_server):
    bad = base64.b64encode(struct.pack("<2f", 0.5, 0.25) + b"\x00\x01").decode()
    base_url = fixed_server(embeddings_body(bad))
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        with pytest.raises(APIResponseValidationError) as info:
            await client.embeddings.create(model="m", input="x")
    assert info.value.raw == bad
    assert "10 bytes" in str(info.value)


async def test_embeddings_invalid_base64_is_a_validation_error(fixed_server):
    base_url = fixed_server(embeddings_body("not base64!"))
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        with pytest.raises(APIResponseValidationError):
            await client.embeddings.create(model="m", input="x")


async def test_embeddings_base64_from_another_server_is_decoded_exactly(fixed_server):
    values = [0.5, -0.25, 1.0, 3.0]
    base_url = fixed_server(embeddings_body(base64.b64encode(struct.pack("<4f", *values)).decode()))
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        response = await client.embeddings.create(model="m", input="x")
    assert response.data[0].embedding == values


# --- models --------------------------------------------------------------------------


async def test_models_list_iterates_every_model(client, server):
    ids = [model.id async for model in client.models.list()]
    assert ids == ["gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo-instruct", "text-embedding-3-small"]
    assert server.requests[-1].method == "GET"
    assert server.requests[-1].path == "/v1/models"


async def test_models_list_awaited_gives_the_page(client):
    page = await client.models.list()
    assert isinstance(page, AsyncPage)
    assert all(isinstance(m, Model) for m in page.data)
    assert len(page.data) == len(page) == 4
    assert page.has_next_page() is False
    with pytest.raises(InvalidRequestError, match="last page"):
        await page.get_next_page()
    assert page.data[0].owned_by == "openai"
    assert page.response_info is not None and page.response_info.request_id == "req_1"


async def test_models_retrieve_and_delete(client, server):
    model = await client.models.retrieve("gpt-4o")
    assert isinstance(model, Model)
    assert (model.id, model.object, model.created) == ("gpt-4o", "model", 1700000000)
    deleted = await client.models.delete("gpt-4o")
    assert isinstance(deleted, DeleteModelResponse)
    assert (deleted.id, deleted.deleted) == ("gpt-4o", True)
    assert (server.requests[-1].method, server.requests[-1].path) == ("DELETE", "/v1/models/gpt-4o")
    with pytest.raises(NotFoundError) as info:
        await client.models.retrieve("gpt-4o")
    assert info.value.status_code == 404
    assert info.value.code == "model_not_found"
    assert "gpt-4o" in str(info.value)


async def test_models_retrieve_unknown_is_not_found(client):
    with pytest.raises(NotFoundError):
        await client.models.retrieve("no-such-model")


async def test_fine_tuned_model_ids_reach_the_server_intact():
    model_id = "ft:gpt-4o:my-org:custom:1"
    async with (
        LocalServer(api_key=API_KEY, models=["gpt-4o", model_id]) as server,
        AsyncClient(api_key=API_KEY, base_url=server.base_url, retry_policy=FAST_RETRIES) as client,
    ):
        model = await client.models.retrieve(model_id)
        assert model.id == model_id
        assert server.requests[-1].path == f"/v1/models/{model_id}"
        deleted = await client.models.delete(model_id)
        assert deleted.id == model_id
        assert [m.id async for m in client.models.list()] == ["gpt-4o"]


async def test_model_ids_cannot_escape_their_path_segment(client, server):
    with pytest.raises(NotFoundError):
        await client.models.retrieve("../chat/completions")
    assert server.requests[-1].method == "GET"
    assert server.requests[-1].path == "/v1/models/../chat/completions"


# --- pagination ----------------------------------------------------------------------


@pytest.fixture
async def paged_server() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """Serves ten models at GET /v1/things, `limit` per page, after the `after` cursor."""
    items = [{"id": f"m{i}", "object": "model", "created": i, "owned_by": "me"} for i in range(10)]
    queries: list[dict[str, str]] = []

    async def handler(request: web.Request) -> web.Response:
        queries.append(dict(request.query))
        limit = int(request.query.get("limit", "4"))
        after = request.query.get("after")
        start = next(i + 1 for i, m in enumerate(items) if m["id"] == after) if after else 0
        page = items[start : start + limit]
        return web.json_response(
            {"object": "list", "data": page, "has_more": start + limit < len(items)}
        )

    app = web.Application()
    app.router.add_get("/v1/things", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/v1", queries
    finally:
        await runner.cleanup()


async def test_pagination_walks_every_page_with_the_cursor(paged_server):
    from openai_async import AsyncPaginator

    base_url, queries = paged_server
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        things = AsyncPaginator(client, "/things", Model, query={"limit": 4})
        assert [m.id async for m in things] == [f"m{i}" for i in range(10)]
        assert queries == [
            {"limit": "4"},
            {"limit": "4", "after": "m3"},
            {"limit": "4", "after": "m7"},
        ]

        page = await things
        assert [m.id for m in page.data] == ["m0", "m1", "m2", "m3"]
        assert page.has_next_page()
        second = await page.get_next_page()
        third = await second.get_next_page()
        assert [m.id for m in third.data] == ["m8", "m9"]
        assert not third.has_next_page()


async def test_sync_pages_walk_every_page(paged_server):
    import anyio.to_thread

    from openai_async import AsyncPaginator, Client, SyncPage

    base_url, _ = paged_server

    def walk() -> tuple[list[str], bool, list[str], list[str], bool]:
        with Client(api_key=API_KEY, base_url=base_url) as client:
            paginator = AsyncPaginator(client._async, "/things", Model, query={"limit": 3})
            page = SyncPage.first(client._portal, paginator)
            return (
                [m.id for m in page.data],
                page.has_next_page(),
                [m.id for m in page],
                [m.id for m in page.get_next_page().data],
                client._portal._portal is None,
            )

    # The sync client must not run on a thread with an event loop: give it a worker thread.
    first, more, every, second, no_portal = await anyio.to_thread.run_sync(walk)
    assert no_portal  # each page is one request, sent from the calling thread
    assert first == ["m0", "m1", "m2"]
    assert more
    assert every == [f"m{i}" for i in range(10)]
    assert second == ["m3", "m4", "m5"]
