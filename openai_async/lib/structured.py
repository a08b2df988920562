"""Structured outputs: strict JSON Schemas, function tools and parsing, for every kind of class.

A ``response_format`` / ``text_format`` / tool class may be an attrs class, a stdlib
dataclass, a ``TypedDict``, a pydantic ``BaseModel`` or a pydantic dataclass (pydantic
is imported only when such a class is given). :func:`to_strict_json_schema` is the
schema sent with ``strict: true``: pydantic's own schema, or our walker's for the other
kinds, made strict by one function (:func:`make_strict`): objects closed, every property
required, ``default: null`` dropped, single-entry ``allOf`` flattened; keywords the API
refuses in strict mode raise :class:`InvalidRequestError` naming the field, before any
request. The model's JSON comes back through pydantic's validation for pydantic classes,
through a strict cattrs converter of its own for the others.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import inspect
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Generic, Literal, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
import orjson

from .._exceptions import APIResponseValidationError, InvalidRequestError

if typing.TYPE_CHECKING:
    from .._models import BaseModel

__all__ = [
    "FunctionTool",
    "function_tool",
    "json_schema",
    "make_strict",
    "parse_json",
    "pydantic_function_tool",
    "response_format_param",
    "to_strict_json_schema",
]

T = TypeVar("T")
_M = TypeVar("_M", bound="BaseModel")

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    _dt.datetime: {"type": "string", "format": "date-time"},
    _dt.date: {"type": "string", "format": "date"},
}
# Keywords the API refuses in strict mode for every model (Structured Outputs guide,
# "Some type-specific keywords are not yet supported"). String, number and array limits
# (pattern, format, minimum, maximum, multipleOf, minItems, maxItems) are supported.
_REFUSED = ("not", "dependentRequired", "dependentSchemas", "if", "then", "else")


# --- which kind of class ---------------------------------------------------------------


def _pydantic_kind(cls: Any) -> str | None:
    """``"model"`` / ``"dataclass"`` for pydantic classes, else None (pydantic is never
    imported here: a pydantic class cannot exist unless pydantic is loaded already)."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not isinstance(cls, type):
        return None
    if issubclass(cls, pydantic.BaseModel):
        return "model"
    if dataclasses.is_dataclass(cls) and hasattr(cls, "__pydantic_fields__"):
        return "dataclass"
    return None


def _is_typeddict(cls: Any) -> bool:
    if typing.is_typeddict(cls):
        return True
    te = sys.modules.get("typing_extensions")
    return te is not None and bool(te.is_typeddict(cls))


def _is_record(cls: Any) -> bool:
    """An attrs class, a stdlib dataclass or a TypedDict: a class our walker knows."""
    return isinstance(cls, type) and (
        attrs.has(cls) or dataclasses.is_dataclass(cls) or _is_typeddict(cls)
    )


def _check_class(cls: Any, what: str) -> None:
    if _pydantic_kind(cls) is None and not _is_record(cls):
        raise TypeError(
            f"{what} takes a pydantic model, a dataclass, a TypedDict or an attrs class, "
            f"not {cls!r}"
        )


# --- schemas ---------------------------------------------------------------------------


def to_strict_json_schema(cls: type[Any]) -> dict[str, Any]:
    """The strict JSON Schema of a class (nested and recursive classes go to ``$defs``).

    Raises :class:`InvalidRequestError` naming the field when the class needs a schema
    the API refuses in strict mode (a ``dict[str, T]`` field, ``allOf`` of several ...).
    """
    _check_class(cls, "to_strict_json_schema()")
    kind = _pydantic_kind(cls)
    if kind == "model":
        schema: dict[str, Any] = cls.model_json_schema()
    elif kind == "dataclass":
        schema = _type_adapter(cls).json_schema()
    else:
        defs: dict[str, Any] = {}
        schema = _object_schema(cls, defs)
        if defs:
            schema["$defs"] = defs
    schema = make_strict(schema, where=cls.__name__)
    if schema.get("type") != "object":
        raise InvalidRequestError(f"{cls.__name__}: the root of a strict schema must be an object")
    return schema


#: The name this SDK used first; the same function.
json_schema = to_strict_json_schema


def make_strict(schema: dict[str, Any], *, where: str = "schema") -> dict[str, Any]:
    """``schema`` (changed in place) made acceptable to ``strict: true``.

    ``where`` names the class in errors; fields are named ``Class.field``.
    """
    return _strict(schema, where, schema)


