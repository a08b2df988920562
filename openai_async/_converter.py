"""The one cattrs converter, configured once, and JSON encoding.

Forward-compatibility policy (the opposite of cattrs' defaults, on purpose):

* unknown fields are kept on the model (``model_extra``) and written back by the dumps;
* ``Literal`` values are not checked: an enum value added by the API arrives as a string;
* a union of models is resolved by its discriminator fields (``type`` first, then
  another ``Literal`` field such as ``role`` where ``type`` values repeat), else by
  which member's required keys are all present; an unknown discriminator value arrives
  as :class:`UnknownVariant` when the union allows it, and is never silently structured
  as the first member;
* a field whose JSON key is not a Python name keeps the key in its metadata
  (``attrs.field(metadata={"json": "self-harm/intent"})``), read and written back;
* scalars pass through as JSON gave them (no per-field ``int()``/``float()`` calls).
* the JSON keys an object left out are recorded (``model_fields_set``, ``exclude_unset``):
  a missing field and a field sent as ``null`` both read ``None`` but dump differently.

Hooks are made by factories, once per type on first use, never at import.
"""

from __future__ import annotations

import contextlib
import copy
import linecache
import logging
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, TypeVar, Union, cast, get_args, get_origin

import attrs
import cattrs
import orjson

from ._models import HAS_EXTRA, BaseModel, FieldInfo, UnknownVariant, set_meta, unset_keys
from ._types import NotGiven

__all__ = ["converter", "dumps", "loads", "structure"]

log = logging.getLogger("openai_async")
_T = TypeVar("_T")
_M = TypeVar("_M", bound=BaseModel)
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


def _is_plain(cls: type[BaseModel]) -> bool:
    """Whether ``cls`` has no validators, converters or post-init hook (all generated
    models): such a class is filled slot by slot, as parsing a dozen keyword arguments
    costs more than the stores."""
    return cls.__attrs_post_init__ is BaseModel.__attrs_post_init__ and all(
        a.validator is None and a.converter is None and a.init and a.on_setattr is None
        for a in attrs.fields(cast(Any, cls))
    )


# In a stream's hook (stream_structure_hook) nested models are built inline, in the
# function of the outer class, rather than by calling their own hook: a chat chunk
# (chunk -> choices -> choice -> delta) is then one call instead of four. Small trees
# only: the function is compiled when the stream starts.
_INLINE_DEPTH = 3  # the outer class is depth 0
_INLINE_FIELDS = 24  # fields in one function, the outer class's included


