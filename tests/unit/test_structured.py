"""json_schema() and function_tool(): strict schemas from attrs classes and typed functions."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Literal, Optional

import attrs
import pytest

from openai_async import function_tool, json_schema


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@attrs.define
class Address:
    """Where to send it."""

    city: str
    zip: str | None


@attrs.define
class Order:
    id: int
    total: float
    paid: bool
    color: Color
    kind: Literal["a", "b"]
    when: dt.datetime
    address: Address
    addresses: list[Address]
    prices: dict[str, float]
    maybe: Optional[Address] = None


def test_strict_schema() -> None:
    schema = json_schema(Order)
    assert schema["additionalProperties"] is False
    assert schema["required"] == list(schema["properties"])
    props = schema["properties"]
    assert props["id"] == {"type": "integer"}
    assert props["total"] == {"type": "number"}
    assert props["paid"] == {"type": "boolean"}
    assert props["color"] == {"enum": ["red", "blue"]}
    assert props["kind"] == {"enum": ["a", "b"]}
    assert props["when"] == {"type": "string", "format": "date-time"}
    assert props["address"] == {"$ref": "#/$defs/Address"}
    assert props["addresses"] == {"type": "array", "items": {"$ref": "#/$defs/Address"}}
    assert props["prices"] == {"type": "object", "additionalProperties": {"type": "number"}}
    assert props["maybe"] == {"anyOf": [{"$ref": "#/$defs/Address"}, {"type": "null"}]}
    assert schema["$defs"]["Address"] == {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "zip": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
        "required": ["city", "zip"],
        "additionalProperties": False,
        "description": "Where to send it.",
    }


@attrs.define
class Node:
    name: str
    children: list[Node]


def test_recursive_class() -> None:
    schema = json_schema(Node)
    assert schema["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert schema["$defs"]["Node"]["properties"]["name"] == {"type": "string"}


@attrs.define
class Bad:
    ok: str
    blob: bytes


def test_unsupported_annotation_names_the_field() -> None:
    with pytest.raises(TypeError, match=r"Bad\.blob"):
        json_schema(Bad)
    with pytest.raises(TypeError, match="attrs class"):
        json_schema(dict)


def test_function_tool_from_function_and_class() -> None:
    def search(query: str, limit: int | None) -> list[str]:
        """Search the catalogue."""
        return []

    tool = function_tool(search)
    param = tool.to_param()["function"]
    assert param["name"] == "search" and param["strict"] is True
    assert param["description"] == "Search the catalogue."
    assert param["parameters"]["required"] == ["query", "limit"]
    assert tool.parse('{"query": "x", "limit": null}') == tool.arguments(query="x", limit=None)
    assert function_tool(Address).parse('{"city": "c", "zip": "1"}') == Address("c", "1")

    def untyped(x: Any, y) -> None:  # type: ignore[no-untyped-def]
        pass

    with pytest.raises(TypeError, match=r"untyped\.y"):
        function_tool(untyped)
