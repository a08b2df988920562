"""Every generated model: exported, loaded lazily, and decoding what the spec describes.

The spec is read from ``../shared/openapi/openapi.yaml`` (beside the repository), with the
generator's own ``Spec``/``build`` API, which the resource generator also uses.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import pkgutil
import subprocess
import sys
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest

import openai_async.models as models_pkg
from openai_async._converter import converter
from openai_async._models import BaseModel, UnknownVariant

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT.parent / "shared" / "openapi" / "openapi.yaml"
MODULES = sorted(m.name for m in pkgutil.iter_modules(models_pkg.__path__))
SAMPLE_SIZE = 50


@pytest.fixture(scope="module")
def gen_models() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_models_under_test", ROOT / "scripts" / "gen_models.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator(gen_models: ModuleType) -> Any:
    if not SPEC_PATH.is_file():
        pytest.skip(f"the OpenAPI spec is not at {SPEC_PATH}")
    return gen_models.build(gen_models.Spec(gen_models.load_spec(SPEC_PATH)))


# --- the package -------------------------------------------------------------------


def test_every_component_schema_is_generated(generator: Any) -> None:
    spec = generator.spec
    assert len(spec.schemas) == 1422
    exported = set(models_pkg.__all__)
    missing = []
    for name in spec.schemas:
        for side in spec.sides[name]:
            pub = generator.ref(name, side).text  # the frozen generator only looks it up
            if pub not in exported:
                missing.append(f"{name} ({side}): {pub}")
    assert not missing, missing
    assert set(generator.decls) <= exported


def test_every_module_name_is_exported_by_the_package() -> None:
    names = models_pkg.__all__
    assert names == sorted(names)
    assert len(names) == len(set(names))
    union: set[str] = set()
    for module_name in MODULES:
        module = importlib.import_module(f"openai_async.models.{module_name}")
        assert module.__all__ == sorted(module.__all__), module_name
        public = {
            n
            for n, v in vars(module).items()
            if not n.startswith("_") and getattr(v, "__module__", None) == module.__name__
        }
        assert public <= set(module.__all__), module_name
        for name in module.__all__:
            assert getattr(models_pkg, name) is getattr(module, name), name
        union |= set(module.__all__)
    assert union == set(names)
    assert set(names) <= set(dir(models_pkg))


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchModel"):
        _ = models_pkg.NoSuchModel  # type: ignore[attr-defined]
    assert models_pkg.responses.__name__ == "openai_async.models.responses"


LAZY = """
import sys
def loaded():
    return sorted(k for k in sys.modules if k.startswith("openai_async.models"))
