"""Generate the response models and request types (``openai_async/models/``) from the OpenAPI spec.

Only the schemas reached from RESPONSE_ROOTS and REQUEST_ROOTS are generated: widen them to grow.
Rules:
- response side (RESPONSE_ROOTS and what they use): attrs classes on ``BaseModel``;
  request side (REQUEST_ROOTS ...): TypedDicts (required keys in a ``_<Name>Required``
  base); a request type whose name the response side already uses gets ``Param``.
- ``enum`` / ``const``: ``Literal[...]``; other schemas without properties: a TypeAlias.
- ``oneOf`` / ``anyOf``: a union; in responses, a union with a class in it also takes
  ``UnknownVariant`` (a variant this SDK version does not know).
- inline schemas are named ``<Parent><Prop>`` (PascalCase); array items ``...Item``, map
  values ``...Value``, union members ``...Variant<i>``.
- response fields that are optional, or required but nullable: ``X | None = None``.
- docstrings: the description's first paragraph; ``deprecated``: "Deprecated. ..." prefix.
- module: by the tags of the operations that reach a schema (TAG_MODULE); several tags
  (or none) give ``shared``.

    python scripts/gen_models.py            # rewrite openai_async/models/ (whole directory)
    python scripts/gen_models.py --check    # exit 1 if the tree on disk differs (whole tree)
    ... --spec PATH                         # default: ../shared/openapi/openapi.yaml

Needs PyYAML (generation time only; the package never imports it) and ruff.
"""

from __future__ import annotations

import collections
import json
import keyword
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parent))  # however this file is loaded
from _codegen import ROOT, header, parser, write_files, write_or_check

OUT = ROOT / "openai_async" / "models"
DEFAULT_SPEC = ROOT.parent / "shared" / "openapi" / "openapi.yaml"
HEADER = header("gen_models.py", "the OpenAPI spec")

# --- what to generate ----------------------------------------------------------------

# Schemas generated as response models (attrs), with everything they reference.
RESPONSE_ROOTS = [
    "CreateChatCompletionResponse",
    "CreateChatCompletionStreamResponse",
    "ChatCompletionList",
    "ChatCompletionDeleted",
    "CreateCompletionResponse",
    "CreateEmbeddingResponse",
    "ListModelsResponse",
    "Model",
    "DeleteModelResponse",
]
# Schemas generated as request parameter types (TypedDicts), with everything they reference.
REQUEST_ROOTS = [
    "ChatCompletionRequestMessage",
    "ChatCompletionTool",
    "ChatCompletionToolChoiceOption",
    "ChatCompletionNamedToolChoice",
    "ResponseFormatText",
    "ResponseFormatJsonObject",
    "ResponseFormatJsonSchema",
    "ChatCompletionStreamOptions",
]
# Friendly names (alias = spec name), exported from the module of their target.
ALIASES = {
    "ChatCompletion": "CreateChatCompletionResponse",
    "ChatCompletionChunk": "CreateChatCompletionStreamResponse",
    "ChatCompletionMessage": "ChatCompletionResponseMessage",
    "Completion": "CreateCompletionResponse",
    "ModelDeleted": "DeleteModelResponse",
}
# Operation tag -> module of the schemas only that tag reaches.
TAG_MODULE = {
    "Chat": "chat",
    "Completions": "completions",
    "Embeddings": "embeddings",
    "Models": "models",
}
SHARED = "shared"
MODULE_DOC = {
    "chat": "Chat Completions API: response models and request parameter types.",
    "completions": "Completions API (legacy) response models.",
    "embeddings": "Embeddings API response models.",
    "models": "Models API response models.",
    "shared": "Schemas used by more than one API area.",
}
INIT_DOC = "Response models and request parameter types, one module per API area."

Schema = dict[str, Any]
Side = Literal["resp", "req"]


# --- the spec --------------------------------------------------------------------------


def load_spec(path: Path) -> Schema:
    """The parsed spec (the C loader takes ~1.5 s for the 3 MB file, the pure-Python one ~6 s)."""
    try:
        import yaml  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        raise SystemExit("gen_models.py needs PyYAML: pip install pyyaml") from None
    if not path.is_file():
        raise SystemExit(f"OpenAPI spec not found at {path}; pass --spec PATH")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as f:
        spec: Schema = yaml.load(f, Loader=loader)
    return spec


