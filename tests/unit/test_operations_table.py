"""The operation table (``scripts/operations.toml``): every spec operation once, no clashes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT.parent / "shared" / "openapi" / "openapi.yaml"


def _load(name: str) -> Any:
    sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location(
        f"{name}_for_table_test", ROOT / "scripts" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def table() -> dict[str, str]:
    return _load("_codegen").load_operations()


@pytest.fixture(scope="module")
def operation_ids() -> list[str]:
    if not SPEC_PATH.is_file():
        pytest.skip(f"the OpenAPI spec is not at {SPEC_PATH}")
    pytest.importorskip("yaml")
    gen_models = _load("gen_models")
    spec = gen_models.Spec(gen_models.load_spec(SPEC_PATH))
    return [op.id for op in spec.operations]


def test_every_operation_of_the_spec_is_in_the_table_once(table, operation_ids):
    assert len(operation_ids) == len(set(operation_ids)) == 288
    assert sorted(table) == sorted(operation_ids)
    text = (ROOT / "scripts" / "operations.toml").read_text()
    section = text.split("[operations]", 1)[1].split("\n[", 1)[0]  # a key twice: the last wins
    keys = [line.split("=", 1)[0].strip() for line in section.splitlines() if " = " in line]
    assert len(keys) == len(set(keys)) == len(table)


def test_no_two_operations_share_a_method(table):
    methods = list(table.values())
    assert len(methods) == len(set(methods))


def test_no_method_name_is_also_a_namespace(table):
    namespaces = {
        ".".join(m.split(".")[:i]) for m in table.values() for i in range(1, m.count(".") + 1)
    }
    assert not namespaces & set(table.values())
    for path in table.values():
        assert all(part.isidentifier() and part.islower() for part in path.split(".")), path


def test_official_names(table):
    assert table["createChatCompletion"] == "chat.completions.create"
    assert table["submitToolOuputsToRun"] == "beta.threads.runs.submit_tool_outputs"
    assert table["createVectorStoreFileBatch"] == "vector_stores.file_batches.create"
    assert table["listFineTuningEvents"] == "fine_tuning.jobs.list_events"
    assert table["list-projects"] == "admin.organization.projects.list"