import openai_async
assert loaded() == [], loaded()
import openai_async.models as models
assert loaded() == ["openai_async.models"], loaded()
models.ChatCompletion
assert set(loaded()) <= {
    "openai_async.models", "openai_async.models.chat", "openai_async.models.shared"
}, loaded()
from openai_async.models import VectorStore
assert "openai_async.models.vector_stores" in sys.modules
assert "openai_async.models.responses" not in sys.modules
"""


def test_names_load_their_module_on_first_use_only() -> None:
    result = subprocess.run(
        [sys.executable, "-c", LAZY], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr


def test_friendly_aliases() -> None:
    m = models_pkg
    assert m.ChatCompletion is m.CreateChatCompletionResponse
    assert m.FileObject is m.OpenAIFile
    assert m.VectorStore is m.VectorStoreObject
    assert m.Run is m.RunObject
    assert m.Conversation is m.ConversationResource


# --- decoding ------------------------------------------------------------------------


class Minimal:
    """A schema-valid JSON value for a schema: required properties plus the first optional
    one, the first member of a union, the first value of an enum."""

    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas

    def __call__(self, s: dict[str, Any], owner: str, depth: int = 0) -> Any:
        if "$ref" in s:
            name = s["$ref"].rsplit("/", 1)[1]
            return self(self.schemas[name], name, depth + 1)
        if "$recursiveRef" in s:
            return self(self.schemas[owner], owner, depth + 1)
        if "allOf" in s:
            shapes = [m for m in s["allOf"] if set(m) - {"description", "nullable", "title"}]
            if len(shapes) == 1 or any("anyOf" in m or "oneOf" in m for m in shapes):
                unions = [m for m in shapes if "anyOf" in m or "oneOf" in m]
                return self((unions or shapes)[0], owner, depth)
            merged: dict[str, Any] = {}
            for m in shapes:
                value = self(m, owner, depth)
                merged.update(value if isinstance(value, dict) else {})
            return merged
        for key in ("oneOf", "anyOf"):
            members = [m for m in s.get(key, ()) if m.get("type") != "null"]
            if members and not s.get("properties"):
                return self(members[0], owner, depth)
        if "const" in s:
            return s["const"]
        if s.get("enum"):
            return next(v for v in s["enum"] if v is not None)
        t = s.get("type")
        if isinstance(t, list):
            t = next(x for x in t if x != "null")
        if s.get("properties"):
            required = set(s.get("required", ()))
            keys = [k for k in s["properties"] if k in required]
            optional = [k for k in s["properties"] if k not in required]
            if optional and depth < 4:
                keys.append(optional[0])
            return {k: self(s["properties"][k], owner, depth + 1) for k in keys}
        if t == "array":
            return [self(s.get("items", {}), owner, depth + 1)] if depth < 6 else []
        return {"string": "text", "integer": 3, "number": 0.5, "boolean": True}.get(t or "", {})


def drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_none(v) for v in value]
    return value


def response_classes(generator: Any) -> list[tuple[str, type[BaseModel]]]:
    out = []
    for name in sorted(generator.spec.schemas):
        if "resp" in generator.spec.sides[name]:
            value = getattr(models_pkg, generator.ref(name, "resp").text)
            if isinstance(value, type) and attrs.has(value):
                out.append((name, value))
    return out


def example_of(schema: dict[str, Any]) -> Any | None:
    meta = schema.get("x-oaiMeta")
    if isinstance(meta, dict) and isinstance(meta.get("example"), str):
        try:
            return json.loads(meta["example"])
        except ValueError:
            return None
    return None


def test_a_sample_of_response_schemas_decodes_and_round_trips(generator: Any) -> None:
    classes = response_classes(generator)
    assert len(classes) > 600
    sample = [classes[i * len(classes) // SAMPLE_SIZE] for i in range(SAMPLE_SIZE)]
    minimal = Minimal(generator.spec.schemas)
    problems, examples = [], 0
    for name, cls in sample:
        schema = generator.spec.schemas[name]
        data = example_of(schema)
        if data is None:
            data = minimal(schema, name)
        else:
            examples += 1
        try:
            obj = converter.structure(data, cls)
            assert type(obj) is cls
            out = obj.to_dict()
            assert out == data  # exactly the keys received, nulls included
            again = converter.structure(obj.model_dump(by_alias=True), cls)
            assert again == obj
            assert again.to_dict(exclude_unset=False) == obj.to_dict(exclude_unset=False)
            assert obj.to_dict(exclude_none=True) == drop_none(data)
        except Exception as exc:
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
    assert not problems, "\n".join(problems)
    assert examples >= 10  # a real example from the spec, where the schema has one


def test_unions_resolve_by_discriminator_then_by_role(generator: Any) -> None:
    minimal = Minimal(generator.spec.schemas)
    item = typing.get_args(models_pkg.Item)
    assert UnknownVariant in item
    schemas = generator.spec.schemas
    output = minimal(schemas["OutputMessage"], "OutputMessage")
    user = minimal(schemas["InputMessage"], "InputMessage")
    call = minimal(schemas["FunctionToolCall"], "FunctionToolCall")
    assert output["type"] == user["type"] == "message"  # told apart by `role`
    values = [output, user, call, {"type": "brand_new_item", "x": 1}]
    out = converter.structure(values, list[models_pkg.Item])  # type: ignore[valid-type]
    assert [type(o) for o in out] == [
        models_pkg.OutputMessage,
        models_pkg.InputMessage,
        models_pkg.FunctionToolCall,
        UnknownVariant,
    ]
    assert out[3].raw == {"type": "brand_new_item", "x": 1}
    # a spec discriminator on another property (`object`) works the same way
    bucket = converter.structure(
        {"object": "bucket", "start_time": 1, "end_time": 2, "results": [{"object": "?"}]},
        models_pkg.UsageTimeBucket,
    )
    assert bucket.results == [UnknownVariant({"object": "?"})]


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class HasX(BaseModel):
    x: int
    note: str | None = None


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class HasY(BaseModel):
    y: int


def test_unions_without_a_discriminator_resolve_by_required_keys() -> None:
    values = [{"x": 1}, {"y": 2}, {"z": 3}, {"x": 1, "y": 2}]
    out = converter.structure(values, list[HasX | HasY | UnknownVariant])
    assert [type(o) for o in out] == [HasX, HasY, UnknownVariant, UnknownVariant]  # last: both


def test_an_object_no_model_fits_goes_to_a_free_form_member() -> None:
    out = converter.structure([{"x": 1}, {"q": 1}], list[HasX | dict[str, Any]])
    assert isinstance(out[0], HasX)
    assert out[1] == {"q": 1}


def test_strings_and_their_closed_sets_pass_through() -> None:
    # VoiceIdsShared is `str | Literal["alloy", ...]`: any string, as it came
    voices = converter.structure(["alloy", "my-voice"], list[models_pkg.VoiceIdsShared])
    assert voices == ["alloy", "my-voice"]


def test_recursive_schemas_decode_and_round_trip() -> None:
    data = {
        "type": "and",
        "filters": [
            {"type": "eq", "key": "a", "value": 1},
            {"type": "or", "filters": [{"type": "ne", "key": "b", "value": "x"}]},
        ],
    }
    obj = converter.structure(data, models_pkg.CompoundFilter)
    assert isinstance(obj.filters[0], models_pkg.ComparisonFilter)
    inner = obj.filters[1]
    assert isinstance(inner, models_pkg.CompoundFilter)
    assert isinstance(inner.filters[0], models_pkg.ComparisonFilter)
    assert obj.to_dict(exclude_none=True) == data


# --- the generator on a small spec -----------------------------------------------------


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


SMALL_SPEC: dict[str, Any] = {
    "paths": {
        "/things": {
            "post": {
                "operationId": "createThing",
                "tags": ["Chat"],
                "requestBody": json_body(ref("ThingRequest")),
                "responses": {"200": json_body(ref("Thing"))},
            }
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["str", "from"],
                "properties": {
                    "str": {"type": "string"},
                    "list": {"type": "array", "items": {"type": "string"}},
                    "int": {"type": "integer"},
                    "dict": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "from": {"type": "string"},
                    "self-harm/intent": {"type": "boolean"},
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": ref("Thing")},
                    "leaf": ref("Leaf"),
                },
            },
            "Leaf": {  # Thing -> Leaf -> Thing: mutually recursive
                "type": "object",
                "required": ["owner"],
                "properties": {"owner": ref("Thing")},
            },
            "ThingRequest": {
                "type": "object",
                "required": ["str"],
                "properties": {"str": {"type": "string"}, "thing": ref("Thing")},
            },
        }
    },
}


@pytest.fixture
def small_models(gen_models: ModuleType, tmp_path: Path) -> Any:
    """The small spec's models, generated into a temporary package and imported."""
    gen = gen_models.build(gen_models.Spec(SMALL_SPEC))
    package = f"small_models_{id(tmp_path)}"
    (tmp_path / package).mkdir()
    for file_name, text in gen_models.render(gen, aliases={}).items():
        text = text.replace("from .._models import", "from openai_async._models import")
        (tmp_path / package / file_name).write_text(text)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(f"{package}.chat")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith(package)]:
            del sys.modules[name]


