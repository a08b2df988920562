"""Generate the response models and request types (``openai_async/models/``) from the OpenAPI spec.

Every component schema is generated, plus the inline schemas that need a name (inline
objects, and the inline bodies, parameters and responses of operations). Rules:

- side: a schema reached from an operation's response (or a webhook payload) is a
  response model, one reached from a request body or parameter a request type; a schema
  no operation reaches takes its side from its name (REQUEST_NAME). Both sides: both.
- response side: object schemas are attrs classes on ``BaseModel``; request side:
  TypedDicts (required keys in a ``_<Name>Required`` base). The request twin of a
  response class takes ``Param`` (``Param2``... if the spec already uses that name).
- ``enum`` / ``const``: ``Literal[...]``; other schemas without properties: a TypeAlias
  (one alias for both sides when no object is inside).
- ``allOf``: the members' properties merged into one class; with a union inside, the union.
- ``oneOf`` / ``anyOf``: a union; in responses, a union with a class in it also takes
  ``UnknownVariant`` (a variant this SDK version does not know). The converter resolves
  it by the members' ``Literal`` fields (``type``, then ``role``...), which is how the
  spec's ``discriminator``s are drawn; the generator checks that every one of them is.
- inline schemas are named ``<Parent><Prop>`` (PascalCase); array items ``...Item``, map
  values ``...Value``; union members by their ``title``, else ``<Parent><type value>``,
  else ``<Parent>Variant<i>``. Operations: ``<OperationId>Request`` / ``Response`` /
  ``<Param>``.
- response fields that are optional, or required but nullable: ``X | None = None``.
- JSON keys that are not Python names (``self-harm/intent``, keywords): a snake_case
  attribute with the key in ``attrs.field(metadata={"json": key})``; TypedDicts with such
  keys use the functional syntax. Builtins that a field shadows are written
  ``_builtins.str`` in that class's annotations.
- docstrings: the description's first paragraph; ``deprecated``: "Deprecated. ..." prefix.
- module: by the API areas (operation tags, TAG_MODULE; untagged operations by path,
  PATH_MODULE, BETA_MODULE) that reach a schema; several areas: AREA_GROUPS, else
  ``shared``; unreached schemas by name (NAME_MODULE), else by the schemas they use.
  A cycle between modules fails the generation.
- ``models/__init__.py`` imports nothing at run time: each name loads its module on
  first access (PEP 562); a ``TYPE_CHECKING`` block lets type checkers see them.

    python scripts/gen_models.py            # rewrite openai_async/models/ (whole directory)
    python scripts/gen_models.py --check    # exit 1 if the tree on disk differs (whole tree)
    ... --spec PATH                         # default: ../shared/openapi/openapi.yaml
    ... --legacy PATH                       # merged in; default: scripts/legacy_openapi.yaml

For other generators (resources): ``build(Spec(load_specs(path)))`` gives the Generator
after it has named every schema of the spec; ``gen.ref(name, side)`` and
``gen.type_of(schema, hint, side, Ctx(...))`` answer the Python type of a schema (its
``deps`` are the names to import, ``gen.module_of(name)`` their module).

Needs PyYAML (generation time only; the package never imports it) and ruff.
"""

from __future__ import annotations

import collections
import io
import json
import keyword
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

sys.path.insert(0, str(Path(__file__).resolve().parent))  # however this file is loaded
from _codegen import ROOT, header, parser, write_files, write_or_check

OUT = ROOT / "openai_async" / "models"
DEFAULT_SPEC = ROOT.parent / "shared" / "openapi" / "openapi.yaml"
LEGACY_SPEC = ROOT / "scripts" / "legacy_openapi.yaml"  # our own: endpoints the spec dropped
HEADER = header("gen_models.py", "the OpenAPI spec")

# --- where things go (reviewed tables) ---------------------------------------------------

