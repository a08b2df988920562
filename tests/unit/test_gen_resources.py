"""`scripts/gen_resources.py`: every operation of the table is a method, async and sync;
`--check` compares the whole generated tree and docs/API.md."""

from __future__ import annotations

import inspect
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
