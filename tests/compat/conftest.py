"""A real OpenAI-compatible server for the compat tests: llama.cpp's, via llama-cpp-python.

Run by `nox -s compat`, which builds the server, makes a tiny random-weight model and
sets OPENAI_ASYNC_COMPAT_MODEL to it. Without that variable each test file is
reported as one skip saying so, and the default `tests` session never needs the server.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._subprocess_server import answers, free_port, running, unconfigured

MODEL_ENV = "OPENAI_ASYNC_COMPAT_MODEL"
API_KEY = "sk-compat-0123456789"
MODEL = "tiny"
STARTUP_SECONDS = 120.0


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.File | None:
    """Without the server variable, each test file is one skip saying why (visible with
    ``-ra``), not an empty collection."""
    if os.environ.get(MODEL_ENV):
        return None
    return unconfigured(
        module_path,
        parent,
        f"{MODEL_ENV} is not set: the compat tests against llama.cpp run under `nox -s compat`",
    )


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `python -m llama_cpp.server` on a free port; yield its base URL ("/v1")."""
    model = os.environ[MODEL_ENV]
    port = free_port()
    log_path = Path(tmp_path_factory.mktemp("llama")) / "server.log"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        model,
        "--model_alias",
        MODEL,
        "--embedding",
        "true",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--api_key",
        API_KEY,
    ]
    base_url = f"http://127.0.0.1:{port}/v1"
    auth = {"Authorization": f"Bearer {API_KEY}"}
    ready = lambda: answers(f"{base_url}/models", auth)  # noqa: E731
    with running("llama.cpp server", command, log_path, ready, STARTUP_SECONDS):
        yield base_url
