"""What ``.with_raw_response`` costs over the plain call, paired in one process.

Against ``fast_server.py`` (its own process), the same client alternates rounds of
``chat.completions.create`` and ``chat.completions.with_raw_response.create`` (+ ``parse()``),
``--requests`` each at concurrency 64; the ratio raw / plain is taken per pair of rounds and
its median reported (1.0 = free; the goal is >= 0.95). Alternating in one process keeps the
VM's drift and its two speeds out of the comparison. No pass/fail.

    python benchmarks/bench_raw.py [--requests 2000] [--rounds 9]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from openai_async import AsyncClient

HERE = Path(__file__).resolve().parent
MESSAGES: Any = [{"role": "user", "content": "Say hello"}]


async def _rate(requests: int, one: Any) -> float:
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await one()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(64)))
    return requests / (time.perf_counter() - started)


async def main(requests: int, rounds: int, base: str) -> None:
    async with AsyncClient(api_key="bench", base_url=base) as client:

        async def plain() -> None:
            r = await client.chat.completions.create(model="m", messages=MESSAGES)
            assert r.choices[0].message.content

        async def raw() -> None:
            response = await client.chat.completions.with_raw_response.create(
                model="m", messages=MESSAGES
            )
            assert response.headers.get("content-type")
            assert response.parse().choices[0].message.content

        await _rate(200, plain)  # warm-up: imports, connections
        await _rate(200, raw)
        ratios, plain_rates, raw_rates = [], [], []
        for i in range(rounds):
            order = (plain, raw) if i % 2 == 0 else (raw, plain)
            rates = {fn: await _rate(requests, fn) for fn in order}
            plain_rates.append(rates[plain])
            raw_rates.append(rates[raw])
            ratios.append(rates[raw] / rates[plain])
        print(f"plain create:            {statistics.median(plain_rates):8.0f} req/s (median)")
        print(f"with_raw_response+parse: {statistics.median(raw_rates):8.0f} req/s (median)")
        print(
            f"ratio raw / plain: median {statistics.median(ratios):.3f}"
            f" (rounds: {', '.join(f'{r:.3f}' for r in ratios)})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=9)
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
        asyncio.run(main(args.requests, args.rounds, f"http://127.0.0.1:{port}/v1"))
    finally:
        server.terminate()
        server.wait()
