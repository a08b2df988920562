"""The one cattrs converter, configured once, and JSON encoding.

Forward-compatibility policy (the opposite of cattrs' defaults, on purpose):

* unknown fields are kept on the model (``model_extra``) and written back by ``to_dict()``;
* ``Literal`` values are not checked: an enum value added by the API arrives as a string;
* a union of models is resolved by its discriminator fields (``type`` first, then
  another ``Literal`` field such as ``role`` where ``type`` values repeat), else by
  which member's required keys are all present; an unknown discriminator value arrives
  as :class:`UnknownVariant` when the union allows it, and is never silently structured
  as the first member;
* a field whose JSON key is not a Python name keeps the key in its metadata
  (``attrs.field(metadata={"json": "self-harm/intent"})``), read and written back;
* scalars pass through as JSON gave them (no per-field ``int()``/``float()`` calls).

Hooks are made by factories, once per type on first use, never at import.
"""

from __future__ import annotations

import linecache
import logging
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, TypeVar, Union, cast, get_args, get_origin

import attrs
import cattrs
import orjson
from cattrs.gen import make_dict_unstructure_fn, override

from ._models import BaseModel, UnknownVariant
from ._types import NotGiven

__all__ = ["converter", "dumps", "loads", "structure"]

log = logging.getLogger("openai_async")
_T = TypeVar("_T")
_NoneType = type(None)
_SCALARS = (str, int, float, bool)

loads = orjson.loads

converter = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)


def _passthrough(value: Any, _: Any) -> Any:
    return value


for _scalar in _SCALARS:
    converter.register_structure_hook(_scalar, _passthrough)


def _is_literal(t: Any) -> bool:
    return get_origin(t) is Literal


converter.register_structure_hook_func(_is_literal, _passthrough)


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel) and attrs.has(t)


def _is_passthrough(t: Any) -> bool:
    """Types whose JSON value is already the Python value: no hook call needed."""
    if t in _SCALARS or t is Any or _is_literal(t) or _is_primitive_container(t):
        return True
    if _is_union(t):
        return all(a is _NoneType or _is_passthrough(a) for a in get_args(t))
    return False


def _optional_member(t: Any) -> Any | None:
    """``X`` for ``X | None`` (and ``None`` for anything else)."""
    if _is_union(t):
        args = get_args(t)
        if len(args) == 2 and _NoneType in args:
            return args[0] if args[1] is _NoneType else args[1]
    return None


def json_key(a: attrs.Attribute[Any]) -> str:
    """The JSON key of an attrs field: its name, unless its metadata says otherwise."""
    key: str = a.metadata.get("json", a.name)
    return key


_building: set[type] = set()


def _mentions_building(t: Any) -> bool:
    """Whether ``t`` is, or contains, a class whose hook is being made (a recursive schema)."""
    if isinstance(t, type) and t in _building:
        return True
    return any(_mentions_building(a) for a in get_args(t))


