"""Random schema-valid instances of every response schema decode and round-trip.

For each component schema an operation's response (or a webhook) reaches, and that is
generated as a class, several instances from our seeded generator
(``tests/_schema_instances.py``) must structure into the class, and ``to_dict()`` must
give back the same JSON keys and structure into an equal object again.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from typing import Any

import attrs
import pytest

import openai_async.models as models_pkg
from openai_async._converter import converter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _schema_instances import Instances

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT.parent / "shared" / "openapi" / "openapi.yaml"
PER_SCHEMA = 4
SEED = 20241122


@pytest.fixture(scope="module")
def generator() -> Any:
    if not SPEC_PATH.is_file():
        pytest.skip(f"the OpenAPI spec is not at {SPEC_PATH}")
    spec = importlib.util.spec_from_file_location(
        "gen_models_for_random", ROOT / "scripts" / "gen_models.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.build(module.Spec(module.load_spec(SPEC_PATH)))


def drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_none(v) for v in value]
    return value


def response_classes(generator: Any) -> list[tuple[str, type]]:
    """(schema name, generated class) of every response-side schema that is a class."""
    out = []
    for name in sorted(generator.spec.schemas):
        if "resp" in generator.spec.sides[name]:
            value = getattr(models_pkg, generator.ref(name, "resp").text)
            if isinstance(value, type) and attrs.has(value):
                out.append((name, value))
    return out


def check(data: Any, cls: type) -> None:
    obj = converter.structure(data, cls)
    assert type(obj) is cls
    assert obj.to_dict(exclude_none=True) == drop_none(data), "JSON keys differ"
    assert converter.structure(obj.to_dict(exclude_none=True), cls) == obj, "no round trip"
    assert obj.to_dict() == data, "to_dict() is not the JSON received"
    assert converter.structure(obj.model_dump(by_alias=True), cls) == obj, NULL_DISCRIMINATOR


# A known converter bug, kept apart so that every other failure still fails the test.
NULL_DISCRIMINATOR = (
    "structure(model_dump(x)) != x: model_dump() writes null for an absent optional "
    "discriminator (type, object, status...) and the union then resolves to UnknownVariant"
)


def failures(generator: Any) -> tuple[int, int, dict[str, list[str]]]:
    """(schemas, instances decoded, failing schema names by message)."""
    classes = response_classes(generator)
    instances = Instances(generator.spec.schemas, seed=SEED)
    found: dict[str, list[str]] = {}
    decoded = 0
    for name, cls in classes:
        for _ in range(PER_SCHEMA):
            try:
                check(instances.of(name), cls)
                decoded += 1
            except Exception as exc:
                message = f"{type(exc).__name__}: {str(exc)[:300]}"
                if isinstance(exc, AssertionError) and NULL_DISCRIMINATOR in str(exc):
                    message = NULL_DISCRIMINATOR
                found.setdefault(message, []).append(name)
                break
    return len(classes), decoded, found


@pytest.fixture(scope="module")
def results(generator: Any) -> tuple[int, int, dict[str, list[str]]]:
    started = time.monotonic()
    out = failures(generator)
    print(f"{out[1]} instances of {out[0]} schemas in {time.monotonic() - started:.1f}s")
    return out


def test_random_instances_of_every_response_schema_round_trip(
    results: tuple[int, int, dict[str, list[str]]],
) -> None:
    schemas, decoded, found = results
    assert schemas > 900
    others = {message: names for message, names in found.items() if message != NULL_DISCRIMINATOR}
    assert not others, "\n".join(f"{m}: {', '.join(n)}" for m, n in others.items())
    assert decoded >= (schemas - len(found.get(NULL_DISCRIMINATOR, []))) * PER_SCHEMA


def test_to_dict_with_nulls_round_trips_through_unions(
    results: tuple[int, int, dict[str, list[str]]],
) -> None:
    assert results[2].get(NULL_DISCRIMINATOR, []) == []


def test_a_string_for_a_list_is_an_error() -> None:
    with pytest.raises(TypeError, match=r"RealtimeSession\.modalities: expected a JSON array"):
        converter.structure({"id": "s", "modalities": "text"}, models_pkg.RealtimeSession)


def test_the_generator_is_deterministic_and_varies(generator: Any) -> None:
    a = Instances(generator.spec.schemas, seed=1)
    b = Instances(generator.spec.schemas, seed=1)
    first = [a.of("CreateChatCompletionResponse") for _ in range(5)]
    assert first == [b.of("CreateChatCompletionResponse") for _ in range(5)]
    assert len({repr(x) for x in first}) > 1  # random optional keys and values


def test_minimal_instances_hold_required_keys_only(generator: Any) -> None:
    minimal = Instances(generator.spec.schemas, minimal=True)
    value = minimal.of("CreateChatCompletionRequest")
    assert set(value) == {"model", "messages"}
    assert len(value["messages"]) == 1  # minItems: 1


def test_a_wrong_instance_is_caught() -> None:
    """The check fails on data the class cannot hold."""
    with pytest.raises(TypeError):
        check({"object": "list", "data": ["not a model"]}, models_pkg.ListModelsResponse)


SMALL = {
    "Node": {
        "type": "object",
        "required": ["kind", "children"],
        "properties": {
            "kind": {"const": "node"},
            "children": {"type": "array", "items": {"$recursiveRef": "#"}},
            "tags": {"type": "array", "minItems": 2, "maxItems": 3, "items": {"enum": ["a", "b"]}},
            "note": {"type": ["string", "null"], "minLength": 4, "maxLength": 6},
            "size": {"type": "integer", "minimum": 10, "maximum": 12},
            "extra": {"type": "object", "additionalProperties": {"type": "number"}},
            "part": {
                "allOf": [
                    {"$ref": "#/components/schemas/A"},
                    {"required": ["b"], "properties": {"b": {"type": "boolean"}}},
                ]
            },
            "either": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]},
        },
    },
    "A": {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}},
}


def test_the_generator_keeps_the_constraints() -> None:
    instances = Instances(SMALL, seed=3, max_depth=3)
    seen_null = seen_note = False
    for _ in range(200):
        node = instances.of("Node")
        stack = [node]
        while stack:  # recursion is bounded: the loop ends
            n = stack.pop()
            assert n["kind"] == "node"
            stack.extend(n["children"])
            if "tags" in n:
                assert 2 <= len(n["tags"]) <= 3 and set(n["tags"]) <= {"a", "b"}
            if n.get("note") is not None:
                assert 4 <= len(n["note"]) <= 6
                seen_note = True
            seen_null = seen_null or ("note" in n and n["note"] is None)
            assert 10 <= n.get("size", 10) <= 12
            assert all(isinstance(v, float) for v in n.get("extra", {}).values())
            if "part" in n:
                assert isinstance(n["part"]["a"], str) and isinstance(n["part"]["b"], bool)
            assert n.get("either") is None or set(n["either"]) == {"a"}
    assert seen_null and seen_note
    assert Instances(SMALL, minimal=True).of("Node") == {"kind": "node", "children": []}
