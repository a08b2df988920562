"""Every example in examples/ runs to completion against the bundled local server (no
OPENAI_API_KEY), with warnings as errors, in a scratch directory."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# Lines an example must print (in this order) beyond running cleanly.
EXPECTED = {
    "webhook_receiver.py": [
        "response.completed: fetch resp_demo",
        "response.completed -> HTTP 200",
        "batch.completed: batch_demo",
        "unknown event type agent.session.idle",
        "refused a delivery: no webhook signature matches",
        "forged -> HTTP 400",
    ],
}


# Examples that need an optional extra, skipped where it is missing (nox -s distributed runs
# the Ray one).
NEEDS = {"ray_dataset_jobs.py": "ray"}


@pytest.mark.parametrize(
    "example", sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
)
def test_example_runs_against_the_local_server(example: str, tmp_path: Path) -> None:
    extra = NEEDS.get(example)
    if extra is not None and importlib.util.find_spec(extra) is None:
        pytest.skip(f"needs the {extra} extra: pip install 'openai_async[{extra}]'")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(EXAMPLES.parent), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLES / example)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (done.stdout + done.stderr).strip(), "the example printed nothing"
    assert "Traceback" not in done.stderr
    lines = iter(done.stdout.splitlines())
    for expected in EXPECTED.get(example, []):
        assert any(expected in line for line in lines), (expected, done.stdout)