def schema_refs(node: object) -> Iterator[str]:
    """Names of the component schemas a spec node references (examples aside)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and "/schemas/" in ref:
            yield ref.rsplit("/", 1)[1]
        for k, v in node.items():
            if k != "x-oaiMeta":
                yield from schema_refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from schema_refs(v)


class Spec:
    """The component schemas, and which operation tags reach each of them."""

    def __init__(self, raw: Schema) -> None:
        self.schemas: dict[str, Schema] = raw["components"]["schemas"]
        direct = {name: set(schema_refs(s)) for name, s in self.schemas.items()}
        self.tags: dict[str, set[str]] = collections.defaultdict(set)
        for path_item in raw["paths"].values():
            for op in path_item.values():
                if isinstance(op, dict) and "operationId" in op:
                    for name in closure(schema_refs(op), direct):
                        self.tags[name].update(op.get("tags", ()))

    def module_of(self, name: str) -> str:
        tags = self.tags[name]
        if len(tags) != 1:
            return SHARED
        (tag,) = tags
        if tag not in TAG_MODULE:
            raise SystemExit(f"operation tag {tag!r} (schema {name}) has no module in TAG_MODULE")
        return TAG_MODULE[tag]


def closure(start: Iterable[str], direct: dict[str, set[str]]) -> set[str]:
    """The schemas in ``start`` and all they reference, transitively."""
    seen: set[str] = set()
    stack = list(start)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(direct.get(name, ()))
    return seen


# --- schema helpers ------------------------------------------------------------------


def split_nullable(s: Schema) -> tuple[Schema, bool]:
    """The schema without its null alternative, and whether null was allowed."""
    nullable = bool(s.get("nullable"))
    t = s.get("type")
    if isinstance(t, list) and "null" in t:
        rest = [x for x in t if x != "null"]
        s = {**s, "type": rest[0] if len(rest) == 1 else rest}
        nullable = True
    for key in ("anyOf", "oneOf"):
        if key in s:
            members = [m for m in s[key] if not (isinstance(m, dict) and m.get("type") == "null")]
            if len(members) < len(s[key]):
                nullable = True
                if len(members) == 1:
                    return dict(members[0]), nullable
                s = {**s, key: members}
    return s, nullable


def is_object_schema(s: Schema) -> bool:
    return isinstance(s.get("properties"), dict) and bool(s["properties"])


def is_map_schema(s: Schema) -> bool:
    return (s.get("type") == "object" or "additionalProperties" in s) and not is_object_schema(s)


def pascal(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[_\W]+", name) if p)


def split_top(text: str) -> list[str]:
    """Split ``A | list[B | C] | D`` at the top-level bars only."""
    parts, depth, cur, i = [], 0, "", 0
    while i < len(text):
        ch = text[i]
        depth += (ch == "[") - (ch == "]")
        if depth == 0 and text.startswith(" | ", i):
            parts.append(cur)
            cur, i = "", i + 3
            continue
        cur += ch
        i += 1
    parts.append(cur)
    return parts


# --- docstrings ------------------------------------------------------------------------


def first_paragraph(text: str | None) -> list[str] | None:
    if not text or not text.strip():
        return None
    para = re.split(r"\n[ \t]*\n", text.strip("\n").rstrip())[0]
    lines = [ln.rstrip() for ln in para.split("\n")]
    lines[0] = lines[0].lstrip()  # the first line carries no indentation of its own
    return lines


def with_deprecated(lines: list[str] | None, deprecated: bool) -> list[str] | None:
    if not deprecated or (lines and lines[0].lower().startswith("deprecated")):
        return lines
    if not lines:
        return ["Deprecated."]
    return ["Deprecated. " + lines[0], *lines[1:]]


def doc_of(s: Schema) -> list[str] | None:
    """Docstring lines of a property or alias, looking through a nullable union."""
    inner, _ = split_nullable(s)
    desc = s.get("description") or inner.get("description")
    return with_deprecated(
        first_paragraph(desc), bool(s.get("deprecated") or inner.get("deprecated"))
    )


def render_doc(lines: list[str] | None, indent: str) -> str:
    if not lines:
        return ""
    lines = [ln.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') for ln in lines]
    if len(lines) == 1 and not lines[0].endswith('"'):
        return f'{indent}"""{lines[0]}"""\n'
    body = "".join(f"{indent}{ln}\n" if ln else "\n" for ln in lines[1:])
    return f'{indent}"""{lines[0]}\n{body}{indent}"""\n'


# --- declarations ----------------------------------------------------------------------


@dataclass
class Ann:
    """A type annotation; ``| None`` is added by whoever uses it, from ``nullable``."""

    text: str
    nullable: bool = False
    is_class: bool = False  # a generated class: a response union with one takes UnknownVariant
    deps: set[str] = field(default_factory=set)  # names the annotation uses

    def optional_text(self) -> str:
        return self.text + (" | None" if self.nullable else "")


@dataclass
class Field:
    name: str
    ann: Ann
    required: bool
    doc: list[str] | None


@dataclass
class Decl:
    """One top-level definition of a module."""

    name: str
    module: str
    kind: Literal["class", "typeddict", "alias", "pending"]
    code: str
    deps: set[str]
    order: int


class Generator:
    """Walks schemas from the roots and collects one Decl per generated name."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.decls: dict[str, Decl] = {}
        self.response_names: set[str] = set()
        self._refs: dict[tuple[str, Side], tuple[str, bool, bool]] = {}
        self._alias_text: dict[tuple[str, Side], str] = {}
        self._counter = 0

    def _next_order(self) -> int:
        self._counter += 1
        return self._counter

    def _add(self, decl: Decl) -> None:
        assert decl.name not in self.decls, decl.name
        self.decls[decl.name] = decl

    def ref(self, name: str, side: Side) -> Ann:
        """The annotation for ``#/components/schemas/<name>``, generating it once per side."""
        if (name, side) not in self._refs:
            self._refs[(name, side)] = self._named(name, side)
        pub, nullable, is_class = self._refs[(name, side)]
        return Ann(pub, nullable, is_class, {pub})

    def _named(self, name: str, side: Side) -> tuple[str, bool, bool]:
        s = self.spec.schemas[name]
        mod = self.spec.module_of(name)
        inner, nullable = split_nullable(s)
        if is_object_schema(inner):
            return self._object(name, inner, side, mod, toplevel=s), nullable, True
        ann = self.type_of(s, name, side, mod)
        text = ann.optional_text()
        self._alias_text[(name, side)] = text
        pub = name
        if side == "req" and self._alias_text.get((name, "resp"), text) != text:
            pub = name + "Param"  # the response side has an alias of this name
        if pub not in self.decls:
            code = f"{pub}: TypeAlias = {text}\n" + render_doc(doc_of(s), "")
            self._add(Decl(pub, mod, "alias", code, ann.deps | {"TypeAlias"}, self._next_order()))
            if side == "resp":
                self.response_names.add(pub)
        return pub, False, False

    def type_of(self, s: Schema, hint: str, side: Side, mod: str) -> Ann:
        """The annotation for any schema; ``hint`` names the classes of inline objects."""
        s, nullable = split_nullable(s)
        ann = self._type_of(s, hint, side, mod)
        ann.nullable = ann.nullable or nullable
        return ann

    def _type_of(self, s: Schema, hint: str, side: Side, mod: str) -> Ann:
        if "$ref" in s:
            return self.ref(s["$ref"].rsplit("/", 1)[1], side)
        if "allOf" in s:
            if len(s["allOf"]) != 1:
                raise NotImplementedError(f"allOf at {hint}")
            return self.type_of(s["allOf"][0], hint, side, mod)
        for key in ("oneOf", "anyOf"):
            if key in s:
                return self._union(s[key], hint, side, mod)
        if "const" in s:
            return Ann(f"Literal[{json.dumps(s['const'])}]", deps={"Literal"})
        if "enum" in s:
            return Ann(f"Literal[{', '.join(json.dumps(v) for v in s['enum'])}]", deps={"Literal"})
        t = s.get("type")
        scalar = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
        if isinstance(t, str) and t in scalar:
            return Ann(scalar[t])
        if t == "array":
            item = self.type_of(s.get("items", {}), hint + "Item", side, mod)
            return Ann(f"list[{item.optional_text()}]", deps=item.deps)
        if is_object_schema(s):
            pub = self._object(hint, s, side, mod)
            return Ann(pub, is_class=True, deps={pub})
        if is_map_schema(s) or t == "object":
            extra = s.get("additionalProperties", True)
            if isinstance(extra, bool) or not extra:
                return Ann("dict[str, Any]", deps={"Any"})
            value = self.type_of(extra, hint + "Value", side, mod)
            return Ann(f"dict[str, {value.optional_text()}]", deps=value.deps)
        if not t:
            return Ann("Any", deps={"Any"})
        raise NotImplementedError(f"{hint}: {s}")

    def _union(self, members: list[Schema], hint: str, side: Side, mod: str) -> Ann:
        parts: list[str] = []
        union = Ann("", deps=set())
        has_class = False
        for i, m in enumerate(members):
            if len(members) > 1 and "$ref" not in m and is_object_schema(split_nullable(m)[0]):
                raise NotImplementedError(f"inline object in union at {hint}")
            a = self.type_of(m, hint if len(members) == 1 else f"{hint}Variant{i}", side, mod)
            union.nullable |= a.nullable
            union.deps |= a.deps
            has_class |= a.is_class
            for p in split_top(a.text):
                if p not in parts and p != "UnknownVariant":
                    parts.append(p)
        if side == "resp" and has_class:
            parts.append("UnknownVariant")
            union.deps.add("UnknownVariant")
        union.text = " | ".join(parts)
        return union

    def _object(
        self, raw: str, s: Schema, side: Side, mod: str, toplevel: Schema | None = None
    ) -> str:
        """Generate the class of an object schema (once) and return its name."""
        pub = raw + "Param" if side == "req" and raw in self.response_names else raw
        if pub in self.decls:
            return pub
        order = self._next_order()
        if side == "resp":
            self.response_names.add(pub)
        self.decls[pub] = Decl(pub, mod, "pending", "", set(), order)  # ends recursion
        src = toplevel if toplevel is not None else s
        cdoc = with_deprecated(
            first_paragraph(s.get("description") or src.get("description") or src.get("title")),
            bool(s.get("deprecated") or src.get("deprecated")),
        )
        required = set(s.get("required", ()))
        fields: list[Field] = []
        for pname, p in s["properties"].items():
            if not pname.isidentifier() or keyword.iskeyword(pname):
                raise SystemExit(f"field {raw}.{pname} is not a Python name; it needs renaming")
            ann = self.type_of(p, raw + pascal(pname), side, mod)
            fields.append(Field(pname, ann, pname in required, doc_of(p)))
        deps = set().union(*(f.ann.deps for f in fields))
        if side == "resp":
            decl = Decl(pub, mod, "class", render_attrs(pub, cdoc, fields), deps, order)
            decl.deps |= {"attrs", "BaseModel"}
        else:
            decl = Decl(pub, mod, "typeddict", render_typeddict(pub, cdoc, fields), deps, order)
            decl.deps.add("TypedDict")
        decl.deps.discard(pub)
        self.decls[pub] = decl
        return pub


