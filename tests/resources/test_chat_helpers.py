"""Chat stream helpers and structured outputs, through a real socket to the local server."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Literal

import attrs
import orjson
import pytest

from openai_async import (
    APIResponseValidationError,
    APIStreamError,
    AsyncChatCompletionStream,
    AsyncClient,
    ChatCompletionStream,
    IncompleteStreamError,
    LengthFinishReasonError,
    function_tool,
    json_schema,
)
from openai_async.lib.chat_parsed import ParsedFunctionToolCall
from openai_async.lib.chat_stream import (
    ChunkEvent,
    ContentDeltaEvent,
    ContentDoneEvent,
    LogprobsEvent,
    RefusalDeltaEvent,
    RefusalDoneEvent,
    ToolCallArgumentsDeltaEvent,
    ToolCallArgumentsDoneEvent,
)
from openai_async.testing import Fault, LocalServer, Reply, ToolCall
from tests.conftest import API_KEY
from tests.resources.test_sync import FAST_RETRIES

pytestmark = pytest.mark.anyio

MESSAGES: list[Any] = [{"role": "user", "content": "Hi there"}]


class Status(enum.Enum):
    PAID = "paid"
    OPEN = "open"


@attrs.define
class Line:
    item: str
    qty: int


@attrs.define
class Invoice:
    number: str
    status: Status
    lines: list[Line]
    issued: dt.datetime
    currency: Literal["EUR", "USD"]
    note: str | None = None
    due: dt.date | None = None


INVOICE_JSON = orjson.dumps(
    {
        "number": "A-1",
        "status": "paid",
        "lines": [{"item": "bolt", "qty": 3}],
        "issued": "2026-01-02T03:04:05+00:00",
        "currency": "EUR",
        "note": None,
        "due": "2026-02-01",
    }
).decode()


def get_weather(city: str, unit: Literal["c", "f"] = "c") -> str:
    """The weather in a city."""
    return f"sunny in {city}"


async def stream_of(client: AsyncClient, **kwargs: Any) -> AsyncChatCompletionStream:
    helpers = {k: kwargs.pop(k) for k in ("response_format", "tools") if k in kwargs}
    raw = await client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, **kwargs
    )
    return AsyncChatCompletionStream(raw, **helpers)


async def test_text_deltas(client: AsyncClient, server: LocalServer) -> None:
    server.add_reply(Reply(chunks=["Hel", "lo", " you"]))
    stream = await stream_of(client)
    assert [t async for t in stream.text_deltas()] == ["Hel", "lo", " you"]
    final = await stream.final_completion()
    assert final.choices[0].message.content == "Hello you"


async def test_final_completion_every_choice_usage_logprobs_refusal(
    client: AsyncClient, server: LocalServer
) -> None:
    server.add_reply(
        Reply(
            "a b c",
            refusal="no way",
            usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        )
    )
    stream = await stream_of(client, n=2, logprobs=True, stream_options={"include_usage": True})
    final = await stream.final_completion()
    assert final.object == "chat.completion"
    assert final.id.startswith("chatcmpl-local")
    assert [c.index for c in final.choices] == [0, 1]
    for choice in final.choices:
        assert choice.message.role == "assistant"
        assert choice.message.content == "a b c"
        assert choice.message.refusal == "no way"
        assert choice.finish_reason == "stop"
        assert choice.logprobs is not None
        assert "".join(lp.token for lp in choice.logprobs.content or ()) == "a b c"
    assert final.usage is not None and final.usage.total_tokens == 3


@pytest.mark.parametrize("repeat", [False, True], ids=["openai", "llama.cpp"])
async def test_tool_calls_merged_by_index(
    client: AsyncClient, server: LocalServer, repeat: bool
) -> None:
    calls = [ToolCall("get_weather", '{"city": "Paris"}'), ToolCall("lookup", '{"q": "x y"}')]
    server.add_reply(Reply(None, tool_calls=calls, chunk_size=3, repeat_tool_call_ids=repeat))
    stream = await stream_of(client)
    final = await stream.final_completion()
    got = final.choices[0].message.tool_calls or []
    assert [(c.function.name, c.function.arguments) for c in got] == [  # type: ignore[union-attr]
        ("get_weather", '{"city": "Paris"}'),
        ("lookup", '{"q": "x y"}'),
    ]
    assert [c.id for c in got] == ["call_local1x0", "call_local1x1"]  # type: ignore[union-attr]
    assert final.choices[0].finish_reason == "tool_calls"
    assert final.choices[0].message.content is None


async def test_events(client: AsyncClient, server: LocalServer) -> None:
    tool = function_tool(get_weather)
    server.add_reply(
        Reply(
            "hi there",
            tool_calls=[ToolCall("get_weather", '{"city": "Oslo", "unit": "c"}')],
            chunk_size=3,
        )
    )
    stream = await stream_of(client, logprobs=True, tools=[tool])
    events = [e async for e in stream.events()]
    kinds = [type(e) for e in events if not isinstance(e, ChunkEvent)]
    assert kinds[:4] == [ContentDeltaEvent, LogprobsEvent, ContentDeltaEvent, LogprobsEvent]
    assert ContentDoneEvent in kinds and ToolCallArgumentsDeltaEvent in kinds
    assert sum(isinstance(e, ChunkEvent) for e in events) >= 4
    done = [e for e in events if isinstance(e, ContentDoneEvent)]
    assert done == [ContentDoneEvent(0, "hi there", None)]
    texts = [e for e in events if isinstance(e, ContentDeltaEvent)]
    assert [e.snapshot for e in texts] == ["hi ", "hi the", "hi there"]  # as of each delta
    deltas = [e for e in events if isinstance(e, ToolCallArgumentsDeltaEvent)]
    assert (
        deltas[-1].snapshot == '{"city": "Oslo", "unit": "c"}' and deltas[0].name == "get_weather"
    )
    (tool_done,) = [e for e in events if isinstance(e, ToolCallArgumentsDoneEvent)]
    assert tool_done.parsed_arguments == tool.arguments(city="Oslo", unit="c")
    assert tool.function is get_weather


async def test_refusal_events(client: AsyncClient, server: LocalServer) -> None:
    server.add_reply(Reply(None, refusal="I can't help with that", chunk_size=6))
    stream = await stream_of(client, response_format=Invoice)
    events = [e async for e in stream.events()]
    assert any(isinstance(e, RefusalDeltaEvent) for e in events)
    assert [e for e in events if isinstance(e, RefusalDoneEvent)] == [
        RefusalDoneEvent(0, "I can't help with that")
    ]
    parsed = await stream.final_parsed()
    assert parsed.choices[0].message.parsed is None
    assert parsed.choices[0].message.refusal == "I can't help with that"


async def test_break_then_final_completion(client: AsyncClient, server: LocalServer) -> None:
    server.add_reply(Reply("one two three four"))
    stream = await stream_of(client)
    async for _ in stream.text_deltas():
        break
    # Leaving a helper's loop keeps the stream: the rest is still read.
    assert (await stream.final_completion()).choices[0].message.content == "one two three four"
    server.add_reply(Reply("one two three four"))
    stream = await stream_of(client)
    async for _ in stream:
        break
    await stream.aclose()
    with pytest.raises(IncompleteStreamError, match="finish_reason"):
        await stream.final_completion()


async def test_truncated_stream(client: AsyncClient, server: LocalServer) -> None:
    server.add_reply(Reply("one two three four"))
    server.add_fault(Fault.truncate(after_events=3))
    stream = await stream_of(client)
    with pytest.raises(IncompleteStreamError):
        await stream.final_completion()


async def test_length_finish_reason_with_parse(client: AsyncClient, server: LocalServer) -> None:
    server.add_reply(Reply('{"number": "A', finish_reason="length"))
    stream = await stream_of(client, response_format=Invoice)
    with pytest.raises(LengthFinishReasonError, match="token limit"):
        await stream.final_parsed()
    server.add_reply(Reply('{"number": "A', finish_reason="length"))
    with pytest.raises(LengthFinishReasonError) as info:
        await client.chat.completions.parse(
            model="gpt-4o-mini", messages=MESSAGES, response_format=Invoice
        )
    assert info.value.completion.choices[0].finish_reason == "length"
    # Without a parse, a cut-off stream is just a completion.
    server.add_reply(Reply("abc", finish_reason="length"))
    final = await (await stream_of(client)).final_completion()
    assert final.choices[0].finish_reason == "length"


async def test_empty_event_flood_limit(client: AsyncClient, server: LocalServer) -> None:
    server.add_reply(Reply("a b"))
    server.add_fault(Fault.empty_events(after_events=1, count=30))
    raw = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    raw.max_empty_events = 20
    with pytest.raises(APIStreamError, match="more than 20 events or comments in a row"):
        async for _ in raw:
            pass
    # Keep-alive comments count too (here ~100 during a stall of 0.5 s).
    server.add_reply(Reply("a b"))
    server.add_fault(Fault.stall(after_events=1, seconds=0.5, keepalive_interval=0.005))
    raw = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    raw.max_empty_events = 20
    with pytest.raises(APIStreamError, match="without data"):
        async for _ in raw:
            pass
    server.add_reply(Reply("a b"))
    server.add_fault(Fault.empty_events(after_events=1, count=30))
    raw = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    assert len([c async for c in raw]) >= 3  # the default limit tolerates 30


async def test_parse(client: AsyncClient, server: LocalServer) -> None:
    server.add_reply(Reply(INVOICE_JSON))
    result = await client.chat.completions.parse(
        model="gpt-4o-mini", messages=MESSAGES, response_format=Invoice, temperature=0
    )
    invoice = result.choices[0].message.parsed
    assert invoice == Invoice(
        "A-1",
        Status.PAID,
        [Line("bolt", 3)],
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        "EUR",
        None,
        dt.date(2026, 2, 1),
    )
    sent = server.requests[-1].json()
    assert sent["temperature"] == 0
    assert sent["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Invoice", "schema": json_schema(Invoice), "strict": True},
    }
    assert result.choices[0].message.content == INVOICE_JSON
    assert result.object == "chat.completion" and result.request_id is not None


async def test_parse_refusal_and_bad_json(client: AsyncClient, server: LocalServer) -> None:
    server.add_reply(Reply(None, refusal="no"))
    result = await client.chat.completions.parse(
        model="m", messages=MESSAGES, response_format=Invoice
    )
    assert result.choices[0].message.parsed is None
    assert result.choices[0].message.refusal == "no"
    server.add_reply(Reply('{"number": 1}'))
    with pytest.raises(APIResponseValidationError, match="not a valid Invoice"):
        await client.chat.completions.parse(model="m", messages=MESSAGES, response_format=Invoice)
    with pytest.raises(TypeError, match="stream"):  # parse() has no stream parameter
        await client.chat.completions.parse(model="m", messages=MESSAGES, stream=True)


async def test_parse_tools(client: AsyncClient, server: LocalServer) -> None:
    tool = function_tool(get_weather)
    server.add_reply(
        Reply(None, tool_calls=[ToolCall("get_weather", '{"city": "Rome", "unit": "f"}')])
    )
    result = await client.chat.completions.parse(
        model="m", messages=MESSAGES, tools=[tool, {"type": "function", "function": {"name": "x"}}]
    )
    (call,) = result.choices[0].message.tool_calls or []
    assert isinstance(call, ParsedFunctionToolCall)
    assert call.function.name == "get_weather"
    assert call.function.parsed_arguments == tool.arguments(city="Rome", unit="f")
    sent = server.requests[-1].json()["tools"]
    assert sent[0] == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "unit": {"enum": ["c", "f"]},
                },
                "required": ["city", "unit"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    }
    assert sent[1] == {"type": "function", "function": {"name": "x"}}


def test_sync_facade(threaded_server: LocalServer) -> None:
    from openai_async import Client

    with Client(api_key=API_KEY, base_url=threaded_server.base_url, retry_policy=FAST_RETRIES) as c:
        threaded_server.add_reply(Reply(chunks=["a", "b"]))
        stream = ChatCompletionStream(
            c.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        )
        assert list(stream.text_deltas()) == ["a", "b"]
        assert stream.final_completion().choices[0].message.content == "ab"
        threaded_server.add_reply(Reply(INVOICE_JSON))
        result = c.chat.completions.parse(model="m", messages=MESSAGES, response_format=Invoice)
        assert result.choices[0].message.parsed is not None
        assert result.choices[0].message.parsed.lines == [Line("bolt", 3)]
        threaded_server.add_reply(Reply(None, tool_calls=[ToolCall("f", '{"a": 1}')], chunk_size=2))
        with ChatCompletionStream(
            c.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        ) as tool_stream:
            done = [e for e in tool_stream.events() if isinstance(e, ToolCallArgumentsDoneEvent)]
        assert [(e.name, e.parsed_arguments) for e in done] == [("f", {"a": 1})]


def _response(content: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "status": "completed",
        "model": "gpt-4o-mini",
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": content,
            }
        ],
        "tools": [],
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        **extra,
    }


async def test_responses_parse(client: AsyncClient, server: LocalServer) -> None:
    from openai_async.testing import Scripted

    answers = [
        _response([{"type": "output_text", "text": INVOICE_JSON, "annotations": []}]),
        _response([{"type": "refusal", "refusal": "no"}]),
        _response([], status="incomplete", incomplete_details={"reason": "max_output_tokens"}),
    ]
    server.add_route("POST", "/responses", lambda _: Scripted(json=answers.pop(0)))
    result = await client.responses.parse(
        model="gpt-4o-mini", input="bill me", text_format=Invoice, temperature=0
    )
    assert result.output_parsed is not None and result.output_parsed.number == "A-1"
    assert result.output_text == INVOICE_JSON and result.id == "resp_1"
    sent = server.requests[-1].json()
    assert sent["text"]["format"] == {
        "type": "json_schema",
        "name": "Invoice",
        "schema": json_schema(Invoice),
        "strict": True,
    }
    assert sent["temperature"] == 0 and sent["input"] == "bill me"
    refused = await client.responses.parse(
        model="m", input="x", text_format=Invoice, text={"verbosity": "low"}
    )
    assert refused.output_parsed is None and refused.refusal == "no"
    text = server.requests[-1].json()["text"]  # other text options are kept
    assert text["verbosity"] == "low" and text["format"]["name"] == "Invoice"
    with pytest.raises(LengthFinishReasonError):
        await client.responses.parse(model="m", input="x", text_format=Invoice)


async def test_iterating_the_wrapper_accumulates(client: AsyncClient, server: LocalServer) -> None:
    server.add_reply(Reply(chunks=["x", "y"]))
    stream = await stream_of(client)
    chunks = [c async for c in stream]
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert (await stream.final_completion()).choices[0].message.content == "xy"


async def test_stream_method_sends_strict_definitions_and_parses(
    client: AsyncClient, server: LocalServer
) -> None:
    server.add_reply(Reply(INVOICE_JSON, chunk_size=7))
    async with await client.chat.completions.stream(
        model="m", messages=MESSAGES, response_format=Invoice, temperature=0
    ) as stream:
        assert isinstance(stream, AsyncChatCompletionStream)
        text = "".join([t async for t in stream.text_deltas()])
        parsed = await stream.final_parsed()
    assert text == INVOICE_JSON
    assert parsed.choices[0].message.parsed == Invoice(
        "A-1",
        Status.PAID,
        [Line("bolt", 3)],
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        "EUR",
        None,
        dt.date(2026, 2, 1),
    )
    sent = server.requests[-1].json()
    assert sent["stream"] is True and sent["temperature"] == 0
    assert sent["response_format"]["json_schema"]["schema"] == json_schema(Invoice)
    assert sent["response_format"]["json_schema"]["strict"] is True

    tool = function_tool(get_weather)
    server.add_reply(
        Reply(None, tool_calls=[ToolCall("get_weather", '{"city": "Oslo", "unit": "c"}')])
    )
    async with await client.chat.completions.stream(
        model="m", messages=MESSAGES, tools=[tool]
    ) as stream:
        done = [e async for e in stream.events() if isinstance(e, ToolCallArgumentsDoneEvent)]
    assert [e.parsed_arguments for e in done] == [tool.arguments(city="Oslo", unit="c")]
    assert server.requests[-1].json()["tools"][0]["function"]["strict"] is True


def test_sync_stream_method(threaded_server: LocalServer) -> None:
    from openai_async import Client

    with Client(api_key=API_KEY, base_url=threaded_server.base_url, retry_policy=FAST_RETRIES) as c:
        threaded_server.add_reply(Reply(INVOICE_JSON, chunk_size=9))
        with c.chat.completions.stream(
            model="m", messages=MESSAGES, response_format=Invoice
        ) as stream:
            assert isinstance(stream, ChatCompletionStream)
            assert "".join(stream.text_deltas()) == INVOICE_JSON
            parsed = stream.final_parsed().choices[0].message.parsed
        assert parsed is not None and parsed.number == "A-1"