def test_fields_named_like_builtins_do_not_break_annotations(small_models: Any) -> None:
    Thing = small_models.Thing
    hints = typing.get_type_hints(Thing)
    assert hints["str"] is str
    assert hints["name"] == str | None  # `str` here is the builtin, not the field
    assert hints["list"] == list[str] | None
    assert hints["dict"] == dict[str, int] | None
    assert hints["children"] == list[Thing] | None
    source = Path(small_models.__file__).read_text()
    assert "name: _builtins.str | None" in source
    params = typing.get_type_hints(small_models.ThingParam)
    assert params["name"] is str and params["list"] == list[str]


def test_keys_that_are_not_python_names_round_trip(small_models: Any) -> None:
    Thing = small_models.Thing
    data = {
        "str": "a",
        "from": "b",
        "self-harm/intent": True,
        "children": [{"str": "c", "from": "d", "list": ["x"]}],
        "leaf": {"owner": {"str": "e", "from": "f", "leaf": {"owner": {"str": "g", "from": "h"}}}},
    }
    obj = converter.structure(data, Thing)
    assert (obj.from_, obj.self_harm_intent) == ("b", True)
    assert isinstance(obj.children[0], Thing)
    assert obj.leaf.owner.leaf.owner.from_ == "h"
    assert obj.children[0].list == ["x"]
    assert obj.to_dict(exclude_none=True) == data
    # the request twin is a TypedDict with the JSON keys as they are
    param = small_models.ThingParam
    assert param.__required_keys__ == {"str", "from"}
    assert "self-harm/intent" in param.__optional_keys__


