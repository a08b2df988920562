"""A real OpenAI-compatible server for the compat tests: llama.cpp's, via llama-cpp-python.

Run by `nox -s compat`, which builds the server, makes a tiny random-weight model and
sets OPENAI_ASYNC_COMPAT_MODEL to it. Without that variable these tests are not
collected, so the default `tests` session never needs the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

MODEL_ENV = "OPENAI_ASYNC_COMPAT_MODEL"
API_KEY = "sk-compat-0123456789"
MODEL = "tiny"
STARTUP_SECONDS = 120.0

if not os.environ.get(MODEL_ENV):
    collect_ignore_glob = ["test_*.py"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(base_url: str) -> bool:
    request = urllib.request.Request(
        f"{base_url}/models", headers={"Authorization": f"Bearer {API_KEY}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `python -m llama_cpp.server` on a free port; yield its base URL ("/v1")."""
    model = os.environ[MODEL_ENV]
    port = _free_port()
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
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not _ready(base_url):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"llama.cpp server did not start ({' '.join(command)}):\n"
                        + log_path.read_text(errors="replace")[-4000:]
                    )
                time.sleep(0.2)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