class _StructureSource:
    """The source of one structure function, built class by class.

    A plain class records the fields the JSON left out as a bitmask in ``_unset`` (bit
    ``i`` for field ``i``, bit ``len(fields)`` when unknown keys were kept): testing each
    key with ``in`` (then one subscript) costs less than a set operation per object and
    than ``dict.get`` with a sentinel, and an int is smaller than a frozenset.
    :func:`unset_keys` turns it into keys when someone asks.
    """

    def __init__(self, ns: dict[str, Any], *, inline: bool) -> None:
        self.ns = ns
        self.inline = inline
        self.count = 0
        self.fields = 0

    def inlinable(self, t: Any, depth: int) -> bool:
        if not self.inline or not _is_model(t) or t in _building or depth >= _INLINE_DEPTH:
            return False
        attrs.resolve_types(t)
        # Model classes get their hooks from this factory only (the converter is private),
        # so building one inline is what its hook would do; its own hook is not made.
        return self.fields + len(attrs.fields(t)) <= _INLINE_FIELDS and _is_plain(t)

    def plain(self, cls: type[BaseModel], o: str, ind: str, depth: int) -> tuple[list[str], str]:
        """Lines that build ``cls`` from the JSON object in variable ``o``; and the name of
        the variable holding the result."""
        p = self.count
        self.count += 1
        ns = self.ns
        fields = attrs.fields(cast(Any, cls))
        n = len(fields)
        self.fields += n
        obj, u = f"obj{p}", f"u{p}"
        ns[f"_cl{p}"] = cls
        ns[f"_known{p}"] = frozenset(json_key(a) for a in fields)
        required = sum(1 << i for i, a in enumerate(fields) if a.default is attrs.NOTHING)
        lines = [
            f"if type({o}) is not dict:",
            f"    if not isinstance({o}, _Mapping):",
            f"        raise _TypeError('expected a JSON object for {cls.__name__}, got ' + type({o}).__name__)",
            f"    {o} = dict({o})",
            f"{obj} = __new(_cl{p})",
            f"{u} = 0",
        ]
        _building.add(cls)
        try:
            for i, a in enumerate(fields):
                lines += self.field(cls, a, f"{p}_{i}", 1 << i, obj, o, u, depth)
        finally:
            _building.discard(cls)
        extra = f"{obj}._extra = {{k: v for k, v in {o}.items() if k not in _known{p}}}"
        lines += [
            # The keys present are the fields minus those left out, plus unknown ones.
            f"if {u}:",
            f"    if len({o}) + {u}.bit_count() != {n}:",
            f"        {extra}",
            f"        {u} |= {1 << n}",
            f"    {obj}._unset = {u}",
            *(
                [f"    if {u} & {required}:", f"        _missing(_cl{p}, {u} & {required})"]
                if required
                else []
            ),
            f"elif len({o}) != {n}:",
            f"    {extra}",
            f"    {obj}._unset = {1 << n}",
        ]
        return [ind + line for line in lines], obj

    def field(
        self,
        cls: type,
        a: attrs.Attribute[Any],
        n: str,
        bit: int,
        obj: str,
        o: str,
        u: str,
        depth: int,
    ) -> list[str]:
        """Lines that set field ``a`` of ``obj`` from the JSON object in variable ``o``."""
        v = f"v{n}"
        has_default = a.default is not attrs.NOTHING and a.default is not None
        if has_default:
            self.ns[f"_d{n}"] = a.default
        # A required field a server left out arrives as None (logged), not as a failed
        # response: compatible servers and the spec's own examples omit some.
        key = repr(json_key(a))
        missing = f"_d{n}" if has_default else "None"
        if _is_passthrough(a.type) and _container_kind(a.type) is None:  # most fields
            return [
                f"if {key} in {o}: {obj}.{a.name} = {o}[{key}]",
                f"else: {obj}.{a.name} = {missing}; {u} |= {bit}",
            ]
        lines = [
            f"if {key} in {o}:",
            f"    {v} = {o}[{key}]",
            "else:",
            f"    {v} = {missing}",
            f"    {u} |= {bit}",
        ]
        where = repr(f"{cls.__name__}.{a.name}")
        inner = _optional_member(a.type)
        target = inner if inner is not None else a.type
        element = get_args(target)[0] if get_origin(target) is list else None
        if not has_default and element is not None and self.inlinable(element, depth + 1):
            body, item = self.plain(element, f"x{n}", "        ", depth + 1)
            return [
                *lines,
                f"if {v} is None:",
                f"    {obj}.{a.name} = None",
                f"elif type({v}) is list:",
                f"    l{n} = []",
                f"    for x{n} in {v}:",
                *body,
                f"        l{n}.append({item})",
                f"    {obj}.{a.name} = l{n}",
                "else:",
                f"    {obj}.{a.name} = _wrong({v}, list, {where})",
            ]
        if not has_default and element is None and self.inlinable(target, depth + 1):
            body, item = self.plain(cast(Any, target), v, "    ", depth + 1)
            return [
                *lines,
                f"if {v} is None:",
                f"    {obj}.{a.name} = None",
                "else:",
                *body,
                f"    {obj}.{a.name} = {item}",
            ]
        return [*lines, f"{obj}.{a.name} = {self.value(cls, a, n, v)}"]

    def value(self, cls: type, a: attrs.Attribute[Any], n: str, read: str) -> str:
        """The expression of a field that is not built inline (nested models by their
        hook), from the expression ``read`` that reads its JSON value."""
        ns = self.ns
        where = repr(f"{cls.__name__}.{a.name}")
        v = f"v{n}"
        kind = _container_kind(a.type)
        if _is_passthrough(a.type):
            if kind is None:
                return read
            ns[f"_k{n}"] = kind
            return f"({v} if ({v} := {read}) is None or type({v}) is _k{n} else _wrong({v}, _k{n}, {where}))"
        inner = _optional_member(a.type)
        target = inner if inner is not None else a.type
        element = get_args(target)[0] if get_origin(target) is list else None
        ns[f"_t{n}"] = element if element is not None else target
        ns[f"_s{n}"] = _hook_for(ns[f"_t{n}"])
        if element is not None:  # list[Model]: one comprehension, no list hook call
            return (
                f"(None if ({v} := {read}) is None else [_s{n}(x, _t{n}) for x in {v}]"
                f" if type({v}) is list else _wrong({v}, list, {where}))"
            )
        return f"(None if ({v} := {read}) is None else _s{n}({v}, _t{n}))"


