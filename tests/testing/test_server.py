"""The local OpenAI-compatible server, exercised through real sockets with plain aiohttp."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import json
import logging
import math
import struct
import time
import urllib.error
import urllib.request
from typing import Any

import aiohttp
import anyio
import pytest

from openai_async.testing import Fault, LocalServer, RecordedRequest, Reply, ToolCall

pytestmark = pytest.mark.anyio

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi there"}]}
STREAM = {**CHAT, "stream": True}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def server():
    async with LocalServer() as server:
        yield server


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as session:
        yield session


async def call(session, server, path, body=None, method="POST", **kwargs):
    """Send a request; return (status, headers, decoded JSON body or raw bytes)."""
    async with session.request(method, server.base_url + path, json=body, **kwargs) as resp:
        raw = await resp.read()
        try:
            return resp.status, resp.headers, json.loads(raw)
        except ValueError:
            return resp.status, resp.headers, raw


async def stream_raw(session, server, body, path="/chat/completions") -> bytes:
    async with session.post(server.base_url + path, json=body) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        return await resp.read()


def data_of(raw: bytes) -> list[str]:
    """The `data:` values of each SSE event block (comments and meta-only blocks dropped)."""
    out = []
    for block in raw.decode().split("\n\n"):
        lines = [line[len("data: ") :] for line in block.split("\n") if line.startswith("data: ")]
        if lines:
            out.append("\n".join(lines))
    return out


def chunks_of(raw: bytes) -> list[Any]:
    data = data_of(raw)
    assert data[-1] == "[DONE]"
    return [json.loads(d) for d in data[:-1]]


def content_of(chunks: list[Any], index: int = 0) -> str:
    return "".join(
        c["choices"][0]["delta"].get("content") or ""
        for c in chunks
        if c["choices"] and c["choices"][0]["index"] == index
    )


# -- chat completions ------------------------------------------------------------------


async def test_chat_completion_shape_and_default_reply(server, session):
    status, headers, body = await call(session, server, "/chat/completions", CHAT)
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert body["object"] == "chat.completion"
    assert body["id"].startswith("chatcmpl-")
    assert isinstance(body["created"], int)
    assert body["model"] == "gpt-4o-mini"
    [choice] = body["choices"]
    assert choice["index"] == 0
    assert choice["finish_reason"] == "stop"
    assert choice["logprobs"] is None
    assert choice["message"]["role"] == "assistant"
    assert choice["message"]["content"] == (
        "Hello from the openai_async local server. You said: Hi there"
    )
    assert choice["message"]["refusal"] is None
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


async def test_default_reply_reads_list_of_parts_content(server, session):
    parts = [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": "x"}}]
    messages = [{"role": "user", "content": "old"}, {"role": "user", "content": parts}]
    _, _, body = await call(
        session, server, "/chat/completions", {"model": "m", "messages": messages}
    )
    assert body["choices"][0]["message"]["content"].endswith("You said: look")


async def test_replies_are_fifo_then_default(server, session):
    server.add_reply(Reply("one"))
    server.add_reply(Reply("two"))
    contents = []
    for _ in range(3):
        _, _, body = await call(session, server, "/chat/completions", CHAT)
        contents.append(body["choices"][0]["message"]["content"])
    assert contents[:2] == ["one", "two"]
    assert contents[2].startswith("Hello from")


async def test_reply_overrides(server, session):
    usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    server.add_reply(
        Reply(
            "x",
            model="other",
            finish_reason="length",
            refusal="no",
            usage=usage,
            extra_fields={"reasoning_content": "hmm", "prompt_filter_results": []},
        )
    )
    _, _, body = await call(session, server, "/chat/completions", CHAT)
    assert body["model"] == "other"
    assert body["usage"] == usage
    assert body["reasoning_content"] == "hmm"
    assert body["prompt_filter_results"] == []
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["choices"][0]["message"]["refusal"] == "no"


async def test_chat_stream_format(server, session):
    server.add_reply(Reply("Hello big world"))
    raw = await stream_raw(session, server, STREAM)
    assert raw.endswith(b"data: [DONE]\n\n")
    chunks = chunks_of(raw)
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert all("usage" not in c for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    pieces = [c["choices"][0]["delta"]["content"] for c in chunks[1:-1]]
    assert pieces == ["Hello", " big", " world"]
    last = chunks[-1]["choices"][0]
    assert last["delta"] == {}
    assert last["finish_reason"] == "stop"
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])


async def test_chat_stream_usage_only_when_asked(server, session):
    body = {**STREAM, "stream_options": {"include_usage": True}}
    chunks = chunks_of(await stream_raw(session, server, body))
    assert all(c["usage"] is None for c in chunks[:-1])
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["total_tokens"] > 0
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"


async def test_chat_stream_chunks_and_chunk_size(server, session):
    server.add_reply(Reply(chunks=["He", "llo", "!"]))
    server.add_reply(Reply("abcdefg", chunk_size=3))
    first = chunks_of(await stream_raw(session, server, STREAM))
    second = chunks_of(await stream_raw(session, server, STREAM))
    assert [c["choices"][0]["delta"].get("content") for c in first[1:-1]] == ["He", "llo", "!"]
    assert [c["choices"][0]["delta"].get("content") for c in second[1:-1]] == ["abc", "def", "g"]


async def test_n_choices(server, session):
    _, _, body = await call(session, server, "/chat/completions", {**CHAT, "n": 2})
    assert [c["index"] for c in body["choices"]] == [0, 1]
    chunks = chunks_of(await stream_raw(session, server, {**STREAM, "n": 2}))
    assert content_of(chunks, 0) == content_of(chunks, 1) != ""
    finishes = [c["choices"][0]["index"] for c in chunks if c["choices"][0]["finish_reason"]]
    assert sorted(finishes) == [0, 1]


def check_logprob(entry: dict, top: int) -> None:
    assert set(entry) == {"token", "logprob", "bytes", "top_logprobs"}
    assert entry["bytes"] == list(entry["token"].encode())
    assert entry["logprob"] <= 0
    assert len(entry["top_logprobs"]) == top
    for alt in entry["top_logprobs"]:
        assert set(alt) == {"token", "logprob", "bytes"}


async def test_logprobs(server, session):
    server.add_reply(Reply("one two"))
    server.add_reply(Reply("one two"))
    body = {**CHAT, "logprobs": True, "top_logprobs": 3}
    _, _, result = await call(session, server, "/chat/completions", body)
    logprobs = result["choices"][0]["logprobs"]
    assert logprobs["refusal"] is None
    assert [e["token"] for e in logprobs["content"]] == ["one", " two"]
    for entry in logprobs["content"]:
        check_logprob(entry, 3)

    chunks = chunks_of(await stream_raw(session, server, {**body, "stream": True}))
    assert chunks[0]["choices"][0]["logprobs"] is None
    for chunk in chunks[1:-1]:
        [entry] = chunk["choices"][0]["logprobs"]["content"]
        assert entry["token"] == chunk["choices"][0]["delta"]["content"]
        check_logprob(entry, 3)


async def test_tool_calls(server, session):
    calls = [ToolCall("get_weather", '{"city": "Paris"}', id="call_abc"), ToolCall("noop")]
    server.add_reply(Reply(tool_calls=calls))
    server.add_reply(Reply(tool_calls=calls))
    _, _, body = await call(session, server, "/chat/completions", CHAT)
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    first, second = choice["message"]["tool_calls"]
    assert first == {
        "id": "call_abc",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }
    assert second["id"].startswith("call_")
    assert second["function"] == {"name": "noop", "arguments": "{}"}

    chunks = chunks_of(await stream_raw(session, server, STREAM))
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": None}
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    rebuilt: dict[int, dict] = {}
    for chunk in chunks[1:-1]:
        [delta] = chunk["choices"][0]["delta"]["tool_calls"]
        if delta["index"] not in rebuilt:
            assert set(delta) == {"index", "id", "type", "function"}
            assert delta["function"]["arguments"] == ""
            rebuilt[delta["index"]] = {"id": delta["id"], **delta["function"]}
        else:
            assert set(delta) == {"index", "function"}
            assert set(delta["function"]) == {"arguments"}
            rebuilt[delta["index"]]["arguments"] += delta["function"]["arguments"]
    assert rebuilt[0] == {"id": "call_abc", "name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert rebuilt[1]["name"] == "noop"
    assert rebuilt[1]["arguments"] == "{}"


async def test_extra_fields_on_every_chunk(server, session):
    server.add_reply(Reply("a b", extra_fields={"x_vendor": 1}))
    body = {**STREAM, "stream_options": {"include_usage": True}}
    chunks = chunks_of(await stream_raw(session, server, body))
    assert all(c["x_vendor"] == 1 for c in chunks)


async def test_keepalive_comments_and_delay(server, session):
    server.add_reply(Reply("a b c", keepalive_comments=True, delay_between_chunks=0.05))
    start = time.monotonic()
    raw = await stream_raw(session, server, STREAM)
    assert time.monotonic() - start >= 0.2  # 5 gaps between role, 3 pieces, finish, [DONE]
    assert raw.count(b": keep-alive\n\n") == 5
    assert content_of(chunks_of(raw)) == "a b c"


# -- completions -----------------------------------------------------------------------


async def test_completions(server, session):
    body = {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hi"}
    _, _, result = await call(session, server, "/completions", body)
    assert result["object"] == "text_completion"
    [choice] = result["choices"]
    assert set(choice) == {"text", "index", "logprobs", "finish_reason"}
    assert choice["text"].endswith("You said: Say hi")
    assert choice["logprobs"] is None
    assert choice["finish_reason"] == "stop"
    assert result["usage"]["total_tokens"] > 0

    server.add_reply(Reply("to be"))
    chunks = chunks_of(await stream_raw(session, server, {**body, "stream": True}, "/completions"))
    assert all(c["object"] == "text_completion" for c in chunks)
    assert [c["choices"][0]["text"] for c in chunks] == ["to", " be", ""]
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [None, None, "stop"]


async def test_completions_stream_usage(server, session):
    body = {"model": "m", "prompt": "x", "stream": True, "stream_options": {"include_usage": True}}
    chunks = chunks_of(await stream_raw(session, server, body, "/completions"))
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] > 0


# -- embeddings ------------------------------------------------------------------------


async def test_embeddings_shape_and_determinism(server, session):
    body = {"model": "text-embedding-3-small", "input": ["a", "b"]}
    _, _, first = await call(session, server, "/embeddings", body)
    _, _, again = await call(session, server, "/embeddings", body)
    assert first == again
    assert first["object"] == "list"
    assert first["model"] == "text-embedding-3-small"
    assert first["usage"]["prompt_tokens"] == first["usage"]["total_tokens"] > 0
    a, b = first["data"]
    assert (a["object"], a["index"], b["index"]) == ("embedding", 0, 1)
    assert len(a["embedding"]) == 8
    assert a["embedding"] != b["embedding"]
    assert math.isclose(sum(x * x for x in a["embedding"]), 1.0, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("value", "count"),
    [("text", 1), (["x", "y", "z"], 3), ([1, 2, 3], 1), ([[1, 2], [3]], 2), (["x", [1]], 2)],
)
async def test_embeddings_input_kinds(server, session, value, count):
    _, _, result = await call(session, server, "/embeddings", {"model": "m", "input": value})
    assert [d["index"] for d in result["data"]] == list(range(count))


async def test_embeddings_dimensions_and_base64(server, session):
    body = {"model": "m", "input": "hello", "dimensions": 5}
    _, _, floats = await call(session, server, "/embeddings", body)
    _, _, b64 = await call(session, server, "/embeddings", {**body, "encoding_format": "base64"})
    vector = floats["data"][0]["embedding"]
    assert len(vector) == 5
    decoded = struct.unpack("<5f", base64.b64decode(b64["data"][0]["embedding"]))
    assert all(math.isclose(x, y, rel_tol=1e-6) for x, y in zip(decoded, vector, strict=True))


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "m", "input": []}, "input"),
        ({"model": "m", "input": [1.5]}, "input"),
        ({"model": "m", "input": "x", "dimensions": 0}, "dimensions"),
        ({"model": "m", "input": "x", "encoding_format": "hex"}, "encoding_format"),
        ({"model": "m"}, "input"),
    ],
)
async def test_embeddings_invalid(server, session, body, param):
    status, _, result = await call(session, server, "/embeddings", body)
    assert status == 400
    assert result["error"]["param"] == param


# -- models ----------------------------------------------------------------------------


async def test_models(session):
    async with LocalServer(models=("a", "b")) as server:
        _, _, listing = await call(session, server, "/models", method="GET")
        assert listing["object"] == "list"
        assert [m["id"] for m in listing["data"]] == ["a", "b"]
        _, _, model = await call(session, server, "/models/a", method="GET")
        assert set(model) == {"id", "object", "created", "owned_by"}
        assert (model["id"], model["object"]) == ("a", "model")

        _, _, deleted = await call(session, server, "/models/a", method="DELETE")
        assert deleted == {"id": "a", "object": "model", "deleted": True}
        for method in ("GET", "DELETE"):
            status, _, error = await call(session, server, "/models/a", method=method)
            assert status == 404
            assert error["error"]["code"] == "model_not_found"
        _, _, listing = await call(session, server, "/models", method="GET")
        assert [m["id"] for m in listing["data"]] == ["b"]


# -- errors, auth, headers, recording --------------------------------------------------


def check_error(body: Any) -> dict:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    return body["error"]


async def test_unknown_route_is_404(server, session):
    for method, path in [("GET", "/nope"), ("GET", "/chat/completions")]:
        status, _, body = await call(session, server, path, method=method)
        assert status == 404
        assert check_error(body)["type"] == "invalid_request_error"


async def test_invalid_json_and_missing_params(server, session):
    async with session.post(server.base_url + "/chat/completions", data=b"{nope") as resp:
        assert resp.status == 400
        check_error(await resp.json())
    for body, param in [({"messages": []}, "model"), ({"model": "m"}, "messages")]:
        status, _, result = await call(session, server, "/chat/completions", body)
        assert status == 400
        assert check_error(result)["param"] == param
    status, _, result = await call(session, server, "/completions", {"model": "m"})
    assert (status, result["error"]["param"]) == (400, "prompt")


async def test_auth(session):
    async with LocalServer(api_key="sk-test") as server:
        for headers in [{}, {"Authorization": "Bearer wrong"}]:
            status, _, body = await call(session, server, "/models", method="GET", headers=headers)
            assert status == 401
            assert body == {
                "error": {
                    "message": "Incorrect API key provided.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_api_key",
                }
            }
        good = {"Authorization": "Bearer sk-test"}
        status, _, _ = await call(session, server, "/models", method="GET", headers=good)
        assert status == 200


async def test_request_ids_and_rate_limit_headers(server, session):
    server.rate_limit_headers["x-ratelimit-remaining-requests"] = "5"
    ids = []
    for path, method in [("/models", "GET"), ("/nope", "GET")]:
        _, headers, _ = await call(session, server, path, method=method)
        ids.append(headers["x-request-id"])
        assert headers["x-ratelimit-limit-requests"] == "10000"
        assert headers["x-ratelimit-remaining-requests"] == "5"
        assert headers["x-ratelimit-reset-tokens"] == "1m0s"
    async with session.post(server.base_url + "/chat/completions", json=STREAM) as resp:
        ids.append(resp.headers["x-request-id"])
        assert resp.headers["x-ratelimit-reset-requests"] == "6ms"
        await resp.read()
    server.add_fault(Fault.status(500))
    _, headers, _ = await call(session, server, "/models", method="GET")
    ids.append(headers["x-request-id"])
    assert ids == ["req_1", "req_2", "req_3", "req_4"]


async def test_requests_are_recorded(server, session):
    await call(session, server, "/chat/completions?a=1", CHAT, headers={"X-Custom": "yes"})
    await call(session, server, "/models", method="GET")
    first, second = server.requests
    assert isinstance(first, RecordedRequest)
    assert (first.method, first.path, first.query) == ("POST", "/v1/chat/completions", {"a": "1"})
    assert first.headers["x-custom"] == "yes"
    assert first.json() == CHAT
    assert (second.method, second.path, second.body) == ("GET", "/v1/models", b"")
    server.add_reply(Reply("x"))
    server.add_fault(Fault.status(500))
    server.reset()
    assert server.requests == []
    status, _, body = await call(session, server, "/chat/completions", CHAT)
    assert status == 200
    assert body["choices"][0]["message"]["content"].startswith("Hello from")


# -- faults ----------------------------------------------------------------------------


async def test_fault_status(server, session):
    server.add_fault(
        Fault.status(
            429,
            retry_after=0.05,
            retry_after_ms=50,
            should_retry=False,
            error_code="insufficient_quota",
            headers={"x-extra": "1"},
        )
    )
    status, headers, body = await call(session, server, "/chat/completions", CHAT)
    assert status == 429
    assert headers["Retry-After"] == "0.05"
    assert headers["retry-after-ms"] == "50"
    assert headers["x-should-retry"] == "false"
    assert headers["x-extra"] == "1"
    assert headers["x-request-id"] == "req_1"
    error = check_error(body)
    assert error["code"] == "insufficient_quota"
    assert error["type"] == "requests"
    # consumed by one request
    status, _, _ = await call(session, server, "/chat/completions", CHAT)
    assert status == 200


async def test_fault_status_options(server, session):
    server.add_fault(Fault.status(503, retry_after=3, retry_after_date=True, should_retry=True))
    server.add_fault(Fault.status(500, message="boom", error_type="weird"))
    server.add_fault(Fault.status(400, body="plain", content_type="text/plain"))
    server.add_fault(Fault.status(418, body=b"{}", headers={"Content-Type": "application/json"}))
    status, headers, body = await call(session, server, "/models", method="GET")
    assert (status, headers["x-should-retry"], check_error(body)["type"]) == (
        503,
        "true",
        "server_error",
    )
    when = email.utils.parsedate_to_datetime(headers["Retry-After"]).timestamp()
    assert 0 <= when - time.time() <= 4
    _, _, body = await call(session, server, "/models", method="GET")
    assert (body["error"]["message"], body["error"]["type"]) == ("boom", "weird")
    status, headers, body = await call(session, server, "/models", method="GET")
    assert (status, headers["Content-Type"], body) == (400, "text/plain", b"plain")
    status, headers, body = await call(session, server, "/models", method="GET")
    assert (status, headers["Content-Type"], body) == (418, "application/json", {})


async def test_fault_html(server, session):
    server.add_fault(Fault.html())
    status, headers, body = await call(session, server, "/chat/completions", CHAT)
    assert status == 502
    assert headers["Content-Type"].startswith("text/html")
    assert b"<h1>502 Bad Gateway</h1>" in body


async def test_fault_path_matching_and_fifo(server, session):
    server.add_fault(Fault.status(500, path="/v1/embeddings"))
    server.add_fault(Fault.status(501, path="/models"))
    server.add_fault(Fault.status(502))
    status, _, _ = await call(session, server, "/models", method="GET")
    assert status == 501
    status, _, _ = await call(session, server, "/chat/completions", CHAT)
    assert status == 502
    status, _, _ = await call(session, server, "/chat/completions", CHAT)
    assert status == 200
    status, _, _ = await call(session, server, "/embeddings", {"model": "m", "input": "x"})
    assert status == 500


async def test_fault_delay(server, session):
    server.add_fault(Fault.delay(0.2))
    start = time.monotonic()
    status, _, _ = await call(session, server, "/models", method="GET")
    assert status == 200
    assert time.monotonic() - start >= 0.2


async def test_fault_delay_trips_client_timeout(server, session):
    server.add_fault(Fault.delay(5))
    with pytest.raises(asyncio.TimeoutError):  # not the builtin TimeoutError before 3.11
        await call(session, server, "/models", method="GET", timeout=aiohttp.ClientTimeout(0.1))
    status, _, _ = await call(session, server, "/models", method="GET")
    assert status == 200


async def test_fault_drop_stream(server, session, caplog):
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    server.add_fault(Fault.drop(after_events=2))
    received = b""
    async with session.post(server.base_url + "/chat/completions", json=STREAM) as resp:
        assert resp.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            async for data in resp.content.iter_any():
                received += data
    assert len(data_of(received)) == 2
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_fault_drop_non_stream(server, session, caplog):
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    server.add_fault(Fault.drop())
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await call(session, server, "/chat/completions", CHAT)
    status, _, _ = await call(session, server, "/chat/completions", CHAT)
    assert status == 200
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_fault_truncate(server, session):
    server.add_fault(Fault.truncate(after_events=2))
    raw = await stream_raw(session, server, STREAM)  # a clean end of body: no exception
    data = data_of(raw)
    assert len(data) == 2
    assert "[DONE]" not in data
    assert all(json.loads(d)["choices"][0]["finish_reason"] is None for d in data)


async def test_fault_malformed(server, session):
    server.add_reply(Reply("a b"))
    server.add_fault(Fault.malformed(at_event=1))
    data = data_of(await stream_raw(session, server, STREAM))
    assert data[1] == '{"id": "chatcmpl-broken", "choices": ['
    assert data[-1] == "[DONE]"
    assert json.loads(data[2])["choices"][0]["delta"] == {"content": " b"}

    server.add_fault(Fault.malformed(at_event=0))
    status, headers, body = await call(session, server, "/chat/completions", CHAT)
    assert (status, headers["Content-Type"]) == (200, "application/json")
    assert body == b'{"id": "chatcmpl-broken", "choices": ['


async def test_fault_error_event_and_payload(server, session):
    server.add_fault(Fault.error_event(1, message="overloaded", code="server_busy"))
    raw = await stream_raw(session, server, STREAM)
    assert raw.endswith(
        b'event: error\ndata: {"error":{"message":"overloaded","type":"server_error",'
        b'"param":null,"code":"server_busy"}}\n\n'
    )
    assert len(data_of(raw)) == 2

    server.add_fault(Fault.error_payload(0, message="bad", error_type="invalid_request_error"))
    raw = await stream_raw(session, server, STREAM)
    assert not raw.startswith(b"event:")
    [data] = data_of(raw)
    assert json.loads(data)["error"]["message"] == "bad"


async def test_fault_stall_with_keepalive(server, session):
    server.add_fault(Fault.stall(1, 0.3, keepalive_interval=0.05))
    start = time.monotonic()
    raw = await stream_raw(session, server, STREAM)
    assert time.monotonic() - start >= 0.3  # a lower bound: the stall's sleep never ends early
    assert raw.count(b": keep-alive\n\n") >= 1  # the first is due 0.25 s before the stall ends
    before = raw.split(b": keep-alive\n\n", 1)[0]
    assert len(data_of(before)) == 1
    assert data_of(raw)[-1] == "[DONE]"


async def test_fault_stall_trips_client_read_timeout(server, session):
    server.add_fault(Fault.stall(1, 10))
    timeout = aiohttp.ClientTimeout(sock_read=0.1)
    async with session.post(
        server.base_url + "/chat/completions", json=STREAM, timeout=timeout
    ) as resp:
        await resp.content.readuntil(b"\n\n")
        with pytest.raises(asyncio.TimeoutError):  # not the builtin TimeoutError before 3.11
            await resp.content.readuntil(b"\n\n")


async def test_fault_empty_events(server, session):
    server.add_fault(Fault.empty_events(1, count=3))
    raw = await stream_raw(session, server, STREAM)
    assert raw.count(b"data: \n\n") == 3
    assert b"\n\nretry: 1000\n\nid: 5\n\n" in raw
    data = [d for d in data_of(raw) if d]
    assert data[-1] == "[DONE]"
    assert content_of([json.loads(d) for d in data[:-1]]).startswith("Hello from")


async def test_stream_faults_ignored_by_non_stream_requests(server, session):
    server.add_fault(Fault.truncate(1))
    status, _, body = await call(session, server, "/chat/completions", CHAT)
    assert status == 200
    assert body["object"] == "chat.completion"


# -- lifecycle -------------------------------------------------------------------------


async def test_close_is_prompt_during_stall():
    server = LocalServer()
    with pytest.raises(RuntimeError):
        server.base_url  # noqa: B018
    await server.start()
    assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
    server.add_fault(Fault.stall(1, 30))
    async with aiohttp.ClientSession() as session:
        resp = await session.post(server.base_url + "/chat/completions", json=STREAM)
        await resp.content.readuntil(b"\n\n")
        with anyio.fail_after(10):  # the stall lasts 30 s: close does not wait for it
            await server.close()
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()
        resp.release()
    await server.close()  # idempotent


async def test_close_is_prompt_during_delay():
    server = LocalServer()
    await server.start()
    server.add_fault(Fault.delay(30))
    async with aiohttp.ClientSession() as session, anyio.create_task_group() as tg:

        async def request() -> None:
            with pytest.raises(aiohttp.ClientError):
                await session.get(server.base_url + "/models")

        tg.start_soon(request)
        while not server.requests:  # noqa: ASYNC110 - the server has no event to wait on
            await anyio.sleep(0.005)
        with anyio.fail_after(10):  # the delay lasts 30 s: close does not wait for it
            await server.close()


def test_threaded_server_from_sync_code():
    with LocalServer.threaded(api_key="sk-sync") as server:
        server.add_reply(Reply("from a thread"))
        request = urllib.request.Request(
            server.base_url + "/chat/completions",
            data=json.dumps(CHAT).encode(),
            headers={"Authorization": "Bearer sk-sync", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as resp:
            body = json.loads(resp.read())
            assert resp.headers["x-request-id"] == "req_1"
        assert body["choices"][0]["message"]["content"] == "from a thread"
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(server.base_url + "/models", timeout=5)
        assert info.value.code == 401
        info.value.close()
        assert [r.path for r in server.requests] == ["/v1/chat/completions", "/v1/models"]


async def test_scripted_events_can_be_spaced_out_and_left_early(server, session):
    from openai_async.testing import Scripted

    events = [(None, json.dumps({"n": i})) for i in range(50)]
    server.add_route("POST", "/slow", lambda _: Scripted(events=events, event_delay=0.02))
    async with session.post(server.base_url + "/slow", json={}) as resp:
        first = await resp.content.readuntil(b"\n\n")
        assert first == b'data: {"n": 0}\n\n'
        assert not resp.content.at_eof()  # the rest is still coming
    # The client left after one event; the server keeps serving.
    status, _, body = await call(session, server, "/chat/completions", CHAT)
    assert status == 200 and body["object"] == "chat.completion"


# -- the Responses API -----------------------------------------------------------------

RESPONSE = {"model": "gpt-4o-mini", "input": "Hi there"}
RESPONSE_STREAM = {**RESPONSE, "stream": True}


def events_of(raw: bytes) -> list[tuple[str | None, Any]]:
    """Each SSE event block as (its `event:` name or None, its decoded `data:`)."""
    out = []
    for block in raw.decode().split("\n\n"):
        lines = block.split("\n")
        names = [line[len("event: ") :] for line in lines if line.startswith("event: ")]
        data = [line[len("data: ") :] for line in lines if line.startswith("data: ")]
        if data:
            out.append((names[0] if names else None, json.loads("\n".join(data))))
    return out


def response_events(raw: bytes) -> list[dict]:
    """The events, checked: named after their type, numbered 0, 1, 2 ..., no [DONE]."""
    events = events_of(raw)
    assert [name for name, _ in events] == [data["type"] for _, data in events]
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    assert b"[DONE]" not in raw
    return [data for _, data in events]


async def test_response_shape_and_default_reply(server, session):
    status, headers, body = await call(session, server, "/responses", RESPONSE)
    assert (status, headers["Content-Type"]) == (200, "application/json")
    assert body["id"] == "resp_local1"
    assert body["object"] == "response"
    assert isinstance(body["created_at"], int)
    assert (body["status"], body["model"]) == ("completed", "gpt-4o-mini")
    assert body["incomplete_details"] is None and body["error"] is None
    assert (body["tools"], body["tool_choice"], body["parallel_tool_calls"]) == ([], "auto", True)
    assert "output_text" not in body  # an SDK convenience, not sent by the API
    [message] = body["output"]
    assert message["type"] == "message" and message["id"].startswith("msg_")
    assert (message["role"], message["status"]) == ("assistant", "completed")
    assert message["content"] == [
        {
            "type": "output_text",
            "text": "Hello from the openai_async local server. You said: Hi there",
            "annotations": [],
            "logprobs": [],
        }
    ]
    usage = body["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0
    assert usage["input_tokens_details"] == {"cached_tokens": 0}
    assert usage["output_tokens_details"] == {"reasoning_tokens": 0}


async def test_response_echoes_the_request_and_reads_input_items(server, session):
    items = [
        {"role": "user", "content": "old"},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "look"}]},
    ]
    tools = [{"type": "function", "name": "f", "parameters": {}}]
    text = {"format": {"type": "json_object"}}
    request = {"model": "m", "input": items, "tools": tools, "tool_choice": "required"}
    request.update(text=text, parallel_tool_calls=False)
    server.add_reply(Reply(None, usage={"input_tokens": 1}))
    _, _, body = await call(session, server, "/responses", request)
    assert body["output"][0]["content"][0]["text"] == ""
    assert body["usage"] == {"input_tokens": 1}
    _, _, body = await call(session, server, "/responses", request)
    assert body["output"][0]["content"][0]["text"].endswith("You said: look")
    assert (body["tools"], body["tool_choice"], body["text"]) == (tools, "required", text)
    assert body["parallel_tool_calls"] is False


async def test_response_requires_model_and_input(server, session):
    for request, param in [({"input": "x"}, "model"), ({"model": "m"}, "input")]:
        status, _, body = await call(session, server, "/responses", request)
        assert status == 400
        error = check_error(body)
        assert (error["param"], error["code"]) == (param, "missing_required_parameter")
    status, _, body = await call(session, server, "/responses", {"model": "m", "input": 3})
    assert (status, check_error(body)["param"]) == (400, "input")


async def test_response_stream_event_order(server, session):
    server.add_reply(Reply(chunks=["Hel", "lo"]))
    events = response_events(await stream_raw(session, server, RESPONSE_STREAM, "/responses"))
    assert [e["type"] for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    created, _, added, part_added, delta, _, done, part_done, item_done, completed = events
    assert created["response"]["status"] == "in_progress"
    assert created["response"]["output"] == [] and created["response"]["usage"] is None
    assert added["item"]["status"] == "in_progress" and added["item"]["content"] == []
    assert part_added["part"]["text"] == ""
    where = {"item_id": added["item"]["id"], "output_index": 0, "content_index": 0}
    assert delta == {
        "type": "response.output_text.delta",
        **where,
        "delta": "Hel",
        "logprobs": [],
        "sequence_number": 4,
    }
    assert (done["text"], done["logprobs"], done["item_id"]) == ("Hello", [], where["item_id"])
    assert part_done["part"]["text"] == "Hello"
    assert item_done["item"]["status"] == "completed"
    final = completed["response"]
    assert final["status"] == "completed" and final["usage"]["total_tokens"] > 0
    assert final["output"] == [item_done["item"]]
    assert final["id"] == created["response"]["id"]


async def test_response_tool_calls(server, session):
    calls = [ToolCall("get_weather", '{"city": "Paris"}', id="call_abc"), ToolCall("noop")]
    server.add_reply(Reply(tool_calls=calls))
    server.add_reply(Reply(tool_calls=calls, chunk_size=4))
    _, _, body = await call(session, server, "/responses", RESPONSE)
    first, second = body["output"]  # no message: the reply has no content
    assert first == {
        "id": first["id"],
        "type": "function_call",
        "status": "completed",
        "call_id": "call_abc",
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
    }
    assert second["call_id"].startswith("call_") and second["arguments"] == "{}"
    assert first["id"] != second["id"]

    events = response_events(await stream_raw(session, server, RESPONSE_STREAM, "/responses"))
    rebuilt: dict[int, str] = {}
    for event in events:
        if event["type"] == "response.output_item.added":
            assert event["item"]["arguments"] == "" and event["item"]["status"] == "in_progress"
        elif event["type"] == "response.function_call_arguments.delta":
            rebuilt[event["output_index"]] = rebuilt.get(event["output_index"], "") + event["delta"]
        elif event["type"] == "response.function_call_arguments.done":
            assert event["arguments"] == rebuilt[event["output_index"]]
    assert rebuilt == {0: '{"city": "Paris"}', 1: "{}"}
    assert [e["delta"] for e in events if "delta" in e][:2] == ['{"ci', 'ty":']
    assert events[-1]["response"]["output"][0]["call_id"] == "call_abc"


async def test_response_refusal(server, session):
    server.add_reply(Reply(refusal="I can't help with that."))
    server.add_reply(Reply(refusal="I can't help with that."))
    _, _, body = await call(session, server, "/responses", RESPONSE)
    [message] = body["output"]
    assert message["content"] == [{"type": "refusal", "refusal": "I can't help with that."}]
    events = response_events(await stream_raw(session, server, RESPONSE_STREAM, "/responses"))
    types = [e["type"] for e in events]
    assert not any(t.startswith("response.output_text") for t in types)
    deltas = [e["delta"] for e in events if e["type"] == "response.refusal.delta"]
    assert "".join(deltas) == "I can't help with that." and len(deltas) > 1
    [done] = [e for e in events if e["type"] == "response.refusal.done"]
    assert done["refusal"] == "I can't help with that." and done["content_index"] == 0
    assert "logprobs" not in done


async def test_response_incomplete_on_length(server, session):
    server.add_reply(Reply("cut sh", finish_reason="length"))
    server.add_reply(Reply("cut sh", finish_reason="length"))
    _, _, body = await call(session, server, "/responses", RESPONSE)
    assert body["status"] == "incomplete"
    assert body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert body["output"][0]["status"] == "incomplete"
    events = response_events(await stream_raw(session, server, RESPONSE_STREAM, "/responses"))
    assert events[-1]["type"] == "response.incomplete"
    assert events[-1]["response"]["incomplete_details"] == {"reason": "max_output_tokens"}


async def test_response_stream_faults(server, session):
    server.add_fault(Fault.truncate(after_events=4, path="/responses"))
    events = response_events(await stream_raw(session, server, RESPONSE_STREAM, "/responses"))
    assert [e["type"] for e in events][-1] == "response.content_part.added"
    assert len(events) == 4

    server.add_fault(Fault.error_event(3, message="overloaded", code="server_busy"))
    raw = await stream_raw(session, server, RESPONSE_STREAM, "/responses")
    assert raw.endswith(
        b'event: error\ndata: {"type":"error","code":"server_busy","message":"overloaded",'
        b'"param":null,"sequence_number":3}\n\n'
    )
    assert len(response_events(raw)) == 4

    server.add_fault(Fault.error_payload(2, message="bad"))
    name, data = events_of(await stream_raw(session, server, RESPONSE_STREAM, "/responses"))[-1]
    assert name is None
    assert data == {
        "type": "error",
        "code": "server_error",  # no code given: the error type stands in
        "message": "bad",
        "param": None,
        "sequence_number": 2,
    }

    server.add_fault(Fault.malformed(at_event=1))
    raw = await stream_raw(session, server, RESPONSE_STREAM, "/responses")
    assert b'event: response.in_progress\ndata: {"id": "chatcmpl-broken"' in raw
    assert raw.endswith(b"\n\n") and b'"type":"response.completed"' in raw


async def test_response_stream_pacing(server, session):
    server.add_reply(Reply("a b", keepalive_comments=True, delay_between_chunks=0.02))
    start = time.monotonic()
    raw = await stream_raw(session, server, RESPONSE_STREAM, "/responses")
    events = response_events(raw.replace(b": keep-alive\n\n", b""))
    assert raw.count(b": keep-alive\n\n") == len(events) - 1
    assert time.monotonic() - start >= 0.02 * (len(events) - 1)


async def test_response_on_azure(session):
    async with LocalServer(azure=True) as server:
        url = f"{server.azure_endpoint}/openai/responses?api-version=preview"
        async with session.post(url, json=RESPONSE) as resp:
            assert resp.status == 200
            assert (await resp.json())["object"] == "response"