def _structure_model_factory(cls: type[BaseModel]) -> Callable[[Any, Any], BaseModel]:
    """Generate, once per class, a function that builds ``cls`` from a JSON object.

    Scalar and ``Literal`` fields are read straight from the dict; nested types call
    their own hook; keys the class does not declare are kept in ``model_extra``.
    """
    attrs.resolve_types(cast(Any, cls))
    fields = attrs.fields(cast(Any, cls))
    ns: dict[str, Any] = {
        "__cl": cls,
        "__new": object.__new__,
        "_wrong": _wrong_container,
        "_known": frozenset(json_key(a) for a in fields),
        "_Mapping": Mapping,
        "_TypeError": TypeError,
    }
    # Classes with no validators, converters or post-init hook (all generated models) are
    # filled slot by slot: parsing a dozen keyword arguments costs more than the stores.
    plain = not hasattr(cls, "__attrs_post_init__") and all(
        a.validator is None and a.converter is None and a.init and a.on_setattr is None
        for a in fields
    )
    args: list[str] = []
    required = []
    _building.add(cls)
    try:
        for i, a in enumerate(fields):
            key = repr(json_key(a))
            if a.default is attrs.NOTHING:
                required.append(json_key(a))
            if a.default is not attrs.NOTHING and a.default is not None:
                ns[f"_d{i}"] = a.default
                read = f"(o[{key}] if {key} in o else _d{i})"
            else:
                # A required field a server left out arrives as None (logged), not as a
                # failed response: compatible servers and the spec's own examples omit some.
                read = f"g({key})"
            kind = _container_kind(a.type)
            if kind is not None:
                ns[f"_k{i}"] = kind
                where = repr(f"{cls.__name__}.{a.name}")
            if _is_passthrough(a.type):
                value = read
                if kind is not None:
                    value = (
                        f"(v{i} if (v{i} := {read}) is None or type(v{i}) is _k{i}"
                        f" else _wrong(v{i}, _k{i}, {where}))"
                    )
            else:
                inner = _optional_member(a.type)
                target = inner if inner is not None else a.type
                element = get_args(target)[0] if get_origin(target) is list else None
                ns[f"_t{i}"] = element if element is not None else target
                ns[f"_s{i}"] = _hook_for(ns[f"_t{i}"])
                if element is not None:  # list[Model]: one comprehension, no list hook call
                    value = (
                        f"(None if (v{i} := {read}) is None else [_s{i}(x, _t{i}) for x in v{i}]"
                        f" if type(v{i}) is list else _wrong(v{i}, list, {where}))"
                    )
                else:
                    value = f"(None if (v{i} := {read}) is None else _s{i}(v{i}, _t{i}))"
            args.append(f"    obj.{a.name} = {value}" if plain else f"        {a.name}={value},")
    finally:
        _building.discard(cls)
    ns["_required"] = frozenset(required)
    ns["_missing"] = _log_missing
    name = f"structure_{cls.__name__}"
    source = "\n".join(
        [
            f"def {name}(o, _=None):",
            "    if type(o) is not dict:",
            "        if not isinstance(o, _Mapping):",
            f"            raise _TypeError('expected a JSON object for {cls.__name__}, got ' + type(o).__name__)",
            "        o = dict(o)",
            "    g = o.get",
            *(["    obj = __new(__cl)", *args] if plain else ["    obj = __cl(", *args, "    )"]),
            "    if not _known.issuperset(o):",
            "        obj._extra = {k: v for k, v in o.items() if k not in _known}",
            "    if not _required.issubset(o):",
            "        _missing(__cl, _required.difference(o))",
            "    return obj",
        ]
    )
    filename = f"<openai_async structure {cls.__module__}.{cls.__qualname__}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), ns)
    fn: Callable[[Any, Any], BaseModel] = ns[name]
    return fn


def _log_missing(cls: type, names: frozenset[str]) -> None:
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "%s arrived without required field(s) %s; set to None", cls.__name__, sorted(names)
        )


def _hook_for(t: Any) -> Callable[[Any, Any], Any]:
    """The structure hook of ``t``; late-bound when it involves a class being built
    (recursive schemas: the hook would need itself)."""
    if _mentions_building(t):
        return lambda value, typ: converter.structure(value, typ)
    hook: Callable[[Any, Any], Any] = converter.get_structure_hook(t)
    return hook


def _none_tolerant(t: Any) -> Callable[[Any], Any]:
    """``t``'s unstructure hook, letting ``None`` through: a required field the server left
    out arrives as ``None`` (see the module docstring) and must not break ``to_dict()``."""
    hook: Callable[[Any], Any] | None = None

    def unstructure(value: Any) -> Any:
        nonlocal hook
        if value is None:
            return None
        if hook is None:  # looked up late: recursive models would need themselves
            hook = converter.get_unstructure_hook(t)
        return hook(value)

    return unstructure


def _unstructure_model_factory(cls: type[BaseModel]) -> Callable[[BaseModel], dict[str, Any]]:
    overrides = {}
    for a in attrs.fields(attrs.resolve_types(cast(Any, cls))):
        t = a.type
        args = get_args(t)
        tolerant = t in _SCALARS or t is Any or _is_literal(t) or _NoneType in args
        overrides[a.name] = override(
            rename=json_key(a) if json_key(a) != a.name else None,
            unstruct_hook=None if tolerant else _none_tolerant(t),
        )
    make: Callable[..., Callable[[BaseModel], dict[str, Any]]] = make_dict_unstructure_fn
    inner = make(cls, converter, **overrides)

    def unstructure_model(obj: BaseModel) -> dict[str, Any]:
        data: dict[str, Any] = inner(obj)
        extra = obj.model_extra
        if extra:
            data.update(extra)
        return data

    return unstructure_model


