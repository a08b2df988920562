"""`scripts/gen_resources.py`: every operation of the table is a method, async and sync, with
its path parameters in the official SDK's order; `--check` compares the whole generated tree
and docs/API.md."""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from openai_async import AsyncClient, Client

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT.parent / "shared" / "openapi" / "openapi.yaml"
sys.path.insert(0, str(ROOT / "scripts"))
from _codegen import load_operations  # noqa: E402


def test_every_operation_is_a_method_of_the_async_and_the_sync_client():
    async_client = AsyncClient(api_key="k", base_url="http://127.0.0.1:9/v1")
    sync_client = Client(api_key="k", base_url="http://127.0.0.1:9/v1")
    try:
        for op_id, where in load_operations().items():
            *namespace, method = where.split(".")
            target_async: object = async_client
            target_sync: object = sync_client
            for part in namespace:
                target_async = getattr(target_async, part)
                target_sync = getattr(target_sync, part)
            fn = getattr(target_async, method)
            twin = getattr(target_sync, method)
            assert fn.__doc__ and twin.__doc__ == fn.__doc__.replace("AsyncStream", "Stream"), op_id
            params = inspect.signature(fn).parameters
            tail = ["extra_headers", "extra_query", "extra_body", "timeout", "max_retries"]
            tail = [*(t for t in tail if t in params), "options"]
            assert list(params)[-len(tail) :] == tail, op_id
            assert inspect.signature(twin).parameters.keys() == params.keys(), op_id
    finally:
        sync_client.close()


def _path_params(fn: object) -> list[str]:
    """The path parameters of a generated method, in URL order (from its ``path_param`` calls)."""
    found = re.findall(r"path_param\((\w+), '\1'\)", inspect.getsource(fn))  # type: ignore[arg-type]
    return list(dict.fromkeys(found))  # a streaming method builds its path twice


def _by_position(fn: object) -> list[str]:
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in inspect.signature(fn).parameters.values() if p.kind in kinds]  # type: ignore[arg-type]


def test_the_own_id_is_positional_and_the_parent_ids_keyword_only():
    """As in the official SDK: ``runs.retrieve(run_id, *, thread_id)``."""
    async_client = AsyncClient(api_key="k", base_url="http://127.0.0.1:9/v1")
    sync_client = Client(api_key="k", base_url="http://127.0.0.1:9/v1")
    seen = 0
    try:
        for op_id, where in load_operations().items():
            *namespace, method = where.split(".")
            fn: object = async_client
            twin: object = sync_client
            for part in (*namespace, method):
                fn, twin = getattr(fn, part), getattr(twin, part)
            path = _path_params(fn)
            seen += len(path) > 1
            for f in (fn, twin):
                assert _by_position(f) == path[-1:], op_id
                params = inspect.signature(f).parameters  # type: ignore[arg-type]
                for parent in path[:-1]:
                    assert params[parent].kind is inspect.Parameter.KEYWORD_ONLY, op_id
                    assert params[parent].default is inspect.Parameter.empty, op_id
        assert seen > 40  # the regex found the nested operations
    finally:
        sync_client.close()


# The helpers' parameters taken by position, from the official SDK 3.63 (where they differ
# from the rule above: Derived.by_position, and the hand-written mixins).
HELPERS = {
    "beta.threads.runs.create_and_poll": [],
    "beta.threads.runs.stream": [],
    "beta.threads.runs.submit_tool_outputs_and_poll": [],
    "beta.threads.runs.submit_tool_outputs_stream": [],
    "beta.threads.runs.poll": ["run_id", "thread_id"],
    "beta.threads.create_and_run_poll": [],
    "vector_stores.files.create_and_poll": ["file_id"],
    "vector_stores.files.poll": ["file_id"],
    "vector_stores.files.upload_and_poll": [],
    "vector_stores.file_batches.create_and_poll": ["vector_store_id"],
    "vector_stores.file_batches.poll": ["batch_id"],
    "vector_stores.file_batches.upload_and_poll": ["vector_store_id"],
    "files.wait_for_processing": ["id"],
}


@pytest.mark.parametrize("where", sorted(HELPERS))
def test_helpers_take_the_official_positional_parameters(where: str):
    async_client = AsyncClient(api_key="k", base_url="http://127.0.0.1:9/v1")
    sync_client = Client(api_key="k", base_url="http://127.0.0.1:9/v1")
    try:
        fn: object = async_client
        twin: object = sync_client
        for part in where.split("."):
            fn, twin = getattr(fn, part), getattr(twin, part)
        assert _by_position(fn) == _by_position(twin) == HELPERS[where]
    finally:
        sync_client.close()


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(root / "scripts" / "gen_resources.py"),
            "--spec",
            str(SPEC_PATH),
            *args,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    if not SPEC_PATH.is_file():
        pytest.skip(f"the OpenAPI spec is not at {SPEC_PATH}")
    pytest.importorskip("yaml")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("openai_async", "scripts", "docs"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=ignore)
    return tmp_path


def test_drift_in_the_resources_or_the_api_table_is_found_and_fixed(tree: Path):
    assert run(tree, "--check").returncode == 0
    target = tree / "openai_async" / "resources" / "files.py"
    target.write_text(target.read_text() + "\n    def extra(self) -> None: ...\n")
    (tree / "openai_async" / "resources" / "orphan.py").write_text("")
    result = run(tree, "--check")
    assert result.returncode == 1
    assert "differs: files.py" in result.stdout and "unexpected: orphan.py" in result.stdout
    assert run(tree).returncode == 0
    api = tree / "docs" / "API.md"
    api.write_text(api.read_text().replace("`list`", "`lst`", 1))
    assert run(tree, "--check").returncode == 1
    assert run(tree).returncode == 0
    assert run(tree, "--check").returncode == 0