ADMIN_TAGS = [
    "Audit Logs",
    "Certificates",
    "Data retention",
    "Group organization role assignments",
    "Group users",
    "Groups",
    "Hosted tools",
    "Invites",
    "Project group role assignments",
    "Project groups",
    "Project user role assignments",
    "Projects",
    "Roles",
    "Spend alerts",
    "Usage",
    "User organization role assignments",
    "Users",
]
# Operation tag -> module of the schemas only that API area reaches.
TAG_MODULE = {
    "Assistants": "assistants",
    "Audio": "audio",
    "Batch": "batch",
    "Chat": "chat",
    "Completions": "completions",
    "Conversations": "conversations",
    "Embeddings": "embeddings",
    "Evals": "evals",
    "Files": "files",
    "Fine-tuning": "fine_tuning",
    "Images": "images",
    "Models": "models",
    "Moderations": "moderations",
    "Realtime": "realtime",
    "Responses": "responses",
    "Skills": "skills",
    "Uploads": "uploads",
    "Vector stores": "vector_stores",
    "Videos": "videos",
    **dict.fromkeys(ADMIN_TAGS, "admin"),
}
# Operations on ``...?beta=true`` paths: module of the tag -> module of the beta variant
# (its schemas are mirrored as ``Beta...``; apart, importing one does not load the other).
BETA_MODULE = {"responses": "beta_responses"}
# Operations without tags: first path segment -> module.
PATH_MODULE = {
    "chatkit": "chatkit",
    "containers": "containers",
    "content_provenance_checks": "content_provenance",
    "organization": "admin",
    "responses": "responses",
}
WEBHOOKS = "webhooks"  # payloads of the spec's webhooks
SHARED = "shared"
# A schema reached by several areas goes to the first module whose set holds them all
# (items, tools and content of the Responses API are also used by conversations, evals,
# realtime and containers; graders by evals and fine-tuning), else to ``shared``.
AREA_GROUPS = [
    (
        "responses",
        {"responses", "beta_responses", "conversations", "evals", "realtime", "containers"},
    ),
    ("graders", {"evals", "fine_tuning"}),
]
# Schemas no operation reaches: module by name prefix (first match), else the module of
# the schemas they use (``shared`` if none).
NAME_MODULE = [
    ("Realtime", "realtime"),
    ("Beta", "beta_responses"),
    ("Response", "responses"),
    ("DragPoint", "responses"),
    ("OutputAudio", "responses"),
    ("DeletedConversation", "conversations"),
    ("Assistant", "assistants"),
    ("CodeInterpreter", "assistants"),
    ("DoneEvent", "assistants"),
    ("ErrorEvent", "assistants"),
    ("Message", "assistants"),
    ("Run", "assistants"),
    ("Thread", "assistants"),
    ("ChatCompletion", "chat"),
    ("FineTune", "fine_tuning"),
    ("Transcription", "audio"),
]
# ... and side by name: these are sent, the rest received.
REQUEST_NAME = re.compile(r"ClientEvent|Request|Param")
# Friendly names (alias = spec name), exported from the module of their target.
ALIASES = {
    "ChatCompletion": "CreateChatCompletionResponse",
    "ChatCompletionChunk": "CreateChatCompletionStreamResponse",
    "ChatCompletionMessage": "ChatCompletionResponseMessage",
    "Completion": "CreateCompletionResponse",
    "ModelDeleted": "DeleteModelResponse",
    "FileObject": "OpenAIFile",
    "Assistant": "AssistantObject",
    "Thread": "ThreadObject",
    "Run": "RunObject",
    "RunStep": "RunStepObject",
    "VectorStore": "VectorStoreObject",
    "VectorStoreFile": "VectorStoreFileObject",
    "VectorStoreFileBatch": "VectorStoreFileBatchObject",
    "Conversation": "ConversationResource",
    "Container": "ContainerResource",
    "Video": "VideoResource",
    "Transcription": "CreateTranscriptionResponseJson",
    "Translation": "CreateTranslationResponseJson",
    "ModerationCreateResponse": "CreateModerationResponse",
}
MODULE_DOC = {
    "admin": "Administration (``/organization``): projects, users, keys, audit logs, usage.",
    "assistants": "Assistants API (beta): assistants, threads, messages, runs, run steps.",
    "audio": "Audio API: speech, transcriptions, translations, voices.",
    "batch": "Batch API.",
    "beta_responses": "Responses API, beta variants (``?beta=true``).",
    "chat": "Chat Completions API.",
    "chatkit": "ChatKit API (beta): sessions and threads.",
    "completions": "Completions API (legacy).",
    "containers": "Containers API and container files.",
    "content_provenance": "Content provenance checks.",
    "conversations": "Conversations API.",
    "embeddings": "Embeddings API.",
    "evals": "Evals API.",
    "files": "Files API.",
    "fine_tuning": "Fine-tuning API: jobs, checkpoints, permissions.",
    "graders": "Graders, used by evals and fine-tuning.",
    "images": "Images API.",
    "models": "Models API.",
    "moderations": "Moderations API.",
    "realtime": "Realtime API: sessions, client and server events.",
    "responses": "Responses API: responses, items, tools, content and stream events.",
    "shared": "Schemas used by more than one API area.",
    "skills": "Skills API.",
    "uploads": "Uploads API.",
    "vector_stores": "Vector stores API: stores, files, file batches, search.",
    "videos": "Videos API.",
    "webhooks": "Webhook event payloads.",
}
INIT_DOC = """Response models and request parameter types, one module per API area.

Importing this package imports none of them: each name loads its module on first use.
"""

Schema = dict[str, Any]
Side = Literal["resp", "req"]
SIDES: tuple[Side, Side] = ("resp", "req")


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


def load_specs(main: Path, legacy: Path = LEGACY_SPEC) -> Schema:
    """The main spec with the legacy spec's paths and components merged in."""
    return merge_specs(load_spec(main), load_spec(legacy), legacy.name)


def merge_specs(spec: Schema, extra: Schema, source: str) -> Schema:
    """``spec`` plus ``extra``'s operations and components; any name clash is refused."""
    ids = {
        op.get("operationId")
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
    }
    paths = dict(spec["paths"])
    for path, item in extra.get("paths", {}).items():
        clash = item.keys() & paths.get(path, {}).keys()
        clash |= {op.get("operationId") for op in item.values() if isinstance(op, dict)} & ids
        if clash:
            raise SystemExit(f"{source}: {path} clashes with the main spec on {sorted(clash)}")
        paths[path] = {**paths.get(path, {}), **item}
    components = dict(spec["components"])
    for kind, named in extra.get("components", {}).items():
        clash = named.keys() & components.get(kind, {}).keys()
        if clash:
            raise SystemExit(
                f"{source}: components.{kind} {sorted(clash)} clash with the main spec"
            )
        components[kind] = {**components.get(kind, {}), **named}
    return {**spec, "paths": paths, "components": components}


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


