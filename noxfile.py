"""Entry point for humans and CI: `nox` runs lint, types, the generated-code check, tests,
the compat tests against a real llama.cpp server and the contract tests against Steady."""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
from pathlib import Path

import nox

nox.options.sessions = [
    *("lint", "types", "generated", "tests", "compat", "contract", "docs", "soak"),
    "distributed",
]
nox.options.error_on_missing_interpreters = True

PYTHON = None  # the interpreter running nox (3.10+)
# lint, types and tests run on every Python the package supports; the sessions that need
# one interpreter (the generators, the compat and contract servers, the soak) use PYTHON.
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


def _pyenv_interpreters() -> None:
    """Make pyenv's interpreters findable as python3.X.

    Its shims answer only for the versions `pyenv global` selects, and nox skips a shim
    that fails; so link each installed version's python3.X into one directory at the head
    of PATH (only python3.X names: python, python3 and pip stay what they were).
    """
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    links = Path(__file__).resolve().parent / ".nox" / "_pythons"
    for minor in PYTHONS:
        found = sorted(
            versions.glob(f"{minor}.*/bin/python{minor}"),
            key=lambda p: [int(x) for x in p.parts[-3].split(".") if x.isdigit()],
        )
        if not found:
            continue
        links.mkdir(parents=True, exist_ok=True)
        link = links / f"python{minor}"
        if link.is_symlink() and link.resolve() != found[-1].resolve():
            link.unlink()
        if not link.is_symlink():
            link.symlink_to(found[-1])
    if links.is_dir() and str(links) not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([str(links), os.environ.get("PATH", "")])


_pyenv_interpreters()
# Pinned: generated code is formatted with ruff, and the drift check compares bytes.
RUFF = "ruff==0.17.6"


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite: unit tests and every feature through a real socket to the local server."""
    # The generator tests run the generators, which format with ruff.
    session.install("-e", ".[test]", RUFF)
    session.run("python", "-m", "pytest", *session.posargs)


LLAMA_CPP = "0.3.36"  # llama-cpp-python: its server, and the tokenizer the tiny model reuses
GGUF = "gguf==0.19.0"  # make_tiny_gguf.py writes the model with it
TINY_GGUF = Path(__file__).resolve().parent.parent / "shared" / "tools" / "make_tiny_gguf.py"
VOCAB = "vendor/llama.cpp/models/ggml-vocab-llama-spm.gguf"


@nox.session(python=PYTHON)
def compat(session: nox.Session) -> None:
    """The SDK against a real OpenAI-compatible server, llama.cpp's (tests/compat).

    pip builds llama-cpp-python[server] from source the first time (about 7 minutes on 2
    cores) and caches the wheel; the tiny random-weight model from
    ../shared/tools/make_tiny_gguf.py is made once and kept in nox's cache directory.
    """
    if not TINY_GGUF.is_file():
        session.error(f"{TINY_GGUF} is missing: the compat tests need it beside the repo")
    session.install("-e", ".[test]", f"llama-cpp-python[server]=={LLAMA_CPP}", GGUF, "numpy")
    script_id = hashlib.sha256(TINY_GGUF.read_bytes()).hexdigest()[:12]
    cache = Path(session.cache_dir) / f"llama-cpp-python-{LLAMA_CPP}"
    model = cache / f"tiny-{script_id}.gguf"
    if not model.is_file():
        vocab = cache / Path(VOCAB).name
        if not vocab.is_file():
            sdist = cache / "sdist"
            session.run(
                *("python", "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"),
                *(f"llama-cpp-python=={LLAMA_CPP}", "-d", str(sdist)),
            )
            with tarfile.open(next(sdist.glob("*.tar.gz"))) as archive:
                member = archive.extractfile(f"llama_cpp_python-{LLAMA_CPP}/{VOCAB}")
                assert member is not None
                vocab.write_bytes(member.read())
            shutil.rmtree(sdist)
        session.run("python", str(TINY_GGUF), str(vocab), str(model), "--pooling", "mean")
    session.run(
        "python",
        "-m",
        "pytest",
        "tests/compat",
        *session.posargs,
        env={"OPENAI_ASYNC_COMPAT_MODEL": str(model)},
    )


STEADY = "@stdy/cli@0.22.2"  # Steady, the OpenAPI mock server (npm; a native binary inside)


@nox.session(python=PYTHON)
def contract(session: nox.Session) -> None:
    """Every operation through the SDK against Steady serving ../shared/openapi/openapi.yaml.

    Steady is installed with npm into .nox/steady (once per pinned version; no global
    install) and started by tests/contract/conftest.py on a free port of 127.0.0.1.
    """
    npm = shutil.which("npm")
    if npm is None:
        session.error("the contract tests need npm (Node.js) to install Steady")
    prefix = Path(__file__).resolve().parent / ".nox" / "steady"
    name, version = STEADY.rsplit("@", 1)
    installed = prefix / "node_modules" / name / "package.json"
    if not installed.is_file() or f'"version": "{version}"' not in installed.read_text():
        session.run(
            npm,
            "install",
            "--prefix",
            str(prefix),
            "--no-audit",
            "--no-fund",
            STEADY,
            external=True,
        )
    session.install("-e", ".[test]")
    steady = prefix / "node_modules" / ".bin" / "steady"
    session.run(
        "python",
        "-m",
        "pytest",
        "tests/contract",
        *session.posargs,
        env={"OPENAI_ASYNC_STEADY": str(steady)},
    )


@nox.session(python=PYTHONS)
def lint(session: nox.Session) -> None:
    """ruff: lint rules and formatting."""
    session.install(RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHONS)
def types(session: nox.Session) -> None:
    """mypy --strict on the package and the examples, for the session's Python version."""
    # pydantic: typed structured outputs; OpenTelemetry: examples/tracing_console.py
    session.install("-e", ".[pydantic,otel]", "opentelemetry-sdk>=1.27", "mypy>=1.10")
    version = str(session.python)  # pyproject's python_version is the oldest supported
    session.run("mypy", "--strict", "--python-version", version, "openai_async", "examples")


