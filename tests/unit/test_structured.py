"""to_strict_json_schema(), parse_json() and the function tools, for every kind of class:
attrs, stdlib dataclasses, TypedDict, pydantic models and pydantic dataclasses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any, Literal, Optional, TypedDict

import attrs
import pydantic
import pytest

from openai_async import (
    APIResponseValidationError,
    InvalidRequestError,
    function_tool,
    json_schema,
    pydantic_function_tool,
    to_strict_json_schema,
)
from openai_async.lib.structured import make_strict, parse_json


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


# --- one shape, five kinds ---------------------------------------------------------------


@attrs.define
class AAddress:
    """Where to send it."""

    city: str
    zip: str | None


@attrs.define
class AOrder:
    id: int
    total: float
    paid: bool
    color: Color
    kind: Literal["a", "b"]
    when: dt.datetime
    day: dt.date
    address: AAddress
    addresses: list[AAddress]
    maybe: Optional[AAddress] = None


@dataclasses.dataclass
class DAddress:
    """Where to send it."""

    city: str
    zip: str | None


@dataclasses.dataclass
class DOrder:
    id: int
    total: float
    paid: bool
    color: Color
    kind: Literal["a", "b"]
    when: dt.datetime
    day: dt.date
    address: DAddress
    addresses: list[DAddress]
    maybe: Optional[DAddress] = None


class TAddress(TypedDict):
    """Where to send it."""

    city: str
    zip: str | None


class TOrder(TypedDict):
    id: int
    total: float
    paid: bool
    color: Color
    kind: Literal["a", "b"]
    when: dt.datetime
    day: dt.date
    address: TAddress
    addresses: list[TAddress]
    maybe: Optional[TAddress]


def _expected(address: str) -> dict[str, Any]:
    ref = {"$ref": f"#/$defs/{address}"}
    return {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "total": {"type": "number"},
            "paid": {"type": "boolean"},
            "color": {"enum": ["red", "blue"]},
            "kind": {"enum": ["a", "b"]},
            "when": {"type": "string", "format": "date-time"},
            "day": {"type": "string", "format": "date"},
            "address": ref,
            "addresses": {"type": "array", "items": ref},
            "maybe": {"anyOf": [ref, {"type": "null"}]},
        },
        "required": [
            "id",
            "total",
            "paid",
            "color",
            "kind",
            "when",
            "day",
            "address",
            "addresses",
            "maybe",
        ],
        "additionalProperties": False,
        "$defs": {
            address: {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "zip": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
                "required": ["city", "zip"],
                "additionalProperties": False,
                "description": "Where to send it.",
            }
        },
    }


@pytest.mark.parametrize(
    ("cls", "address"), [(AOrder, "AAddress"), (DOrder, "DAddress"), (TOrder, "TAddress")]
)
def test_walker_schema_is_strict_and_exact(cls: type[Any], address: str) -> None:
    assert to_strict_json_schema(cls) == _expected(address)
    assert json_schema is to_strict_json_schema  # the first name stays


class PAddress(pydantic.BaseModel):
    """Where to send it."""

    city: str
    zip: str | None = None


class POrder(pydantic.BaseModel):
    id: int
    color: Color
    kind: Literal["a", "b"]
    when: dt.datetime
    address: PAddress = pydantic.Field(description="The shipping address")
    addresses: list[PAddress]
    maybe: Optional[PAddress] = None


def test_pydantic_schema_made_strict() -> None:
    address = {
        "type": "object",
        "title": "PAddress",
        "description": "Where to send it.",
        "properties": {
            "city": {"type": "string", "title": "City"},
            "zip": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Zip"},  # no default
        },
        "required": ["city", "zip"],
        "additionalProperties": False,
    }
    schema = to_strict_json_schema(POrder)
    assert schema == {
        "type": "object",
        "title": "POrder",
        "properties": {
            "id": {"type": "integer", "title": "Id"},
            "color": {"$ref": "#/$defs/Color"},
            "kind": {"enum": ["a", "b"], "title": "Kind", "type": "string"},
            "when": {"type": "string", "format": "date-time", "title": "When"},
            # a $ref with a sibling (the description) is inlined: the API refuses siblings
            "address": {**address, "description": "The shipping address"},
            "addresses": {
                "type": "array",
                "items": {"$ref": "#/$defs/PAddress"},
                "title": "Addresses",
            },
            "maybe": {"anyOf": [{"$ref": "#/$defs/PAddress"}, {"type": "null"}]},
        },
        "required": ["id", "color", "kind", "when", "address", "addresses", "maybe"],
        "additionalProperties": False,
        "$defs": {
            "Color": {"enum": ["red", "blue"], "title": "Color", "type": "string"},
            "PAddress": address,
        },
    }


@pydantic.dataclasses.dataclass
class PDOrder:
    id: int
    address: PAddress
    note: str | None = None


def test_pydantic_dataclass_schema() -> None:
    schema = to_strict_json_schema(PDOrder)
    assert schema["required"] == ["id", "address", "note"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["note"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "title": "Note",
    }
    assert schema["$defs"]["PAddress"]["additionalProperties"] is False


# --- recursion --------------------------------------------------------------------------


@attrs.define
class ANode:
    name: str
    children: list[ANode]


@dataclasses.dataclass
class DNode:
    name: str
    children: list[DNode]


class TNode(TypedDict):
    name: str
    children: list[TNode]


class PNode(pydantic.BaseModel):
    name: str
    children: list[PNode]


@pytest.mark.parametrize("cls", [ANode, DNode, TNode, PNode])
def test_recursive_classes_refer_to_defs(cls: type[Any]) -> None:
    schema = to_strict_json_schema(cls)
    name = cls.__name__
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["properties"]["children"]["items"] == {"$ref": f"#/$defs/{name}"}
    node = schema["$defs"][name]
    assert node["required"] == ["name", "children"] and node["additionalProperties"] is False
    assert node["properties"]["children"]["items"] == {"$ref": f"#/$defs/{name}"}


# --- what strict mode refuses, before any request ---------------------------------------


@attrs.define
class ABad:
    ok: str
    blob: bytes


@dataclasses.dataclass
class DPrices:
    prices: dict[str, float]


class PPrices(pydantic.BaseModel):
    name: str
    prices: dict[str, float]


class PConstrained(pydantic.BaseModel):
    code: str = pydantic.Field(pattern=r"^[A-Z]+$", min_length=2, max_length=8)
    qty: int = pydantic.Field(ge=1, le=10, multiple_of=1)
    tags: list[str] = pydantic.Field(min_length=1, max_length=3)


def test_refused_schemas_name_the_field() -> None:
    with pytest.raises(InvalidRequestError, match=r"ABad\.blob"):
        to_strict_json_schema(ABad)
    with pytest.raises(InvalidRequestError, match=r"DPrices\.prices.*not a dict"):
        to_strict_json_schema(DPrices)
    with pytest.raises(InvalidRequestError, match=r"PPrices\.prices"):
        to_strict_json_schema(PPrices)
    with pytest.raises(TypeError, match="pydantic model, a dataclass"):
        to_strict_json_schema(dict)
    for keyword in ("not", "if", "dependentRequired"):
        node = {"type": "object", "properties": {"a": {"type": "string", keyword: {}}}}
        with pytest.raises(InvalidRequestError, match=rf"M\.a: '{keyword}'"):
            make_strict(node, where="M")
    two = {"type": "object", "properties": {"a": {"allOf": [{"type": "string"}, {}]}}}
    with pytest.raises(InvalidRequestError, match=r"M\.a: 'allOf'"):
        make_strict(two, where="M")
    one = {"type": "object", "properties": {"a": {"allOf": [{"type": "string"}]}}}
    assert make_strict(one)["properties"]["a"] == {"type": "string"}  # flattened


def test_supported_constraints_are_kept() -> None:
    # The Structured Outputs guide lists pattern, minimum/maximum, multipleOf and
    # minItems/maxItems as supported; nothing here is refused or dropped.
    props = to_strict_json_schema(PConstrained)["properties"]
    assert props["code"]["pattern"] == "^[A-Z]+$" and props["code"]["maxLength"] == 8
    assert (props["qty"]["minimum"], props["qty"]["maximum"]) == (1, 10)
    assert (props["tags"]["minItems"], props["tags"]["maxItems"]) == (1, 3)


# --- parsing back -----------------------------------------------------------------------

ORDER = (
    '{"id": 7, "total": 2, "paid": true, "color": "red", "kind": "b",'
    ' "when": "2026-01-02T03:04:05+00:00", "day": "2026-02-01",'
    ' "address": {"city": "Oslo", "zip": null},'
    ' "addresses": [{"city": "Rome", "zip": "00100"}], "maybe": null}'
)
WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def test_parse_each_kind() -> None:
    a = parse_json(ORDER, AOrder, what="x")
    assert a == AOrder(
        7,
        2.0,
        True,
        Color.RED,
        "b",
        WHEN,
        dt.date(2026, 2, 1),
        AAddress("Oslo", None),
        [AAddress("Rome", "00100")],
    )
    d = parse_json(ORDER, DOrder, what="x")
    assert isinstance(d, DOrder) and d.addresses == [DAddress("Rome", "00100")]
    assert d.when == WHEN and d.color is Color.RED and isinstance(d.total, float)
    t = parse_json(ORDER, TOrder, what="x")
    assert type(t) is dict and t["address"] == {"city": "Oslo", "zip": None}
    assert t["when"] == WHEN and t["color"] is Color.RED
    p = parse_json(
        '{"id": 1, "color": "blue", "kind": "a", "when": "2026-01-02T03:04:05Z",'
        ' "address": {"city": "c", "zip": null}, "addresses": [], "maybe": null}',
        POrder,
        what="x",
    )
    assert isinstance(p, POrder) and p.address == PAddress(city="c") and p.when == WHEN
    pd = parse_json(
        '{"id": 1, "address": {"city": "c", "zip": "z"}, "note": null}', PDOrder, what="x"
    )
    assert isinstance(pd, PDOrder) and pd.address.zip == "z"


@pytest.mark.parametrize(
    ("cls", "text"),
    [
        (DAddress, '{"city": 1, "zip": null}'),  # no coercion of 1 to "1"
        (TAddress, '{"city": "c", "zip": 5}'),
        (AAddress, '{"city": "c", "zip": null, "extra": 1}'),  # the schema was closed
        (TOrder, ORDER.replace('"kind": "b"', '"kind": "c"')),  # Literal checked
        (DOrder, ORDER.replace('"red"', '"green"')),  # Enum checked
        (PAddress, '{"city": ["x"]}'),
        (PDOrder, '{"id": "not a number"}'),
        (POrder, "not json"),
    ],
)
def test_invalid_output_raises_with_the_raw_text(cls: type[Any], text: str) -> None:
    with pytest.raises(APIResponseValidationError, match=f"not a valid {cls.__name__}") as info:
        parse_json(text, cls, what="the message content")
    assert info.value.raw == text
    assert not isinstance(info.value, pydantic.ValidationError)


# --- function tools ---------------------------------------------------------------------


def test_pydantic_function_tool_has_the_official_shape() -> None:
    tool = pydantic_function_tool(PAddress)
    assert tool == {
        "type": "function",
        "function": {
            "name": "PAddress",
            "strict": True,
            "parameters": to_strict_json_schema(PAddress),
            "description": "Where to send it.",
        },
    }
    named = pydantic_function_tool(DAddress, name="ship", description="Ship it.")
    assert named["function"]["name"] == "ship"
    assert named["function"]["description"] == "Ship it."
    assert "description" not in pydantic_function_tool(PNode)["function"]
    with pytest.raises(InvalidRequestError, match=r"PPrices\.prices"):
        pydantic_function_tool(PPrices)


def test_function_tool_from_function_and_classes() -> None:
    def search(query: str, limit: int | None) -> list[str]:
        """Search the catalogue."""
        return []

    tool = function_tool(search)
    param = tool.to_param()["function"]
    assert param["name"] == "search" and param["strict"] is True
    assert param["description"] == "Search the catalogue."
    assert param["parameters"]["required"] == ["query", "limit"]
    assert tool.parse('{"query": "x", "limit": null}') == tool.arguments(query="x", limit=None)
    assert function_tool(AAddress).parse('{"city": "c", "zip": "1"}') == AAddress("c", "1")
    assert function_tool(PAddress).parse('{"city": "c", "zip": "1"}') == PAddress(city="c", zip="1")
    assert function_tool(TAddress).to_responses_param()["name"] == "TAddress"

    def untyped(x: Any, y) -> None:  # type: ignore[no-untyped-def]
        pass

    with pytest.raises(TypeError, match=r"untyped\.y"):
        function_tool(untyped)