def _structure_model_factory(cls: type[BaseModel]) -> Callable[[Any, Any], BaseModel]:
    """Generate, once per class, a function that builds ``cls`` from a JSON object.

    Scalar and ``Literal`` fields are read straight from the dict; nested models by their
    own hook; keys the class does not declare are kept in ``model_extra``.
    """
    return _make_structure(cls, inline=False)


def stream_structure_hook(t: Any) -> Callable[[Any, Any], Any]:
    """The structure hook for the items of a stream: for a plain model class, one whose
    function builds small nested models inline (made once per class). A stream calls it
    thousands of times, which repays compiling the bigger function; a single response
    does not, so the converter's own hooks do not inline (cold start)."""
    if not (_is_model(t) and _is_plain(t)):
        return converter.get_structure_hook(t)
    hook = _stream_hooks.get(t)
    if hook is None:
        hook = _stream_hooks[t] = _make_structure(t, inline=True)
    return hook


_stream_hooks: dict[type, Callable[[Any, Any], Any]] = {}


def _make_structure(cls: type[BaseModel], *, inline: bool) -> Callable[[Any, Any], BaseModel]:
    attrs.resolve_types(cast(Any, cls))
    ns: dict[str, Any] = {
        "__new": object.__new__,
        "_wrong": _wrong_container,
        "_Mapping": Mapping,
        "_TypeError": TypeError,
        "_has_extra": frozenset([HAS_EXTRA]),
        "_missing": _log_missing,
    }
    name = f"structure_{cls.__name__}"
    source = _StructureSource(ns, inline=inline)
    if _is_plain(cls):
        body, obj = source.plain(cls, "o", "    ", 0)
        lines = [f"def {name}(o, _=None):", *body, f"    return {obj}"]
    else:
        lines = [f"def {name}(o, _=None):", *_keyword_body(cls, source)]
    text = "\n".join(lines)
    kind = "stream structure" if inline else "structure"
    filename = f"<openai_async {kind} {cls.__module__}.{cls.__qualname__}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(compile(text, filename, "exec"), ns)
    fn: Callable[[Any, Any], BaseModel] = ns[name]
    return fn


def _keyword_body(cls: type[BaseModel], source: _StructureSource) -> list[str]:
    """The body for a class with validators or a post-init hook: built through
    ``__init__``, nested models by their own hooks (never inlined)."""
    ns = source.ns
    fields = attrs.fields(cast(Any, cls))
    ns["_cl"] = cls
    ns["_known"] = known = frozenset(json_key(a) for a in fields)
    ns["_required"] = frozenset(json_key(a) for a in fields if a.default is attrs.NOTHING)
    args = []
    _building.add(cls)
    try:
        for i, a in enumerate(fields):
            key = repr(json_key(a))
            read = f"g({key})"
            if a.default is not attrs.NOTHING and a.default is not None:
                ns[f"_d{i}"] = a.default
                read = f"(o[{key}] if {key} in o else _d{i})"
            args.append(f"        {a.name}={source.value(cls, a, str(i), read)},")
    finally:
        _building.discard(cls)
    return [
        "    if type(o) is not dict:",
        "        if not isinstance(o, _Mapping):",
        f"            raise _TypeError('expected a JSON object for {cls.__name__}, got ' + type(o).__name__)",
        "        o = dict(o)",
        "    g = o.get",
        "    obj = _cl(",
        *args,
        "    )",
        "    m = _known.difference(o)",
        f"    if len(o) + len(m) != {len(known)}:",
        "        obj._extra = {k: v for k, v in o.items() if k not in _known}",
        "        m |= _has_extra",
        # __init__ set the slot; this replaces it with what the JSON left out.
        "    obj._unset = m",
        "    if not _required.isdisjoint(m):",
        "        _missing(_cl, _required & m)",
        "    return obj",
    ]


def _log_missing(cls: type, names: frozenset[str] | int) -> None:
    if log.isEnabledFor(logging.DEBUG):
        if isinstance(names, int):
            names = unset_from_bits(cls, names)
        log.debug(
            "%s arrived without required field(s) %s; set to None", cls.__name__, sorted(names)
        )


def unset_from_bits(cls: type, bits: int) -> frozenset[Any]:
    """The JSON keys (and HAS_EXTRA) of a plain class's ``_unset`` bitmask."""
    keys = _bit_keys.get(cls)
    if keys is None:
        keys = _bit_keys[cls] = (*(json_key(a) for a in attrs.fields(cast(Any, cls))), HAS_EXTRA)
    return frozenset(k for i, k in enumerate(keys) if bits >> i & 1)


