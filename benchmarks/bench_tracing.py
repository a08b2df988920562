"""What tracing costs: chat calls and streams with telemetry off, on with no provider, on
with no-op providers, and on with the OpenTelemetry SDK recording into memory.

Against ``fast_server.py`` (its own process), one process alternates rounds of each mode
(``--requests`` chat calls at concurrency 64, and ``--streams`` streams of ``--chunks``
chunks at concurrency 16), and reports each mode's median client CPU time per call (this
process's CPU time over the round: what tracing adds, and steadier than wall time on a
busy machine) with its median ratio baseline / mode, taken per round (1.0 = free), and the
wall-clock rate. Modes:

* ``baseline``: the send loop without the tracing wrapper (the code before this feature);
* ``off``: ``Telemetry(enabled=False)``;
* ``no provider``: the default, with opentelemetry imported but no provider set;
* ``no-op``: ``NoOpTracerProvider`` and ``NoOpMeterProvider`` passed in;
* ``in-memory``: the SDK's ``TracerProvider`` (``SimpleSpanProcessor`` into an
  ``InMemorySpanExporter``, cleared each round) and a ``MeterProvider`` with an
  ``InMemoryMetricReader``.

Needs ``opentelemetry-sdk``. No pass/fail.

    python benchmarks/bench_tracing.py [--requests 2000] [--streams 200] [--chunks 50]
        [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NoOpTracerProvider

from openai_async import AsyncClient, Telemetry
from openai_async._client import AsyncClient as _Client

HERE = Path(__file__).resolve().parent
MESSAGES: Any = [{"role": "user", "content": "Say hello"}]
TRACED_SEND = _Client._send
PLAIN_SEND = TRACED_SEND.__wrapped__  # type: ignore[attr-defined]


async def _rate(
    count: int, concurrency: int, one: Callable[[], Awaitable[None]]
) -> tuple[float, float]:
    """Calls per second (wall clock) and CPU microseconds per call (this process)."""
    remaining = count

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await one()

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started), (time.process_time() - cpu) / count * 1e6


async def main(args: argparse.Namespace, base: str) -> None:
    exporter = InMemorySpanExporter()
    sdk_tracer = TracerProvider()
    sdk_tracer.add_span_processor(SimpleSpanProcessor(exporter))
    sdk_meter = MeterProvider(metric_readers=[InMemoryMetricReader()])
    modes: dict[str, Telemetry | None] = {
        "baseline": None,
        "off": Telemetry(enabled=False),
        "no provider": Telemetry(),
        "no-op": Telemetry(
            tracer_provider=NoOpTracerProvider(), meter_provider=NoOpMeterProvider()
        ),
        "in-memory": Telemetry(tracer_provider=sdk_tracer, meter_provider=sdk_meter),
    }
    async with AsyncClient(api_key="bench", base_url=base) as client:
        stream_client = client.with_options(default_query={"chunks": args.chunks})

        async def chat(c: AsyncClient) -> None:
            r = await c.chat.completions.create(model="m", messages=MESSAGES)
            assert r.choices[0].message.content

        async def stream(c: AsyncClient) -> None:
            s = await c.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            n = 0
            async for _ in s:
                n += 1
            assert n >= args.chunks

        async def measure(mode: str, kind: str) -> tuple[float, float]:
            telemetry = modes[mode]
            _Client._send = PLAIN_SEND if telemetry is None else TRACED_SEND  # type: ignore[method-assign]
            options = {"telemetry": telemetry or Telemetry(enabled=False)}
            exporter.clear()
            if kind == "chat":
                c = client.with_options(**options)
                return await _rate(args.requests, 64, lambda: chat(c))
            c = stream_client.with_options(**options)
            return await _rate(args.streams, 16, lambda: stream(c))

        for kind in ("chat", "stream"):
            for mode in modes:  # warm-up: imports, connections
                await measure(mode, kind)
            rates: dict[str, list[float]] = {m: [] for m in modes}
            cpus: dict[str, list[float]] = {m: [] for m in modes}
            ratios: dict[str, list[float]] = {m: [] for m in modes}
            for i in range(args.rounds):
                order = list(modes) if i % 2 == 0 else list(reversed(modes))
                found = {mode: await measure(mode, kind) for mode in order}
                for mode, (rate, cpu) in found.items():
                    rates[mode].append(rate)
                    cpus[mode].append(cpu)
                    ratios[mode].append(found["baseline"][1] / cpu)
            what = "call" if kind == "chat" else f"stream of {args.chunks} chunks"
            print(f"{kind}: client CPU per {what}, ratio baseline / mode, wall-clock rate")
            for mode in modes:
                print(
                    f"  {mode:12} {statistics.median(cpus[mode]):7.0f} us"
                    f"  ratio {statistics.median(ratios[mode]):.3f}"
                    f"  {statistics.median(rates[mode]):6.0f}/s"
                )
    _Client._send = TRACED_SEND  # type: ignore[method-assign]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(HERE / "fast_server.py"), str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        server.stdout.readline()  # "ready"
        asyncio.run(main(args, f"http://127.0.0.1:{port}/v1"))
    finally:
        server.terminate()
        server.wait()