@nox.session(python=PYTHON)
def generated(session: nox.Session) -> None:
    """Generated code must match what the generators write now: the sync facade (from the
    async source), the models and the resources with docs/API.md (from
    ../shared/openapi/openapi.yaml, beside the repo, and scripts/operations.toml)."""
    session.install("-e", ".", RUFF, "pyyaml>=6")
    session.run("python", "scripts/gen_sync.py", "--check")
    session.run("python", "scripts/gen_models.py", "--check")
    session.run("python", "scripts/gen_resources.py", "--check")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """The benchmark suite: openai_async vs the official SDK vs a raw floor (no pass/fail).

    The official SDK (with its aiohttp transport), uvloop for the benchmark server and
    matplotlib for the chart are benchmark-only dependencies.
    """
    session.install("-e", ".", "openai[aiohttp]", "uvloop", "matplotlib", "opentelemetry-sdk>=1.27")
    # The suite runs bench_realtime.py and bench_tracing.py too (their own floors).
    session.run("python", "benchmarks/suite.py", *session.posargs)
    session.run("python", "benchmarks/bench_helpers.py")  # the stream helpers' cost per event


@nox.session(python=PYTHON)
def bench_tracing(session: nox.Session) -> None:
    """What tracing costs per chat call and stream: off, no provider, no-op, SDK in memory."""
    session.install("-e", ".[otel]", "opentelemetry-sdk>=1.27", "uvloop")
    session.run("python", "benchmarks/bench_tracing.py", *session.posargs)


@nox.session(python=PYTHON)
def bench_embeddings(session: nox.Session) -> None:
    """create_many under rate limits vs asyncio.gather over the official SDK; iter_many's RSS."""
    session.install("-e", ".[numpy]", "openai")
    session.run("python", "benchmarks/bench_embeddings.py", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """The documentation site (mkdocs.yml, docs/): built with --strict, so a broken link,
    anchor or API reference fails. Offline: no fonts, plugins or assets are fetched."""
    # ruff formats the reference's signatures; the docs' code blocks run in tests/test_docs.py.
    session.install("-e", ".[docs]", RUFF)
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        str(Path(session.create_tmp()) / "site"),
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session(python=PYTHON)
def soak(session: nox.Session) -> None:
    """Calls and streams at concurrency 64 against the local server with random faults
    (benchmarks/soak.py): fails on a foreign exception, a leaked connection or task, or
    memory growth after warm-up; never on speed. About two minutes."""
    session.install("-e", ".")
    session.run("python", "benchmarks/soak.py", *session.posargs)


RAY = "ray[data]==2.60.0"  # wheels for CPython 3.10 to 3.14 on Linux, macOS and Windows


@nox.session(python=PYTHON)
def distributed(session: nox.Session) -> None:
    """The Ray Data integration on a real local Ray cluster (``ray.init(num_cpus=2)``, about
    2 GB of memory) against the rate-limited local server, and the Ray example."""
    session.install("-e", ".[test]", RAY)
    session.run("python", "-m", "pytest", "tests/distributed", *session.posargs)
    session.run("python", "-m", "pytest", "tests/test_examples.py", "-k", "ray_dataset_jobs")
