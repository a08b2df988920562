"""Small shared types: the "not given" sentinel and aliases used across layers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias, TypeVar, Union

__all__ = [
    "NOT_GIVEN",
    "Body",
    "Headers",
    "NotGiven",
    "Omit",
    "Query",
]

_T = TypeVar("_T")


class NotGiven:
    """The type of :data:`NOT_GIVEN`: a parameter the caller left out.

    ``None`` is a value (it sends JSON ``null``, or disables a timeout); ``NOT_GIVEN``
    means "leave it out / use the client's default".
    """

    __slots__ = ()
    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

#: Used in ``extra_headers`` to remove a header the client would otherwise send.
Omit: TypeAlias = NotGiven

Headers: TypeAlias = Mapping[str, Union[str, NotGiven]]
Query: TypeAlias = Mapping[str, object]
Body: TypeAlias = Mapping[str, object]


def is_given(value: _T | NotGiven) -> bool:
    return value is not NOT_GIVEN


def strip_not_given(params: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``params`` without the entries that were left out."""
    return {k: v for k, v in params.items() if v is not NOT_GIVEN}