@dataclass
class Operation:
    method: str
    path: str
    raw: Schema
    module: str

    @property
    def id(self) -> str:
        return str(self.raw["operationId"])

    def request_schemas(self) -> Iterator[tuple[str, Schema]]:
        """``(hint, schema)`` of the request body and of the parameters."""
        body = self.raw.get("requestBody") or {}
        for media in (body.get("content") or {}).values():
            if "schema" in media:
                yield pascal(self.id) + "Request", media["schema"]
        for param in self.raw.get("parameters", ()):
            if "schema" in param:
                yield pascal(self.id) + pascal(param["name"]), param["schema"]

    def response_schemas(self, shared_responses: Schema) -> Iterator[tuple[str, Schema]]:
        """``(hint, schema)`` of every response body the operation declares."""
        for reply in (self.raw.get("responses") or {}).values():
            if "$ref" in reply:
                reply = shared_responses[reply["$ref"].rsplit("/", 1)[1]]
            for media in (reply.get("content") or {}).values():
                if "schema" in media:
                    yield pascal(self.id) + "Response", media["schema"]


class Spec:
    """The component schemas and operations, with the module and sides of each schema."""

    def __init__(self, raw: Schema) -> None:
        self.raw = raw
        self.schemas: dict[str, Schema] = raw["components"]["schemas"]
        self.responses: Schema = raw["components"].get("responses", {})
        self.direct = {name: set(schema_refs(s)) for name, s in self.schemas.items()}
        self.operations: list[Operation] = []
        for path, item in raw["paths"].items():
            for method, op in item.items():
                if isinstance(op, dict) and "operationId" in op:
                    self.operations.append(Operation(method, path, op, operation_module(path, op)))
        areas: dict[str, set[str]] = collections.defaultdict(set)
        self.sides: dict[str, set[Side]] = collections.defaultdict(set)
        for op in self.operations:
            for side, schemas in (
                ("req", [s for _, s in op.request_schemas()]),
                ("resp", [s for _, s in op.response_schemas(self.responses)]),
            ):
                for name in closure(schema_refs(schemas), self.direct):
                    areas[name].add(op.module)
                    self.sides[name].add(cast(Side, side))
        for hook in raw.get("webhooks", {}).values():
            for name in closure(schema_refs(hook), self.direct):
                areas[name].add(WEBHOOKS)
                self.sides[name].add("resp")
        # Schemas no operation reaches: each is a root with a module and a side from its
        # name, given to everything it reaches that nothing else gave one.
        reached = {name: module_for(a) for name, a in areas.items()}
        extra_areas: dict[str, set[str]] = collections.defaultdict(set)
        for root in [n for n in self.schemas if n not in areas]:
            side: Side = "req" if REQUEST_NAME.search(root) else "resp"
            for name in closure([root], self.direct):
                self.sides[name].add(side)
                if name not in areas:
                    extra_areas[name].add(self._unreached_module(root, reached))
        self.module: dict[str, str] = {
            name: reached.get(name) or module_for(extra_areas[name]) for name in self.schemas
        }

    def module_of(self, name: str) -> str:
        return self.module[name]

    def _unreached_module(self, name: str, reached: dict[str, str]) -> str:
        """By name (NAME_MODULE), else the area module of the schemas it uses (never
        ``shared`` when it uses an area's schemas: ``shared`` must not import areas)."""
        by_name = next((mod for prefix, mod in NAME_MODULE if name.startswith(prefix)), None)
        if by_name:
            return by_name
        used = {reached[n] for n in closure([name], self.direct) if n in reached} - {SHARED}
        return next(iter(used)) if len(used) == 1 else module_for(used) if used else SHARED


def operation_module(path: str, op: Schema) -> str:
    module = _tag_module(path, op)
    return BETA_MODULE.get(module, module) if path.endswith("?beta=true") else module


def _tag_module(path: str, op: Schema) -> str:
    tags = op.get("tags") or []
    if not tags:
        segment = path.strip("/").split("/")[0].split("?")[0]
        if segment not in PATH_MODULE:
            raise SystemExit(f"untagged operation {path} has no module in PATH_MODULE")
        return PATH_MODULE[segment]
    unknown = [t for t in tags if t not in TAG_MODULE]
    if unknown:
        raise SystemExit(f"operation tag(s) {unknown} ({path}) have no module in TAG_MODULE")
    return module_for({TAG_MODULE[t] for t in tags})


def module_for(areas: set[str]) -> str:
    if len(areas) == 1:
        return next(iter(areas))
    for module, group in AREA_GROUPS:
        if areas and areas <= group:
            return module
    return SHARED


# --- schema helpers ------------------------------------------------------------------

# Keys that describe a schema without constraining its type.
ANNOTATION_KEYS = {
    "description",
    "title",
    "deprecated",
    "default",
    "example",
    "examples",
    "nullable",
    "readOnly",
    "writeOnly",
    "x-oaiMeta",
    "x-oaiTypeLabel",
    "x-oaiExpandable",
    "x-stainless-const",
}


def split_nullable(s: Schema) -> tuple[Schema, bool]:
    """The schema without its null alternative, and whether null was allowed."""
    nullable = bool(s.get("nullable"))
    t = s.get("type")
    if t == "null":
        return {}, True
    if isinstance(t, list) and "null" in t:
        rest = [x for x in t if x != "null"]
        s = {**s, "type": rest[0] if len(rest) == 1 else rest}
        nullable = True
    if "enum" in s and None in s["enum"]:
        s = {**s, "enum": [v for v in s["enum"] if v is not None]}
        nullable = True
    for key in ("anyOf", "oneOf"):
        if key in s:
            members = [m for m in s[key] if not (isinstance(m, dict) and m.get("type") == "null")]
            if len(members) < len(s[key]):
                nullable = True
                if len(members) == 1 and not is_object_schema(s):
                    return members[0], nullable
                s = {**s, key: members}
    return s, nullable