def render_attrs(name: str, doc: list[str] | None, fields: list[Field]) -> str:
    body = render_doc(doc, "    ")
    for f in fields:
        optional = f.ann.nullable or not f.required
        text = f.ann.text + (" | None = None" if optional else "")
        body += ("\n" if body else "") + f"    {f.name}: {text}\n" + render_doc(f.doc, "    ")
    head = f"@attrs.define(slots=True, kw_only=True)\nclass {name}(BaseModel):\n"
    return head + (body or "    pass\n")


def render_typeddict(name: str, doc: list[str] | None, fields: list[Field]) -> str:
    def block(items: list[Field]) -> str:
        out = ""
        for f in items:
            out += ("\n" if out else "") + f"    {f.name}: {f.ann.optional_text()}\n"
            out += render_doc(f.doc, "    ")
        return out

    required = [f for f in fields if f.required]
    optional = [f for f in fields if not f.required]
    doc_text = render_doc(doc, "    ")
    doc_text += "\n" if doc_text else ""
    if required and optional:
        base = f"_{name}Required"
        return (
            f"class {base}(TypedDict):\n{block(required)}\n\n"
            f"class {name}({base}, total=False):\n{doc_text}{block(optional)}"
        )
    if required:
        return f"class {name}(TypedDict):\n{doc_text}{block(required)}"
    return f"class {name}(TypedDict, total=False):\n{doc_text}{block(optional)}"


