"""Structured outputs for every kind of class (pydantic model, pydantic dataclass, stdlib
dataclass, TypedDict, attrs) through a real socket: chat.completions.parse / stream,
responses.parse, tool calls, async and sync; the schema sent, the instances parsed,
invalid output and refused schemas."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any, Literal, TypedDict

import attrs
import orjson
import pydantic
import pytest

from openai_async import (
    APIResponseValidationError,
    AsyncClient,
    Client,
    InvalidRequestError,
    ParsedChatCompletion,
    ParsedResponse,
    function_tool,
    pydantic_function_tool,
    to_strict_json_schema,
)
from openai_async.lib.chat_parsed import ParsedFunctionToolCall
from openai_async.lib.chat_stream import ContentDoneEvent, ToolCallArgumentsDoneEvent
from openai_async.lib.responses import ParsedResponseFunctionToolCall
from openai_async.models.chat import ChatCompletion
from openai_async.models.responses import Response
from openai_async.testing import LocalServer, Reply, ToolCall
from tests.conftest import API_KEY, FAST_RETRIES

pytestmark = pytest.mark.anyio

MESSAGES: list[Any] = [{"role": "user", "content": "report"}]


class Status(enum.Enum):
    OPEN = "open"
    DONE = "done"


# The same shape in each kind: nested, optional, list, enum, Literal, datetime, recursive.


class PAddress(pydantic.BaseModel):
    city: str
    zip: str | None = None


class PTopic(pydantic.BaseModel):
    name: str
    subtopics: list[PTopic]


class PReport(pydantic.BaseModel):
    """A status report."""

    title: str
    status: Status
    level: Literal["low", "high"]
    when: dt.datetime
    home: PAddress
    others: list[PAddress]
    extra: PAddress | None = None
    topic: PTopic


@pydantic.dataclasses.dataclass
class PDAddress:
    city: str
    zip: str | None = None


@pydantic.dataclasses.dataclass
class PDTopic:
    name: str
    subtopics: list[PDTopic]


@pydantic.dataclasses.dataclass
class PDReport:
    title: str
    status: Status
    level: Literal["low", "high"]
    when: dt.datetime
    home: PDAddress
    others: list[PDAddress]
    extra: PDAddress | None
    topic: PDTopic


@dataclasses.dataclass
class DAddress:
    city: str
    zip: str | None = None


@dataclasses.dataclass
class DTopic:
    name: str
    subtopics: list[DTopic]


@dataclasses.dataclass
class DReport:
    title: str
    status: Status
    level: Literal["low", "high"]
    when: dt.datetime
    home: DAddress
    others: list[DAddress]
    extra: DAddress | None
    topic: DTopic


class TAddress(TypedDict):
    city: str
    zip: str | None


class TTopic(TypedDict):
    name: str
    subtopics: list[TTopic]


class TReport(TypedDict):
    title: str
    status: Status
    level: Literal["low", "high"]
    when: dt.datetime
    home: TAddress
    others: list[TAddress]
    extra: TAddress | None
    topic: TTopic


@attrs.define
class AAddress:
    city: str
    zip: str | None = None


@attrs.define
class ATopic:
    name: str
    subtopics: list[ATopic]


@attrs.define
class AReport:
    title: str
    status: Status
    level: Literal["low", "high"]
    when: dt.datetime
    home: AAddress
    others: list[AAddress]
    extra: AAddress | None
    topic: ATopic


@dataclasses.dataclass(frozen=True)
class Kind:
    Report: Any
    Address: Any
    Topic: Any


KINDS = {
    "pydantic": Kind(PReport, PAddress, PTopic),
    "pydantic-dataclass": Kind(PDReport, PDAddress, PDTopic),
    "dataclass": Kind(DReport, DAddress, DTopic),
    "typeddict": Kind(TReport, TAddress, TTopic),
    "attrs": Kind(AReport, AAddress, ATopic),
}
kinds = pytest.mark.parametrize("k", list(KINDS.values()), ids=list(KINDS))

REPORT = {
    "title": "Q1",
    "status": "open",
    "level": "high",
    "when": "2026-01-02T03:04:05+00:00",
    "home": {"city": "Oslo", "zip": None},
    "others": [{"city": "Rome", "zip": "00100"}],
    "extra": None,
    "topic": {"name": "a", "subtopics": [{"name": "b", "subtopics": []}]},
}
REPORT_JSON = orjson.dumps(REPORT).decode()
ROME_JSON = '{"city": "Rome", "zip": "00100"}'


def expected(k: Kind) -> Any:
    """REPORT as an instance of the kind (a TypedDict "instance" is a dict)."""
    return k.Report(
        title="Q1",
        status=Status.OPEN,
        level="high",
        when=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        home=k.Address(city="Oslo", zip=None),
        others=[k.Address(city="Rome", zip="00100")],
        extra=None,
        topic=k.Topic(name="a", subtopics=[k.Topic(name="b", subtopics=[])]),
    )


def check_schema_sent(schema: dict[str, Any], k: Kind) -> None:
    assert schema == to_strict_json_schema(k.Report)
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["required"] == list(REPORT)
    assert schema["properties"]["extra"]["anyOf"][-1] == {"type": "null"}
    topic = schema["$defs"][k.Topic.__name__]
    assert topic["properties"]["subtopics"]["items"] == {"$ref": f"#/$defs/{k.Topic.__name__}"}
    assert topic["additionalProperties"] is False and topic["required"] == ["name", "subtopics"]


# --- async ------------------------------------------------------------------------------


@kinds
async def test_chat_parse(k: Kind, client: AsyncClient, server: LocalServer) -> None:
    server.add_reply(Reply(REPORT_JSON))
    result = await client.chat.completions.parse(
        model="m", messages=MESSAGES, response_format=k.Report
    )
    assert isinstance(result, ParsedChatCompletion) and isinstance(result, ChatCompletion)
    assert result.choices[0].message.parsed == expected(k)
    assert result.choices[0].message.content == REPORT_JSON
    assert result.request_id is not None  # the HTTP response's details are kept
    sent = server.requests[-1].json()["response_format"]
    assert sent["type"] == "json_schema"
    assert (
        sent["json_schema"]["name"] == k.Report.__name__ and sent["json_schema"]["strict"] is True
    )
    check_schema_sent(sent["json_schema"]["schema"], k)


@kinds
async def test_chat_stream(k: Kind, client: AsyncClient, server: LocalServer) -> None:
    server.add_reply(Reply(REPORT_JSON, chunk_size=11))
    async with await client.chat.completions.stream(
        model="m", messages=MESSAGES, response_format=k.Report
    ) as stream:
        done = [e async for e in stream.events() if isinstance(e, ContentDoneEvent)]
        final = await stream.final_parsed()
    assert [e.parsed for e in done] == [expected(k)]
    assert final.choices[0].message.parsed == expected(k)
    check_schema_sent(server.requests[-1].json()["response_format"]["json_schema"]["schema"], k)


@kinds
async def test_responses_parse(k: Kind, client: AsyncClient, server: LocalServer) -> None:
    server.add_reply(Reply(REPORT_JSON))
    result = await client.responses.parse(model="m", input="report", text_format=k.Report)
    assert isinstance(result, ParsedResponse) and isinstance(result, Response)
    assert result.output_parsed == expected(k) and result.output_text == REPORT_JSON
    fmt = server.requests[-1].json()["text"]["format"]
    assert (fmt["type"], fmt["name"], fmt["strict"]) == ("json_schema", k.Report.__name__, True)
    check_schema_sent(fmt["schema"], k)


@kinds
async def test_tool_calls_parsed(k: Kind, client: AsyncClient, server: LocalServer) -> None:
    rome = k.Address(city="Rome", zip="00100")
    tool = pydantic_function_tool(k.Address, name="ship")
    other = {"type": "function", "function": {"name": "lookup", "parameters": {}}}
    calls = [ToolCall("ship", ROME_JSON), ToolCall("lookup", '{"q": 1}')]

    server.add_reply(Reply(None, tool_calls=calls))
    result = await client.chat.completions.parse(model="m", messages=MESSAGES, tools=[tool, other])
    ship, lookup = result.choices[0].message.tool_calls or []
    assert isinstance(ship, ParsedFunctionToolCall) and isinstance(lookup, ParsedFunctionToolCall)
    assert ship.function.parsed_arguments == rome
    assert lookup.function.parsed_arguments == {"q": 1}  # not ours: the decoded JSON
    sent = server.requests[-1].json()["tools"]
    assert sent == [
        {
            "type": "function",
            "function": {
                "name": "ship",
                "strict": True,
                "parameters": to_strict_json_schema(k.Address),
            },
        },
        other,
    ]

    server.add_reply(Reply(None, tool_calls=calls, chunk_size=4))
    async with await client.chat.completions.stream(
        model="m", messages=MESSAGES, tools=[tool]
    ) as stream:
        done = [e async for e in stream.events() if isinstance(e, ToolCallArgumentsDoneEvent)]
        final = await stream.final_parsed()
    assert [e.parsed_arguments for e in done] == [rome, {"q": 1}]
    first = (final.choices[0].message.tool_calls or [])[0]
    assert isinstance(first, ParsedFunctionToolCall) and first.function.parsed_arguments == rome

    server.add_reply(Reply(None, tool_calls=calls))
    tools = [function_tool(k.Address, name="ship")]
    response = await client.responses.parse(model="m", input="x", tools=tools)
    ship_item, lookup_item = response.output
    assert isinstance(ship_item, ParsedResponseFunctionToolCall)
    assert isinstance(lookup_item, ParsedResponseFunctionToolCall)
    assert (ship_item.parsed_arguments, lookup_item.parsed_arguments) == (rome, {"q": 1})
    sent_tool = server.requests[-1].json()["tools"][0]
    assert sent_tool == {
        "type": "function",
        "name": "ship",
        "parameters": to_strict_json_schema(k.Address),
        "strict": True,
    }
    assert "text" not in server.requests[-1].json()  # no text_format: text left alone


async def test_responses_tool_call_parsed_into_the_class(
    client: AsyncClient, server: LocalServer
) -> None:
    server.add_reply(Reply(None, tool_calls=[ToolCall("PAddress", ROME_JSON)]))
    response = await client.responses.parse(model="m", input="x", tools=[function_tool(PAddress)])
    (item,) = response.output
    assert isinstance(item, ParsedResponseFunctionToolCall)
    assert item.parsed_arguments == PAddress(city="Rome", zip="00100")
    assert response.output_parsed is None  # no text_format: nothing else parsed


@kinds
async def test_invalid_output_raises_with_the_raw_text(
    k: Kind, client: AsyncClient, server: LocalServer
) -> None:
    bad = orjson.dumps({**REPORT, "status": "lost"}).decode()
    server.add_reply(Reply(bad))
    with pytest.raises(
        APIResponseValidationError, match=f"not a valid {k.Report.__name__}"
    ) as info:
        await client.chat.completions.parse(model="m", messages=MESSAGES, response_format=k.Report)
    assert info.value.raw == bad
    server.add_reply(Reply('{"title": 1}'))
    with pytest.raises(APIResponseValidationError) as info:
        await client.responses.parse(model="m", input="x", text_format=k.Report)
    assert info.value.raw == '{"title": 1}'
    server.add_reply(Reply(None, tool_calls=[ToolCall("ship", '{"city": null}')]))
    with pytest.raises(APIResponseValidationError, match="arguments of ship") as info:
        await client.chat.completions.parse(
            model="m", messages=MESSAGES, tools=[pydantic_function_tool(k.Address, name="ship")]
        )
    assert info.value.raw == '{"city": null}'


class PPriced(pydantic.BaseModel):
    name: str
    prices: dict[str, float]


@dataclasses.dataclass
class DPriced:
    name: str
    prices: dict[str, float]


@pytest.mark.parametrize("cls", [PPriced, DPriced])
async def test_refused_schema_raises_before_any_request(
    cls: type[Any], client: AsyncClient, server: LocalServer
) -> None:
    where = rf"{cls.__name__}\.prices"
    with pytest.raises(InvalidRequestError, match=where):
        await client.chat.completions.parse(model="m", messages=MESSAGES, response_format=cls)
    with pytest.raises(InvalidRequestError, match=where):
        await client.chat.completions.stream(model="m", messages=MESSAGES, response_format=cls)
    with pytest.raises(InvalidRequestError, match=where):
        await client.responses.parse(model="m", input="x", text_format=cls)
    with pytest.raises(InvalidRequestError, match=where):
        await client.responses.stream(model="m", input="x", text_format=cls)
    with pytest.raises(InvalidRequestError, match=where):
        pydantic_function_tool(cls)
    assert server.requests == []


# --- sync -------------------------------------------------------------------------------


@kinds
def test_sync_client(k: Kind, threaded_server: LocalServer) -> None:
    with Client(api_key=API_KEY, base_url=threaded_server.base_url, retry_policy=FAST_RETRIES) as c:
        threaded_server.add_reply(Reply(REPORT_JSON))
        result = c.chat.completions.parse(model="m", messages=MESSAGES, response_format=k.Report)
        assert result.choices[0].message.parsed == expected(k)

        threaded_server.add_reply(Reply(REPORT_JSON, chunk_size=9))
        with c.chat.completions.stream(model="m", messages=MESSAGES, response_format=k.Report) as s:
            assert s.final_parsed().choices[0].message.parsed == expected(k)

        threaded_server.add_reply(Reply(REPORT_JSON))
        parsed = c.responses.parse(model="m", input="x", text_format=k.Report)
        assert parsed.output_parsed == expected(k)

        threaded_server.add_reply(Reply(None, tool_calls=[ToolCall("ship", ROME_JSON)]))
        tools = [pydantic_function_tool(k.Address, name="ship")]
        calls = c.chat.completions.parse(model="m", messages=MESSAGES, tools=tools)
        call = (calls.choices[0].message.tool_calls or [])[0]
        assert isinstance(call, ParsedFunctionToolCall)
        assert call.function.parsed_arguments == k.Address(city="Rome", zip="00100")

        threaded_server.add_reply(Reply('{"title": "x"}'))
        with pytest.raises(APIResponseValidationError):
            c.chat.completions.parse(model="m", messages=MESSAGES, response_format=k.Report)
        count = len(threaded_server.requests)
        with pytest.raises(InvalidRequestError, match=r"DPriced\.prices"):
            c.chat.completions.parse(model="m", messages=MESSAGES, response_format=DPriced)
        assert len(threaded_server.requests) == count