_bit_keys: dict[type, tuple[Any, ...]] = {}


def _hook_for(t: Any) -> Callable[[Any, Any], Any]:
    """The structure hook of ``t``; late-bound when it involves a class being built
    (recursive schemas: the hook would need itself)."""
    if _mentions_building(t):
        return lambda value, typ: converter.structure(value, typ)
    hook: Callable[[Any, Any], Any] = converter.get_structure_hook(t)
    return hook


@attrs.frozen
class _Field:
    name: str
    key: str  # the JSON key
    type: Any
    default: Any  # what the field holds when the JSON left it out (None if required)
    has_default: bool
    kind: Literal["plain", "list", "any"]  # how a dump copies the value


@attrs.frozen
class ModelPlan:
    """What dumping and ``model_fields_set`` need to know about one model class."""

    fields: tuple[_Field, ...]
    by_name: Mapping[str, _Field]
    by_key: Mapping[str, _Field]
    optional_keys: frozenset[str]  # unset after __init__ unless given a value
    infos: Mapping[str, FieldInfo]

    @classmethod
    def of(cls, model: type[BaseModel]) -> ModelPlan:
        plan = _plans.get(model)
        if plan is not None:
            return plan
        attrs.resolve_types(cast(Any, model))
        fields = tuple(_field(a) for a in attrs.fields(cast(Any, model)))
        infos = {
            a.name: FieldInfo(
                annotation=a.type,
                default=a.default if f.has_default else None,
                alias=f.key if f.key != a.name else None,
                required=not f.has_default,
            )
            for a, f in zip(attrs.fields(cast(Any, model)), fields, strict=True)
        }
        plan = cls(
            fields,
            {f.name: f for f in fields},
            {f.key: f for f in fields},
            frozenset(f.key for f in fields if f.has_default),
            types.MappingProxyType(infos),
        )
        _plans[model] = plan
        return plan

    def fields_set(self, obj: BaseModel) -> set[str]:
        """Names of the fields the JSON (or ``__init__``) gave, or assigned since."""
        unset = unset_keys(obj)
        if not unset:
            return {f.name for f in self.fields}
        return {
            f.name
            for f in self.fields
            if f.key not in unset or getattr(obj, f.name) is not f.default
        }


_plans: dict[type, ModelPlan] = {}


def _field(a: attrs.Attribute[Any]) -> _Field:
    has_default = a.default is not attrs.NOTHING
    t = a.type
    inner = _optional_member(t)
    target = inner if inner is not None else t
    kind: Literal["plain", "list", "any"] = "any"
    if _is_passthrough(t) and _container_kind(t) is None:
        kind = "plain"
    elif get_origin(target) in (list, Sequence) and _is_scalar(get_args(target)[0]):
        kind = "list"
    default = a.default if has_default else None
    return _Field(a.name, json_key(a), a.type, default, has_default, kind)


def _is_scalar(t: Any) -> bool:
    if _is_union(t):
        return all(a is _NoneType or _is_scalar(a) for a in get_args(t))
    return t in _SCALARS or _is_literal(t)


_get_extra = BaseModel.__dict__["_extra"].__get__


# Dump flags: one generated function per model class and combination.
BY_ALIAS, EXCLUDE_UNSET, EXCLUDE_DEFAULTS, EXCLUDE_NONE = 1, 2, 4, 8