# --- modules ---------------------------------------------------------------------------

TYPING_NAMES = ["Any", "Literal", "TypeAlias", "TypedDict"]
BASE_NAMES = ["BaseModel", "UnknownVariant"]  # from openai_async._models


def topo(decls: list[Decl]) -> list[Decl]:
    """Aliases ordered so that each comes after the aliases it uses."""
    by_name = {d.name: d for d in decls}
    out: list[Decl] = []
    seen: set[str] = set()

    def visit(d: Decl) -> None:
        if d.name not in seen:
            seen.add(d.name)
            for dep in sorted(d.deps & by_name.keys()):
                visit(by_name[dep])
            out.append(d)

    for d in decls:
        visit(d)
    return out


def render_module(mod: str, decls: list[Decl], where: dict[str, str], exports: list[str]) -> str:
    decls = sorted(decls, key=lambda d: d.order)
    deps: set[str] = set().union(*(d.deps for d in decls))
    text = f'"""{MODULE_DOC[mod]}"""\n\nfrom __future__ import annotations\n\n'
    if typing_names := [n for n in TYPING_NAMES if n in deps]:
        text += f"from typing import {', '.join(typing_names)}\n\n"
    if "attrs" in deps:
        text += "import attrs\n\n"
    if base_names := [n for n in BASE_NAMES if n in deps]:
        text += f"from .._models import {', '.join(base_names)}\n"
    imported: dict[str, set[str]] = collections.defaultdict(set)
    for name in deps:
        if where.get(name, mod) != mod:
            imported[where[name]].add(name)
    for other in sorted(imported):
        text += f"from .{other} import {', '.join(sorted(imported[other]))}\n"
    text += "\n__all__ = [\n" + "".join(f'    "{n}",\n' for n in exports) + "]\n"
    classes = [d for d in decls if d.kind != "alias"]
    for d in classes + topo([d for d in decls if d.kind == "alias"]):
        text += "\n\n" + d.code
    if aliases := [(a, t) for a, t in ALIASES.items() if where[t] == mod]:
        text += "\n\n" + "".join(f"{a} = {t}\n" for a, t in aliases)
    return text


