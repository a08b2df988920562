"""The documentation site's code cannot drift from the code: every ```python block marked
``<!-- run -->`` in docs/ runs to completion (warnings as errors) against a local server,
with OPENAI_API_KEY and OPENAI_BASE_URL set as a reader's would be."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from openai_async.testing import LocalServer

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# A marker line, then a fenced python block: its code is group 1.
RUNNABLE = re.compile(r"^<!-- run -->\n```python\n(.*?)^```$", re.S | re.M)


def runnable_blocks() -> list[tuple[str, str]]:
    blocks = []
    for page in sorted(DOCS.rglob("*.md")):
        for number, match in enumerate(RUNNABLE.finditer(page.read_text()), 1):
            blocks.append((f"{page.relative_to(DOCS)}#{number}", match[1]))
    return blocks


BLOCKS = runnable_blocks()


def test_the_guides_have_runnable_blocks():
    pages = {name.split("#")[0] for name, _ in BLOCKS}
    assert {"index.md", "streaming.md", "embeddings.md", "batch.md", "testing.md"} <= pages
    # A marker the pattern missed (say, a blank line before the fence) would be skipped.
    markers = sum(page.read_text().count("<!-- run -->") for page in DOCS.rglob("*.md"))
    assert markers == len(BLOCKS)


@pytest.mark.parametrize(("name", "code"), BLOCKS, ids=[name for name, _ in BLOCKS])
def test_doc_block_runs(name: str, code: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with LocalServer.threaded() as server:
        env.update(OPENAI_API_KEY="sk-docs", OPENAI_BASE_URL=server.base_url)
        done = subprocess.run(
            [sys.executable, "-W", "error", "-c", code],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip(), "the block printed nothing"


def test_the_namespace_reference_lists_every_resource_module():
    listed = set(
        re.findall(r"^::: openai_async\.resources\.(\w+)$", _read("reference/namespaces.md"), re.M)
    )
    modules = {p.stem for p in (ROOT / "openai_async" / "resources").glob("*.py")} - {"__init__"}
    assert listed == modules


def _read(page: str) -> str:
    return (DOCS / page).read_text()
