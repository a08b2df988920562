"""scripts/gen_models.merge_specs: the legacy spec joins the main one, never overriding it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gen_models() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_models_for_merge", ROOT / "scripts" / "gen_models.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def doc(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "paths": paths, "components": {"schemas": schemas}}


MAIN = doc(
    {"/models": {"get": {"operationId": "listModels"}, "parameters": []}},
    {"Model": {"type": "object"}},
)


def test_operations_and_components_are_added(gen_models: ModuleType) -> None:
    extra = doc({"/models": {"post": {"operationId": "x"}}}, {"LegacyX": {"type": "string"}})
    extra["components"]["parameters"] = {"Limit": {"name": "limit", "in": "query"}}
    merged = gen_models.merge_specs(MAIN, extra, "legacy.yaml")
    assert set(merged["paths"]["/models"]) == {"get", "post", "parameters"}
    assert set(merged["components"]["schemas"]) == {"Model", "LegacyX"}
    assert merged["components"]["parameters"] == {"Limit": {"name": "limit", "in": "query"}}
    assert set(MAIN["paths"]["/models"]) == {"get", "parameters"}  # not modified in place


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (doc({"/models": {"get": {"operationId": "other"}}}, {}), r"/models .*\['get'\]"),
        (doc({"/engines": {"get": {"operationId": "listModels"}}}, {}), "listModels"),
        (doc({}, {"Model": {"type": "string"}}), r"components.schemas \['Model'\]"),
    ],
    ids=["method", "operationId", "schema"],
)
def test_a_clash_is_refused(gen_models: ModuleType, extra: dict[str, Any], message: str) -> None:
    with pytest.raises(SystemExit, match=f"legacy.yaml: .*{message}"):
        gen_models.merge_specs(MAIN, extra, "legacy.yaml")


def test_the_generators_load_both_specs(gen_models: ModuleType) -> None:
    if not gen_models.DEFAULT_SPEC.is_file():
        pytest.skip(f"the OpenAPI spec is not at {gen_models.DEFAULT_SPEC}")
    spec = gen_models.Spec(gen_models.load_specs(gen_models.DEFAULT_SPEC))
    ids = {op.id for op in spec.operations}
    assert len(ids) == 288 + 14
    assert {"createEdit", "listEngines", "getMessageFile"} <= ids