converter.register_structure_hook_factory(_is_model, _structure_model_factory)
converter.register_unstructure_hook_factory(_is_model, _unstructure_model_factory)
converter.register_structure_hook(UnknownVariant, lambda v, _: UnknownVariant(v))
converter.register_unstructure_hook(UnknownVariant, lambda v: v.raw)


def _is_primitive_container(t: Any) -> bool:
    """``list[str]``, ``list[float]``, ``dict[str, int]`` ...: no hook needed per element."""
    origin = get_origin(t)
    args = get_args(t)
    if origin in (list, Sequence) and len(args) == 1:
        return args[0] in _SCALARS or args[0] is Any or _is_literal(args[0])
    if origin in (dict, Mapping) and len(args) == 2:
        return args[1] in _SCALARS or args[1] is Any or _is_literal(args[1])
    return False


def _container_kind(t: Any) -> type | None:
    """``list`` or ``dict`` for a (possibly optional) list or dict type, else None."""
    inner = _optional_member(t)
    origin = get_origin(inner if inner is not None else t)
    if origin in (list, Sequence):
        return list
    if origin in (dict, Mapping):
        return dict
    return None


def _wrong_container(value: Any, kind: type, where: str) -> Any:
    """Raised from generated code: a string where an array belongs must not be split."""
    raise TypeError(
        f"{where}: expected a JSON {'array' if kind is list else 'object'}, got {type(value).__name__}"
    )


def _structure_primitive_container(value: Any, t: Any) -> Any:
    expected = list if get_origin(t) in (list, Sequence) else dict
    if not isinstance(value, expected):
        raise TypeError(
            f"expected a JSON {'array' if expected is list else 'object'}, got {type(value).__name__}"
        )
    return value


converter.register_structure_hook_func(_is_primitive_container, _structure_primitive_container)


def _is_union(t: Any) -> bool:
    origin = get_origin(t)
    return origin is Union or origin is types.UnionType


def _literal_values(t: Any) -> tuple[Any, ...] | None:
    """The values of ``Literal[...]`` or ``Literal[...] | None``."""
    inner = _optional_member(t)
    t = inner if inner is not None else t
    return get_args(t) if get_origin(t) is Literal else None


@attrs.frozen
class _Shape:
    """What a model's JSON object must look like: required keys, ``Literal`` values."""

    cls: type[BaseModel]
    required: frozenset[str]
    literals: Mapping[str, tuple[Any, ...]]
    optional_literals: frozenset[str]

    @classmethod
    def of(cls, model: type[BaseModel]) -> _Shape:
        attrs.resolve_types(cast(Any, model))
        fields = attrs.fields(cast(Any, model))
        literals = {json_key(a): v for a in fields if (v := _literal_values(a.type)) is not None}
        return cls(
            model,
            frozenset(json_key(a) for a in fields if a.default is attrs.NOTHING),
            literals,
            frozenset(json_key(a) for a in fields if a.default is not attrs.NOTHING)
            & literals.keys(),
        )

    def matches(self, obj: dict[str, Any]) -> bool:
        if not self.required.issubset(obj):
            return False
        # An optional field written as null (to_dict() writes absent fields so) is absent.
        return all(
            k in self.optional_literals if (v := obj.get(k)) is None else v in values
            for k, values in self.literals.items()
        )


def _best(shapes: Sequence[_Shape], obj: dict[str, Any]) -> type[BaseModel] | None:
    """The one model the object fits (the most required keys wins a tie), else None."""
    fits = sorted((s for s in shapes if s.matches(obj)), key=lambda s: -len(s.required))
    if len(fits) == 1 or (len(fits) > 1 and len(fits[0].required) > len(fits[1].required)):
        return fits[0].cls
    return None


@attrs.frozen
class _Discriminator:
    """Tells union members apart by one ``Literal`` field (``type`` preferred)."""

    key: str
    table: Mapping[Any, tuple[_Shape, ...]]  # value -> the members that allow it
    rest: tuple[_Shape, ...]  # members for objects without the key

    def pick(self, obj: dict[str, Any]) -> type[BaseModel] | None:
        value = obj.get(self.key)
        if value is None:  # absent, or null as to_dict() writes an absent optional field
            return _best(self.rest, obj)
        try:
            group = self.table.get(value, ())
        except TypeError:  # an unhashable value
            return None
        return group[0].cls if len(group) == 1 else _best(group, obj)


