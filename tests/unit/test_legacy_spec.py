"""scripts/legacy_openapi.yaml: an OpenAPI 3.1 document the models generator accepts.

It describes the legacy endpoints of the source documents; these tests keep it
well-formed (every ``$ref`` resolves, every operation says what replaced it), free of
clashes with the main spec, and in step with the operation table.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "scripts" / "legacy_openapi.yaml"
MAIN_SPEC = ROOT.parent / "shared" / "openapi" / "openapi.yaml"
TABLE = ROOT / "scripts" / "operations.toml"
METHODS = {"get", "post", "put", "patch", "delete"}

EXPECTED = {
    ("post", "/edits"): "createEdit",
    ("get", "/engines"): "listEngines",
    ("get", "/engines/{engine_id}"): "retrieveEngine",
    ("post", "/fine-tunes"): "createFineTune",
    ("get", "/fine-tunes"): "listFineTunes",
    ("get", "/fine-tunes/{fine_tune_id}"): "retrieveFineTune",
    ("post", "/fine-tunes/{fine_tune_id}/cancel"): "cancelFineTune",
    ("get", "/fine-tunes/{fine_tune_id}/events"): "listFineTuneEvents",
    ("post", "/assistants/{assistant_id}/files"): "createAssistantFile",
    ("get", "/assistants/{assistant_id}/files"): "listAssistantFiles",
    ("get", "/assistants/{assistant_id}/files/{file_id}"): "getAssistantFile",
    ("delete", "/assistants/{assistant_id}/files/{file_id}"): "deleteAssistantFile",
    ("get", "/threads/{thread_id}/messages/{message_id}/files"): "listMessageFiles",
    ("get", "/threads/{thread_id}/messages/{message_id}/files/{file_id}"): "getMessageFile",
}


@pytest.fixture(scope="module")
def legacy() -> dict[str, Any]:
    with LEGACY.open() as f:
        spec: dict[str, Any] = yaml.safe_load(f)
    return spec


def operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): op
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def test_it_is_an_openapi_3_1_document(legacy: dict[str, Any]) -> None:
    assert legacy["openapi"].startswith("3.1.")
    assert legacy["info"]["title"] and legacy["info"]["version"]
    assert set(legacy) <= {"openapi", "info", "servers", "paths", "components", "tags"}
    for ref in refs(legacy):
        assert ref.startswith("#/components/"), ref
        node: Any = legacy
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, f"unresolved {ref}"
            node = node[part]


def test_it_describes_the_legacy_operations(legacy: dict[str, Any]) -> None:
    ops = operations(legacy)
    assert {key: op["operationId"] for key, op in ops.items()} == EXPECTED
    for (_, path), op in ops.items():
        assert op["deprecated"] is True, path
        assert op["x-oaiDeprecated"].startswith("use "), path  # the warning's text
        assert op["summary"] and op["tags"], path
        assert "200" in op["responses"], path
        beta = path.startswith(("/assistants", "/threads"))
        assert op.get("x-oaiBeta") == ("assistants=v1" if beta else None), path
        names = {p["name"] for p in map(lambda p: resolve(legacy, p), op.get("parameters", ()))}
        assert names >= {part[1:-1] for part in path.split("/") if part.startswith("{")}, path


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        return dict(spec["components"][kind][name])
    return node


def test_schema_names_are_prefixed(legacy: dict[str, Any]) -> None:
    assert all(name.startswith("Legacy") for name in legacy["components"]["schemas"])


@pytest.fixture(scope="module")
def gen_models() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_models_for_legacy", ROOT / "scripts" / "gen_models.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_models_generator_accepts_it(legacy: dict[str, Any], gen_models: ModuleType) -> None:
    gen = gen_models.build(gen_models.Spec(legacy))
    assert {"LegacyEdit", "LegacyFineTune", "LegacyAssistantFile", "LegacyMessageFile"} <= set(
        gen.decls
    )
    assert gen.decls["LegacyEdit"].module == "completions"  # beside its replacement


def test_no_clash_with_the_main_spec(legacy: dict[str, Any], gen_models: ModuleType) -> None:
    if not MAIN_SPEC.is_file():
        pytest.skip(f"the OpenAPI spec is not at {MAIN_SPEC}")
    main = gen_models.load_spec(MAIN_SPEC)
    main_ids = {op["operationId"] for op in operations(main).values()}
    assert not {op["operationId"] for op in operations(legacy).values()} & main_ids
    assert not set(legacy["components"]["schemas"]) & set(main["components"]["schemas"])
    assert not set(operations(legacy)) & set(operations(main))
    # DELETE /models/{model} (fine-tuned models) is the main spec's; not repeated here
    assert ("delete", "/models/{model}") in operations(main)


def test_the_operation_table_names_every_legacy_operation(legacy: dict[str, Any]) -> None:
    if not TABLE.is_file():
        pytest.skip("scripts/operations.toml is not there yet")
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # the test extra installs tomli there
        import tomli as tomllib
    text = TABLE.read_text()
    assert "# legacy (scripts/legacy_openapi.yaml)" in text
    names = {k: v for section in tomllib.loads(text).values() for k, v in section.items()}
    assert {op["operationId"] for op in operations(legacy).values()} <= set(names)
    assert names["createEdit"] == "edits.create"
    assert names["listMessageFiles"] == "beta.threads.messages.files.list"
