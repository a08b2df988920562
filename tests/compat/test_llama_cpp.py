"""The SDK against a real OpenAI-compatible server (llama.cpp, tiny random-weight model).

Every test runs with the async client and with the sync one. Output is gibberish but
deterministic at temperature 0, so plain and streamed answers can be compared.

Quirks of this server (llama-cpp-python 0.3.36) that the tests pin down:
* /v1/models items have no `created` (required by the spec) and an extra `permissions`;
* `stream_options.include_usage` is ignored: streams end with [DONE] and no usage chunk;
* `encoding_format: "base64"` is ignored: floats come back;
* `n > 1` is answered with one choice;
* validation errors come back as HTTP 500 with an OpenAI-shaped JSON error body;
* a streamed tool call repeats its id, type and name in every chunk, and every chunk
  also carries the legacy `function_call` delta;
* a named tool call cut by max_tokens still finishes with "tool_calls";
* `tool_choice: "auto"` answers in text; any model name is accepted;
* a refused key is a 401 with FastAPI's `{"detail": ...}` body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

import anyio.to_thread
import orjson
import pytest

from openai_async import (
    NOT_GIVEN,
    AsyncClient,
    AuthenticationError,
    Client,
    InternalServerError,
)

from .conftest import API_KEY, MODEL

pytestmark = pytest.mark.anyio

MESSAGES: list[Any] = [{"role": "user", "content": "Hello there"}]
WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
NAMED_CHOICE: Any = {"type": "function", "function": {"name": "get_weather"}}


class SDK:
    """One test body for both clients: sync calls run on a worker thread (no loop there)."""

    def __init__(self, client: AsyncClient | Client) -> None:
        self.client: Any = client
        self.sync = isinstance(client, Client)

    async def call(self, method: Callable[..., Any], /, **params: Any) -> Any:
        if self.sync:
            return await anyio.to_thread.run_sync(partial(method, **params))
        return await method(**params)

    async def stream(self, method: Callable[..., Any], /, **params: Any) -> list[Any]:
        """The chunks of ``method(stream=True, ...)``, collected."""
        if self.sync:
            return await anyio.to_thread.run_sync(lambda: list(method(stream=True, **params)))
        return [chunk async for chunk in await method(stream=True, **params)]


@pytest.fixture(params=["async", "sync"])
async def sdk(request: pytest.FixtureRequest, llama_server: str) -> AsyncIterator[SDK]:
    if request.param == "async":
        async with AsyncClient(api_key=API_KEY, base_url=llama_server) as client:
            yield SDK(client)
    else:
        sync_client = Client(api_key=API_KEY, base_url=llama_server)
        try:
            yield SDK(sync_client)
        finally:
            await anyio.to_thread.run_sync(sync_client.close)


async def chat(sdk: SDK, **params: Any) -> Any:
    params = {"model": MODEL, "messages": MESSAGES, "temperature": 0, "max_tokens": 8, **params}
    return await sdk.call(sdk.client.chat.completions.create, **params)


async def chat_chunks(sdk: SDK, **params: Any) -> list[Any]:
    params = {"model": MODEL, "messages": MESSAGES, "temperature": 0, "max_tokens": 8, **params}
    return await sdk.stream(sdk.client.chat.completions.create, **params)


# -- models ------------------------------------------------------------------------------


async def test_models_list(sdk):
    # llama.cpp's model objects have no `created` (required by the spec): it arrives as None.
    page = await sdk.call(sdk.client.models.list)
    assert [m.id for m in page.data] == [MODEL]
    assert page.data[0].created is None


async def test_models_list_as_json(llama_server):
    async with AsyncClient(api_key=API_KEY, base_url=llama_server) as client:
        data, info = await client.request_json("GET", "/models")
    assert [m["id"] for m in data["data"]] == [MODEL]
    assert "created" not in data["data"][0]
    assert info.status_code == 200


# -- chat --------------------------------------------------------------------------------


async def test_chat_is_deterministic_at_temperature_zero(sdk):
    first, second = await chat(sdk), await chat(sdk)
    choice = first.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content and choice.message.content == second.choices[0].message.content
    assert choice.finish_reason == "length"
    assert first.usage is not None and first.usage.completion_tokens == 8
    assert first.model == MODEL and first.id.startswith("chatcmpl-")


async def test_chat_streamed_matches_plain(sdk):
    plain = await chat(sdk)
    chunks = await chat_chunks(sdk, stream_options={"include_usage": True})
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "length"
    assert all(c.usage is None for c in chunks)  # include_usage ignored, no usage chunk


async def test_n_above_one_gives_one_choice(sdk):
    reply = await chat(sdk, n=2)
    assert len(reply.choices) == 1


async def test_named_tool_call(sdk):
    reply = await chat(sdk, tools=[WEATHER_TOOL], tool_choice=NAMED_CHOICE, max_tokens=16)
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.type == "function" and call.function.name == "get_weather"
    assert call.function.arguments.startswith("{")
    assert choice.message.function_call is not None  # the legacy field, sent as well


async def test_named_tool_call_streamed(sdk):
    plain = await chat(sdk, tools=[WEATHER_TOOL], tool_choice=NAMED_CHOICE, max_tokens=16)
    chunks = await chat_chunks(sdk, tools=[WEATHER_TOOL], tool_choice=NAMED_CHOICE, max_tokens=16)
    names: dict[int, str] = {}
    arguments: dict[int, str] = {}
    for chunk in chunks:
        for delta_call in chunk.choices[0].delta.tool_calls or ():
            fn = delta_call.function
            # Take the name once: this server repeats it in every chunk.
            if fn is not None and fn.name and delta_call.index not in names:
                names[delta_call.index] = fn.name
            arguments[delta_call.index] = arguments.get(delta_call.index, "") + (
                fn.arguments or "" if fn is not None else ""
            )
    assert names == {0: "get_weather"}
    assert arguments[0] == plain.choices[0].message.tool_calls[0].function.arguments
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


async def test_auto_tool_choice_answers_in_text(sdk):
    reply = await chat(sdk, tools=[WEATHER_TOOL], tool_choice="auto")
    message = reply.choices[0].message
    assert message.tool_calls is None and message.content


async def test_any_model_name_is_accepted(sdk):
    reply = await chat(sdk, model="gpt-4o-mini")
    assert reply.choices[0].message.content == (await chat(sdk)).choices[0].message.content


async def test_json_mode(sdk):
    reply = await chat(sdk, response_format={"type": "json_object"}, max_tokens=16)
    choice = reply.choices[0]
    assert choice.finish_reason == "stop"
    assert isinstance(orjson.loads(choice.message.content), (dict, list))


async def test_logprobs(sdk):
    reply = await chat(sdk, logprobs=True, top_logprobs=2, max_tokens=3)
    tokens = reply.choices[0].logprobs.content
    assert len(tokens) == 3
    assert "".join(t.token for t in tokens) == reply.choices[0].message.content
    for token in tokens:
        assert token.logprob <= 0
        assert len(token.top_logprobs) == 2
        assert token.top_logprobs[0].logprob >= token.top_logprobs[1].logprob


# -- completions -------------------------------------------------------------------------


async def test_completions_plain_and_streamed(sdk):
    params = {"model": MODEL, "prompt": "Once upon a time", "temperature": 0, "max_tokens": 6}
    plain = await sdk.call(sdk.client.completions.create, **params)
    again = await sdk.call(sdk.client.completions.create, **params)
    assert plain.choices[0].text and plain.choices[0].text == again.choices[0].text
    assert plain.choices[0].finish_reason == "length"
    chunks = await sdk.stream(sdk.client.completions.create, **params)
    assert "".join(c.choices[0].text for c in chunks if c.choices) == plain.choices[0].text
    assert chunks[-1].choices[0].finish_reason == "length"


# -- embeddings --------------------------------------------------------------------------


async def test_embeddings_float_and_base64_requested(sdk):
    texts = ["Hello there", "General Kenobi"]
    as_floats = await sdk.call(
        sdk.client.embeddings.create, model=MODEL, input=texts, encoding_format="float"
    )
    # Left out, base64 is requested; this server sends floats anyway.
    default = await sdk.call(sdk.client.embeddings.create, model=MODEL, input=texts)
    assert [d.index for d in default.data] == [0, 1]
    for a, b in zip(as_floats.data, default.data, strict=True):
        assert len(a.embedding) == 64  # the tiny model's width
        assert all(isinstance(x, float) for x in a.embedding)
        assert a.embedding == b.embedding
    assert as_floats.data[0].embedding != as_floats.data[1].embedding


# -- keys and errors ---------------------------------------------------------------------


async def test_the_server_requires_a_key(sdk):
    with pytest.raises(AuthenticationError) as caught:
        await chat(sdk, extra_headers={"Authorization": NOT_GIVEN}, max_retries=0)
    assert caught.value.status_code == 401


async def test_a_wrong_key_is_an_authentication_error(sdk):
    wrong = sdk.client.with_options(api_key="sk-wrong", max_retries=0)
    with pytest.raises(AuthenticationError) as caught:
        await sdk.call(wrong.chat.completions.create, model=MODEL, messages=MESSAGES)
    assert "Invalid API key" in str(caught.value)
    assert "sk-wrong" not in str(caught.value)


async def test_a_validation_error_arrives_as_http_500(sdk):
    with pytest.raises(InternalServerError) as caught:
        await chat(sdk, messages="not a list", max_retries=0)
    assert "validation error" in caught.value.message
    assert caught.value.type == "internal_server_error"
