"""Start an external test server (llama.cpp, Steady) on a free port and stop it afterwards."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str, headers: dict[str, str] | None = None) -> bool:
    """Whether ``url`` answers 200 now."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def running(
    name: str, command: list[str], log_path: Path, ready: Callable[[], bool], startup: float
) -> Iterator[None]:
    """Run ``command`` until the block ends; fail the test (with the log's tail) if it
    exits or is not ``ready`` within ``startup`` seconds."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + startup
            while not ready():
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"{name} did not start ({' '.join(command)}):\n"
                        + log_path.read_text(errors="replace")[-4000:]
                    )
                time.sleep(0.1)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class _Unconfigured(pytest.Item):
    """Stands for a test file whose server is not configured: it is reported as skipped, with
    the reason, rather than left out of the collection without a word."""

    def __init__(self, *, reason: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.reason = reason

    def runtest(self) -> None:
        pytest.skip(self.reason)

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.path, None, self.name


class _UnconfiguredFile(pytest.File):
    reason = ""

    def collect(self) -> Iterator[pytest.Item]:
        yield _Unconfigured.from_parent(self, name=self.path.name, reason=self.reason)


def unconfigured(module_path: Path, parent: pytest.Collector, reason: str) -> pytest.File:
    """A test module collected as one skipped test giving ``reason``, without importing it
    (for ``pytest_pycollect_makemodule`` when a suite's server variable is not set)."""
    file = _UnconfiguredFile.from_parent(parent, path=module_path)
    file.reason = reason
    return file
