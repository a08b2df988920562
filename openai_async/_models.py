"""Base classes of every response model: forward-compatible attrs classes.

A model keeps the JSON fields this SDK version does not know (``model_extra``, also
readable as attributes at run time), the HTTP response it came from (``response_info``,
top-level results only) and which fields the JSON gave (``model_fields_set``). It has
the official SDK's (pydantic's) methods: ``model_dump()``, ``model_dump_json()``,
``to_dict()``, ``to_json()``, ``construct()``, ``model_copy()``, ``model_fields``,
``model_validate()``, ``model_validate_json()``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias, TypeVar, cast

import attrs

if TYPE_CHECKING:
    from . import _converter
    from ._response import ResponseInfo
else:

    class _Later:
        """The converter module, imported on first use: it imports this module, and
        ``import openai_async`` does not load cattrs."""

        def __getattr__(self, name: str) -> Any:
            global _converter
            _converter = importlib.import_module("._converter", __package__)
            return getattr(_converter, name)

    _converter = _Later()

__all__ = ["BaseModel", "FieldInfo", "IncEx", "UnknownVariant"]

_M = TypeVar("_M", bound="BaseModel")
_EMPTY: Mapping[str, Any] = {}

IncEx: TypeAlias = "set[int] | set[str] | Mapping[int, Any] | Mapping[str, Any]"
"""Fields for ``include`` / ``exclude``: names, or names mapped to ``True`` or a nested
``IncEx`` (list items by index or ``"__all__"``), as pydantic takes them."""

_Warnings: TypeAlias = "bool | Literal['none', 'warn', 'error']"


@attrs.frozen
class FieldInfo:
    """What ``Model.model_fields`` maps a field name to (a subset of pydantic's)."""

    annotation: Any
    default: Any  # None for a required field
    alias: str | None  # the JSON key, when it is not the attribute name
    required: bool

    def is_required(self) -> bool:
        return self.required


class _ModelFields:
    """``Model.model_fields``: a class-level mapping, also readable from an instance."""

    def __get__(self, obj: object, cls: type[BaseModel]) -> Mapping[str, FieldInfo]:
        return _converter.ModelPlan.of(cls).infos


class BaseModel:
    """Base of the attrs response models (``@attrs.define(slots=True, kw_only=True)``)."""

    __slots__ = ("_extra", "_response_info", "_unset")
    if TYPE_CHECKING:  # kept out of get_type_hints(), which attrs and cattrs call
        _extra: dict[str, Any]
        _response_info: ResponseInfo | None
        # JSON keys of the fields never given, and HAS_EXTRA if _extra is set (or the
        # converter's bitmask of them, see unset_keys); the slot
        # is left empty (read: no keys, no extras) when the JSON had every field.
        _unset: frozenset[Any] | int
        model_fields: ClassVar[Mapping[str, FieldInfo]]
    else:
        model_fields = _ModelFields()

    if not TYPE_CHECKING:
        # At run time unknown fields read like attributes; type checkers do not see
        # this, so typos in known names are still caught.
        def __getattr__(self, name: str) -> Any:
            if not name.startswith("_"):
                try:
                    return object.__getattribute__(self, "_extra")[name]
                except (AttributeError, KeyError):
                    pass
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __attrs_post_init__(self) -> None:
        # Built by hand: an optional field counts as given once it holds something other
        # than its default. (The converter bypasses __init__ and records the JSON keys.)
        self._unset = _converter.ModelPlan.of(type(self)).optional_keys

    # The slots are read through their descriptors: an unset slot then costs one
    # AttributeError, not a trip through __getattr__ (which formats a message of its own).
    @property
    def model_extra(self) -> Mapping[str, Any]:
        """Fields of the JSON that this class does not declare, as received."""
        try:
            return _get_extra(self)  # type: ignore[no-any-return]
        except AttributeError:
            return _EMPTY

    @property
    def model_fields_set(self) -> set[str]:
        """Names of the fields the JSON had (``null`` included), or given or assigned
        since, and of the unknown fields kept."""
        return _converter.ModelPlan.of(type(self)).fields_set(self) | self.model_extra.keys()

    @property
    def response_info(self) -> ResponseInfo | None:
        """Status, headers, request id and rate limits of the response (top-level results)."""
        try:
            return _get_response_info(self)  # type: ignore[no-any-return]
        except AttributeError:
            return None

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` of the response this result came from."""
        info = self.response_info
        return info.request_id if info is not None else None

    @property
    def _request_id(self) -> str | None:
        """The official SDK's name for :attr:`request_id` (public despite the ``_``)."""
        return self.request_id

    def model_dump(
        self,
        *,
        mode: Literal["json", "python"] | str = "python",
        include: IncEx | None = None,
        exclude: IncEx | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        exclude_computed_fields: bool = False,
        round_trip: bool = False,
        warnings: _Warnings = True,
        fallback: Any | None = None,
        serialize_as_any: bool = False,
        polymorphic_serialization: bool | None = None,
    ) -> dict[str, Any]:
        """This object as a dict, unknown fields included (pydantic's signature).

        Keys are attribute names unless ``by_alias`` (then the API's JSON keys, which
        differ only for keys that are not Python names). ``context``,
        ``exclude_computed_fields``, ``round_trip`` and ``serialize_as_any`` change
        nothing here: these models have no custom serializers, computed fields or
        ``Json`` fields, and always dump by the value's own class.
        """
        _check_dump_options(mode, warnings, fallback)
        data = _converter.dump(
            self,
            by_alias=bool(by_alias),
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            include=include,
            exclude=exclude,
        )
        return _json_safe(data) if mode == "json" else data

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        ensure_ascii: bool = False,
        include: IncEx | None = None,
        exclude: IncEx | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        exclude_computed_fields: bool = False,
        round_trip: bool = False,
        warnings: _Warnings = True,
        fallback: Any | None = None,
        serialize_as_any: bool = False,
        polymorphic_serialization: bool | None = None,
    ) -> str:
        """This object as JSON text (pydantic's signature; see :meth:`model_dump`)."""
        data = self.model_dump(
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            warnings=warnings,
            fallback=fallback,
        )
        return _encode(data, indent, ensure_ascii)

    def to_dict(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> dict[str, Any]:
        """The fields as the API sent them: its keys, only the fields it gave (nulls
        included) or that were assigned since, unknown fields included."""
        return self.model_dump(
            mode=mode,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            warnings=warnings,
        )

    def to_json(
        self,
        *,
        indent: int | None = 2,
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> str:
        """:meth:`to_dict` as JSON text, indented by 2 unless ``indent`` says otherwise."""
        return self.model_dump_json(
            indent=indent,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            warnings=warnings,
        )

    @classmethod
    def model_construct(cls: type[_M], _fields_set: set[str] | None = None, **values: Any) -> _M:
        """Build without validation from JSON keys or attribute names: dicts and lists
        that fit a field's type become models as in a response, other values are kept as
        given, unknown keys go to ``model_extra``. The fields given, plus ``_fields_set``,
        are the set ones."""
        return _converter.construct(cls, values, _fields_set)

    construct = model_construct

    def model_copy(self: _M, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> _M:
        """A copy (``deep``: of the values too), with ``update`` assigned without
        validation (attribute names or JSON keys; unknown ones go to ``model_extra``)."""
        return _converter.copy_model(self, update, deep)

    # The generated models pass ``repr=False, eq=False`` to attrs: these two shared
    # methods save attrs compiling two functions per class (a third of import time).
    def __repr__(self) -> str:
        fields = attrs.fields(cast(Any, type(self)))
        args = ", ".join(f"{a.name}={getattr(self, a.name)!r}" for a in fields)
        return f"{type(self).__qualname__}({args})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        fields = attrs.fields(cast(Any, type(self)))
        return all(getattr(self, a.name) == getattr(other, a.name) for a in fields)

    __hash__ = None  # type: ignore[assignment]  # mutable, like attrs classes with eq

    def __reduce__(self) -> tuple[Any, ...]:
        # attrs' slotted __getstate__ knows only declared fields; keep the unknown ones
        # and which fields were set too.
        state = cast(Any, self).__getstate__()  # attrs defines it (object has it from 3.11)
        return (_restore, (type(self), state, dict(self.model_extra), unset_keys(self)))

    @classmethod
    def from_dict(cls: type[_M], data: Mapping[str, Any]) -> _M:
        """Build an instance from decoded JSON with the SDK's converter."""
        return _converter.converter.structure(data, cls)

    @classmethod
    def model_validate(cls: type[_M], obj: Mapping[str, Any]) -> _M:
        """:meth:`from_dict` under pydantic's name (checks shapes, not values)."""
        return _converter.converter.structure(obj, cls)

    @classmethod
    def model_validate_json(cls: type[_M], json_data: str | bytes) -> _M:
        """Build an instance from JSON text, as a response body would be."""
        return _converter.converter.structure(_converter.loads(json_data), cls)


_NO_KEYS: frozenset[Any] = frozenset()
HAS_EXTRA = ...  # in _unset: the _extra slot is set (a dump then reads it without a try)


def unset_keys(obj: BaseModel) -> frozenset[Any]:
    """The JSON keys of ``obj``'s fields that were never given (and maybe HAS_EXTRA)."""
    try:
        unset = _get_unset(obj)
    except AttributeError:
        return _NO_KEYS
    if type(unset) is int:  # the converter's bitmask: turned into keys once
        unset = obj._unset = _converter.unset_from_bits(type(obj), unset)
    return unset  # type: ignore[no-any-return]


def set_meta(obj: BaseModel, unset: Iterable[Any], extra: dict[str, Any]) -> None:
    """Store the keys never given and the unknown fields as the converter does."""
    keys: frozenset[Any] = frozenset(k for k in unset if k is not HAS_EXTRA)
    if extra:
        obj._extra = extra
        keys |= {HAS_EXTRA}
    if keys:
        obj._unset = keys


_MODES = ("python", "json")
_WARNINGS = (True, False, "none", "warn", "error")


def _check_dump_options(mode: str, warnings: object, fallback: object) -> None:
    if mode not in _MODES:
        raise ValueError(f"mode must be 'python' or 'json', not {mode!r}")
    if warnings not in _WARNINGS or not isinstance(warnings, (bool, str)):
        raise ValueError(f"warnings must be a bool, 'none', 'warn' or 'error', not {warnings!r}")
    if fallback is not None:
        raise TypeError(
            "model_dump(fallback=...) is not supported: response models hold JSON values only"
        )


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = _converter.loads(_converter.dumps(data))
    return result


def _encode(data: Any, indent: int | None, ensure_ascii: bool) -> str:
    if not ensure_ascii and indent in (None, 2):
        return _converter.dumps(data, indent=indent == 2).decode()
    # orjson has no other indent and no ASCII escaping: the standard library has both
    separators = (",", ":") if indent is None else None
    return json.dumps(
        _json_safe(data), indent=indent, ensure_ascii=ensure_ascii, separators=separators
    )


def _restore(
    cls: type[_M], state: Any, extra: dict[str, Any], unset: frozenset[Any] = frozenset()
) -> _M:
    obj = cls.__new__(cls)
    obj.__setstate__(state)  # type: ignore[attr-defined]
    set_meta(obj, unset, extra)
    if unset:
        # A field left out holds its default itself (the dumps and model_fields_set test
        # identity); pickling copied it, so put the default object back.
        by_key = _converter.ModelPlan.of(cls).by_key
        for key in unset:
            field = by_key.get(key)
            if field is not None and field.has_default:
                value = getattr(obj, field.name)
                if value is not field.default and value == field.default:
                    setattr(obj, field.name, field.default)
    return obj


_get_extra = BaseModel.__dict__["_extra"].__get__
_get_response_info = BaseModel.__dict__["_response_info"].__get__
_get_unset = BaseModel.__dict__["_unset"].__get__


@attrs.define(slots=True)
class UnknownVariant:
    """A union member this SDK version does not know: the JSON exactly as received.

    Newer API versions add variants (content part kinds, tool kinds, event types); they
    arrive as this instead of breaking the response or being mistaken for a known type.
    """

    raw: Any

    @property
    def type(self) -> str | None:
        """The discriminator value (``raw["type"]``) when there is one."""
        if isinstance(self.raw, Mapping):
            value = self.raw.get("type")
            return value if isinstance(value, str) else None
        return None

    # The dump methods of BaseModel, for code that dumps every member of a union alike:
    # a copy of the JSON as received (``exclude_none`` drops nulls from its objects).
    def model_dump(
        self,
        *,
        mode: Literal["json", "python"] | str = "python",
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: _Warnings = True,
    ) -> Any:
        """The JSON as received, copied."""
        _check_dump_options(mode, warnings, None)
        return _converter.dumpers[_converter.EXCLUDE_NONE if exclude_none else 0].value(self.raw)

    def model_dump_json(
        self, *, indent: int | None = None, ensure_ascii: bool = False, exclude_none: bool = False
    ) -> str:
        return _encode(self.model_dump(exclude_none=exclude_none), indent, ensure_ascii)

    def to_dict(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> Any:
        return self.model_dump(mode=mode, exclude_none=exclude_none, warnings=warnings)

    def to_json(self, *, indent: int | None = 2, exclude_none: bool = False) -> str:
        return self.model_dump_json(indent=indent, exclude_none=exclude_none)