class Dumper:
    """Models -> dicts of JSON values, for one combination of the dump flags.

    ``value()`` copies any value (lists, dicts, models, unknown variants) down to the
    scalars; per model class it calls a function generated on first use, which reads
    each field once and tests only what the flags ask for.
    """

    def __init__(self, flags: int) -> None:
        self.flags = flags
        self.functions: dict[type, Callable[[BaseModel], dict[str, Any]]] = {}
        self.value = self._value_function()

    def _value_function(self) -> Callable[[Any], Any]:
        functions = self.functions
        make = self._make
        drop_none = bool(self.flags & EXCLUDE_NONE)

        def value(v: Any) -> Any:
            t = type(v)
            if t is str or t is int or t is float or t is bool or v is None:
                return v
            if t is list:
                return [value(x) for x in v]
            if t is dict:
                if drop_none:
                    return {k: value(x) for k, x in v.items() if x is not None}
                return {k: value(x) for k, x in v.items()}
            fn = functions.get(t)
            if fn is not None:
                return fn(v)
            if isinstance(v, BaseModel):
                return make(t)(v)
            if isinstance(v, UnknownVariant):
                return value(v.raw)
            if isinstance(v, Mapping):
                return value(dict(v))
            if isinstance(v, (tuple, set, frozenset)):
                return [value(x) for x in v]
            return v

        return value

    def model(self, obj: BaseModel) -> dict[str, Any]:
        fn = self.functions.get(type(obj))
        return (fn or self._make(type(obj)))(obj)

    def keep(self, f: _Field, v: Any, unset: frozenset[str]) -> bool:
        """Whether the flags let field ``f`` holding ``v`` into the dump."""
        flags = self.flags
        if flags & EXCLUDE_NONE and v is None:
            return False
        if flags & EXCLUDE_UNSET and v is f.default and f.key in unset:
            return False
        return not (flags & EXCLUDE_DEFAULTS and f.has_default and v == f.default)

    def _make(self, cls: type[BaseModel]) -> Callable[[BaseModel], dict[str, Any]]:
        flags = self.flags
        ns: dict[str, Any] = {"_dv": self.value, "_u": unset_keys, "_e": _get_extra}
        ns["_has_extra"] = HAS_EXTRA
        lines = [f"def dump_{cls.__name__}(obj):", "    u = _u(obj)", "    out = {}"]
        for i, f in enumerate(ModelPlan.of(cls).fields):
            ns[f"_d{i}"] = f.default
            tests = []
            if flags & EXCLUDE_NONE:
                tests.append("v is not None")
            if flags & EXCLUDE_UNSET and not (flags & EXCLUDE_NONE and f.default is None):
                tests.append(f"(v is not _d{i} or {f.key!r} not in u)")
            if flags & EXCLUDE_DEFAULTS and f.has_default:
                tests.append(f"v != _d{i}")
            value = {"plain": "v", "list": "v if v is None else list(v)", "any": "_dv(v)"}
            key = f.key if flags & BY_ALIAS else f.name
            lines.append(f"    v = obj.{f.name}")
            store = f"out[{key!r}] = {value[f.kind]}"
            lines.append(
                f"    if {' and '.join(tests)}:\n        {store}" if tests else f"    {store}"
            )
        lines += [
            "    if _has_extra in u:",
            "        for k, x in _e(obj).items():",
            *(
                ["            if x is not None:", "                out[k] = _dv(x)"]
                if flags & EXCLUDE_NONE
                else ["            out[k] = _dv(x)"]
            ),
            "    return out",
        ]
        source = "\n".join(lines)
        filename = f"<openai_async dump{flags} {cls.__module__}.{cls.__qualname__}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), ns)
        fn: Callable[[BaseModel], dict[str, Any]] = ns[f"dump_{cls.__name__}"]
        self.functions[cls] = fn
        return fn


dumpers = [Dumper(flags) for flags in range(16)]


converter.register_structure_hook_factory(_is_model, _structure_model_factory)


def dump(
    obj: BaseModel,
    *,
    by_alias: bool,
    exclude_unset: bool,
    exclude_defaults: bool,
    exclude_none: bool,
    include: Any = None,
    exclude: Any = None,
) -> dict[str, Any]:
    """``obj`` as a dict of JSON values (``model_dump()`` without ``mode``)."""
    flags = (
        (BY_ALIAS if by_alias else 0)
        | (EXCLUDE_UNSET if exclude_unset else 0)
        | (EXCLUDE_DEFAULTS if exclude_defaults else 0)
        | (EXCLUDE_NONE if exclude_none else 0)
    )
    if include is None and exclude is None:
        return dumpers[flags].model(obj)
    data: dict[str, Any] = _dump_some(obj, dumpers[flags], _selection(include), _selection(exclude))
    return data


_Selection = dict[Any, Any]  # key -> True (all of it) or a nested _Selection


def _selection(spec: Any) -> _Selection | None:
    """pydantic's ``include`` / ``exclude`` forms (sets, dicts of sets, ``...``) as one."""
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        out: _Selection = {}
        for k, v in spec.items():
            if v is True or v is ...:
                out[k] = True
            elif v is not False:
                out[k] = _selection(v)
        return out
    if isinstance(spec, (set, frozenset, list, tuple)):
        return dict.fromkeys(spec, True)
    raise TypeError(f"include / exclude must be a set or a dict, not {type(spec).__name__}")


