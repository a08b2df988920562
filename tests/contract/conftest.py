"""Steady, an OpenAPI mock server, serving ../shared/openapi/openapi.yaml for the contract tests.

Two instances: one serves the main spec, one our supplementary spec of the legacy
endpoints (scripts/legacy_openapi.yaml). Run by `nox -s contract`, which installs Steady with npm into .nox/steady and sets
OPENAI_ASYNC_STEADY to its executable. Without that variable each test file is
reported as one skip saying so, and the default `tests` session never needs Node.js.

Steady validates each request against the spec and answers 400 with `E3xxx` diagnostics
when the SDK sent something the spec forbids (--reject-on-sdk-error is its default);
otherwise it answers with data generated from the response schema (seeded here).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._subprocess_server import answers, free_port, running, unconfigured

STEADY_ENV = "OPENAI_ASYNC_STEADY"
ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT.parent / "shared" / "openapi" / "openapi.yaml"
LEGACY_PATH = ROOT / "scripts" / "legacy_openapi.yaml"
STARTUP_SECONDS = 60.0


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.File | None:
    """Without the server variable, each test file is one skip saying why (visible with
    ``-ra``), not an empty collection."""
    if os.environ.get(STEADY_ENV):
        return None
    return unconfigured(
        module_path,
        parent,
        f"{STEADY_ENV} is not set: the contract tests against Steady run under `nox -s contract`",
    )


@contextlib.contextmanager
def _serve(spec: Path, log_dir: Path) -> Iterator[str]:
    """Run Steady on a free port of 127.0.0.1 serving ``spec``; yield its base URL."""
    if not spec.is_file():
        pytest.fail(f"the OpenAPI spec is not at {spec}")
    port = free_port()
    command = [
        os.environ[STEADY_ENV],
        *("--host", "127.0.0.1", "--port", str(port)),
        "--generator-seed=1",
        # Arrays in multipart forms go as `name[]` parts, as the official SDKs send them
        # and the API reads them (the spec declares no encoding; Steady would want `name`).
        "--validator-form-array-format=brackets",
        "--stream-interval=0",
        "--stream-count=3",
        "--log-level=details",
        "--no-color",
        str(spec),
    ]
    log_path = log_dir / "steady.log"
    base_url = f"http://127.0.0.1:{port}"
    ready = lambda: answers(f"{base_url}/_x-steady/health")  # noqa: E731
    with running("Steady", command, log_path, ready, STARTUP_SECONDS):
        yield base_url


@pytest.fixture(scope="session")
def steady_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Steady serving the main spec."""
    with _serve(SPEC_PATH, tmp_path_factory.mktemp("steady")) as url:
        yield url


@pytest.fixture(scope="session")
def steady_legacy_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Steady serving our supplementary spec of the legacy endpoints."""
    with _serve(LEGACY_PATH, tmp_path_factory.mktemp("steady-legacy")) as url:
        yield url
