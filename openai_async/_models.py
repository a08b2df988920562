"""Base classes of every response model: forward-compatible attrs classes.

A model keeps the JSON fields this SDK version does not know (``model_extra``, also
readable as attributes at run time), the HTTP response it came from (``response_info``,
top-level results only) and converts back to JSON-ready dicts with ``to_dict()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

if TYPE_CHECKING:
    from ._response import ResponseInfo

__all__ = ["BaseModel", "UnknownVariant"]

_M = TypeVar("_M", bound="BaseModel")
_EMPTY: Mapping[str, Any] = {}


class BaseModel:
    """Base of the attrs response models (``@attrs.define(slots=True, kw_only=True)``)."""

    __slots__ = ("_extra", "_response_info")
    if TYPE_CHECKING:  # kept out of get_type_hints(), which attrs and cattrs call
        _extra: dict[str, Any]
        _response_info: ResponseInfo | None

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

    def to_dict(self, *, exclude_none: bool = False) -> dict[str, Any]:
        """JSON-ready dict of this object, unknown fields included."""
        from ._converter import converter

        data: dict[str, Any] = converter.unstructure(self)
        return _drop_none(data) if exclude_none else data

    def to_json(self, *, exclude_none: bool = False, indent: bool = False) -> str:
        """This object as JSON text."""
        from ._converter import dumps

        return dumps(self.to_dict(exclude_none=exclude_none), indent=indent).decode()

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
        # attrs' slotted __getstate__ knows only declared fields; keep the unknown ones too.
        state = self.__getstate__()  # type: ignore[attr-defined]
        return (_restore, (type(self), state, dict(self.model_extra)))

    @classmethod
    def from_dict(cls: type[_M], data: Mapping[str, Any]) -> _M:
        """Build an instance from decoded JSON with the SDK's converter."""
        from ._converter import converter

        return converter.structure(data, cls)


def _restore(cls: type[_M], state: Any, extra: dict[str, Any]) -> _M:
    obj = cls.__new__(cls)
    obj.__setstate__(state)  # type: ignore[attr-defined]
    if extra:
        obj._extra = extra
    return obj


_get_extra = BaseModel.__dict__["_extra"].__get__
_get_response_info = BaseModel.__dict__["_response_info"].__get__


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

    def to_dict(self, *, exclude_none: bool = False) -> Any:
        return _drop_none(self.raw) if exclude_none else self.raw


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value