def _merge(a: Any, b: Any) -> Any:
    """Two selections of one item (``"__all__"`` and its own): True (all) wins."""
    if a is None or b is True:
        return b
    if b is None or a is True:
        return a
    merged = dict(a)
    for k, v in b.items():
        merged[k] = _merge(merged.get(k), v)
    return merged


def _pick(key: Any, inc: _Selection | None, exc: _Selection | None) -> tuple[Any, Any] | None:
    """The include / exclude selections within item ``key``; None to leave it out."""
    e = None if exc is None else _merge(exc.get("__all__"), exc.get(key))
    if e is True:
        return None
    i = None if inc is None else _merge(inc.get("__all__"), inc.get(key))
    if inc is not None and i is None:
        return None
    return (None if i is True else i), e


def _dump_some(v: Any, d: Dumper, inc: _Selection | None, exc: _Selection | None) -> Any:
    """What ``d.value(v)`` gives, with only the selected fields and items."""
    if inc is None and exc is None:
        return d.value(v)
    drop_none = d.flags & EXCLUDE_NONE
    if isinstance(v, BaseModel):
        out: dict[Any, Any] = {}
        unset = unset_keys(v)
        for f in ModelPlan.of(type(v)).fields:
            x = getattr(v, f.name)
            if d.keep(f, x, unset) and (sub := _pick(f.name, inc, exc)) is not None:
                out[f.key if d.flags & BY_ALIAS else f.name] = _dump_some(x, d, *sub)
        items: Iterable[tuple[Any, Any]] = v.model_extra.items()
    elif isinstance(v, UnknownVariant):
        return _dump_some(v.raw, d, inc, exc)
    elif isinstance(v, Mapping):
        out, items = {}, v.items()
    elif isinstance(v, (list, tuple)):
        return [_dump_some(x, d, *sub) for i, x in enumerate(v) if (sub := _pick(i, inc, exc))]
    else:
        return v
    for k, x in items:
        if not (drop_none and x is None) and (sub := _pick(k, inc, exc)) is not None:
            out[k] = _dump_some(x, d, *sub)
    return out


_NOT_BUILT = (
    TypeError,
    ValueError,
    cattrs.BaseValidationError,
    cattrs.StructureHandlerNotFoundError,
)


def construct(cls: type[_M], values: Mapping[str, Any], fields_set: Iterable[str] | None) -> _M:
    """``cls.model_construct(_fields_set, **values)``."""
    plan = ModelPlan.of(cls)
    obj = object.__new__(cls)
    rest = dict(values)
    unset = set(plan.by_key)
    for f in plan.fields:
        key = f.key if f.key in rest else f.name
        if key not in rest:
            setattr(obj, f.name, f.default)
            continue
        value = rest.pop(key)
        if f.kind == "any" and isinstance(value, (dict, list)):
            with contextlib.suppress(*_NOT_BUILT):  # JSON-shaped: built as in a response
                value = converter.structure(value, f.type)
        setattr(obj, f.name, value)
        unset.discard(f.key)
    unset.difference_update(plan.by_name[n].key for n in fields_set or () if n in plan.by_name)
    set_meta(obj, unset, rest)
    return obj


def copy_model(obj: _M, update: Mapping[str, Any] | None, deep: bool) -> _M:
    """``obj.model_copy(update=update, deep=deep)``."""
    plan = ModelPlan.of(type(obj))
    new = object.__new__(type(obj))
    memo: dict[int, Any] = {}
    for f in plan.fields:
        value = getattr(obj, f.name)
        setattr(new, f.name, copy.deepcopy(value, memo) if deep else value)
    extra = copy.deepcopy(dict(obj.model_extra), memo) if deep else dict(obj.model_extra)
    unset = set(unset_keys(obj))
    for key, value in (update or {}).items():
        field = plan.by_name.get(key) or plan.by_key.get(key)
        if field is None:
            extra[key] = value
        else:
            setattr(new, field.name, value)
            unset.discard(field.key)
    set_meta(new, unset, extra)
    if obj.response_info is not None:
        new._response_info = obj.response_info
    return new


# converter.unstructure(): every field by its JSON key, the unset ones as null too.
converter.register_unstructure_hook_func(_is_model, dumpers[BY_ALIAS].model)
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
        # An optional field written as null (model_dump() writes absent fields so) is absent.
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
        if value is None:  # absent, or null as model_dump() writes an absent optional field
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
    if isinstance(obj, BaseModel):  # a model in a request body: what it holds, nulls left out
        return dumpers[BY_ALIAS | EXCLUDE_NONE].model(obj)
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