def _discriminator(shapes: list[_Shape], allow_unknown: bool) -> _Discriminator | None:
    """The ``Literal`` field most members have that tells them apart (``type`` first).

    With one model, only when the union also allows an unknown variant: the field then
    tells the known variant from a new one. Values shared by several members (``type:
    "message"`` for input and output messages) are told apart by their other fields.
    """
    if not shapes or (len(shapes) < 2 and not allow_unknown):
        return None
    counts: dict[str, int] = {}
    for s in shapes:
        for key in s.literals:
            counts[key] = counts.get(key, 0) + 1
    for key in sorted(counts, key=lambda k: (k != "type", -counts[k], k)):
        table: dict[Any, tuple[_Shape, ...]] = {}
        for s in shapes:
            for value in s.literals.get(key, ()):
                table[value] = (*table.get(value, ()), s)
        if len(table) > 1 or len(shapes) == 1:
            rest = tuple(s for s in shapes if key not in s.required)
            return _Discriminator(key, table, rest)
    return None


def _json_kind(t: Any) -> type | None:
    """The JSON type (as the Python type orjson gives) that values of ``t`` arrive as."""
    origin = get_origin(t) or t
    if _is_model(t) or origin in (dict, Mapping):
        return dict
    if origin in (list, Sequence):
        return list
    if get_origin(t) is Literal:
        kinds = {type(v) for v in get_args(t)}
        return kinds.pop() if len(kinds) == 1 else None
    if t in _SCALARS:
        return t  # type: ignore[no-any-return]
    return None


def _structure_union_factory(t: Any) -> Callable[[Any, Any], Any]:
    args = get_args(t)
    nullable = _NoneType in args
    members = [a for a in args if a is not _NoneType]
    allow_unknown = UnknownVariant in members
    members = [a for a in members if a is not UnknownVariant]

    if len(members) == 1 and not allow_unknown:
        only = members[0]
        hook = _hook_for(only)

        def structure_optional(value: Any, _: Any) -> Any:
            return None if value is None else hook(value, only)

        return structure_optional

    shapes = [_Shape.of(m) for m in members if _is_model(m)]
    disc = _discriminator(shapes, allow_unknown)
    by_kind: dict[type, list[Any]] = {}
    for m in members:
        kind = _json_kind(m)
        if kind is not None:
            by_kind.setdefault(kind, []).append(m)
    for kind, candidates in by_kind.items():
        if len(candidates) > 1 and all(_is_passthrough(c) for c in candidates):
            by_kind[kind] = [Any]  # ``str | Literal["a", "b"]``: the string as it came
    # JSON ints are valid where floats are expected, and bools are not ints here.
    if float in by_kind and int not in by_kind:
        by_kind[int] = by_kind[float]
    name = repr(t)

    def structure_union(value: Any, _: Any) -> Any:
        if value is None and nullable:
            return None
        candidates = by_kind.get(type(value), ())
        if shapes and isinstance(value, dict):
            cls = disc.pick(value) if disc is not None else _best(shapes, value)
            if cls is not None:
                return converter.structure(value, cls)
            # no model fits: a free-form object member, else an unknown variant
            free = [c for c in candidates if not _is_model(c)]
            if free or disc is not None or len(shapes) > 1:
                candidates = free
        if len(candidates) == 1:
            return converter.structure(value, candidates[0])
        if allow_unknown:
            return UnknownVariant(value)
        raise TypeError(f"{_short(value)} matches no member of {name}")

    return structure_union


converter.register_structure_hook_factory(_is_union, _structure_union_factory)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def structure(data: Any, cls: type[_T]) -> _T:
    """Structure decoded JSON into ``cls`` with the SDK's converter."""
    return converter.structure(data, cls)


def _default(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return obj.to_dict(exclude_none=True)
    if isinstance(obj, UnknownVariant):
        return obj.raw
    if isinstance(obj, NotGiven):
        raise TypeError("NOT_GIVEN cannot be sent; leave the parameter out instead")
    if attrs.has(type(obj)):
        return converter.unstructure(obj)
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, Iterable) and not isinstance(obj, (str, bytes, bytearray)):
        return list(obj)
    raise TypeError(f"Type is not JSON serializable: {type(obj).__name__}")


def dumps(obj: Any, *, indent: bool = False) -> bytes:
    """JSON bytes of ``obj``; attrs models and any sequence or mapping are accepted."""
    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(obj, default=_default, option=option)