def _strict(node: Any, where: str, root: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise InvalidRequestError(f"{where}: expected a JSON Schema object, got {node!r}")
    for key in ("$defs", "definitions"):
        for name, sub in (node.get(key) or {}).items():
            _strict(sub, name, root)
    for keyword in _REFUSED:
        if keyword in node:
            raise InvalidRequestError(
                f"{where}: {keyword!r} is not supported by strict Structured Outputs"
            )
    if node.get("type") == "object" or "properties" in node:
        extra = node.setdefault("additionalProperties", False)
        if extra is not False:
            raise InvalidRequestError(
                f"{where}: strict Structured Outputs need objects with fixed keys "
                "(additionalProperties: false); use a class with named fields, not a dict"
            )
        props = node.get("properties") or {}
        node["properties"] = {k: _strict(v, f"{where}.{k}", root) for k, v in props.items()}
        node["required"] = list(props)
    if isinstance(node.get("items"), dict):
        node["items"] = _strict(node["items"], where, root)
    if isinstance(node.get("anyOf"), list):
        node["anyOf"] = [_strict(v, where, root) for v in node["anyOf"]]
    all_of = node.pop("allOf", None)
    if all_of is not None:
        if len(all_of) != 1:
            raise InvalidRequestError(
                f"{where}: 'allOf' of several schemas is not supported by strict Structured Outputs"
            )
        node.update(_strict(all_of[0], where, root))
    if "default" in node and node["default"] is None:
        del node["default"]
    ref = node.get("$ref")
    if ref is not None and len(node) > 1:
        # A $ref may not have siblings (pydantic puts a description next to it): inline it.
        del node["$ref"]
        for key, value in _resolve(root, ref, where).items():
            node.setdefault(key, value)
        return _strict(node, where, root)
    return node


def _resolve(root: dict[str, Any], ref: str, where: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise InvalidRequestError(f"{where}: only local $refs are supported, not {ref!r}")
    target: Any = root
    for part in ref[2:].split("/"):
        target = target[part]
    return dict(target)


def _object_schema(cls: type[Any], defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    if attrs.has(cls):
        names = {(f.alias or f.name): f.name for f in attrs.fields(cls)}
    elif dataclasses.is_dataclass(cls):
        names = {f.name: f.name for f in dataclasses.fields(cls)}
    else:  # TypedDict: every key required (strict mode), NotRequired ones too
        names = {k: k for k in hints}
    props = {
        key: _schema(hints[name], defs, f"{cls.__name__}.{name}") for key, name in names.items()
    }
    schema: dict[str, Any] = {"type": "object", "properties": props}
    doc = _doc(cls)
    if doc:
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
        # Sent as such, refused by make_strict with the field's name.
        return {"type": "object", "additionalProperties": _schema(args[1], defs, where)}
    if isinstance(t, type) and issubclass(t, enum.Enum):
        return {"enum": [m.value for m in t]}
    if _is_record(t):
        if t.__name__ not in defs:
            defs[t.__name__] = {}  # placeholder: recursive classes refer to it
            defs[t.__name__] = _object_schema(t, defs)
        return {"$ref": f"#/$defs/{t.__name__}"}
    raise InvalidRequestError(
        f"{where}: the annotation {t!r} has no strict JSON Schema (use str, int, float, bool, "
        "datetime, date, list[T], Optional, Literal, an Enum, a dataclass, a TypedDict or an "
        "attrs class)"
    )


def response_format_param(cls: type[Any]) -> dict[str, Any]:
    """The ``response_format`` of a chat completion that asks for ``cls``, strictly."""
    return {
        "type": "json_schema",
        "json_schema": {"name": cls.__name__, "schema": to_strict_json_schema(cls), "strict": True},
    }


# --- parsing ---------------------------------------------------------------------------


def _exact(kind: type[Any]) -> Callable[[Any, Any], Any]:
    def check(value: Any, _: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {value!r}")
        return value

    return check


def _number(value: Any, _: Any) -> float:
    if type(value) not in (int, float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


# User classes are not API models: the schema was strict, so is the check (no coercion,
# no unknown keys; Literal and Enum values checked), unlike the SDK's forward-compatible
# converter.
_parse_converter = cattrs.Converter(detailed_validation=False, forbid_extra_keys=True)
for _kind in (str, int, bool):
    _parse_converter.register_structure_hook(_kind, _exact(_kind))
_parse_converter.register_structure_hook(float, _number)
_parse_converter.register_structure_hook(_dt.datetime, lambda v, _: _dt.datetime.fromisoformat(v))
_parse_converter.register_structure_hook(_dt.date, lambda v, _: _dt.date.fromisoformat(v))


_adapters: dict[type[Any], Any] = {}


def _type_adapter(cls: type[Any]) -> Any:
    """pydantic's TypeAdapter of a pydantic dataclass, made once (it compiles a validator)."""
    adapter = _adapters.get(cls)
    if adapter is None:
        import pydantic

        adapter = _adapters[cls] = pydantic.TypeAdapter(cls)
    return adapter


def parse_json(text: str, cls: type[T], *, what: str) -> T:
    """``text`` (JSON from the model) as an instance of ``cls`` (a TypedDict gives a checked
    dict); :class:`APIResponseValidationError` holding the text when it is not one."""
    kind = _pydantic_kind(cls)
    if kind is not None:
        import pydantic

        try:
            if kind == "model":
                return cls.model_validate_json(text)  # type: ignore[attr-defined,no-any-return]
            return _type_adapter(cls).validate_json(text)  # type: ignore[no-any-return]
        except pydantic.ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in exc.errors()
            )
            raise APIResponseValidationError(
                f"{what} is not a valid {cls.__name__}: {problems}", raw=text
            ) from None
    try:
        return _parse_converter.structure(orjson.loads(text), cls)
    except Exception as exc:
        raise APIResponseValidationError(
            f"{what} is not a valid {cls.__name__}: {exc!r}", raw=text
        ) from None


# --- function tools --------------------------------------------------------------------


@attrs.frozen
class FunctionTool(Generic[T]):
    """A strict function tool made from a typed function or a class; ``arguments`` is the
    class its calls' arguments are parsed into."""

    name: str
    arguments: type[T]
    description: str | None = None
    function: Callable[..., Any] | None = None

    def definition(self) -> dict[str, Any]:
        """The function definition: name, strict parameters, description."""
        fn: dict[str, Any] = {
            "name": self.name,
            "parameters": to_strict_json_schema(self.arguments),
            "strict": True,
        }
        if self.description:
            fn["description"] = self.description
        return fn

    def to_param(self) -> dict[str, Any]:
        """The tool definition to send in the ``tools`` of a chat completion."""
        return {"type": "function", "function": self.definition()}

    def to_responses_param(self) -> dict[str, Any]:
        """The tool definition to send in the ``tools`` of a response (flat)."""
        return {"type": "function", **self.definition()}

    def parse(self, arguments: str) -> T:
        return parse_json(arguments, self.arguments, what=f"the arguments of {self.name}")


def function_tool(
    fn: Callable[..., Any] | type[Any], *, name: str | None = None, description: str | None = None
) -> FunctionTool[Any]:
    """A strict function tool for a typed function (its parameters become an attrs class)
    or a class (its fields are the parameters)."""
    if isinstance(fn, type) and (_is_record(fn) or _pydantic_kind(fn)):
        to_strict_json_schema(fn)  # unsupported annotations fail here, not at the first call
        return FunctionTool(name or fn.__name__, fn, description or _doc(fn))
    if not callable(fn):
        raise TypeError(f"function_tool() takes a function or a class, not {fn!r}")
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
    to_strict_json_schema(args_cls)
    return FunctionTool(tool_name, args_cls, description or _doc(fn), fn)


class _ToolFunction(dict[str, Any]):
    """The ``function`` of a :func:`pydantic_function_tool` definition: a plain dict as
    sent, carrying the class its arguments parse into (``model``)."""

    model: type[Any]


def pydantic_function_tool(
    model: type[Any], *, name: str | None = None, description: str | None = None
) -> dict[str, Any]:
    """A strict chat function tool definition for a class (pydantic model, dataclass,
    TypedDict or attrs class), as the official SDK's helper returns it:
    ``{"type": "function", "function": {"name", "strict", "parameters", "description"?}}``.
    ``parse`` and the chat stream helper give its calls ``parsed_arguments`` of that class.
    """
    _check_class(model, "pydantic_function_tool()")
    fn = _ToolFunction(name=name or model.__name__, strict=True)
    fn["parameters"] = to_strict_json_schema(model)
    description = description if description is not None else _doc(model)
    if description:
        fn["description"] = description
    fn.model = model
    return {"type": "function", "function": fn}


def _doc(obj: Any) -> str | None:
    doc = inspect.getdoc(obj)
    if not doc or (isinstance(obj, type) and doc.startswith(obj.__name__ + "(")):
        return None  # a dataclass' or attrs' generated signature, not a description
    if isinstance(obj, type) and obj.__doc__ is None:
        return None  # inherited (pydantic's BaseModel docstring, dict's for a TypedDict)
    return doc


def tools_by_name(tools: Any) -> Mapping[str, FunctionTool[Any]]:
    """The tools of a ``tools`` list whose arguments parse into a class, by name:
    :class:`FunctionTool` entries and :func:`pydantic_function_tool` definitions."""
    if not isinstance(tools, (list, tuple)):
        return {}
    found: dict[str, FunctionTool[Any]] = {}
    for tool in tools:
        if isinstance(tool, FunctionTool):
            found[tool.name] = tool
        elif isinstance(tool, Mapping) and isinstance(tool.get("function"), _ToolFunction):
            fn = tool["function"]
            found[fn["name"]] = FunctionTool(fn["name"], fn.model, fn.get("description"))
    return found


def upgrade(obj: BaseModel, cls: type[_M], **changes: Any) -> _M:
    """``obj`` as an instance of its subclass ``cls``, with ``changes``; unknown fields and
    the response info are kept."""
    values = {f.alias: getattr(obj, f.name) for f in attrs.fields(typing.cast(Any, type(obj)))}
    values.update(changes)
    new = cls(**values)
    if obj.model_extra:
        new._extra = dict(obj.model_extra)
    if obj.response_info is not None:
        new._response_info = obj.response_info
    return new


def parse_arguments(name: str, arguments: str, tools: Mapping[str, FunctionTool[Any]]) -> Any:
    """A tool call's ``arguments``: an instance of the tool's class when ``tools`` (see
    :func:`tools_by_name`) has it, else the decoded JSON (None when it is not JSON)."""
    tool = tools.get(name)
    if tool is not None:
        return tool.parse(arguments)
    try:
        return orjson.loads(arguments) if arguments else {}
    except orjson.JSONDecodeError:
        return None