def is_object_schema(s: Schema) -> bool:
    return isinstance(s.get("properties"), dict) and bool(s["properties"])


def is_constraint_only(s: Schema) -> bool:
    """``{"required": [...]}`` and the like: validation rules, not a shape."""
    return not (
        {"$ref", "properties", "type", "oneOf", "anyOf", "allOf", "enum", "const"} & s.keys()
    )


def class_name(name: str) -> str:
    """A spec name as a Python class name (``Error-2`` -> ``Error2``)."""
    return re.sub(r"\W+", "", name)


def pascal(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[_\W]+", name) if p)


# BaseModel's own names: a JSON key spelled like one gets a trailing "_" as attribute.
BASE_MEMBERS = {
    *("model_extra", "model_fields", "model_fields_set", "model_dump", "model_dump_json"),
    *("model_construct", "construct", "model_copy", "model_validate", "model_validate_json"),
    *("response_info", "request_id"),
    *("to_dict", "to_json", "from_dict"),
}


def py_name(key: str) -> str:
    """A Python attribute name for a JSON key (``self-harm/intent`` -> ``self_harm_intent``)."""
    name = re.sub(r"\W+", "_", key).strip("_").lower() or "field"
    if name[0].isdigit():
        name = "n_" + name
    if keyword.iskeyword(name) or name in BASE_MEMBERS:
        name += "_"
    return name


def py_literal(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


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


def names_in(text: str) -> list[tuple[int, str]]:
    """``(offset, name)`` of every Python name in an annotation (string literals skipped)."""
    out: list[tuple[int, str]] = []
    prev = ""
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.NAME and prev != ".":
            out.append((tok.start[1], tok.string))
        prev = tok.string
    return out


def qualify_builtins(text: str, shadowed: set[str]) -> str:
    """``str`` -> ``_builtins.str`` for the builtins a field of the class shadows."""
    for offset, name in reversed(names_in(text)):
        if name in shadowed:
            text = text[:offset] + "_builtins." + text[offset:]
    return text


# --- docstrings ------------------------------------------------------------------------


def first_paragraph(text: str | None) -> list[str] | None:
    if not text or not isinstance(text, str) or not text.strip():
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


# Characters that read like ASCII ones (ruff's RUF002 flags them in docstrings).
CONFUSABLES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-"}
)


def render_doc(lines: list[str] | None, indent: str) -> str:
    if not lines:
        return ""
    lines = [ln.translate(CONFUSABLES) for ln in lines]
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
    key: str  # the JSON key
    name: str  # the Python attribute
    ann: Ann
    required: bool
    doc: list[str] | None


@dataclass
class Decl:
    """One top-level definition of a module."""

    name: str
    module: str
    kind: Literal["class", "typeddict", "alias", "pending"]
    side: Side
    code: str
    deps: set[str]
    order: int


@dataclass(frozen=True)
class Ctx:
    """Where a schema sits: the component it belongs to (for ``$recursiveRef``) and the
    module its inline classes go to."""

    owner: str | None
    module: str


@dataclass
class Discriminated:
    """A spec ``discriminator``, to check against the generated members."""

    where: str
    prop: str
    members: list[str]
    mapping: dict[str, str]  # discriminator value -> the generated member


class Generator:
    """Names every schema of the spec and collects one Decl per generated name."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.decls: dict[str, Decl] = {}
        self.frozen = False  # set by build(): later calls may only find existing names
        self._counter = 0
        self._refs: dict[tuple[str, Side], Ann] = {}
        self._inline: dict[tuple[int, Side], str] = {}
        self._titled: dict[tuple[str, Side, str], str] = {}
        self._merged: dict[int, Schema] = {}
        self._split: dict[int, tuple[Schema, Schema, bool]] = {}
        self._objecty: dict[str, bool] = {}
        self._in_alias: set[tuple[str, Side]] = set()
        self.discriminators: list[Discriminated] = []
        # Component names are claimed before any inline name can take them.
        self.taken: set[str] = {class_name(n) for n in spec.schemas}
        if len(self.taken) < len(spec.schemas):
            raise SystemExit("two schema names differ only in characters Python names lack")
        self.public: dict[tuple[str, Side], str] = {}
        for name in spec.schemas:
            sides = spec.sides[name] or {"resp"}
            if "resp" in sides or not self.side_dependent(name):
                self.public[(name, "resp")] = class_name(name)
            if "req" in sides:
                if "resp" in sides and self.side_dependent(name):
                    self.public[(name, "req")] = self._claim(class_name(name) + "Param")
                else:
                    self.public[(name, "req")] = class_name(name)

    # -- names ---------------------------------------------------------------------------

    def _claim(self, base: str) -> str:
        """``base``, or ``base2``, ``base3``... when the name is taken."""
        name, i = class_name(base), 1
        while name in self.taken:
            i += 1
            name = f"{class_name(base)}{i}"
        self.taken.add(name)
        return name

    def module_of(self, name: str) -> str:
        """The module (under ``openai_async.models``) that defines a generated name."""
        if name in ALIASES:
            name = ALIASES[name]
        return self.decls[name].module

    def side_dependent(self, name: str) -> bool:
        """Whether a component has an object in it (and so differs between the sides)."""
        if name not in self._objecty:
            self._objecty[name] = False  # recursion: decided by the other members
            self._objecty[name] = self._has_object(self.spec.schemas[name])
        return self._objecty[name]

    def _has_object(self, s: object) -> bool:
        if isinstance(s, dict):
            if is_object_schema(s):
                return True
            ref = s.get("$ref")
            if isinstance(ref, str):
                return self.side_dependent(ref.rsplit("/", 1)[1])
            return any(
                self._has_object(v)
                for k, v in s.items()
                if k not in ANNOTATION_KEYS and k not in ("enum", "const")
            )
        if isinstance(s, list):
            return any(self._has_object(v) for v in s)
        return False

    # -- types ---------------------------------------------------------------------------

    def _next_order(self) -> int:
        self._counter += 1
        return self._counter

    def _add(self, decl: Decl) -> None:
        if self.frozen:
            raise RuntimeError(f"{decl.name}: build() has named every schema already")
        assert decl.name not in self.decls or self.decls[decl.name].kind == "pending", decl.name
        self.decls[decl.name] = decl

    def ref(self, name: str, side: Side) -> Ann:
        """The annotation for ``#/components/schemas/<name>``, generating it once per side."""
        if not self.side_dependent(name):
            side = "resp"
        key = (name, side)
        if key not in self._refs:
            if key in self._in_alias:
                raise SystemExit(f"schema {name} is a recursive alias; not supported")
            self._in_alias.add(key)
            try:
                self._refs[key] = self._named(name, side)
            finally:
                self._in_alias.discard(key)
        a = self._refs[key]
        return Ann(a.text, a.nullable, a.is_class, set(a.deps))

    def _named(self, name: str, side: Side) -> Ann:
        s = self.spec.schemas[name]
        pub = self.public[(name, side)]
        ctx = Ctx(name, self.spec.module_of(name))
        inner, nullable = self.split(s)
        obj = self.object_shape(inner)
        if obj is not None:
            self._refs[(name, side)] = Ann(pub, nullable, True, {pub})  # ends recursion
            self._object(pub, obj, side, ctx, class_name(name), toplevel=s)
            return Ann(pub, nullable, True, {pub})
        ann = self.type_of(s, name, side, ctx)
        code = f"{pub}: TypeAlias = {ann.optional_text()}\n" + render_doc(doc_of(s), "")
        deps = ann.deps | {"TypeAlias"}
        self._add(Decl(pub, ctx.module, "alias", side, code, deps, self._next_order()))
        return Ann(pub, ann.nullable, False, {pub})  # nullable: fields take `= None`

    def split(self, s: Schema) -> tuple[Schema, bool]:
        """``split_nullable``, giving the same dict for the same schema (names of inline
        objects are remembered by the identity of their schema)."""
        key = id(s)
        if key not in self._split:
            self._split[key] = (s, *split_nullable(s))
        return self._split[key][1], self._split[key][2]

    def type_of(self, s: Schema, hint: str, side: Side, ctx: Ctx) -> Ann:
        """The annotation for any schema; ``hint`` names the classes of inline objects."""
        s, nullable = self.split(s)
        ann = self._type_of(s, hint, side, ctx)
        ann.nullable = ann.nullable or nullable
        return ann

    def _type_of(self, s: Schema, hint: str, side: Side, ctx: Ctx) -> Ann:
        if "$ref" in s:
            return self.ref(s["$ref"].rsplit("/", 1)[1], side)
        if "$recursiveRef" in s:
            assert ctx.owner is not None, hint
            return self.ref(ctx.owner, side)
        obj = self.object_shape(s)
        if obj is not None:
            pub = self._inline_object(s, obj, hint, side, ctx)
            return Ann(pub, is_class=True, deps={pub})
        if "allOf" in s:
            return self.type_of(self._allof_core(s), hint, side, ctx)
        for key in ("oneOf", "anyOf"):
            if key in s:
                return self._union(s, s[key], hint, side, ctx)
        if "const" in s:
            return Ann(f"Literal[{py_literal(s['const'])}]", deps={"Literal"})
        if "enum" in s:
            return Ann(f"Literal[{', '.join(map(py_literal, s['enum']))}]", deps={"Literal"})
        t = s.get("type")
        if isinstance(t, list):
            return self._union(s, [{**s, "type": x} for x in t], hint, side, ctx)
        if t == "string" and s.get("format") == "binary":
            return Ann("bytes")
        scalar = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
        if isinstance(t, str) and t in scalar:
            return Ann(scalar[t])
        if t == "array" or "items" in s:
            item = self.type_of(s.get("items", {}), hint + "Item", side, ctx)
            return Ann(f"list[{item.optional_text()}]", deps=item.deps)
        if t == "object" or "additionalProperties" in s:
            extra = s.get("additionalProperties", True)
            if isinstance(extra, bool) or not extra:
                return Ann("dict[str, Any]", deps={"Any"})
            value = self.type_of(extra, hint + "Value", side, ctx)
            return Ann(f"dict[str, {value.optional_text()}]", deps=value.deps)
        return Ann("Any", deps={"Any"})

    def _union(self, s: Schema, members: list[Schema], hint: str, side: Side, ctx: Ctx) -> Ann:
        parts: list[str] = []
        union = Ann("", deps=set())
        has_class = False
        names: list[str] = []
        for i, m in enumerate(members):
            a = self.type_of(m, self._member_hint(m, hint, i), side, ctx)
            union.nullable |= a.nullable
            union.deps |= a.deps
            has_class |= a.is_class
            if a.is_class:
                names.append(a.text)
            for p in split_top(a.text):
                if p not in parts and p != "UnknownVariant":
                    parts.append(p)
        if "discriminator" in s and side == "resp":
            d = s["discriminator"]
            mapping = {
                str(value): self.ref(target.rsplit("/", 1)[1], side).text
                for value, target in (d.get("mapping") or {}).items()
            }
            self.discriminators.append(Discriminated(hint, d["propertyName"], names, mapping))
        if side == "resp" and has_class:
            parts.append("UnknownVariant")
            union.deps.add("UnknownVariant")
        union.text = " | ".join(parts)
        return union

    def _member_hint(self, m: Schema, hint: str, i: int) -> str:
        """The name base of an inline union member: its title, or its type, or its index."""
        if "title" in m and self.object_shape(m) is not None:
            return "\0" + pascal(m["title"])  # \0: a title, see _inline_object
        for key in ("type", "event", "object"):
            p = (m.get("properties") or {}).get(key) or {}
            values = p.get("enum") or ([p["const"]] if "const" in p else [])
            if len(values) == 1 and isinstance(values[0], str):
                return hint + pascal(values[0])
        return f"{hint}Variant{i}"

    # -- objects ---------------------------------------------------------------------------

    def object_shape(self, s: Schema) -> Schema | None:
        """The object schema ``s`` stands for (``allOf`` members merged), or None."""
        if is_object_schema(s):
            if any(not is_constraint_only(m) for k in ("oneOf", "anyOf") for m in s.get(k, ())):
                raise SystemExit(f"properties beside a union are not supported: {list(s)}")
            return s
        if "allOf" not in s:
            return None
        if id(s) not in self._merged:
            core = self._allof_core(s)
            if core is not s:
                return None
            props: dict[str, tuple[Schema, str | None]] = {}
            required: set[str] = set()
            docs: list[Schema] = []
            self._flatten(s, None, props, required, docs)
            self._merged[id(s)] = {
                "type": "object",
                "properties": {k: v[0] for k, v in props.items()},
                "required": sorted(required),
                "x-owners": {k: v[1] for k, v in props.items()},
                "description": s.get("description")
                or next((d["description"] for d in docs if d.get("description")), None),
                "deprecated": s.get("deprecated"),
            }
        return self._merged[id(s)]

    def _allof_core(self, s: Schema) -> Schema:
        """The one member of an ``allOf`` that matters, or ``s`` when objects merge."""
        members = [m for m in s["allOf"] if not (m.keys() <= ANNOTATION_KEYS)]
        unions = [m for m in members if self._is_union(m)]
        if len(members) == 1:
            return members[0]
        if unions:  # a union with extra properties: the union (extras arrive as model_extra)
            return unions[0]
        return s

    def _is_union(self, s: Schema) -> bool:
        while "$ref" in s:
            s = self.spec.schemas[s["$ref"].rsplit("/", 1)[1]]
        return ("oneOf" in s or "anyOf" in s) and not is_object_schema(s)

    def _flatten(
        self,
        s: Schema,
        owner: str | None,
        props: dict[str, tuple[Schema, str | None]],
        required: set[str],
        docs: list[Schema],
    ) -> None:
        """Merge the properties of an ``allOf`` tree, each with the component it came from."""
        if "$ref" in s:
            name = s["$ref"].rsplit("/", 1)[1]
            s, owner = self.spec.schemas[name], name
        docs.append(s)
        for m in s.get("allOf", ()):
            self._flatten(m, owner, props, required, docs)
        for key, p in (s.get("properties") or {}).items():
            props[key] = (p, owner)
        required.update(s.get("required", ()))

    def _inline_object(self, s: Schema, obj: Schema, hint: str, side: Side, ctx: Ctx) -> str:
        key = (id(s), side)
        if key in self._inline:
            return self._inline[key]
        title = hint[1:] if hint.startswith("\0") else None
        canon = json.dumps(s, sort_keys=True, default=str) if title else ""
        if title and (ctx.module, side, canon) in self._titled:
            pub = self._titled[(ctx.module, side, canon)]
        else:
            twin = self._inline.get((id(s), "resp")) if side == "req" else None
            base = twin + "Param" if twin else (title or hint)
            if title and base in self.taken and ctx.owner:
                base = ctx.owner + base  # a title used elsewhere: prefix the component
            pub = self._claim(base)
            if title:
                self._titled[(ctx.module, side, canon)] = pub
            self._inline[key] = pub
            self._object(pub, obj, side, ctx, pub if title else hint)
        self._inline[key] = pub
        return pub

    def _object(
        self,
        pub: str,
        s: Schema,
        side: Side,
        ctx: Ctx,
        hint: str,
        toplevel: Schema | None = None,
    ) -> None:
        """Generate the class (response) or TypedDict (request) of an object schema."""
        order = self._next_order()
        self._add(Decl(pub, ctx.module, "pending", side, "", set(), order))  # ends recursion
        src = toplevel if toplevel is not None else s
        cdoc = with_deprecated(
            first_paragraph(s.get("description") or src.get("description") or src.get("title")),
            bool(s.get("deprecated") or src.get("deprecated")),
        )
        required = set(s.get("required", ()))
        owners = s.get("x-owners", {})
        fields: list[Field] = []
        used: set[str] = set()
        for key, p in s["properties"].items():
            # A property merged in from another component is named as in that component.
            owner = owners.get(key)
            if owner is not None and owner != ctx.owner:
                pctx, phint = Ctx(owner, self.spec.module_of(owner)), owner
            else:
                pctx, phint = ctx, hint
            ann = self.type_of(p, phint + pascal(key), side, pctx)
            name = py_name(key)
            while name in used:
                name += "_"
            used.add(name)
            fields.append(Field(key, name, ann, key in required, doc_of(p)))
        deps = set().union(*(f.ann.deps for f in fields)) if fields else set()
        if side == "resp":
            code, extra = render_attrs(pub, cdoc, fields)
            kind: Literal["class", "typeddict"] = "class"
        else:
            code, extra = render_typeddict(pub, cdoc, fields)
            kind = "typeddict"
        deps = (deps | extra) - {pub}
        self._add(Decl(pub, ctx.module, kind, side, code, deps, order))


def render_attrs(name: str, doc: list[str] | None, fields: list[Field]) -> tuple[str, set[str]]:
    """An attrs class, and the extra names it uses."""
    shadowed = shadowed_builtins(fields)
    body = render_doc(doc, "    ")
    for f in fields:
        optional = f.ann.nullable or not f.required
        text = qualify_builtins(f.ann.text, shadowed) + (" | None" if optional else "")
        if f.key != f.name:
            args = (
                "default=None, " if optional else ""
            ) + f"metadata={{'json': {json.dumps(f.key)}}}"
            text += f" = attrs.field({args})"
        elif optional:
            text += " = None"
        body += ("\n" if body else "") + f"    {f.name}: {text}\n" + render_doc(f.doc, "    ")
    # repr and == come from BaseModel: attrs would compile two functions per class.
    head = "@attrs.define(slots=True, kw_only=True, repr=False, eq=False)\n"
    head += f"class {name}(BaseModel):\n"
    extra = {"attrs", "BaseModel"} | ({"_builtins"} if shadowed else set())
    return head + (body or "    pass\n"), extra


BUILTIN_TYPES = {"str", "int", "float", "bool", "bytes", "list", "dict"}


def shadowed_builtins(fields: list[Field]) -> set[str]:
    """Builtins used in the annotations of a class that one of its fields shadows."""
    used = {n for f in fields for _, n in names_in(f.ann.text)}
    return {f.name for f in fields} & used & BUILTIN_TYPES


def render_typeddict(name: str, doc: list[str] | None, fields: list[Field]) -> tuple[str, set[str]]:
    """A TypedDict (two classes when it has required and optional keys)."""
    shadowed = shadowed_builtins(fields)
    functional = any(not f.key.isidentifier() or keyword.iskeyword(f.key) for f in fields)

    def ann(f: Field) -> str:
        return qualify_builtins(f.ann.optional_text(), shadowed)

    def block(items: list[Field]) -> str:
        out = ""
        for f in items:
            out += ("\n" if out else "") + f"    {f.key}: {ann(f)}\n" + render_doc(f.doc, "    ")
        return out

    def func(td: str, items: list[Field], total: bool) -> str:
        # Values as strings: evaluated lazily, like the class syntax's annotations.
        keys = "".join(f"    {json.dumps(f.key)}: {json.dumps(ann(f))},\n" for f in items)
        return f'{td} = TypedDict(\n    "{td}",\n    {{\n{keys}}},{"" if total else " total=False,"}\n)\n'

    extra = {"TypedDict"} | ({"_builtins"} if shadowed else set())
    required = [f for f in fields if f.required]
    optional = [f for f in fields if not f.required]
    doc_text = render_doc(doc, "    ")
    if functional:
        if required and optional:
            code = func(f"_{name}Required", required, True) + "\n\n"
            code += func(f"_{name}Optional", optional, False) + "\n\n"
            code += f"class {name}(_{name}Required, _{name}Optional):\n{doc_text or '    pass'}\n"
            return code, extra
        code = func(name, required or optional, bool(required))
        return code + render_doc(doc, ""), extra
    doc_text += "\n" if doc_text else ""
    if required and optional:
        base = f"_{name}Required"
        code = (
            f"class {base}(TypedDict):\n{block(required)}\n\n"
            f"class {name}({base}, total=False):\n{doc_text}{block(optional)}"
        )
    elif required:
        code = f"class {name}(TypedDict):\n{doc_text}{block(required)}"
    else:
        code = f"class {name}(TypedDict, total=False):\n{doc_text}{block(optional) or '    pass'}"
    return code, extra


# --- the whole spec -----------------------------------------------------------------------


def build(spec: Spec) -> Generator:
    """A Generator that has named every component schema and every operation's schemas."""
    gen = Generator(spec)
    # Responses first, so that request twins of response classes are the ones renamed.
    for side in SIDES:
        for name in spec.schemas:
            if side in (spec.sides[name] or {"resp"}):
                gen.ref(name, side)
        for op in spec.operations:
            ctx = Ctx(None, op.module)
            if side == "resp":
                for hint, schema in op.response_schemas(spec.responses):
                    gen.type_of(schema, hint, "resp", ctx)
            else:
                for hint, schema in op.request_schemas():
                    gen.type_of(schema, hint, "req", ctx)
    check_discriminators(gen)
    gen.frozen = True
    return gen


def check_discriminators(gen: Generator) -> None:
    """Every member of a union with a spec ``discriminator`` must have that property as a
    ``Literal`` field holding the values its ``mapping`` gives it: the converter resolves
    unions by such fields (by a second one, such as ``role``, where values repeat)."""
    problems = []
    for d in gen.discriminators:
        field = re.compile(rf"^    {re.escape(py_name(d.prop))}: Literal\[(.*?)\]", re.M)
        for member in d.members:
            if gen.decls[member].kind != "class":
                continue  # a union inside the union: its own members are checked
            found = field.search(gen.decls[member].code)
            if found is None:
                problems.append(f"{d.where}: {member} has no Literal {d.prop!r}")
                continue
            for value, target in d.mapping.items():
                if target == member and py_literal(value) not in found.group(1).split(", "):
                    problems.append(f"{d.where}: {member}.{d.prop} lacks the mapped {value!r}")
    if problems:
        raise SystemExit("discriminators the converter cannot follow:\n  " + "\n  ".join(problems))


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


def module_order(deps: dict[str, set[str]]) -> list[str]:
    """The modules, each after those it imports; a cycle is a generator bug."""
    out: list[str] = []
    state: dict[str, int] = {}

    def visit(mod: str, path: list[str]) -> None:
        if state.get(mod) == 2:
            return
        if state.get(mod) == 1:
            raise SystemExit(f"modules import each other: {' -> '.join([*path, mod])}")
        state[mod] = 1
        for other in sorted(deps[mod]):
            visit(other, [*path, mod])
        state[mod] = 2
        out.append(mod)

    for mod in sorted(deps):
        visit(mod, [])
    return out


def render_module(
    mod: str, decls: list[Decl], where: dict[str, str], exports: list[str], aliases: dict[str, str]
) -> str:
    decls = sorted(decls, key=lambda d: d.order)
    deps: set[str] = set().union(*(d.deps for d in decls))
    text = f'"""{MODULE_DOC[mod]}"""\n\nfrom __future__ import annotations\n\n'
    if "_builtins" in deps:
        text += "import builtins as _builtins\n"
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
    if mine := [(a, t) for a, t in aliases.items() if where.get(t) == mod]:
        text += "\n\n" + "".join(f"{a} = {t}\n" for a, t in mine)
    return text


def render_init(exports: dict[str, list[str]]) -> str:
    every = sorted(n for names in exports.values() for n in names)
    assert len(every) == len(set(every)), "a name is exported by two modules"
    text = f'"""{INIT_DOC}"""\n\nfrom __future__ import annotations\n\n'
    text += "import importlib\nfrom typing import TYPE_CHECKING, Any\n\n"
    text += "if TYPE_CHECKING:\n"
    for mod, names in exports.items():
        text += (
            f"    from .{mod} import (\n" + "".join(f"        {n},\n" for n in names) + "    )\n"
        )
    text += "\n__all__ = [\n" + "".join(f'    "{n}",\n' for n in every) + "]\n"
    text += "\n# Each public name -> its module, imported on first access.\n_MODULES = {\n"
    text += "".join(f'    "{n}": "{mod}",\n' for mod, names in exports.items() for n in names)
    text += "}\n"
    text += "_SUBMODULES = frozenset({" + ", ".join(f'"{m}"' for m in exports) + "})\n"
    text += """

def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        if name in _SUBMODULES:
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
"""
    return text


def render(gen: Generator, aliases: dict[str, str] = ALIASES) -> dict[str, str]:
    """``{file name: source}`` of the models package, before formatting."""
    by_module: dict[str, list[Decl]] = collections.defaultdict(list)
    for d in gen.decls.values():
        by_module[d.module].append(d)
    where = {d.name: d.module for d in gen.decls.values()}
    missing = sorted(by_module.keys() - MODULE_DOC.keys())
    if missing:
        raise SystemExit(f"add a docstring to MODULE_DOC for module(s) {', '.join(missing)}")
    bad = [a for a, t in aliases.items() if t not in where or a in where]
    if bad:
        raise SystemExit(f"ALIASES: {bad} (target missing or alias already a spec name)")
    module_order(
        {
            mod: {where[n] for d in decls for n in d.deps if where.get(n, mod) != mod}
            for mod, decls in by_module.items()
        }
    )
    exports = {
        mod: sorted(
            [d.name for d in by_module[mod]] + [a for a, t in aliases.items() if where[t] == mod]
        )
        for mod in sorted(by_module)
    }
    files = {
        f"{mod}.py": render_module(mod, by_module[mod], where, exports[mod], aliases)
        for mod in exports
    }
    files["__init__.py"] = render_init(exports)
    return {name: HEADER + "\n" + text for name, text in files.items()}


def main() -> int:
    cli = parser(__doc__, OUT)
    cli.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the OpenAPI spec (YAML)")
    cli.add_argument("--legacy", type=Path, default=LEGACY_SPEC, help="the legacy spec (YAML)")
    args = cli.parse_args()
    gen = build(Spec(load_specs(args.spec, args.legacy)))
    return write_or_check(
        OUT,
        lambda out: write_files(out, render(gen)),
        check=args.check,
        script="gen_models.py",
        source="the OpenAPI spec",
    )


if __name__ == "__main__":
    sys.exit(main())
