"""`scripts/gen_sync.py --check` compares the WHOLE generated tree with the async source."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = Path("scripts") / "gen_sync.py"


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / SCRIPT), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the package and the scripts, on which the generator can run."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "openai_async", tmp_path / "openai_async", ignore=ignore)
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts", ignore=ignore)
    return tmp_path


def sync_dir(root: Path) -> Path:
    return root / "openai_async" / "_sync"


def test_the_repository_has_no_drift():
    result = run(ROOT, "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_clean_copy_has_no_drift(tree: Path):
    result = run(tree, "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_edited_generated_file_is_drift(tree: Path):
    target = sync_dir(tree) / "resources" / "models.py"
    target.write_text(target.read_text().replace("Retrieves a model", "Fetches a model"))
    result = run(tree, "--check")
    assert result.returncode == 1
    assert "differs: resources/models.py" in result.stdout


def test_an_orphan_file_is_drift(tree: Path):
    (sync_dir(tree) / "resources" / "orphans.py").write_text("class Orphans: ...\n")
    result = run(tree, "--check")
    assert result.returncode == 1
    assert "unexpected: resources/orphans.py" in result.stdout


def test_a_method_appended_to_a_generated_class_is_drift(tree: Path):
    # httpcore's line-zipping check misses exactly this: every original line is unchanged.
    target = sync_dir(tree) / "resources" / "embeddings.py"
    target.write_text(target.read_text() + "\n    def extra(self) -> None:\n        return None\n")
    result = run(tree, "--check")
    assert result.returncode == 1
    assert "differs: resources/embeddings.py" in result.stdout


def test_a_missing_generated_file_is_drift(tree: Path):
    (sync_dir(tree) / "resources" / "chat.py").unlink()
    result = run(tree, "--check")
    assert result.returncode == 1
    assert "missing: resources/chat.py" in result.stdout


def test_a_change_to_the_async_source_is_drift_until_regenerated(tree: Path):
    source = tree / "openai_async" / "resources" / "models.py"
    source.write_text(
        source.read_text().replace(
            "Retrieves a model instance, providing basic information",
            "Retrieve one model, providing basic information",
        )
    )
    (sync_dir(tree) / "orphan.py").write_text("")
    assert run(tree, "--check").returncode == 1
    assert run(tree).returncode == 0
    result = run(tree, "--check")
    assert result.returncode == 0, result.stdout
    assert not (sync_dir(tree) / "orphan.py").exists()
    assert "Retrieve one model" in (sync_dir(tree) / "resources" / "models.py").read_text()