def test_the_generator_api_for_other_generators(generator: Any, gen_models: ModuleType) -> None:
    assert generator.ref("CreateChatCompletionResponse", "resp").text == (
        "CreateChatCompletionResponse"
    )
    assert generator.module_of("CreateChatCompletionResponse") == "chat"
    assert generator.module_of("ChatCompletion") == "chat"  # a friendly alias
    tool_call = generator.ref("ChatCompletionMessageToolCall", "req")
    assert tool_call.text == "ChatCompletionMessageToolCallParam"  # the request twin
    assert generator.decls[tool_call.text].kind == "typeddict"
    union = generator.ref("ChatCompletionMessageToolCalls", "resp")
    assert union.deps == {"ChatCompletionMessageToolCalls"}
    ctx = gen_models.Ctx(None, "chat")
    new = {"type": "object", "properties": {"a": {"type": "string"}}}
    with pytest.raises(RuntimeError, match="named every schema"):
        generator.type_of(new, "SomethingNew", "resp", ctx)


def test_a_spec_discriminator_the_members_do_not_carry_fails_generation(
    gen_models: ModuleType,
) -> None:
    def pet(kind: str) -> dict[str, Any]:
        return {"type": "object", "properties": {"kind": {"type": "string", "enum": [kind]}}}

    spec = json.loads(json.dumps(SMALL_SPEC))
    spec["components"]["schemas"].update(
        Cat=pet("cat"),
        Dog=pet("dog"),
        Pet={
            "oneOf": [ref("Cat"), ref("Dog")],
            "discriminator": {
                "propertyName": "kind",
                "mapping": {"cat": "#/components/schemas/Cat", "hound": "#/components/schemas/Dog"},
            },
        },
    )
    spec["components"]["schemas"]["Thing"]["properties"]["pet"] = ref("Pet")
    with pytest.raises(SystemExit, match=r"Dog\.kind lacks the mapped 'hound'"):
        gen_models.build(gen_models.Spec(spec))
    spec["components"]["schemas"]["Pet"]["discriminator"]["mapping"]["hound"] = ref("Cat")["$ref"]
    spec["components"]["schemas"]["Pet"]["discriminator"]["propertyName"] = "name"
    with pytest.raises(SystemExit, match="Cat has no Literal 'name'"):
        gen_models.build(gen_models.Spec(spec))
