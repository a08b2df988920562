"""Entry point for humans and CI: `nox` runs lint, types, the generated-code check and tests."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "types", "generated", "tests"]
nox.options.error_on_missing_interpreters = True

PYTHON = None  # the interpreter running nox (3.10+)
# Pinned: generated code is formatted with ruff, and the drift check compares bytes.
RUFF = "ruff==0.17.6"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite: unit tests and every feature through a real socket to the local server."""
    # The generator tests run the generators, which format with ruff.
    session.install("-e", ".[test]", RUFF)
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint rules and formatting."""
    session.install(RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def types(session: nox.Session) -> None:
    """mypy --strict on the package and the examples."""
    session.install("-e", ".", "mypy>=1.10")
    session.run("mypy", "--strict", "openai_async", "examples")


@nox.session(python=PYTHON)
def generated(session: nox.Session) -> None:
    """Generated code must match what the generators write now: the sync facade (from the
    async source) and the models (from ../shared/openapi/openapi.yaml, beside the repo)."""
    session.install("-e", ".", RUFF, "pyyaml>=6")
    session.run("python", "scripts/gen_sync.py", "--check")
    session.run("python", "scripts/gen_models.py", "--check")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """The benchmark suite: openai_async vs the official SDK vs a raw floor (no pass/fail).

    The official SDK (with its aiohttp transport), uvloop for the benchmark server and
    matplotlib for the chart are benchmark-only dependencies.
    """
    session.install("-e", ".", "openai[aiohttp]", "uvloop", "matplotlib")
    session.run("python", "benchmarks/suite.py", *session.posargs)
