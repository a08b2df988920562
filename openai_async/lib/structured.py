"""Structured outputs from attrs classes: strict JSON Schemas, function tools, parsing.

``json_schema(Invoice)`` is the schema sent with ``strict: true``: every property
required, ``additionalProperties: false``, optional fields as a union with ``null``.
The model's JSON is turned back into the class by a cattrs converter of its own (with
``datetime`` / ``date`` from ISO strings).
"""

from __future__ import annotations

import datetime as _dt
import enum
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Generic, Literal, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
import orjson

from .._exceptions import APIResponseValidationError

__all__ = [
    "FunctionTool",
    "function_tool",
    "json_schema",
    "parse_json",
    "response_format_param",
]

T = TypeVar("T")

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    _dt.datetime: {"type": "string", "format": "date-time"},
    _dt.date: {"type": "string", "format": "date"},
}

# User classes are not API models: plain cattrs rules (Literal and Enum values checked),
# not the forward-compatible policy of the SDK's converter.
_parse_converter = cattrs.Converter(detailed_validation=False)
_parse_converter.register_structure_hook(_dt.datetime, lambda v, _: _dt.datetime.fromisoformat(v))
_parse_converter.register_structure_hook(_dt.date, lambda v, _: _dt.date.fromisoformat(v))


def json_schema(cls: type[Any]) -> dict[str, Any]:
    """The strict JSON Schema of an attrs class (nested classes go to ``$defs``)."""
    if not attrs.has(cls):
        raise TypeError(f"json_schema() takes an attrs class, not {cls!r}")
    defs: dict[str, Any] = {}
    root = _object_schema(cls, defs, root=True)
    if defs:
        root["$defs"] = defs
    return root


def _object_schema(cls: type[Any], defs: dict[str, Any], *, root: bool = False) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    props: dict[str, Any] = {}
    for field in attrs.fields(cls):
        props[field.alias or field.name] = _schema(
            hints[field.name], defs, f"{cls.__name__}.{field.name}"
        )
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }
    doc = inspect.getdoc(cls)
    if doc and not doc.startswith(cls.__name__ + "("):  # attrs' generated signature doc
        schema["description"] = doc
    return schema


def _schema(t: Any, defs: dict[str, Any], where: str) -> dict[str, Any]:
    if t in _SCALARS:
        return dict(_SCALARS[t])
    origin, args = get_origin(t), get_args(t)
    if origin in (Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        variants = [_schema(a, defs, where) for a in members]
        if len(members) < len(args):
            variants.append({"type": "null"})
        return variants[0] if len(variants) == 1 else {"anyOf": variants}
    if origin is Literal:
        return {"enum": list(args)}
    if origin is list and len(args) == 1:
        return {"type": "array", "items": _schema(args[0], defs, where)}
    if origin is dict and len(args) == 2 and args[0] is str:
        return {"type": "object", "additionalProperties": _schema(args[1], defs, where)}
    if isinstance(t, type) and issubclass(t, enum.Enum):
        return {"enum": [m.value for m in t]}
    if isinstance(t, type) and attrs.has(t):
        if t.__name__ not in defs:
            defs[t.__name__] = {}  # placeholder: recursive classes refer to it
            defs[t.__name__] = _object_schema(t, defs)
        return {"$ref": f"#/$defs/{t.__name__}"}
    raise TypeError(
        f"{where}: the annotation {t!r} has no strict JSON Schema (use str, int, float, bool, "
        "datetime, list[T], dict[str, T], Optional, Literal, an Enum or an attrs class)"
    )


def response_format_param(cls: type[Any]) -> dict[str, Any]:
    """The ``response_format`` of a chat completion that asks for ``cls``, strictly."""
    return {
        "type": "json_schema",
        "json_schema": {"name": cls.__name__, "schema": json_schema(cls), "strict": True},
    }


def parse_json(text: str, cls: type[T], *, what: str) -> T:
    """``text`` (JSON from the model) as an instance of ``cls``; a clear error when it is not."""
    try:
        return _parse_converter.structure(orjson.loads(text), cls)
    except Exception as exc:
        raise APIResponseValidationError(
            f"{what} is not a valid {cls.__name__}: {exc!r}", raw=text
        ) from None


@attrs.frozen
class FunctionTool(Generic[T]):
    """A strict function tool made from a typed function or an attrs class; ``arguments``
    is the attrs class its calls' arguments are parsed into."""

    name: str
    arguments: type[T]
    description: str | None = None
    function: Callable[..., Any] | None = None

    def to_param(self) -> dict[str, Any]:
        """The tool definition to send in ``tools``."""
        fn: dict[str, Any] = {
            "name": self.name,
            "parameters": json_schema(self.arguments),
            "strict": True,
        }
        if self.description:
            fn["description"] = self.description
        return {"type": "function", "function": fn}

    def parse(self, arguments: str) -> T:
        return parse_json(arguments, self.arguments, what=f"the arguments of {self.name}")


def function_tool(
    fn: Callable[..., Any] | type[Any], *, name: str | None = None, description: str | None = None
) -> FunctionTool[Any]:
    """A strict function tool for a typed function (its parameters become an attrs class)
    or an attrs class (its fields are the parameters)."""
    if isinstance(fn, type) and attrs.has(fn):
        json_schema(fn)  # unsupported annotations fail here, not at the first call
        return FunctionTool(name or fn.__name__, fn, description or _doc(fn))
    if not callable(fn):
        raise TypeError(f"function_tool() takes a function or an attrs class, not {fn!r}")
    hints = typing.get_type_hints(fn)
    these: dict[str, Any] = {}
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(f"{fn.__name__}: *args / **kwargs cannot be tool parameters")
        if param.name not in hints:
            raise TypeError(f"{fn.__name__}.{param.name}: a tool parameter needs an annotation")
        these[param.name] = attrs.field(type=hints[param.name])
    tool_name = name or fn.__name__
    args_cls = attrs.make_class(f"{tool_name}_arguments", these, frozen=True)
    json_schema(args_cls)
    return FunctionTool(tool_name, args_cls, description or _doc(fn), fn)


def _doc(obj: Any) -> str | None:
    doc = inspect.getdoc(obj)
    if not doc or (isinstance(obj, type) and doc.startswith(obj.__name__ + "(")):
        return None
    return doc


def tools_by_name(tools: Any) -> Mapping[str, FunctionTool[Any]]:
    """The :class:`FunctionTool` entries of a ``tools`` list, by name."""
    if not isinstance(tools, (list, tuple)):
        return {}
    return {t.name: t for t in tools if isinstance(t, FunctionTool)}
