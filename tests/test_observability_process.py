"""What only a fresh process shows: ``import openai_async`` leaves opentelemetry alone,
a globally set tracer provider is picked up, and ``OPENAI_LOG`` configures the logger."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-test-abcdefghijklmnop"


def run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "OTEL_"))}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(code)],
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


CHAT = f"""
    import asyncio
    from openai_async import AsyncClient
    from openai_async.testing import LocalServer

    async def chat():
        async with LocalServer() as server, AsyncClient(
            api_key="{KEY}", base_url=server.base_url
        ) as client:
            await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{{"role": "user", "content": "hi"}}]
            )
"""


def test_import_does_not_load_opentelemetry():
    done = run(
        """
        import sys
        import openai_async
        print(sorted(m for m in sys.modules if m.startswith("opentelemetry")))
        """
    )
    assert done.stdout.strip() == "[]"


def test_a_global_tracer_provider_is_used():
    pytest.importorskip("opentelemetry.sdk")
    done = run(
        CHAT
        + """
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    asyncio.run(chat())  # before the provider is set: nothing recorded, nothing fails
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    asyncio.run(chat())
    print([s.name for s in exporter.get_finished_spans()])
    """
    )
    assert done.stdout.strip() == "['chat gpt-4o-mini']"


@pytest.mark.parametrize(("level", "expected"), [("debug", True), ("info", False)])
def test_openai_log_configures_our_logger(level, expected):
    done = run(CHAT + "\n    asyncio.run(chat())\n", OPENAI_LOG=level)
    assert ("openai_async" in done.stderr and "DEBUG" in done.stderr) is expected
    assert KEY not in done.stderr


def test_without_openai_log_nothing_is_printed():
    done = run(CHAT + "\n    asyncio.run(chat())\n")
    assert done.stderr == ""
