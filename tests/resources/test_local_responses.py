"""The SDK's Responses API calls against the local server's built-in ``POST /v1/responses``
(scripted with ``Reply`` and ``Fault``, no hand-written routes): create, stream, parse,
incomplete and cut streams, and the sync facade."""

from __future__ import annotations

import attrs
import pytest

from openai_async import (
    APIStreamError,
    Client,
    IncompleteStreamError,
    LengthFinishReasonError,
    ResponseIncompleteError,
)
from openai_async.lib.response_stream import output_text
from openai_async.models.responses import FunctionToolCall, OutputMessage, Response
from openai_async.testing import Fault, LocalServer, Reply, ToolCall
from tests.conftest import API_KEY, FAST_RETRIES

pytestmark = pytest.mark.anyio


@attrs.define
class Weather:
    city: str
    degrees: int


async def test_create_returns_a_typed_response(client, server):
    server.add_reply(Reply("Hi", tool_calls=[ToolCall("lookup", '{"q": "x"}', id="call_1")]))
    response = await client.responses.create(model="gpt-4o-mini", input="Say hi")
    assert isinstance(response, Response)
    assert response.status == "completed" and response.model == "gpt-4o-mini"
    message, call = response.output
    assert isinstance(message, OutputMessage) and isinstance(call, FunctionToolCall)
    assert response.output_text == "Hi"  # filled in by the SDK: the API leaves it out
    assert (call.call_id, call.name, call.arguments) == ("call_1", "lookup", '{"q": "x"}')
    assert response.usage is not None and response.usage.total_tokens > 0
    default = await client.responses.create(model="gpt-4o-mini", input="echo me")
    assert default.output_text is not None and default.output_text.endswith("You said: echo me")
    assert [r.json()["input"] for r in server.requests] == ["Say hi", "echo me"]


async def test_stream_text_deltas_and_final_response(client, server):
    server.add_reply(Reply(chunks=["Packets ", "drift ", "by"]))
    async with await client.responses.stream(model="gpt-4o", input="haiku") as stream:
        deltas = [d async for d in stream.text_deltas()]
        final = await stream.final_response()
    assert deltas == ["Packets ", "drift ", "by"]
    assert final.status == "completed" and final.output_text == "Packets drift by"
    assert final.id.startswith("resp_local")
    assert server.requests[0].json()["stream"] is True


async def test_parse_into_an_attrs_class(client, server):
    server.add_reply(Reply('{"city": "Oslo", "degrees": 3}'))
    server.add_reply(Reply('{"city": "Os', finish_reason="length"))
    parsed = await client.responses.parse(model="gpt-4o", input="weather?", text_format=Weather)
    assert parsed.output_parsed == Weather("Oslo", 3)
    assert parsed.text is not None  # the schema sent is echoed back
    assert server.requests[0].json()["text"]["format"]["name"] == "Weather"
    with pytest.raises(LengthFinishReasonError):
        await client.responses.parse(model="gpt-4o", input="weather?", text_format=Weather)


async def test_final_response_raises_when_incomplete(client, server):
    server.add_reply(Reply("cut", finish_reason="length"))
    async with await client.responses.stream(model="gpt-4o", input="long") as stream:
        with pytest.raises(ResponseIncompleteError) as info:
            await stream.final_response()
    assert info.value.reason == "max_output_tokens"
    assert info.value.response.output_text == "cut"


async def test_stream_faults_raise(client, server):
    server.add_fault(Fault.truncate(after_events=5, path="/responses"))
    async with await client.responses.stream(model="gpt-4o", input="hi") as stream:
        with pytest.raises(IncompleteStreamError):
            await stream.final_response()
    server.add_fault(Fault.error_event(3, message="overloaded", code="server_busy"))
    async with await client.responses.stream(model="gpt-4o", input="hi") as stream:
        with pytest.raises(APIStreamError) as info:
            await stream.final_response()
    assert info.value.code == "server_busy" and "overloaded" in str(info.value)


def test_sync_facade(threaded_server: LocalServer):
    threaded_server.add_reply(Reply("a b c"))
    threaded_server.add_reply(Reply("streamed", finish_reason="length"))
    with Client(
        api_key=API_KEY, base_url=threaded_server.base_url, retry_policy=FAST_RETRIES
    ) as client:
        response = client.responses.create(model="gpt-4o", input="hi")
        assert isinstance(response, Response) and response.output_text == "a b c"
        with client.responses.stream(model="gpt-4o", input="hi") as stream:
            assert "".join(stream.text_deltas()) == "streamed"
            with pytest.raises(ResponseIncompleteError):
                stream.final_response()
        with client.responses.stream(model="gpt-4o", input="again") as stream:
            assert stream.final_text().endswith("You said: again")


async def test_a_batch_runs_its_lines_through_the_responses_endpoint(client, server):
    server.add_reply(Reply("first"))
    requests = [{"model": "gpt-4o-mini", "input": q} for q in ("one", "two")]
    out = await client.batches.run(requests, endpoint="/v1/responses", poll_interval=0.01)
    assert [output_text(r.response) for r in out.results] == [
        "first",
        "Hello from the openai_async local server. You said: two",
    ]
