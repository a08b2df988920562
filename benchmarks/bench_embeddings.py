"""Embedding a corpus under rate limits: ``create_many`` vs a naive ``asyncio.gather``.

A local server in its own process enforces requests- and tokens-per-minute limits with
real 429s, ``Retry-After`` and ``x-ratelimit-*`` headers (``LocalServer.set_rate_limit``).
Reported, with no pass/fail:

* ``create_many`` over 100,000 short inputs: throughput against the best the limits
  allow (after the initial burst the buckets hold), and the 429s it received;
* the same inputs through the official ``openai`` SDK with a naive ``asyncio.gather`` of
  one ``create`` per batch (skipped when ``openai`` is not installed: this script installs
  nothing; ``nox -s bench_embeddings`` does);
* peak RSS of ``iter_many`` at 10k, 100k and 1M inputs (8-dimension vectors), each in a
  fresh process against an unlimited server, with the time each took.

    python benchmarks/bench_embeddings.py [--inputs 100000] [--rpm 1500] [--tpm 1500000]
        [--batch-size 256] [--rss 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import socket
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

from openai_async import AsyncClient
from openai_async.testing import LocalServer
from openai_async.testing._fake import count_tokens

MODEL = "text-embedding-3-small"
BURST_SECONDS = 1.0  # the server's buckets hold one second of budget
DIMENSIONS = 8


def corpus(n: int) -> list[str]:
    return [f"benchmark input number {i}" for i in range(n)]


# -- the server process ------------------------------------------------------------------


def _serve(port: int, limits: tuple[int, int] | None, conn: Connection) -> None:
    async def main() -> None:
        server = LocalServer(port=port)
        server.requests = _Discard()  # a million recorded bodies would only cost memory
        if limits:
            server.set_rate_limit(*limits, burst_seconds=BURST_SECONDS)
        async with server:
            conn.send("ready")
            loop = asyncio.get_running_loop()
            while await loop.run_in_executor(None, conn.recv) != "stop":
                conn.send(server.rate_limited)  # the 429s so far; then full buckets, no 429s
                if limits:
                    server.set_rate_limit(*limits, burst_seconds=BURST_SECONDS)
                server.rate_limited = 0

    asyncio.run(main())


class _Discard(list):  # type: ignore[type-arg]
    def append(self, item: Any) -> None:
        pass


class Server:
    """A LocalServer in a child process; ``command`` talks to it."""

    def __init__(self, limits: tuple[int, int] | None) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(self.port, limits, child), daemon=True)
        self._process.start()
        assert self._conn.recv() == "ready"
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def reset(self) -> int:
        """The 429s sent since the last reset; the budgets are full again after."""
        self._conn.send("reset")
        answer: int = self._conn.recv()
        return answer

    def stop(self) -> None:
        self._conn.send("stop")
        self._process.join(5)


# -- contenders ----------------------------------------------------------------------------


async def ours(base_url: str, texts: list[str], batch_size: int) -> dict[str, Any]:
    async with AsyncClient(api_key="bench", base_url=base_url) as client:
        last: list[Any] = []
        started = time.perf_counter()
        vectors = await client.embeddings.create_many(
            input=texts, model=MODEL, batch_size=batch_size, progress=last.append, as_numpy=True
        )
        elapsed = time.perf_counter() - started
    assert vectors.shape == (len(texts), DIMENSIONS)
    state = last[-1]
    return {
        "seconds": elapsed,
        "rate_limited": state.rate_limited,
        "failed": state.failed,
        "waits": state.waits,
        "requests": state.requests,
    }


async def naive_official(base_url: str, texts: list[str], batch_size: int) -> dict[str, Any] | None:
    try:
        import openai
    except ImportError:
        return None
    client = openai.AsyncOpenAI(api_key="bench", base_url=base_url)
    batches = [texts[i : i + batch_size] for i in range(0, len(texts), batch_size)]
    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(client.embeddings.create(input=b, model=MODEL) for b in batches), return_exceptions=True
    )
    elapsed = time.perf_counter() - started
    await client.close()
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    return {
        "seconds": elapsed,
        "failed_requests": len(failed),
        "failed_inputs": sum(
            len(b) for b, o in zip(batches, outcomes, strict=True) if isinstance(o, BaseException)
        ),
        "requests": len(batches),
        "errors": sorted({type(o).__name__ for o in failed}),
    }


def best_seconds(texts: list[str], batch_size: int, rpm: int, tpm: int) -> float:
    """The shortest time the server's limits allow for these requests (burst included)."""
    requests = -(-len(texts) // batch_size)
    tokens = sum(count_tokens(t) for t in texts)
    return max(
        max(0.0, requests - rpm / 60 * BURST_SECONDS) / (rpm / 60),
        max(0.0, tokens - tpm / 60 * BURST_SECONDS) / (tpm / 60),
    )


# -- peak RSS of iter_many, one process per size ---------------------------------------------


def _memory_kb(field: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, from /proc; else the peak."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> None:
    """Start the peak RSS over from now (Linux), so imports do not count as the job's."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


async def _rss_run(n: int, base_url: str) -> None:
    before = _memory_kb("VmRSS")
    _reset_peak()
    count = 0
    started = time.perf_counter()
    async with AsyncClient(api_key="bench", base_url=base_url) as client:
        lines = (f"corpus line number {i}" for i in range(n))  # never a list: streamed
        async with client.embeddings.iter_many(input=lines, model=MODEL, progress=False) as it:
            async for _index, _vector in it:
                count += 1
    assert count == n
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "rss_before_kb": before,
                "max_rss_kb": _memory_kb("VmHWM"),
            }
        )
    )


def rss(n: int, base_url: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "_rss", str(n), base_url],
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "_rss":
        asyncio.run(_rss_run(int(sys.argv[2]), sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--rpm", type=int, default=1_500)
    parser.add_argument("--tpm", type=int, default=1_500_000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rss", default="10000,100000,1000000")
    args = parser.parse_args()

    texts = corpus(args.inputs)
    best = best_seconds(texts, args.batch_size, args.rpm, args.tpm)
    print(
        f"{args.inputs:,} inputs in batches of {args.batch_size}; limits {args.rpm:,} requests "
        f"and {args.tpm:,} tokens a minute ({BURST_SECONDS:g} s bursts): best possible {best:.1f} s"
    )
    server = Server((args.rpm, args.tpm))
    try:
        mine = asyncio.run(ours(server.base_url, texts, args.batch_size))
        mine["server_429s"] = server.reset()
        print(
            f"  openai_async create_many: {mine['seconds']:.1f} s = "
            f"{best / mine['seconds']:.0%} of the limit's throughput "
            f"({args.inputs / mine['seconds']:,.0f} inputs/s); {mine['server_429s']} 429s; "
            f"{mine['requests']} requests, {mine['waits']} held back before the limit, "
            f"{mine['failed']} inputs failed"
        )
        naive = asyncio.run(naive_official(server.base_url, texts, args.batch_size))
        if naive is None:
            print("  official SDK + asyncio.gather: skipped (openai is not installed)")
        else:
            naive["server_429s"] = server.reset()
            done = args.inputs - naive["failed_inputs"]
            print(
                f"  official SDK + asyncio.gather: {naive['seconds']:.1f} s; "
                f"{naive['server_429s']} 429s; {naive['failed_requests']} of "
                f"{naive['requests']} requests failed ({', '.join(naive['errors']) or 'none'}), "
                f"{done:,} of {args.inputs:,} inputs embedded"
            )
    finally:
        server.stop()

    sizes = [int(x) for x in args.rss.split(",") if x]
    if sizes:
        print("iter_many peak RSS (fresh process each, unlimited server, 8 dimensions):")
        server = Server(None)
        try:
            for n in sizes:
                got = rss(n, server.base_url)
                print(
                    f"  {n:>9,} inputs: peak RSS {got['max_rss_kb'] / 1024:6.1f} MiB "
                    f"({got['rss_before_kb'] / 1024:.1f} MiB before the job), "
                    f"{got['seconds']:.1f} s ({n / got['seconds']:,.0f} inputs/s)"
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