def render_init(exports: dict[str, list[str]]) -> str:
    text = f'"""{INIT_DOC}"""\n\nfrom __future__ import annotations\n\n'
    for mod, names in exports.items():
        text += f"from .{mod} import (\n" + "".join(f"    {n},\n" for n in names) + ")\n"
    every = sorted(n for names in exports.values() for n in names)
    assert len(every) == len(set(every)), "a name is exported by two modules"
    return text + "\n__all__ = [\n" + "".join(f'    "{n}",\n' for n in every) + "]\n"


def render(spec: Spec) -> dict[str, str]:
    """``{file name: source}`` of the models package, before formatting."""
    gen = Generator(spec)
    for name in RESPONSE_ROOTS:
        gen.ref(name, "resp")
    for name in REQUEST_ROOTS:
        gen.ref(name, "req")
    by_module: dict[str, list[Decl]] = collections.defaultdict(list)
    for d in gen.decls.values():
        by_module[d.module].append(d)
    where = {d.name: d.module for d in gen.decls.values()}
    missing = sorted(by_module.keys() - MODULE_DOC.keys())
    if missing:
        raise SystemExit(f"add a docstring to MODULE_DOC for module(s) {', '.join(missing)}")
    exports = {
        mod: sorted(
            [d.name for d in by_module[mod]] + [a for a, t in ALIASES.items() if where[t] == mod]
        )
        for mod in sorted(by_module)
    }
    files = {
        f"{mod}.py": render_module(mod, by_module[mod], where, exports[mod]) for mod in exports
    }
    files["__init__.py"] = render_init(exports)
    return {name: HEADER + "\n" + text for name, text in files.items()}


def main() -> int:
    cli = parser(__doc__, OUT)
    cli.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the OpenAPI spec (YAML)")
    args = cli.parse_args()
    spec = Spec(load_spec(args.spec))
    return write_or_check(
        OUT,
        lambda out: write_files(out, render(spec)),
        check=args.check,
        script="gen_models.py",
        source="the OpenAPI spec",
    )


if __name__ == "__main__":
    sys.exit(main())
