"""One contract case per operation of the spec, built at collection time.

A case holds what the test needs to call the SDK method the operation table
(``scripts/operations.toml``) names: the keyword arguments (required parameters only,
path parameters, a minimal valid body from ``tests/_schema_instances.py``; multipart file
fields get a small in-memory file) and what the response must decode into.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT.parent / "shared" / "openapi" / "openapi.yaml"
TABLE_PATH = ROOT / "scripts" / "operations.toml"
LEGACY_PATH = ROOT / "scripts" / "legacy_openapi.yaml"

sys.path.insert(0, str(ROOT / "tests"))
from _schema_instances import Instances  # noqa: E402

Kind = Literal["json", "binary", "stream", "empty"]
FILE = ("contract.txt", b"contract test file\n", "text/plain")
SEED = 7
API_KEY = "sk-contract-0123456789"
SYNC_SAMPLE = 30


@dataclass
class Case:
    operation_id: str
    method: str  # HTTP
    path: str
    sdk: str  # "chat.completions.create"
    kwargs: dict[str, Any]
    kind: Kind
    response_class: str | None = None  # a name in openai_async.models, when a class
    multipart: bool = False
    deprecated: bool = False  # the spec says so: the SDK method warns
    json_body: dict[str, Any] | None = None
    query: dict[str, Any] = field(default_factory=dict)
    url: str = ""  # path with the parameters filled in

    @property
    def id(self) -> str:
        return self.operation_id + ("[stream]" if self.kind == "stream" else "")


@cache
def gen_models() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_models_for_contract", ROOT / "scripts" / "gen_models.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@cache
def generator(legacy: bool = False) -> Any:
    """The models generator, built on the main spec or on the legacy one."""
    g = gen_models()
    return g.build(g.Spec(g.load_spec(LEGACY_PATH if legacy else SPEC_PATH)))


def table(section: str = "operations") -> dict[str, str]:
    """operationId -> "namespace.path.method" of a section of the operation table."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from _codegen import load_operations

    return load_operations(section=section) if TABLE_PATH.is_file() else {}


def _resolve(schemas: dict[str, Any], s: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in s:
        s = schemas[s["$ref"].rsplit("/", 1)[1]]
    return s


def _is_binary(s: dict[str, Any]) -> bool:
    return s.get("format") == "binary" or s.get("contentMediaType") == "application/octet-stream"


def _file_value(schemas: dict[str, Any], s: dict[str, Any]) -> Any | None:
    """A file (or a list of one) when the multipart field takes files, else ``None``."""
    s = _resolve(schemas, s)
    if _is_binary(s):
        return FILE
    if s.get("type") == "array" and _is_binary(_resolve(schemas, s.get("items") or {})):
        return [FILE]
    for member in s.get("anyOf") or s.get("oneOf") or ():
        value = _file_value(schemas, member)
        if value is not None:
            return value
    return None


def _response(op: Any, gen: Any) -> tuple[Kind, str | None, bool]:
    """(kind, response class name, whether the operation can also stream)."""
    g = gen_models()
    for code, reply in (op.raw.get("responses") or {}).items():
        if not str(code).startswith("2"):
            continue
        content = reply.get("content") or {}
        streams = "text/event-stream" in content
        if "application/json" in content:
            schema = content["application/json"].get("schema") or {}
            if schema.get("type") == "string" or _is_binary(schema):
                return "binary", None, streams
            hint = g.pascal(op.id) + "Response"
            ann = gen.type_of(schema, hint, "resp", g.Ctx(hint, op.module))
            return "json", ann.text if ann.is_class else None, streams
        if content:
            return "binary", None, streams
        return "empty", None, False
    return "empty", None, False


def _parameters(
    op: Any, values: Instances, shared: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(path parameter values, required query values, the path filled in)."""
    path_values: dict[str, Any] = {}
    query: dict[str, Any] = {}
    url = op.path.split("?")[0]
    for param in op.raw.get("parameters", ()):
        if "$ref" in param:
            param = shared[param["$ref"].rsplit("/", 1)[1]]
        if param.get("in") == "path":
            value = values.value(param.get("schema") or {"type": "string"}, "", 0)
            path_values[param["name"]] = value
            url = url.replace("{" + param["name"] + "}", str(value))
        elif param.get("in") == "query" and param.get("required"):
            query[param["name"]] = values.value(param.get("schema") or {}, "", 0)
    return path_values, query, url


def _body(
    op: Any, schemas: dict[str, Any], values: Instances
) -> tuple[dict[str, Any] | None, bool]:
    """(minimal body, multipart?) of the operation's request body, if it has one."""
    body = op.raw.get("requestBody") or {}
    content = body.get("content") or {}
    if not content:
        return None, False
    if "multipart/form-data" in content:
        schema = _resolve(schemas, content["multipart/form-data"]["schema"])
        required = set(schema.get("required") or ())
        out: dict[str, Any] = {}
        for key, sub in (schema.get("properties") or {}).items():
            if key not in required:
                continue
            file = _file_value(schemas, sub)
            out[key] = file if file is not None else values.value(sub, "", 0)
        return out, True
    media = content.get("application/json") or next(iter(content.values()))
    value = values.value(media.get("schema") or {}, "", 0)
    return (value if isinstance(value, dict) else {}), False


def _has_stream_format(op: Any, schemas: dict[str, Any]) -> bool:
    """Whether the operation streams by ``stream_format: "sse"`` (speech) not ``stream``."""
    for media in ((op.raw.get("requestBody") or {}).get("content") or {}).values():
        props = _resolve(schemas, media.get("schema") or {}).get("properties") or {}
        if "sse" in (_resolve(schemas, props.get("stream_format") or {}).get("enum") or ()):
            return True
    return False


@cache
def cases(legacy: bool = False) -> list[Case]:
    """A case per operation (and a streaming one per operation that can stream)."""
    gen = generator(legacy)
    g = gen_models()
    names = table("legacy" if legacy else "operations")
    schemas = gen.spec.schemas
    shared_parameters = gen.spec.raw["components"].get("parameters", {})
    out: list[Case] = []
    for op in sorted(gen.spec.operations, key=lambda o: o.id):
        values = Instances(schemas, seed=SEED, minimal=True)
        path_values, query, url = _parameters(op, values, shared_parameters)
        body, multipart = _body(op, schemas, values)
        kind, response_class, streams = _response(op, gen)
        kwargs = {g.py_name(k): v for k, v in {**path_values, **query, **(body or {})}.items()}
        case = Case(
            operation_id=op.id,
            method=op.method.upper(),
            path=op.path,
            sdk=names.get(op.id, ""),
            kwargs=kwargs,
            kind=kind,
            response_class=response_class,
            multipart=multipart,
            deprecated=bool(op.raw.get("deprecated")),
            json_body=None if multipart else body,
            query=query,
            url=url,
        )
        out.append(case)
        if streams:
            switch = (
                {"stream_format": "sse"} if _has_stream_format(op, schemas) else {"stream": True}
            )
            out.append(
                Case(
                    **{
                        **case.__dict__,
                        "kind": "stream",
                        "kwargs": {**kwargs, **switch},
                        "json_body": None if multipart else {**(body or {}), **switch},
                    }
                )
            )
    return out


def sync_sample(all_cases: list[Case]) -> list[Case]:
    """A deterministic sample for the sync facade: evenly spread over the sorted cases."""
    plain = [c for c in all_cases if c.kind != "stream"]
    step = max(1, len(plain) // SYNC_SAMPLE)
    return plain[::step][:SYNC_SAMPLE]
